package frontend_test

import (
	"fmt"
	"math"

	"github.com/genie-voice/genie/audio/frontend"
)

// A steady 1 kHz tone in 10 ms blocks: the first feature vector comes after three
// blocks (30 ms), then one per block. Noise reduction and PCAN slowly adapt to the
// steady tone, so its channel value falls.
func ExampleFrontend_Process() {
	f, err := frontend.New(frontend.DefaultConfig)
	if err != nil {
		fmt.Println(err)
		return
	}
	block := make([]int16, 160)
	var fr frontend.Frame
	for b := range 5 {
		start := int64(160 * b)
		for i := range block {
			block[i] = int16(8000 * math.Sin(2*math.Pi*1000*float64(start+int64(i))/16000))
		}
		if f.Process(block, start, &fr) {
			top := 0 // the loudest channel
			for c, v := range fr.Values {
				if v > fr.Values[top] {
					top = c
				}
			}
			fmt.Printf("window ending at sample %d: channel %d = %d (model input %d)\n",
				fr.End, top, fr.Values[top], frontend.QuantizeInput(fr.Values[top]))
		}
	}
	// Output:
	// window ending at sample 480: channel 12 = 665 (model input 127)
	// window ending at sample 640: channel 12 = 621 (model input 111)
	// window ending at sample 800: channel 12 = 597 (model input 101)
}
