package frontend

import "math"

// log1pf is ln(1+x) in float32, computed exactly as glibc 2.36's log1pf on x86-64
// (the fdlibm algorithm: reduce 1+x to 2^k * (1+f) with sqrt(2)/2 <= 1+f < sqrt(2),
// then a degree-14 odd polynomial in s = f/(2+f)). glibc's result is not always
// correctly rounded: float32(math.Log1p(x)) differs in the last bit for about one
// filterbank bin in ten, and that moves some Q12 filterbank weights by one. The
// reference features were produced with glibc, so the mel scale must use this.
//
// Every intermediate is converted to float32 explicitly so that the Go compiler does
// not fuse multiply-adds (it may on arm64), which would change the result.
func log1pf(x float32) float32 {
	const (
		ln2Hi = float32(6.9313812256e-01) // 0x3f317180
		ln2Lo = float32(9.0580006145e-06) // 0x3717f7d1
		lp1   = float32(6.6666668653e-01) // 0x3f2aaaab
		lp2   = float32(4.0000000596e-01) // 0x3ecccccd
		lp3   = float32(2.8571429849e-01) // 0x3e924925
		lp4   = float32(2.2222198546e-01) // 0x3e638e29
		lp5   = float32(1.8183572590e-01) // 0x3e3a3325
		lp6   = float32(1.5313838422e-01) // 0x3e1cd04f
		lp7   = float32(1.4798198640e-01) // 0x3e178897
	)
	hx := int32(math.Float32bits(x))
	ax := hx & 0x7fffffff
	var f, c, hfsq float32
	var hu int32
	k := int32(1)
	if hx < 0x3ed413d7 { // x < 0.41422
		if ax >= 0x3f800000 { // x <= -1
			if x == -1 {
				return float32(math.Inf(-1))
			}
			return float32(math.NaN())
		}
		if ax < 0x31000000 { // |x| < 2^-29
			if ax < 0x24800000 { // |x| < 2^-54
				return x
			}
			return x - float32(float32(x*x)*0.5)
		}
		if hx > 0 || hx <= int32(-0x416a09e1) { // -0.2929 < x < 0.41422 (0xbe95f61f)
			k, f, hu = 0, x, 1
		}
	}
	if hx >= 0x7f800000 {
		return x + x
	}
	if k != 0 {
		var u float32
		if hx < 0x5a000000 {
			u = 1 + x
			hu = int32(math.Float32bits(u))
			k = hu>>23 - 127
			if k > 0 { // correction term
				c = 1 - float32(u-x)
			} else {
				c = x - float32(u-1)
			}
			c /= u
		} else {
			u = x
			hu = int32(math.Float32bits(u))
			k = hu>>23 - 127
			c = 0
		}
		hu &= 0x007fffff
		if hu < 0x3504f7 {
			u = math.Float32frombits(uint32(hu | 0x3f800000)) // normalize u
		} else {
			k++
			u = math.Float32frombits(uint32(hu | 0x3f000000)) // normalize u/2
			hu = (0x00800000 - hu) >> 2
		}
		f = u - 1
	}
	fk := float32(k)
	hfsq = float32(float32(0.5*f) * f)
	if hu == 0 { // |f| < 2^-20
		if f == 0 {
			if k == 0 {
				return 0
			}
			c += float32(fk * ln2Lo)
			return float32(fk*ln2Hi) + c
		}
		r := float32(hfsq * float32(1-float32(float32(0.66666666666666666)*f)))
		if k == 0 {
			return f - r
		}
		return float32(fk*ln2Hi) - float32(float32(r-float32(float32(fk*ln2Lo)+c))-f)
	}
	s := float32(f / float32(2+f))
	z := float32(s * s)
	p := float32(lp6 + float32(z*lp7))
	p = float32(lp5 + float32(z*p))
	p = float32(lp4 + float32(z*p))
	p = float32(lp3 + float32(z*p))
	p = float32(lp2 + float32(z*p))
	p = float32(lp1 + float32(z*p))
	r := float32(z * p)
	if k == 0 {
		return f - float32(hfsq-float32(s*float32(hfsq+r)))
	}
	return float32(fk*ln2Hi) - float32(float32(hfsq-float32(float32(s*float32(hfsq+r))+float32(float32(fk*ln2Lo)+c)))-f)
}
