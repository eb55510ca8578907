package wakeword

import "github.com/genie-voice/genie/audio/frontend"

// NumFeatures is the number of feature channels per frame.
const NumFeatures = frontend.NumChannels

// Frame is one feature frame of the audio front end: 40 log filterbank energies for
// the window that ends at sample End.
type Frame = frontend.Frame
