package vad

// DefaultSubBandWeights is SubBand's model; replaced by scripts/vadfit output.
var DefaultSubBandWeights = SubBandWeights{
	W:    SubBandFeatures{16: 1, 17: 0.5, 19: 1},
	Bias: -4,
}

// DefaultFullBandWeights is FullBand's model; replaced by scripts/vadfit output.
var DefaultFullBandWeights = FullBandWeights{
	W:    FullBandFeatures{1, 1, 0},
	Bias: -1.5,
}
