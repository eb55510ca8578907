package wakeword_test

import (
	"fmt"

	"github.com/genie-voice/genie/wakeword"
	"github.com/genie-voice/genie/wakeword/internal/tfltest"
)

// A listener loop feeds one front-end frame per 10 ms block and reuses the
// detection slice, so the loop allocates nothing.
func ExampleEngine() {
	// Real code: wakeword.LoadModel("models/microwakeword/okay_nabu.json").
	// Here a tiny synthetic model that fires on loud input.
	model, err := wakeword.LoadModelBytes("loud", tfltest.Manifest("loud.tflite", 0.97), tfltest.Build(tfltest.Spec{Weight: 1}))
	if err != nil {
		fmt.Println(err)
		return
	}
	eng, err := wakeword.NewEngine([]*wakeword.Model{model}, wakeword.EngineOpts{})
	if err != nil {
		fmt.Println(err)
		return
	}
	dets := make([]wakeword.Detection, 0, 4)
	var f wakeword.Frame
	for k := range 300 { // 3 s: quiet, then loud from 1.5 s
		for i := range f.Values {
			f.Values[i] = 0
			if k >= 150 {
				f.Values[i] = 600
			}
		}
		f.End = int64(160*k + 480)
		dets = eng.Process(&f, dets[:0])
		for _, d := range dets {
			fmt.Printf("%s at %.2f s, probability %.2f\n", d.Model, float64(d.Sample)/16000, d.Probability)
		}
	}
	// Output: loud at 1.67 s, probability 1.00
}
