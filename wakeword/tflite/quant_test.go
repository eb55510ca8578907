package tflite

import (
	"math"
	"testing"

	"github.com/genie-voice/genie/wakeword/internal/tfltest"
)

func TestQuantizeMultiplier(t *testing.T) {
	tests := []struct {
		m     float64
		q     int32
		shift int
	}{
		{0, 0, 0},
		{0.5, 1 << 30, 0},
		{1, 1 << 30, 1},
		{0.75, 1610612736, 0},
		{0.005, 1374389535, -7}, // 0.64 * 2^-7
		{1 - 1e-12, 1 << 30, 1}, // rounds up to 2^31, renormalised
		{1e-12, 0, 0},           // below 2^-31: flushed to zero
	}
	for _, tt := range tests {
		q, s := quantizeMultiplier(tt.m)
		if q != tt.q || s != tt.shift {
			t.Errorf("quantizeMultiplier(%g) = %d, %d; want %d, %d", tt.m, q, s, tt.q, tt.shift)
		}
	}
}

func TestFixedPointPrimitives(t *testing.T) {
	if got := saturatingRoundingDoublingHighMul(math.MinInt32, math.MinInt32); got != math.MaxInt32 {
		t.Errorf("SRDHM(min, min) = %d, want max", got)
	}
	for _, tt := range []struct {
		x    int32
		exp  int
		want int32
	}{{5, 1, 3}, {-5, 1, -3}, {4, 1, 2}, {3, 1, 2}, {-3, 1, -2}, {-1, 1, -1}, {1, 1, 1}, {7, 0, 7}, {-100, 3, -13}} {
		if got := roundingDivideByPOT(tt.x, tt.exp); got != tt.want {
			t.Errorf("roundingDivideByPOT(%d, %d) = %d, want %d", tt.x, tt.exp, got, tt.want)
		}
	}
	// A multiplier of exactly 1.0 is the identity.
	q, s := quantizeMultiplier(1)
	for _, x := range []int32{-1 << 20, -255, -1, 0, 1, 127, 1 << 20} {
		if got := multiplyByQuantizedMultiplier(x, q, s); got != x {
			t.Errorf("x*1.0: %d -> %d", x, got)
		}
	}
}

// gemmlowp's fixed-point logistic is accurate to a few Q0.31 units.
func TestLogisticQMatchesFloat(t *testing.T) {
	for raw := int32(-1 << 31); raw < 1<<31-1<<20; raw += 1 << 20 {
		x := float64(raw) / (1 << 27) // Q4.27
		want := 1 / (1 + math.Exp(-x))
		got := float64(logisticQ(raw, 4)) / (1 << 31)
		if math.Abs(got-want) > 1e-6 {
			t.Fatalf("logistic(%g) = %g, want %g", x, got, want)
		}
	}
	if got := logisticQ(0, 4); got != 1<<30 {
		t.Errorf("logistic(0) = %d, want 2^30", got)
	}
}

func TestInvokeAllocatesNothing(t *testing.T) {
	it, err := New(tfltest.Build(tfltest.Spec{Weight: 2}))
	if err != nil {
		t.Fatal(err)
	}
	if a := testing.AllocsPerRun(100, it.Invoke); a != 0 {
		t.Errorf("Invoke: %v allocs, want 0", a)
	}
}
