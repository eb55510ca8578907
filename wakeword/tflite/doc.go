// Package tflite is a small pure-Go interpreter for int8 TFLite models, written
// for the streaming microWakeWord models and bit-exact with TFLite Micro's
// reference kernels on them.
//
// It reads the TFLite flatbuffer (tensorflow/lite/schema/schema.fbs) with
// bounds-checked accessors on github.com/google/flatbuffers/go, and supports
// the operators these models use: CONV_2D and DEPTHWISE_CONV_2D (per-channel
// int8), FULLY_CONNECTED, LOGISTIC, QUANTIZE (int8 to int8/uint8), RESHAPE,
// STRIDED_SLICE, CONCATENATION, SPLIT_V, and the resource-variable ops that
// hold the streaming state (CALL_ONCE, VAR_HANDLE, READ_VARIABLE,
// ASSIGN_VARIABLE). The fixed-point arithmetic (QuantizeMultiplier,
// MultiplyByQuantizedMultiplier with double rounding, gemmlowp's logistic)
// follows TFLite's reference implementation exactly.
//
// New validates the whole model — types, shapes, options, quantization — and
// refuses anything else with an error naming the operator, so Invoke never
// fails and allocates nothing: every tensor lives in one arena allocated at
// load, constant tensors alias the model bytes. An Interpreter is not safe for
// concurrent use.
package tflite
