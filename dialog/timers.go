package dialog

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/genie-voice/genie/audio"
)

// DeviceTimer is a countdown kept on the device, so it rings even when the server that
// set it is gone, and survives a restart of genie.
type DeviceTimer struct {
	ID       string    `json:"id"`
	Name     string    `json:"name,omitempty"`
	Total    int       `json:"total_seconds"`
	Deadline time.Time `json:"deadline"`          // wall clock: what survives a restart
	Ringing  bool      `json:"ringing,omitempty"` // finished and not yet dismissed
	due      int64     // mic sample at which it finishes in this run
}

// Timers holds the device's timers and persists them to a small JSON file, written
// atomically (temp file + rename) on every change. Deadlines are wall-clock in the file
// and mic-sample times while running, so a run from a file is deterministic. Not safe
// for concurrent use: it belongs to the dialog engine.
type Timers struct {
	path   string
	now    func() time.Time
	timers []DeviceTimer // sorted by due
	logf   func(string, ...any)
}

// TimersOpts configures Timers.
type TimersOpts struct {
	Path string           // state file; "" keeps timers in memory only
	Now  func() time.Time // wall clock; nil = time.Now
	Logf func(string, ...any)
}

// LoadTimers returns the timers in o.Path (none if it does not exist), mapping their
// wall-clock deadlines onto the mic clock starting at sample. Timers that finished
// while genie was not running ring at once. A corrupt file is reported and set aside
// (renamed *.corrupt) so a bad file never stops genie.
func LoadTimers(o TimersOpts, sample int64) (*Timers, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logf == nil {
		o.Logf = func(string, ...any) {}
	}
	t := &Timers{path: o.Path, now: o.Now, logf: o.Logf}
	if o.Path == "" {
		return t, nil
	}
	b, err := os.ReadFile(o.Path)
	if errors.Is(err, os.ErrNotExist) {
		return t, nil
	}
	if err != nil {
		return t, fmt.Errorf("dialog: timers: %w", err)
	}
	var saved []DeviceTimer
	if err := json.Unmarshal(b, &saved); err != nil {
		os.Rename(o.Path, o.Path+".corrupt")
		return t, fmt.Errorf("dialog: timers: %s is corrupt (moved to %s.corrupt): %w", o.Path, o.Path, err)
	}
	now := o.Now()
	for _, d := range saved {
		if d.ID == "" {
			continue
		}
		left := max(d.Deadline.Sub(now), 0)
		d.due = sample + audio.Samples(left)
		t.timers = append(t.timers, d)
	}
	t.sort()
	return t, nil
}

// Start adds or replaces a timer of total seconds, finishing at sample + total.
func (t *Timers) Start(id, name string, total int, sample int64) {
	t.remove(id)
	t.timers = append(t.timers, DeviceTimer{
		ID: id, Name: name, Total: total,
		Deadline: t.now().Add(time.Duration(total) * time.Second),
		due:      sample + int64(total)*audio.SampleRate,
	})
	t.sort()
	t.save()
}

// Update sets the seconds left on a timer (HA sends this when a timer is changed).
func (t *Timers) Update(id string, left int, sample int64) bool {
	for i := range t.timers {
		if t.timers[i].ID == id {
			t.timers[i].Deadline = t.now().Add(time.Duration(left) * time.Second)
			t.timers[i].due = sample + int64(left)*audio.SampleRate
			t.timers[i].Ringing = false
			t.sort()
			t.save()
			return true
		}
	}
	return false
}

// Cancel removes a timer.
func (t *Timers) Cancel(id string) bool {
	ok := t.remove(id)
	if ok {
		t.save()
	}
	return ok
}

// Finish marks a timer ringing now (the server said it finished). It reports whether
// it was not ringing already.
func (t *Timers) Finish(id string, sample int64) bool {
	for i := range t.timers {
		if t.timers[i].ID == id && !t.timers[i].Ringing {
			t.timers[i].Ringing, t.timers[i].due = true, sample
			t.save()
			return true
		}
	}
	return false
}

// Due returns the first timer that finishes by sample and is not yet ringing, and
// marks it ringing. Call it until it returns false. It allocates nothing unless a timer
// is due (then it saves the file).
func (t *Timers) Due(sample int64) (DeviceTimer, bool) {
	for i := range t.timers {
		d := &t.timers[i]
		if d.due > sample {
			break
		}
		if !d.Ringing {
			d.Ringing = true
			t.save()
			return *d, true
		}
	}
	return DeviceTimer{}, false
}

// Ringing reports whether any timer rings.
func (t *Timers) Ringing() bool {
	for i := range t.timers {
		if t.timers[i].Ringing {
			return true
		}
	}
	return false
}

// Dismiss stops every ringing timer and forgets it; it returns how many there were.
func (t *Timers) Dismiss() int {
	kept := t.timers[:0]
	n := 0
	for _, d := range t.timers {
		if d.Ringing {
			n++
			continue
		}
		kept = append(kept, d)
	}
	t.timers = kept
	if n > 0 {
		t.save()
	}
	return n
}

// List returns the timers, soonest first, with their seconds left at sample.
func (t *Timers) List(sample int64) []TimerView {
	out := make([]TimerView, len(t.timers))
	for i, d := range t.timers {
		out[i] = TimerView{ID: d.ID, Name: d.Name, Total: d.Total, Left: int(max(d.due-sample, 0) / audio.SampleRate), Ringing: d.Ringing}
	}
	return out
}

// TimerView is a timer as shown on LEDs and screens.
type TimerView struct {
	ID      string
	Name    string
	Total   int // seconds
	Left    int // seconds
	Ringing bool
}

func (t *Timers) remove(id string) bool {
	for i := range t.timers {
		if t.timers[i].ID == id {
			t.timers = append(t.timers[:i], t.timers[i+1:]...)
			return true
		}
	}
	return false
}

func (t *Timers) sort() {
	sort.SliceStable(t.timers, func(i, j int) bool { return t.timers[i].due < t.timers[j].due })
}

// save writes the state file atomically; failures are logged, never fatal.
func (t *Timers) save() {
	if t.path == "" {
		return
	}
	if err := writeFileAtomic(t.path, t.timers); err != nil {
		t.logf("dialog: timers: %v", err)
	}
}

func writeFileAtomic(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".timers-*.json")
	if err != nil {
		return err
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Close()
		os.Remove(f.Name())
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(f.Name())
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(f.Name())
		return err
	}
	return os.Rename(f.Name(), path)
}
