package dialog

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/genie-voice/genie/audio"
)

func TestTimersPersistAcrossRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state", "timers.json")
	wall := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	now := func() time.Time { return wall }
	tm, err := LoadTimers(TimersOpts{Path: path, Now: now}, 0)
	if err != nil {
		t.Fatal(err)
	}
	tm.Start("pasta", "pasta", 600, 16000)
	tm.Start("tea", "", 180, 16000)
	if v := tm.List(16000); len(v) != 2 || v[0].ID != "tea" || v[0].Left != 180 {
		t.Fatalf("timers %+v, want tea first with 180 s left", v)
	}

	// genie restarts 200 s later: tea has finished meanwhile and rings at once; pasta
	// has 400 s left on the new run's clock.
	wall = wall.Add(200 * time.Second)
	tm2, err := LoadTimers(TimersOpts{Path: path, Now: now}, 0)
	if err != nil {
		t.Fatal(err)
	}
	d, ok := tm2.Due(0)
	if !ok || d.ID != "tea" {
		t.Fatalf("after restart Due = %+v %v, want tea ringing at once", d, ok)
	}
	if _, ok := tm2.Due(0); ok {
		t.Fatal("pasta rang early")
	}
	if d, ok := tm2.Due(400 * audio.SampleRate); !ok || d.ID != "pasta" {
		t.Fatalf("pasta did not ring at 400 s: %+v", d)
	}
	if n := tm2.Dismiss(); n != 2 {
		t.Errorf("dismissed %d, want 2", n)
	}
	tm3, _ := LoadTimers(TimersOpts{Path: path, Now: now}, 0)
	if len(tm3.List(0)) != 0 {
		t.Error("dismissed timers came back after a restart")
	}
}

func TestCorruptTimerFileIsSetAside(t *testing.T) {
	path := filepath.Join(t.TempDir(), "timers.json")
	os.WriteFile(path, []byte("{not json"), 0o644)
	tm, err := LoadTimers(TimersOpts{Path: path}, 0)
	if err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("err = %v, want one naming the file", err)
	}
	if tm == nil || len(tm.List(0)) != 0 {
		t.Fatal("a corrupt file must still give empty, usable timers")
	}
	if _, err := os.Stat(path + ".corrupt"); err != nil {
		t.Errorf("corrupt file not kept aside: %v", err)
	}
}

func TestTimerRingsWithTheServerGone(t *testing.T) {
	r := newRig(t, 10000, nil)
	r.down <- Down{Kind: DownTimer, Timer: Timer{Event: TimerStarted, ID: "t1", Name: "eggs", Seconds: 2}}
	r.run(500*time.Millisecond, false)
	r.down <- Down{Kind: DownDisconnected, Text: "EOF"}
	r.run(2*time.Second, false)
	r.wantLog("0.01 timer", "0.51 upstream", "2.01 timer", "2.01 timer")
	if !r.mixer.Active(audio.Alert) {
		t.Fatal("the timer is not ringing on the alert track")
	}
	r.press("action")
	r.run(20*time.Millisecond, false)
	r.wantLog("2.01 timer", "button", "timer")
	if r.mixer.Active(audio.Alert) || r.eng.timers.Ringing() {
		t.Error("the action button did not dismiss the ringing timer")
	}
	if st := r.eng.State(); st == 0 && r.upKinds()[UpTurnStart] != 0 {
		t.Error("dismissing a timer also started a turn")
	}
}

func TestTimerRingsAfterRestartOfTheEngine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "timers.json")
	tm, _ := LoadTimers(TimersOpts{Path: path}, 0)
	r := newRig(t, 10000, func(o *EngineOpts) { o.Timers = tm })
	r.down <- Down{Kind: DownTimer, Timer: Timer{Event: TimerStarted, ID: "t1", Seconds: 1}}
	r.run(100*time.Millisecond, false)

	// A new engine (genie restarted) loads the file; the timer rings on time.
	tm2, err := LoadTimers(TimersOpts{Path: path}, 0)
	if err != nil {
		t.Fatal(err)
	}
	r2 := newRig(t, 10000, func(o *EngineOpts) { o.Timers = tm2 })
	r2.run(1500*time.Millisecond, false)
	r2.wantLog("timer", "timer")
	if !r2.mixer.Active(audio.Alert) {
		t.Error("the restarted engine does not ring the saved timer")
	}
}

func TestTimerRingsOutAfterRingFor(t *testing.T) {
	r := newRig(t, 10000, func(o *EngineOpts) { o.RingFor = 2 * time.Second })
	r.down <- Down{Kind: DownTimer, Timer: Timer{Event: TimerStarted, ID: "x", Seconds: 1}}
	r.run(4*time.Second, false)
	r.wantLog("timer", "timer", "timer")
	if r.eng.timers.Ringing() {
		t.Error("the timer still rings after RingFor")
	}
}
