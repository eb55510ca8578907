//go:build linux

package screen

import (
	"fmt"
	"os"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Linux framebuffer ioctls (linux/fb.h).
const (
	fbioGetVScreenInfo = 0x4600
	fbioGetFScreenInfo = 0x4602
)

type fbBitfield struct{ Offset, Length, MsbRight uint32 }

// fbVarScreenInfo is struct fb_var_screeninfo.
type fbVarScreenInfo struct {
	XRes, YRes, XResVirtual, YResVirtual, XOffset, YOffset uint32
	BitsPerPixel, Grayscale                                uint32
	Red, Green, Blue, Transp                               fbBitfield
	NonStd, Activate, Height, Width, AccelFlags            uint32
	PixClock, LeftMargin, RightMargin, UpperMargin         uint32
	LowerMargin, HSyncLen, VSyncLen, Sync, VMode, Rotate   uint32
	Colorspace                                             uint32
	Reserved                                               [4]uint32
}

// fbFixScreenInfo is struct fb_fix_screeninfo.
type fbFixScreenInfo struct {
	ID                             [16]byte
	SmemStart                      uintptr
	SmemLen, Type, TypeAux, Visual uint32
	XPanStep, YPanStep, YWrapStep  uint16
	LineLength                     uint32
	MmioStart                      uintptr
	MmioLen, Accel                 uint32
	Capabilities                   uint16
	Reserved                       [2]uint16
}

// QueryFB reads the geometry of an open framebuffer device with the FBIOGET_*SCREENINFO
// ioctls. It fails on anything that is not a framebuffer in RGB565 or XRGB8888.
func QueryFB(f *os.File) (Geometry, error) {
	var v fbVarScreenInfo
	var x fbFixScreenInfo
	rc, err := f.SyscallConn()
	if err != nil {
		return Geometry{}, fmt.Errorf("screen: %s: %w", f.Name(), err)
	}
	var errno unix.Errno
	err = rc.Control(func(fd uintptr) {
		if _, _, errno = unix.Syscall(unix.SYS_IOCTL, fd, fbioGetVScreenInfo, uintptr(unsafe.Pointer(&v))); errno != 0 {
			return
		}
		_, _, errno = unix.Syscall(unix.SYS_IOCTL, fd, fbioGetFScreenInfo, uintptr(unsafe.Pointer(&x)))
	})
	if err == nil && errno != 0 {
		err = errno
	}
	if err != nil {
		return Geometry{}, fmt.Errorf("screen: %s is not a framebuffer: %w", f.Name(), err)
	}
	g := Geometry{Width: int(v.XRes), Height: int(v.YRes), Stride: int(x.LineLength)}
	switch {
	case v.BitsPerPixel == 16 && v.Red.Offset == 11 && v.Green.Offset == 5 && v.Blue.Offset == 0:
		g.Format = RGB565
	case v.BitsPerPixel == 32 && v.Red.Offset == 16 && v.Green.Offset == 8 && v.Blue.Offset == 0:
		g.Format = XRGB8888
	default:
		return Geometry{}, fmt.Errorf("screen: %s: unsupported layout: %d bpp, red at %d, green at %d, blue at %d",
			f.Name(), v.BitsPerPixel, v.Red.Offset, v.Green.Offset, v.Blue.Offset)
	}
	return g, nil
}
