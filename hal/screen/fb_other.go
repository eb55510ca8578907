//go:build !linux

package screen

import (
	"errors"
	"os"
)

// QueryFB is only available on Linux.
func QueryFB(f *os.File) (Geometry, error) {
	return Geometry{}, errors.New("screen: framebuffers need Linux")
}
