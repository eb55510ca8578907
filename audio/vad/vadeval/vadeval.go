// Package vadeval scores voice activity detectors against labelled audio: it reads the
// labels CSV written by scripts/vadset, turns intervals into per-block (10 ms) truth, and
// computes the exact ROC-AUC, the ROC curve, F1 at a threshold and the speech-end delay
// of a simple silence-timeout endpointer.
//
// Positions are sample indices at 16 kHz, block i covers samples [160·i, 160·i+160).
// Nothing here is on the live audio path; it allocates freely.
package vadeval

import (
	"cmp"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/genie-voice/genie/audio"
)

// Interval is one labelled speech interval, [Start, End) in samples at 16 kHz.
type Interval struct {
	Start, End int64
}

// maxSeconds bounds label times (a day) so a garbage value cannot overflow sample math.
const maxSeconds = 86400

// ReadLabels parses a labels CSV: a header line "file,start_s,end_s", then one row per
// speech interval with times in seconds. It returns each file's intervals sorted by start.
// Rows must have 0 <= start_s < end_s, and intervals of one file must not overlap.
func ReadLabels(r io.Reader) (map[string][]Interval, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = 3
	cr.ReuseRecord = true
	head, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, errors.New("vadeval: labels: empty file, want header file,start_s,end_s")
	}
	if err != nil {
		return nil, fmt.Errorf("vadeval: labels: %w", err)
	}
	if strings.TrimSpace(head[0]) != "file" || strings.TrimSpace(head[1]) != "start_s" || strings.TrimSpace(head[2]) != "end_s" {
		return nil, fmt.Errorf("vadeval: labels: header %q, want file,start_s,end_s", strings.Join(head, ","))
	}
	out := map[string][]Interval{}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("vadeval: labels: %w", err)
		}
		line, _ := cr.FieldPos(0)
		file := strings.TrimSpace(rec[0])
		if file == "" {
			return nil, fmt.Errorf("vadeval: labels line %d: empty file name", line)
		}
		var t [2]int64
		for i, f := range rec[1:] {
			v, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
			if err != nil || math.IsNaN(v) || v < 0 || v > maxSeconds {
				return nil, fmt.Errorf("vadeval: labels line %d: time %q is not a number of seconds in 0..%d", line, f, maxSeconds)
			}
			t[i] = int64(math.Round(v * audio.SampleRate))
		}
		if t[1] <= t[0] {
			return nil, fmt.Errorf("vadeval: labels line %d: end %s s is not after start %s s", line, rec[2], rec[1])
		}
		out[file] = append(out[file], Interval{t[0], t[1]})
	}
	for file, iv := range out {
		slices.SortFunc(iv, func(a, b Interval) int { return cmp.Compare(a.Start, b.Start) })
		for i := 1; i < len(iv); i++ {
			if iv[i].Start < iv[i-1].End {
				return nil, fmt.Errorf("vadeval: labels: %s: intervals at %.3f s and %.3f s overlap",
					file, float64(iv[i-1].Start)/audio.SampleRate, float64(iv[i].Start)/audio.SampleRate)
			}
		}
	}
	return out, nil
}

// BlockTruth returns, for each of n blocks, whether at least half of its samples lie in
// a speech interval. iv must be sorted and non-overlapping.
func BlockTruth(iv []Interval, n int) []bool {
	truth := make([]bool, n)
	j := 0
	for i := range truth {
		lo, hi := int64(i)*audio.BlockSamples, int64(i+1)*audio.BlockSamples
		for j < len(iv) && iv[j].End <= lo {
			j++
		}
		var in int64
		for k := j; k < len(iv) && iv[k].Start < hi; k++ {
			in += min(hi, iv[k].End) - max(lo, iv[k].Start)
		}
		truth[i] = 2*in >= audio.BlockSamples
	}
	return truth
}

// AUC returns the area under the ROC curve of scores against truth, computed exactly as
// the Mann–Whitney statistic with tied scores given their average rank. It fails when
// either class is empty or the lengths differ.
func AUC(scores []float32, truth []bool) (float64, error) {
	if len(scores) != len(truth) {
		return 0, fmt.Errorf("vadeval: %d scores for %d labels", len(scores), len(truth))
	}
	idx := make([]int, len(scores))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int { return cmp.Compare(scores[a], scores[b]) })
	var pos, neg int
	var rankSum float64 // sum of ranks (1-based) of positives
	for i := 0; i < len(idx); {
		j := i
		for j < len(idx) && scores[idx[j]] == scores[idx[i]] {
			j++
		}
		avg := float64(i+1+j) / 2 // mean of ranks i+1..j
		for _, k := range idx[i:j] {
			if truth[k] {
				pos++
				rankSum += avg
			} else {
				neg++
			}
		}
		i = j
	}
	if pos == 0 || neg == 0 {
		return 0, fmt.Errorf("vadeval: AUC needs both classes, have %d speech and %d non-speech blocks", pos, neg)
	}
	u := rankSum - float64(pos)*float64(pos+1)/2
	return u / (float64(pos) * float64(neg)), nil
}

// Point is one ROC operating point.
type Point struct {
	Threshold float32 // blocks scoring >= Threshold are called speech
	FPR, TPR  float64
}

// ROC returns the ROC curve from (0,0) to (1,1), one point per distinct score.
func ROC(scores []float32, truth []bool) []Point {
	idx := make([]int, len(scores))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int { return cmp.Compare(scores[b], scores[a]) })
	var pos, neg int
	for _, t := range truth {
		if t {
			pos++
		} else {
			neg++
		}
	}
	pts := []Point{{Threshold: float32(math.Inf(1))}}
	var tp, fp int
	for i := 0; i < len(idx); {
		j := i
		for j < len(idx) && scores[idx[j]] == scores[idx[i]] {
			if truth[idx[j]] {
				tp++
			} else {
				fp++
			}
			j++
		}
		pts = append(pts, Point{scores[idx[i]], ratio(fp, neg), ratio(tp, pos)})
		i = j
	}
	return pts
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// Counts is a confusion matrix over blocks.
type Counts struct {
	TP, FP, TN, FN int
}

// Confusion counts blocks with score >= threshold as speech.
func Confusion(scores []float32, truth []bool, threshold float32) Counts {
	var c Counts
	for i, s := range scores {
		switch speech := s >= threshold; {
		case speech && truth[i]:
			c.TP++
		case speech:
			c.FP++
		case truth[i]:
			c.FN++
		default:
			c.TN++
		}
	}
	return c
}

// Add returns the element-wise sum of c and d.
func (c Counts) Add(d Counts) Counts {
	return Counts{c.TP + d.TP, c.FP + d.FP, c.TN + d.TN, c.FN + d.FN}
}

// F1 is the harmonic mean of precision and recall of the speech class (0 if undefined).
func (c Counts) F1() float64 { return ratio(2*c.TP, 2*c.TP+c.FP+c.FN) }

// Precision is TP/(TP+FP).
func (c Counts) Precision() float64 { return ratio(c.TP, c.TP+c.FP) }

// Recall is TP/(TP+FN).
func (c Counts) Recall() float64 { return ratio(c.TP, c.TP+c.FN) }

// FPR is the fraction of non-speech blocks called speech.
func (c Counts) FPR() float64 { return ratio(c.FP, c.FP+c.TN) }

// EndStats is how an endpointer did on the speech ends of a file.
type EndStats struct {
	// Delays holds, per scored interval, declared end - labelled end - silence, in
	// samples: 0 means the VAD dropped exactly at the labelled end; negative means it
	// dropped early but not far enough to cut the utterance short.
	Delays []int64
	Missed int // scored intervals with no end declared before the next speech
	Early  int // scored intervals the endpointer cut short: an end declared inside them
	Scored int // intervals followed by a pause of at least silence+minPause
}

// MatchEnds matches declared ends to labelled intervals iv (sorted) of a file of n
// samples. Only intervals followed by a pause of at least silence+minPause samples are
// scored, so the endpointer has room to fire. For such an interval [s, e), the first end
// declared in [e-silence, next start) gives its delay; ends declared in (s, e-silence)
// count as an early cut; no end in the window counts as missed.
func MatchEnds(ends []int64, iv []Interval, n, silence, minPause int64) EndStats {
	var st EndStats
	for i, v := range iv {
		next := n
		if i+1 < len(iv) {
			next = iv[i+1].Start
		}
		if next-v.End < silence+minPause {
			continue
		}
		st.Scored++
		k, _ := slices.BinarySearch(ends, v.Start+1)
		early := false
		for ; k < len(ends) && ends[k] < v.End-silence; k++ {
			early = true
		}
		if early {
			st.Early++
		}
		if k < len(ends) && ends[k] < next {
			st.Delays = append(st.Delays, ends[k]-v.End-silence)
		} else {
			st.Missed++
		}
	}
	return st
}

// Quantile returns the q-quantile (0..1) of x by linear interpolation between order
// statistics, or NaN if x is empty. x is sorted in place.
func Quantile(x []int64, q float64) float64 {
	if len(x) == 0 {
		return math.NaN()
	}
	slices.Sort(x)
	pos := q * float64(len(x)-1)
	lo := int(math.Floor(pos))
	hi := min(lo+1, len(x)-1)
	return float64(x[lo]) + (pos-float64(lo))*float64(x[hi]-x[lo])
}
