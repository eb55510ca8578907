package vadeval

import (
	"math"
	"slices"
	"strings"
	"testing"
)

func TestReadLabels(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    map[string][]Interval
		wantErr string
	}{
		{"sorted", "file,start_s,end_s\na.wav,1.5,2\na.wav,0,0.5\nb.wav,0.01,0.02\n",
			map[string][]Interval{"a.wav": {{0, 8000}, {24000, 32000}}, "b.wav": {{160, 320}}}, ""},
		{"headerOnly", "file,start_s,end_s\n", map[string][]Interval{}, ""},
		{"samplePrecision", "file,start_s,end_s\na.wav,0.00006,0.00013\n", map[string][]Interval{"a.wav": {{1, 2}}}, ""},
		{"empty", "", nil, "empty file"},
		{"badHeader", "name,from,to\n", nil, "header"},
		{"fields", "file,start_s,end_s\na.wav,1\n", nil, "wrong number of fields"},
		{"notNumber", "file,start_s,end_s\na.wav,x,2\n", nil, "line 2"},
		{"negative", "file,start_s,end_s\na.wav,-1,2\n", nil, "line 2"},
		{"nan", "file,start_s,end_s\na.wav,NaN,2\n", nil, "line 2"},
		{"huge", "file,start_s,end_s\na.wav,1,1e300\n", nil, "line 2"},
		{"reversed", "file,start_s,end_s\na.wav,2,1\n", nil, "not after start"},
		{"overlap", "file,start_s,end_s\na.wav,0,2\na.wav,1,3\n", nil, "overlap"},
		{"noFile", "file,start_s,end_s\n,0,1\n", nil, "empty file name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ReadLabels(strings.NewReader(tt.in))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
			for f, iv := range tt.want {
				if !slices.Equal(got[f], iv) {
					t.Errorf("%s: got %v, want %v", f, got[f], iv)
				}
			}
		})
	}
}

func FuzzReadLabels(f *testing.F) {
	f.Add("file,start_s,end_s\na.wav,0.5,1.25\nb.wav,0,3\n")
	f.Add("file,start_s,end_s\na.wav,1,0.5\n")
	f.Add("file,start_s,end_s\n\"a,b.wav\",1,2\n")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		lab, err := ReadLabels(strings.NewReader(s))
		if err != nil {
			return
		}
		for file, iv := range lab {
			for i, v := range iv {
				if v.Start < 0 || v.End <= v.Start || (i > 0 && v.Start < iv[i-1].End) {
					t.Fatalf("%s: bad intervals %v", file, iv)
				}
			}
		}
	})
}

func TestBlockTruthNeedsHalfABlock(t *testing.T) {
	iv := []Interval{{80, 400}, {560, 640}, {650, 740}}
	// block 0 [0,160): 80 in → speech; block 1 [160,320): all; block 2 [320,480): 80 → speech;
	// block 3 [480,640): 80 → speech; block 4 [640,800): 90 → speech; block 5: none.
	want := []bool{true, true, true, true, true, false}
	if got := BlockTruth(iv, 6); !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if got := BlockTruth([]Interval{{0, 79}}, 1); got[0] {
		t.Errorf("79 of 160 samples counted as speech")
	}
}

func TestAUC(t *testing.T) {
	tests := []struct {
		name   string
		scores []float32
		truth  []bool
		want   float64
	}{
		{"perfect", []float32{0.1, 0.2, 0.8, 0.9}, []bool{false, false, true, true}, 1},
		{"inverted", []float32{0.9, 0.8, 0.2, 0.1}, []bool{false, false, true, true}, 0},
		{"oneSwap", []float32{0.1, 0.4, 0.35, 0.8}, []bool{false, false, true, true}, 0.75},
		{"allTied", []float32{0.5, 0.5, 0.5, 0.5}, []bool{false, true, false, true}, 0.5},
		// Positive at 0.5 ties one negative (counts half) and beats one: (1 + 0.5)/2 for it,
		// the positive at 0.9 beats both: (2 + 1.5)/(2·2).
		{"partialTie", []float32{0.5, 0.5, 0.1, 0.9}, []bool{true, false, false, true}, 0.875},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := AUC(tt.scores, tt.truth)
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(got-tt.want) > 1e-12 {
				t.Errorf("AUC = %v, want %v", got, tt.want)
			}
			// The trapezoid area under ROC must agree with the rank statistic.
			pts := ROC(tt.scores, tt.truth)
			var area float64
			for i := 1; i < len(pts); i++ {
				area += (pts[i].FPR - pts[i-1].FPR) * (pts[i].TPR + pts[i-1].TPR) / 2
			}
			if math.Abs(area-tt.want) > 1e-12 {
				t.Errorf("ROC area = %v, want %v", area, tt.want)
			}
		})
	}
	if _, err := AUC([]float32{1, 2}, []bool{true, true}); err == nil {
		t.Error("AUC with one class: no error")
	}
	if _, err := AUC([]float32{1}, []bool{true, false}); err == nil {
		t.Error("AUC with mismatched lengths: no error")
	}
}

func TestConfusion(t *testing.T) {
	c := Confusion([]float32{0.9, 0.6, 0.4, 0.2, 0.5}, []bool{true, false, true, false, true}, 0.5)
	if want := (Counts{TP: 2, FP: 1, TN: 1, FN: 1}); c != want {
		t.Fatalf("counts %+v, want %+v", c, want)
	}
	if f1 := c.F1(); math.Abs(f1-4.0/6) > 1e-12 {
		t.Errorf("F1 = %v, want 2/3", f1)
	}
	if (Counts{}).F1() != 0 {
		t.Error("F1 of nothing is not 0")
	}
}

func TestMatchEnds(t *testing.T) {
	const silence, pause = 800, 480
	iv := []Interval{{1000, 5000}, {5500, 9000}, {20000, 30000}, {40000, 41000}}
	ends := []int64{
		3000,  // interval 0 is not scored: the pause after it (500) is under silence+pause
		5900,  // inside interval 1, before 9000-800: an early cut
		9900,  // interval 1: delay 9900-9000-800 = 100
		29500, // interval 2: within [30000-800, 40000): delay 29500-30000-800 = -1300
		// interval 3 (pause 4000 to the end of the file): no end declared, missed
	}
	st := MatchEnds(ends, iv, 45000, silence, pause)
	if st.Scored != 3 || st.Missed != 1 || st.Early != 1 {
		t.Errorf("scored %d missed %d early %d, want 3, 1, 1", st.Scored, st.Missed, st.Early)
	}
	if want := []int64{100, -1300}; !slices.Equal(st.Delays, want) {
		t.Errorf("delays %v, want %v", st.Delays, want)
	}
	// An end declared well inside an utterance is an early cut.
	st = MatchEnds([]int64{22000, 31000}, iv[2:3], 42000, silence, pause)
	if st.Early != 1 || !slices.Equal(st.Delays, []int64{200}) {
		t.Errorf("early %d delays %v, want 1 and [200]", st.Early, st.Delays)
	}
}

func TestQuantile(t *testing.T) {
	x := []int64{5, 1, 3, 2, 4}
	if q := Quantile(x, 0.5); q != 3 {
		t.Errorf("median %v, want 3", q)
	}
	if q := Quantile(x, 0.95); math.Abs(q-4.8) > 1e-12 {
		t.Errorf("p95 %v, want 4.8", q)
	}
	if !math.IsNaN(Quantile(nil, 0.5)) {
		t.Error("quantile of nothing is not NaN")
	}
}
