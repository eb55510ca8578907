package mcu

import "errors"

// Errors of the COBS layer.
var (
	errCOBSZero  = errors.New("mcu: zero byte inside a COBS frame")
	errCOBSShort = errors.New("mcu: COBS frame truncated")
)

// appendCOBS appends the COBS encoding of src (without the 0x00 delimiter) to dst.
// The encoding is Cheshire and Baker's: every block starts with a code byte n meaning
// "n-1 data bytes follow, then a zero, unless n is 0xFF or the frame ends".
func appendCOBS(dst, src []byte) []byte {
	codeAt := len(dst)
	dst = append(dst, 0)
	code := byte(1)
	for i, b := range src {
		if b != 0 {
			dst = append(dst, b)
			code++
			if code != 0xFF || i == len(src)-1 {
				continue
			}
		}
		dst[codeAt] = code
		codeAt = len(dst)
		dst = append(dst, 0)
		code = 1
	}
	dst[codeAt] = code
	return dst
}

// decodeCOBS decodes src (one frame, delimiter removed) into dst[:0] and returns it.
func decodeCOBS(dst, src []byte) ([]byte, error) {
	dst = dst[:0]
	for i := 0; i < len(src); {
		code := src[i]
		if code == 0 {
			return dst, errCOBSZero
		}
		i++
		end := i + int(code) - 1
		if end > len(src) {
			return dst, errCOBSShort
		}
		for _, b := range src[i:end] {
			if b == 0 {
				return dst, errCOBSZero
			}
		}
		dst = append(dst, src[i:end]...)
		i = end
		if code != 0xFF && i < len(src) {
			dst = append(dst, 0)
		}
	}
	return dst, nil
}
