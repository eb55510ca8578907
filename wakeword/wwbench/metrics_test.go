package wwbench

import (
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/genie-voice/genie/wakeword"
)

func ms(v ...int) []time.Duration {
	d := make([]time.Duration, len(v))
	for i, x := range v {
		d[i] = time.Duration(x) * time.Millisecond
	}
	return d
}

func TestPercentile(t *testing.T) {
	tests := []struct {
		name string
		d    []time.Duration
		p    float64
		want time.Duration
	}{
		{"empty", nil, 0.5, 0},
		{"one", ms(70), 0.95, 70 * time.Millisecond},
		{"median_odd", ms(30, 10, 20), 0.5, 20 * time.Millisecond},
		{"median_even_lower", ms(40, 10, 30, 20), 0.5, 20 * time.Millisecond},
		{"p95_of_20", ms(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 200), 0.95, 19 * time.Millisecond},
		{"p95_of_21", ms(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 200), 0.95, 20 * time.Millisecond},
		{"max", ms(5, -3, 9), 1, 9 * time.Millisecond},
		{"negative", ms(-50, -10), 0.5, -50 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Percentile(tt.d, tt.p); got != tt.want {
				t.Errorf("Percentile(%v, %v) = %v, want %v", tt.d, tt.p, got, tt.want)
			}
		})
	}
}

func TestEvaluate(t *testing.T) {
	pos := func(phrase string, start, end int) *Label {
		return &Label{File: "p.wav", Phrase: phrase, Start: time.Duration(start) * time.Millisecond, End: time.Duration(end) * time.Millisecond}
	}
	neg := &Label{File: "n.wav"}
	const jarvis = "hey jarvis"
	half := 30 * time.Minute
	tests := []struct {
		name  string
		files []FileDetections
		want  Metrics // Latencies compared separately
		lat   []time.Duration
	}{
		{"nothing", nil, Metrics{}, nil},
		{"hit_in_phrase", []FileDetections{{pos(jarvis, 1000, 1600), 3 * time.Second, ms(1800)}},
			Metrics{Positives: 1, LatencyMedian: 200 * time.Millisecond, LatencyP95: 200 * time.Millisecond}, ms(200)},
		{"hit_before_end", []FileDetections{{pos(jarvis, 1000, 1600), 3 * time.Second, ms(1500)}},
			Metrics{Positives: 1, LatencyMedian: -100 * time.Millisecond, LatencyP95: -100 * time.Millisecond}, ms(-100)},
		{"hit_at_window_edges", []FileDetections{
			{pos(jarvis, 1000, 1600), 3 * time.Second, ms(1000)},
			{pos(jarvis, 1000, 1600), 3 * time.Second, ms(2600)}},
			Metrics{Positives: 2, LatencyMedian: -600 * time.Millisecond, LatencyP95: time.Second}, ms(-600, 1000)},
		{"too_late_is_miss_and_extra", []FileDetections{{pos(jarvis, 1000, 1600), 4 * time.Second, ms(2601)}},
			Metrics{Positives: 1, Missed: 1, MissRate: 1, ExtraAccepts: 1}, nil},
		{"too_early_then_hit", []FileDetections{{pos(jarvis, 1000, 1600), 4 * time.Second, ms(999, 1700)}},
			Metrics{Positives: 1, ExtraAccepts: 1, LatencyMedian: 100 * time.Millisecond, LatencyP95: 100 * time.Millisecond}, ms(100)},
		{"no_detection", []FileDetections{{pos(jarvis, 1000, 1600), 4 * time.Second, nil}},
			Metrics{Positives: 1, Missed: 1, MissRate: 1}, nil},
		{"negatives", []FileDetections{{neg, half, ms(10, 20_000)}, {neg, half, ms(5)}},
			Metrics{NegativeHours: 1, FalseAccepts: 3, FAPerHour: 3}, nil},
		{"other_phrase_separate", []FileDetections{
			{pos("okay nabu", 1000, 1500), half, ms(1600)}, {neg, 2 * half, nil}},
			Metrics{NegativeHours: 1, OtherHours: 0.5, OtherAccepts: 1, OtherPerHour: 2}, nil},
		{"mixed", []FileDetections{
			{pos(jarvis, 1000, 1600), 3 * time.Second, ms(1900)},
			{pos(jarvis, 1000, 1600), 3 * time.Second, nil},
			{pos(jarvis, 1000, 1600), 3 * time.Second, ms(1700, 2500)},
			{pos(jarvis, 500, 900), 3 * time.Second, ms(1400)},
			{neg, 4 * half, ms(1)}},
			Metrics{Positives: 4, Missed: 1, MissRate: 0.25, ExtraAccepts: 1, NegativeHours: 2, FalseAccepts: 1, FAPerHour: 0.5,
				LatencyMedian: 300 * time.Millisecond, LatencyP95: 500 * time.Millisecond}, ms(300, 100, 500)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Evaluate(jarvis, tt.files)
			lat := got.Latencies
			got.Latencies = nil
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Evaluate =\n%+v, want\n%+v", got, tt.want)
			}
			if len(lat) != len(tt.lat) {
				t.Fatalf("latencies %v, want %v", lat, tt.lat)
			}
			for i := range lat {
				if lat[i] != tt.lat[i] {
					t.Errorf("latencies %v, want %v", lat, tt.lat)
				}
			}
		})
	}
}

func TestNormalizePhrase(t *testing.T) {
	for in, want := range map[string]string{
		"Hey Jarvis": "hey jarvis", "hey_jarvis": "hey jarvis", " Okay,  Nabu! ": "okay nabu", "-": "", "": "",
		"alexa": "alexa", "hey-mycroft": "hey mycroft",
	} {
		if got := NormalizePhrase(in); got != want {
			t.Errorf("NormalizePhrase(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseLabels(t *testing.T) {
	tests := []struct {
		name, csv string
		want      []Label
		err       string
	}{
		{"header_any_order", "phrase,file,end_s,start_s,condition,voice\nHey Jarvis,a.wav,2.5,1.25,clean,x\n-,n.wav,,,snr10,y\n",
			[]Label{{File: "a.wav", Phrase: "hey jarvis", Start: 1250 * time.Millisecond, End: 2500 * time.Millisecond, Condition: "clean"},
				{File: "n.wav", Condition: "snr10"}}, ""},
		{"no_header", "a.wav,alexa,0.5,1\nn.wav,,,\n",
			[]Label{{File: "a.wav", Phrase: "alexa", Start: 500 * time.Millisecond, End: time.Second}, {File: "n.wav"}}, ""},
		{"bom_header", "\ufefffile,phrase,start_s,end_s\nn.wav,-,0,0\n", []Label{{File: "n.wav"}}, ""},
		{"header_missing_column", "file,phrase,start_s\n", nil, `no "end_s" column`},
		{"bad_time", "a.wav,alexa,x,1\n", nil, `a:1: start_s: "x" is not a number`},
		{"negative_time", "a.wav,alexa,-1,1\n", nil, "out of range"},
		{"nan_time", "a.wav,alexa,0,NaN\n", nil, "out of range"},
		{"end_before_start", "a.wav,alexa,2,1\n", nil, "end_s 1 before start_s 2"},
		{"positive_without_times", "a.wav,alexa,,\n", nil, "start_s"},
		{"no_file", "file,phrase,start_s,end_s\n,alexa,1,2\n", nil, "a:2: no file"},
		{"empty", "", nil, "no labels"},
		{"bad_quote", "a.wav,\"alexa,1,2\n", nil, "a: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseLabels(strings.NewReader(tt.csv), "a")
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) || !strings.HasPrefix(err.Error(), "wwbench: ") {
					t.Fatalf("error %v, want \"wwbench: ...%s...\"", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("labels %+v, want %+v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("label %d: %+v, want %+v", i, got[i], tt.want[i])
				}
			}
		})
	}
}

func FuzzParseLabels(f *testing.F) {
	for _, s := range []string{
		"file,phrase,start_s,end_s,condition\nx.wav,Hey Jarvis,1.0,1.8,clean\nn.wav,-,,,snr10\n",
		"a.wav,alexa,0.5,1\n", "file,phrase\n", "a.wav,alexa,1e400,2\n", "\"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		labels, err := ParseLabels(strings.NewReader(s), "fuzz")
		if err != nil {
			return
		}
		for _, l := range labels {
			if l.File == "" || l.End < l.Start || l.Start < 0 || l.End > maxSeconds*time.Second {
				t.Fatalf("bad label accepted: %+v", l)
			}
			if NormalizePhrase(l.Phrase) != l.Phrase {
				t.Fatalf("phrase %q not normalized", l.Phrase)
			}
		}
	})
}

// ratio must not give NaN or Inf for JSON output.
func TestEvaluateHasNoNaN(t *testing.T) {
	m := Evaluate("x", []FileDetections{{Label: &Label{File: "n"}, Duration: 0, Times: ms(1)}})
	for _, v := range []float64{m.MissRate, m.FAPerHour, m.OtherPerHour} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			t.Errorf("metrics %+v hold NaN or Inf", m)
		}
	}
}

func TestWriteDetectionsClassifies(t *testing.T) {
	ends := make([]int64, 400) // frame k ends at 10 ms × k
	for k := range ends {
		ends[k] = int64(160 * k)
	}
	file := func(name, phrase string, startMS, endMS int, frames ...int32) FileRun {
		return FileRun{Label: Label{File: name, Phrase: phrase, Start: time.Duration(startMS) * time.Millisecond, End: time.Duration(endMS) * time.Millisecond},
			Samples: 64000, Ends: ends, Detections: [][]int32{frames}}
	}
	res := &Result{
		Models: []*wakeword.Model{{Name: "hey_jarvis", Manifest: wakeword.Manifest{WakeWord: "Hey Jarvis"}}},
		Files: []FileRun{
			file("a.wav", "hey jarvis", 1000, 1500, 50, 160, 300),
			file("b.wav", "hey jarvis", 1000, 1500),
			file("n.wav", "", 0, 0, 200),
			file("o.wav", "okay nabu", 1000, 1500, 140),
		},
	}
	var b strings.Builder
	if err := res.WriteDetections(&b); err != nil {
		t.Fatal(err)
	}
	want := "file,model,phrase,time_s,kind\n" +
		"a.wav,hey_jarvis,hey jarvis,0.500,extra\n" +
		"a.wav,hey_jarvis,hey jarvis,1.600,hit\n" +
		"a.wav,hey_jarvis,hey jarvis,3.000,extra\n" +
		"b.wav,hey_jarvis,hey jarvis,,miss\n" +
		"n.wav,hey_jarvis,,2.000,false_accept\n" +
		"o.wav,hey_jarvis,okay nabu,1.400,other_phrase\n"
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}
