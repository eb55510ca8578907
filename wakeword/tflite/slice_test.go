package tflite

import (
	"fmt"
	"testing"
)

func TestSliceIndices(t *testing.T) {
	tests := []struct {
		name                       string
		shape                      []int
		begin, end, strides        []int32
		beginMask, endMask, shrink int32
		want                       string // fmt of idx and out shape, or error
	}{
		{"stream_keep_last_2", []int{1, 5, 1, 40}, []int32{0, 3, 0, 0}, []int32{1, 5, 1, 40}, []int32{1, 1, 1, 1}, 0, 0, 0,
			"[[0] [3 4] [0] [0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31 32 33 34 35 36 37 38 39]] [1 2 1 40]"},
		{"masks", []int{4, 3}, []int32{9, 9}, []int32{-9, -9}, []int32{1, 1}, 3, 3, 0, "[[0 1 2 3] [0 1 2]] [4 3]"},
		{"negative_index", []int{6}, []int32{-4}, []int32{-1}, []int32{1}, 0, 0, 0, "[[2 3 4]] [3]"},
		{"stride_2", []int{7}, []int32{1}, []int32{7}, []int32{2}, 0, 0, 0, "[[1 3 5]] [3]"},
		{"reverse", []int{5}, []int32{0}, []int32{0}, []int32{-1}, 1, 1, 0, "[[4 3 2 1 0]] [5]"},
		{"reverse_part", []int{5}, []int32{3}, []int32{0}, []int32{-2}, 0, 0, 0, "[[3 1]] [2]"},
		{"shrink", []int{3, 4}, []int32{1, 0}, []int32{2, 4}, []int32{1, 1}, 0, 0, 1, "[[1] [0 1 2 3]] [4]"},
		{"empty", []int{5}, []int32{3}, []int32{1}, []int32{1}, 0, 0, 0, "[[]] [0]"},
		{"stride_0", []int{5}, []int32{0}, []int32{5}, []int32{0}, 0, 0, 0, "stride 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			idx, out, err := sliceIndices(tt.shape, tt.begin, tt.end, tt.strides, tt.beginMask, tt.endMask, tt.shrink)
			got := fmt.Sprint(idx, " ", out)
			if err != nil {
				got = err.Error()
			}
			if got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}
