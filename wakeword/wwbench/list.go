package wwbench

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
)

// WriteDetections writes one CSV row per detection and per missed phrase, for
// every model: file,model,phrase,time_s,kind where kind is "hit", "miss" (no
// time), "extra" (another detection on a file of the model's phrase),
// "false_accept" (on a negative file) or "other_phrase".
func (res *Result) WriteDetections(w io.Writer) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"file", "model", "phrase", "time_s", "kind"})
	for mi, m := range res.Models {
		phrase := modelPhrase(m, res.Files)
		for i := range res.Files {
			f := &res.Files[i]
			fd := f.detections(f.Detections[mi])
			hit := false
			for _, t := range fd.Times {
				kind := "other_phrase"
				switch {
				case f.Label.Negative():
					kind = "false_accept"
				case f.Label.Phrase == phrase && !hit && t >= f.Label.Start && t <= f.Label.End+HitWindow:
					kind, hit = "hit", true
				case f.Label.Phrase == phrase:
					kind = "extra"
				}
				cw.Write([]string{f.Label.File, m.Name, f.Label.Phrase, strconv.FormatFloat(t.Seconds(), 'f', 3, 64), kind})
			}
			if f.Label.Phrase == phrase && !hit {
				cw.Write([]string{f.Label.File, m.Name, f.Label.Phrase, "", "miss"})
			}
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("wwbench: detections: %w", err)
	}
	return nil
}
