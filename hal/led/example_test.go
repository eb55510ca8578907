package led_test

import (
	"fmt"
	"image/color"

	"periph.io/x/conn/v3/spi/spitest"

	"github.com/genie-voice/genie/hal/led"
)

// ExampleNewAPA102 lights the ReSpeaker HAT's three APA102 LEDs red, green and blue
// on a recording SPI port and prints the bytes sent.
func ExampleNewAPA102() {
	port := &spitest.Record{} // on a board: spireg.Open("SPI0.0")
	ring, err := led.NewAPA102(port, &led.Opts{NumLEDs: 3, Intensity: 255})
	if err != nil {
		fmt.Println(err)
		return
	}
	ring.Show([]color.RGBA{{255, 0, 0, 255}, {0, 255, 0, 255}, {0, 0, 255, 255}})
	fmt.Printf("%s\n% x\n", ring, port.Ops[0].W)
	// Output:
	// APA102{3 LEDs, record}
	// 00 00 00 00 ff 00 00 ff ff 00 ff 00 ff ff 00 00 ff
}
