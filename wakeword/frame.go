package wakeword

// NumFeatures is the number of feature channels per frame.
const NumFeatures = 40

// Frame is one feature frame of the audio front end: 40 log filterbank energies
// for the window that ends at sample End. It has the same layout as
// audio/frontend.Frame, so a *frontend.Frame converts with (*wakeword.Frame)(f);
// once both packages are on one branch it becomes an alias of that type.
type Frame struct {
	Values [NumFeatures]uint16
	End    int64 // canonical 16 kHz index one past the window's last sample
}

// quantizeInput converts a feature value to the int8 model input exactly as
// ESPHome's MicroWakeWord::generate_features_ does: integer math, the same for
// every model, ignoring the model's declared input quantization. It is the same
// formula as audio/frontend.QuantizeInput.
func quantizeInput(v uint16) int8 {
	q := (int32(v)*256+333)/666 - 128
	return int8(min(max(q, -128), 127))
}
