package frontend

import "math"

// This file is a fixed-point real FFT that reproduces kissfft v130 built with
// FIXED_POINT=16 (kiss_fftr over a half-size complex kiss_fft), which is what the
// microfrontend uses. The arithmetic follows kissfft's macros exactly:
//
//   - samples and twiddles are int16 (Q15); products are int32;
//   - S_MUL/C_MUL round a product sum with (x + 2^14) >> 15 and truncate to int16;
//   - every butterfly stage first divides its inputs by its radix p by multiplying
//     with 32767/p (integer division) and rounding the same way (C_FIXDIV);
//   - complex additions wrap to int16; HALF_OF shifts the int-promoted sum right by 1;
//   - twiddles are floor(0.5 + 32767*cos(phase)), computed in float64.
//
// kissfft factors the size into radix 4 stages and at most one radix 2 stage (sizes
// here are powers of two). kf_work recurses depth first; the groups of one stage
// touch disjoint data, so running the stages bottom up over a digit-reversed copy of
// the input gives identical results.

// cpx is kiss_fft_cpx for FIXED_POINT=16.
type cpx struct{ r, i int16 }

const sampMax = 32767 // SAMP_MAX of the int16 build

// sround is kissfft's rounding of a Q30 product sum back to Q15, truncated to int16.
func sround(x int32) int16 { return int16((x + 1<<14) >> 15) }

// fixdiv is C_FIXDIV: c / p with the rounding of DIVSCALAR.
func fixdiv(c cpx, div int32) cpx {
	return cpx{sround(int32(c.r) * div), sround(int32(c.i) * div)}
}

// cmul is C_MUL.
func cmul(a, b cpx) cpx {
	return cpx{
		sround(int32(a.r)*int32(b.r) - int32(a.i)*int32(b.i)),
		sround(int32(a.r)*int32(b.i) + int32(a.i)*int32(b.r)),
	}
}

// kissTwiddle is kf_cexp with the fixed-point KISS_FFT_COS/SIN. The explicit float64
// conversion keeps the compiler from fusing the multiply and add (arm64 would).
func kissTwiddle(phase float64) cpx {
	return cpx{
		int16(math.Floor(0.5 + float64(sampMax*math.Cos(phase)))),
		int16(math.Floor(0.5 + float64(sampMax*math.Sin(phase)))),
	}
}

// stage is one butterfly stage: radix p, sub-transform length m, twiddle stride, and
// its twiddles laid out per butterfly (tw[k*stride] for radix 2; tw[k*stride],
// tw[2k*stride], tw[3k*stride] for radix 4) so the inner loop reads them in order.
type stage struct {
	p, m, stride int
	tw           []cpx
}

// realFFT is a forward kiss_fftr of size n (a power of two, n >= 4).
type realFFT struct {
	n      int
	ncfft  int   // n/2, size of the complex transform
	perm   []int // tmp[j] = in[perm[j]] before the first stage
	stages []stage
	tw     []cpx // ncfft twiddles of the complex transform
	super  []cpx // ncfft/2 twiddles of the real split
	tmp    []cpx // ncfft, the complex transform's output
}

func newRealFFT(n int) *realFFT {
	f := &realFFT{n: n, ncfft: n / 2}
	nc := f.ncfft
	f.tw = make([]cpx, nc)
	for i := range f.tw {
		f.tw[i] = kissTwiddle(-2 * math.Pi * float64(i) / float64(nc))
	}
	f.super = make([]cpx, nc/2)
	for i := range f.super {
		f.super[i] = kissTwiddle(-3.14159265358979323846264338327 * (float64(i+1)/float64(nc) + .5))
	}
	// kf_factor: powers of 4 first, then 2.
	var factors []stage
	stride := 1
	for m := nc; m > 1; {
		p := 4
		if m%4 != 0 {
			p = 2
		}
		m /= p
		factors = append(factors, stage{p: p, m: m, stride: stride})
		stride *= p
	}
	// Stages run innermost (last factor) first.
	for i := len(factors) - 1; i >= 0; i-- {
		s := factors[i]
		s.tw = make([]cpx, 0, (s.p-1)*s.m)
		for k := 0; k < s.m; k++ {
			for q := 1; q < s.p; q++ {
				s.tw = append(s.tw, f.tw[q*k*s.stride])
			}
		}
		f.stages = append(f.stages, s)
	}
	f.perm = make([]int, nc)
	f.buildPerm(factors, 0, 0, 1)
	f.tmp = make([]cpx, nc)
	return f
}

// buildPerm mirrors the recursion of kf_work to find which input lands where.
func (f *realFFT) buildPerm(factors []stage, out, in, fstride int) {
	p, m := factors[0].p, factors[0].m
	if m == 1 {
		for k := 0; k < p; k++ {
			f.perm[out+k] = in + k*fstride
		}
		return
	}
	for k := 0; k < p; k++ {
		f.buildPerm(factors[1:], out+k*m, in+k*fstride, fstride*p)
	}
}

// transform computes the n/2+1 bins of the real input in (len n), first shifted left
// by shift bits with 16-bit wrap-around (the microfrontend's input scaling), into out.
func (f *realFFT) transform(in []int16, shift int, out []cpx) {
	nc := f.ncfft
	tmp := f.tmp[:nc]
	perm := f.perm[:nc]
	in = in[:f.n]
	out = out[:nc+1]
	// The real input is read as nc complex values (even samples real, odd imaginary).
	for j, p := range perm {
		tmp[j] = cpx{int16(uint16(in[2*p]) << shift), int16(uint16(in[2*p+1]) << shift)}
	}
	for _, s := range f.stages {
		if s.p == 4 {
			radix4(tmp, s.tw, s.m)
		} else {
			radix2(tmp, s.tw, s.m)
		}
	}

	// kiss_fftr: split the packed transform into the spectrum of the real signal.
	tdc := fixdiv(tmp[0], sampMax/2)
	out[0] = cpx{tdc.r + tdc.i, 0}
	out[nc] = cpx{tdc.r - tdc.i, 0}
	super := f.super[:nc/2]
	for k := 1; k <= nc/2; k++ {
		fpk := fixdiv(tmp[k], sampMax/2)
		fpnk := fixdiv(cpx{tmp[nc-k].r, -tmp[nc-k].i}, sampMax/2)
		f1k := cpx{fpk.r + fpnk.r, fpk.i + fpnk.i}
		f2k := cpx{fpk.r - fpnk.r, fpk.i - fpnk.i}
		tw := cmul(f2k, super[k-1])
		out[k] = cpx{int16((int32(f1k.r) + int32(tw.r)) >> 1), int16((int32(f1k.i) + int32(tw.i)) >> 1)}
		out[nc-k] = cpx{int16((int32(f1k.r) - int32(tw.r)) >> 1), int16((int32(tw.i) - int32(f1k.i)) >> 1)}
	}
}

// mulOne is C_MUL by the twiddle of phase 0, (32767, 0): the product still rounds.
func mulOne(a cpx) cpx {
	return cpx{sround(int32(a.r) * sampMax), sround(int32(a.i) * sampMax)}
}

// radix2 runs kf_bfly2 on every group of 2m values of data; tw holds the stage's m
// twiddles.
func radix2(data []cpx, tw []cpx, m int) {
	tw = tw[:m]
	for g := 0; g+2*m <= len(data); g += 2 * m {
		a, b := data[g:g+m], data[g+m:g+2*m]
		for k := range a {
			x := fixdiv(a[k], sampMax/2)
			y := fixdiv(b[k], sampMax/2)
			t := cmul(y, tw[k])
			b[k] = cpx{x.r - t.r, x.i - t.i}
			a[k] = cpx{x.r + t.r, x.i + t.i}
		}
	}
}

// radix4 runs kf_bfly4 (forward) on every group of 4m values of data; tw holds the
// stage's 3m twiddles. The butterfly is written out twice, for the first stage (m = 1,
// all twiddles of phase 0) and for the others, because the compiler does not inline
// it and the call costs a third of the time.
func radix4(data []cpx, tw []cpx, m int) {
	if m == 1 {
		for g := 0; g+4 <= len(data); g += 4 {
			d := data[g : g+4 : g+4]
			x0 := fixdiv(d[0], sampMax/4)
			s0 := mulOne(fixdiv(d[1], sampMax/4))
			s1 := mulOne(fixdiv(d[2], sampMax/4))
			s2 := mulOne(fixdiv(d[3], sampMax/4))
			s5 := cpx{x0.r - s1.r, x0.i - s1.i}
			x0 = cpx{x0.r + s1.r, x0.i + s1.i}
			s3 := cpx{s0.r + s2.r, s0.i + s2.i}
			s4 := cpx{s0.r - s2.r, s0.i - s2.i}
			d[0] = cpx{x0.r + s3.r, x0.i + s3.i}
			d[1] = cpx{s5.r + s4.i, s5.i - s4.r}
			d[2] = cpx{x0.r - s3.r, x0.i - s3.i}
			d[3] = cpx{s5.r - s4.i, s5.i + s4.r}
		}
		return
	}
	tw = tw[:3*m]
	for g := 0; g+4*m <= len(data); g += 4 * m {
		d := data[g : g+4*m : g+4*m]
		for k := 0; k < m; k++ {
			t := tw[3*k : 3*k+3 : 3*k+3]
			i1, i2, i3 := k+m, k+2*m, k+3*m
			x0 := fixdiv(d[k], sampMax/4)
			s0 := cmul(fixdiv(d[i1], sampMax/4), t[0])
			s1 := cmul(fixdiv(d[i2], sampMax/4), t[1])
			s2 := cmul(fixdiv(d[i3], sampMax/4), t[2])
			s5 := cpx{x0.r - s1.r, x0.i - s1.i}
			x0 = cpx{x0.r + s1.r, x0.i + s1.i}
			s3 := cpx{s0.r + s2.r, s0.i + s2.i}
			s4 := cpx{s0.r - s2.r, s0.i - s2.i}
			d[k] = cpx{x0.r + s3.r, x0.i + s3.i}
			d[i1] = cpx{s5.r + s4.i, s5.i - s4.r}
			d[i2] = cpx{x0.r - s3.r, x0.i - s3.i}
			d[i3] = cpx{s5.r - s4.i, s5.i + s4.r}
		}
	}
}
