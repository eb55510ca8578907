//go:build linux

package mcutest

import (
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// PTY is a pseudo-terminal pair standing in for a UART cable: the fake MCU reads and
// writes Master, the host opens Path (a /dev/pts/N name) with go.bug.st/serial.
type PTY struct {
	Master *os.File
	Path   string
	slave  *os.File // held open so Master never reads EIO before the host opens Path
}

// OpenPTY opens a pseudo-terminal in raw mode (no echo, no CR/LF mapping), so bytes
// pass unchanged in both directions even before the host configures its end.
func OpenPTY() (*PTY, error) {
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		return nil, fmt.Errorf("mcutest: open /dev/ptmx: %w", err)
	}
	rc, err := master.SyscallConn()
	if err != nil {
		master.Close()
		return nil, err
	}
	var n int
	var ierr error
	err = rc.Control(func(fd uintptr) {
		if ierr = unix.IoctlSetPointerInt(int(fd), unix.TIOCSPTLCK, 0); ierr != nil {
			return
		}
		n, ierr = unix.IoctlGetInt(int(fd), unix.TIOCGPTN)
	})
	if err = errors.Join(err, ierr); err != nil {
		master.Close()
		return nil, fmt.Errorf("mcutest: unlock pty: %w", err)
	}
	p := &PTY{Master: master, Path: fmt.Sprintf("/dev/pts/%d", n)}
	p.slave, err = os.OpenFile(p.Path, os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		master.Close()
		return nil, fmt.Errorf("mcutest: open %s: %w", p.Path, err)
	}
	if err := makeRaw(int(p.slave.Fd())); err != nil {
		p.Close()
		return nil, fmt.Errorf("mcutest: raw mode on %s: %w", p.Path, err)
	}
	return p, nil
}

func makeRaw(fd int) error {
	t, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		return err
	}
	t.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL | unix.IXON
	t.Oflag &^= unix.OPOST
	t.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
	t.Cflag &^= unix.CSIZE | unix.PARENB
	t.Cflag |= unix.CS8
	t.Cc[unix.VMIN], t.Cc[unix.VTIME] = 1, 0
	return unix.IoctlSetTermios(fd, unix.TCSETS, t)
}

// Close closes both ends the helper holds: the host's reads fail as if the cable was
// pulled, and Path disappears.
func (p *PTY) Close() error {
	return errors.Join(p.slave.Close(), p.Master.Close())
}
