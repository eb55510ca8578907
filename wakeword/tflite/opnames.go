package tflite

import "fmt"

// BuiltinOperator codes (schema enum BuiltinOperator) the runtime knows by name.
const (
	opAveragePool2D   = 1
	opConcatenation   = 2
	opConv2D          = 3
	opDepthwiseConv2D = 4
	opDequantize      = 6
	opFullyConnected  = 9
	opLogistic        = 14
	opMaxPool2D       = 17
	opRelu            = 19
	opReshape         = 22
	opPad             = 34
	opStridedSlice    = 45
	opSplit           = 49
	opSplitV          = 102
	opQuantize        = 114
	opCallOnce        = 129
	opVarHandle       = 142
	opReadVariable    = 143
	opAssignVariable  = 144
)

var opNames = map[int32]string{
	0: "ADD", 1: "AVERAGE_POOL_2D", 2: "CONCATENATION", 3: "CONV_2D", 4: "DEPTHWISE_CONV_2D",
	6: "DEQUANTIZE", 9: "FULLY_CONNECTED", 14: "LOGISTIC", 17: "MAX_POOL_2D", 18: "MUL", 19: "RELU",
	21: "RELU6", 22: "RESHAPE", 25: "SOFTMAX", 28: "TANH", 32: "CUSTOM", 34: "PAD", 40: "MEAN",
	43: "SQUEEZE", 44: "UNIDIRECTIONAL_SEQUENCE_LSTM", 45: "STRIDED_SLICE", 49: "SPLIT", 65: "SLICE",
	70: "EXPAND_DIMS", 102: "SPLIT_V", 114: "QUANTIZE", 129: "CALL_ONCE", 142: "VAR_HANDLE",
	143: "READ_VARIABLE", 144: "ASSIGN_VARIABLE",
}

// OpName returns the schema name of a BuiltinOperator code, e.g. "CONV_2D".
func OpName(code int32) string {
	if s, ok := opNames[code]; ok {
		return s
	}
	return fmt.Sprintf("BUILTIN_%d", code)
}
