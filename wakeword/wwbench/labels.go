package wwbench

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Label is one row of a labels CSV: a wav file and the wake phrase spoken in
// it, if any.
type Label struct {
	File       string        // path; ReadLabels makes it relative to the working directory
	Phrase     string        // NormalizePhrase form, e.g. "hey jarvis"; "" for a negative file
	Start, End time.Duration // span of the phrase from the file's start; 0 for a negative file
	Condition  string        // the optional "condition" column, e.g. "clean" or "snr10"; "" without one
}

// Negative reports whether the file holds no wake phrase.
func (l *Label) Negative() bool { return l.Phrase == "" }

// NormalizePhrase lower-cases s, turns "_" and "-" into spaces, drops
// punctuation and collapses spaces: "Hey_Jarvis!" and "hey jarvis" compare
// equal. A phrase of "-" alone is the empty (negative) phrase.
func NormalizePhrase(s string) string {
	s = strings.TrimSpace(s)
	if s == "-" {
		return ""
	}
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case r == '_' || r == '-' || r == ' ' || r == '\t':
			b.WriteByte(' ')
		case r == ',' || r == '.' || r == '!' || r == '?' || r == '\'' || r == '"':
		default:
			b.WriteRune(r)
		}
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

// ParseLabels reads a labels CSV. A first row with a cell "file" is a header
// naming at least the columns file, phrase, start_s and end_s, in any order
// (others, such as condition, are optional or ignored); without a header the
// columns are file,phrase,start_s,end_s[,condition]. A negative file has an
// empty phrase or "-" and may leave the times empty. Times are seconds,
// 0 <= start_s <= end_s. name is used in error messages.
func ParseLabels(r io.Reader, name string) ([]Label, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	col := map[string]int{"file": 0, "phrase": 1, "start_s": 2, "end_s": 3, "condition": 4}
	var labels []Label
	for line := 1; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("wwbench: %s: %w", name, err)
		}
		if line == 1 && isHeader(rec) {
			col = map[string]int{}
			for i, h := range rec {
				col[headerName(h)] = i
			}
			for _, need := range []string{"file", "phrase", "start_s", "end_s"} {
				if _, ok := col[need]; !ok {
					return nil, fmt.Errorf("wwbench: %s: header has no %q column", name, need)
				}
			}
			continue
		}
		get := func(c string) string {
			if i, ok := col[c]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		if len(rec) == 1 && get("file") == "" {
			continue // blank line
		}
		l := Label{File: get("file"), Phrase: NormalizePhrase(get("phrase")), Condition: get("condition")}
		if l.File == "" {
			return nil, fmt.Errorf("wwbench: %s:%d: no file", name, line)
		}
		st, en := get("start_s"), get("end_s")
		if l.Negative() && st == "" && en == "" {
			labels = append(labels, l)
			continue
		}
		if l.Start, err = seconds(st); err != nil {
			return nil, fmt.Errorf("wwbench: %s:%d: start_s: %w", name, line, err)
		}
		if l.End, err = seconds(en); err != nil {
			return nil, fmt.Errorf("wwbench: %s:%d: end_s: %w", name, line, err)
		}
		if l.End < l.Start {
			return nil, fmt.Errorf("wwbench: %s:%d: end_s %v before start_s %v", name, line, l.End.Seconds(), l.Start.Seconds())
		}
		labels = append(labels, l)
	}
	if len(labels) == 0 {
		return nil, fmt.Errorf("wwbench: %s: no labels", name)
	}
	return labels, nil
}

func headerName(h string) string {
	return strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
}

// isHeader reports whether a first row names the columns: one of its cells is "file".
func isHeader(rec []string) bool {
	for _, h := range rec {
		if headerName(h) == "file" {
			return true
		}
	}
	return false
}

// maxSeconds bounds a label time (a day).
const maxSeconds = 86400

func seconds(s string) (time.Duration, error) {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a number of seconds", s)
	}
	if math.IsNaN(v) || v < 0 || v > maxSeconds {
		return 0, fmt.Errorf("%v s out of range 0..%d", v, maxSeconds)
	}
	return time.Duration(math.Round(v * float64(time.Second))), nil
}

// ReadLabels reads a labels CSV file; relative file names are taken relative
// to the CSV's folder.
func ReadLabels(path string) ([]Label, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("wwbench: %w", err)
	}
	defer f.Close()
	labels, err := ParseLabels(f, path)
	if err != nil {
		return nil, err
	}
	dir := filepath.Dir(path)
	for i := range labels {
		if !filepath.IsAbs(labels[i].File) {
			labels[i].File = filepath.Join(dir, labels[i].File)
		}
	}
	return labels, nil
}
