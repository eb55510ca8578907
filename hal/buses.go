package hal

import (
	"fmt"
	"io"
	"os"
	"sync"

	"go.bug.st/serial"
	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/gpio/gpioreg"
	"periph.io/x/conn/v3/i2c"
	"periph.io/x/conn/v3/i2c/i2creg"
	"periph.io/x/conn/v3/physic"
	"periph.io/x/conn/v3/spi"
	"periph.io/x/conn/v3/spi/spireg"
	"periph.io/x/host/v3"

	"github.com/genie-voice/genie/hal/screen"
)

// Buses opens the buses and ports a board's devices sit on. HostBuses opens real ones;
// haltest.Buses hands out periph's recording fakes.
type Buses interface {
	SPI(name string) (spi.PortCloser, error)                    // e.g. "SPI0.0" or "/dev/spidev0.0"
	I2C(name string) (i2c.BusCloser, error)                     // e.g. "1" or "I2C1"; "" = first bus
	Pin(name string) (gpio.PinIO, error)                        // e.g. "GPIO17"
	Serial(name string, baud int) (io.ReadWriteCloser, error)   // e.g. "/dev/ttyS1", 115200
	Framebuffer(path string) (*os.File, screen.Geometry, error) // e.g. "/dev/fb0"
}

// HostBuses opens real hardware: periph.io host drivers for SPI, I²C and GPIO,
// go.bug.st/serial for UARTs, and /dev/fbN with its geometry from the kernel.
type HostBuses struct {
	once sync.Once
	err  error
}

func (h *HostBuses) init() error {
	h.once.Do(func() {
		if _, err := host.Init(); err != nil {
			h.err = fmt.Errorf("hal: periph host init: %w", err)
		}
	})
	return h.err
}

// SPI opens an SPI port by periph name.
func (h *HostBuses) SPI(name string) (spi.PortCloser, error) {
	if err := h.init(); err != nil {
		return nil, err
	}
	p, err := spireg.Open(name)
	if err != nil {
		return nil, fmt.Errorf("hal: open SPI %q: %w", name, err)
	}
	return p, nil
}

// I2C opens an I²C bus by periph name.
func (h *HostBuses) I2C(name string) (i2c.BusCloser, error) {
	if err := h.init(); err != nil {
		return nil, err
	}
	b, err := i2creg.Open(name)
	if err != nil {
		return nil, fmt.Errorf("hal: open I2C %q: %w", name, err)
	}
	return b, nil
}

// Pin finds a GPIO pin by periph name.
func (h *HostBuses) Pin(name string) (gpio.PinIO, error) {
	if err := h.init(); err != nil {
		return nil, err
	}
	p := gpioreg.ByName(name)
	if p == nil {
		return nil, fmt.Errorf("hal: no GPIO pin %q", name)
	}
	return p, nil
}

// Serial opens a UART at baud, 8N1, no flow control.
func (h *HostBuses) Serial(name string, baud int) (io.ReadWriteCloser, error) {
	p, err := serial.Open(name, &serial.Mode{BaudRate: baud, DataBits: 8, Parity: serial.NoParity, StopBits: serial.OneStopBit})
	if err != nil {
		return nil, fmt.Errorf("hal: open serial %s: %w", name, err)
	}
	return p, nil
}

// Framebuffer opens a framebuffer device and reads its geometry.
func (h *HostBuses) Framebuffer(path string) (*os.File, screen.Geometry, error) {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return nil, screen.Geometry{}, fmt.Errorf("hal: %w", err)
	}
	g, err := screen.QueryFB(f)
	if err != nil {
		f.Close()
		return nil, screen.Geometry{}, err
	}
	return f, g, nil
}

func physicHz(hz int64) physic.Frequency { return physic.Frequency(hz) * physic.Hertz }
