package wwbench

import (
	"math"
	"slices"
	"time"
)

// HitWindow is how long after a phrase's end a detection still counts as
// hearing it: a detection at t hits the phrase [Start, End] when
// Start <= t <= End+HitWindow.
const HitWindow = time.Second

// FileDetections is one model's detections on one labelled file.
type FileDetections struct {
	Label    *Label
	Duration time.Duration   // length of the file's audio
	Times    []time.Duration // detection times from the file's start (end of the window that fired), ascending
}

// Metrics are one model's accuracy figures over a set of files.
type Metrics struct {
	Condition string `json:"condition,omitempty"` // the labels' condition column; "" for all files

	Positives int     `json:"positives"` // files with the model's phrase
	Missed    int     `json:"missed"`    // of those, without a detection in the hit window
	MissRate  float64 `json:"miss_rate"` // Missed/Positives, 0..1 (0 without positives)

	NegativeHours float64 `json:"negative_hours"` // audio of negative files, hours
	FalseAccepts  int     `json:"false_accepts"`  // detections on negative files
	FAPerHour     float64 `json:"fa_per_hour"`    // FalseAccepts/NegativeHours

	OtherHours   float64 `json:"other_phrase_hours"`       // audio of files with another wake phrase, hours
	OtherAccepts int     `json:"other_phrase_accepts"`     // detections on those files
	OtherPerHour float64 `json:"other_phrase_fa_per_hour"` // OtherAccepts/OtherHours

	// ExtraAccepts counts detections on files of the model's own phrase other
	// than the first one in the hit window (early, late or repeated).
	ExtraAccepts int `json:"extra_accepts"`

	// Latencies are, per hit, the detection time minus the phrase's end
	// (negative when the model fires before the labelled end), in file order.
	Latencies     []time.Duration `json:"-"`
	LatencyMedian time.Duration   `json:"latency_median_ns"`
	LatencyP95    time.Duration   `json:"latency_p95_ns"`
}

// Evaluate scores the detections of a model whose phrase (NormalizePhrase
// form) is phrase. Each file counts as a positive of the model's phrase, a
// positive of another phrase or a negative file.
func Evaluate(phrase string, files []FileDetections) Metrics {
	var m Metrics
	var negDur, otherDur time.Duration
	for _, f := range files {
		switch {
		case f.Label.Negative():
			negDur += f.Duration
			m.FalseAccepts += len(f.Times)
		case f.Label.Phrase != phrase:
			otherDur += f.Duration
			m.OtherAccepts += len(f.Times)
		default:
			m.Positives++
			hit := -1
			for i, t := range f.Times {
				if t >= f.Label.Start && t <= f.Label.End+HitWindow {
					hit = i
					break
				}
			}
			if hit < 0 {
				m.Missed++
				m.ExtraAccepts += len(f.Times)
				continue
			}
			m.Latencies = append(m.Latencies, f.Times[hit]-f.Label.End)
			m.ExtraAccepts += len(f.Times) - 1
		}
	}
	m.NegativeHours, m.OtherHours = negDur.Hours(), otherDur.Hours()
	m.MissRate = ratio(float64(m.Missed), float64(m.Positives))
	m.FAPerHour = ratio(float64(m.FalseAccepts), m.NegativeHours)
	m.OtherPerHour = ratio(float64(m.OtherAccepts), m.OtherHours)
	m.LatencyMedian = Percentile(m.Latencies, 0.5)
	m.LatencyP95 = Percentile(m.Latencies, 0.95)
	return m
}

// ratio returns a/b, or 0 when b is 0.
func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

// Percentile returns the nearest-rank p-quantile (0 < p <= 1) of d: the
// smallest value with at least p of the values at or below it; 0 for no
// values. d is not modified.
func Percentile(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	i := int(math.Ceil(p*float64(len(s)))) - 1
	return s[min(max(i, 0), len(s)-1)]
}
