// Package runtime wires a board profile into a running genie: mic → converter →
// listener loop → dialog engine → upstream, with the speaker mixer clocked by the mic,
// the event bus, the timeline printer and the HAL. cmd/genie only parses flags and
// calls Run.
package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"sync"
	"time"

	"github.com/genie-voice/genie/audio"
	"github.com/genie-voice/genie/audio/listener"
	"github.com/genie-voice/genie/audio/portaudio"
	"github.com/genie-voice/genie/audio/wavfile"
	"github.com/genie-voice/genie/configs"
	"github.com/genie-voice/genie/dialog"
	"github.com/genie-voice/genie/dialog/event"
	"github.com/genie-voice/genie/dialog/local"
	"github.com/genie-voice/genie/dialog/wyoming"
	"github.com/genie-voice/genie/hal"
)

// Opts are the run's options beyond the profile.
type Opts struct {
	Events     io.Writer // the timeline goes here; nil discards it
	EventsJSON bool      // one JSON object per event instead of text lines
	Logf       func(format string, args ...any)
	// Speaker, if set, replaces the profile's speaker (embedding, latency benchmarks).
	Speaker audio.Sink
	// OnServe, if set, is told the address a network upstream listens on.
	OnServe func(addr string)
	// Start, if set, holds the listener loop until it is closed (for example until a
	// server has connected); everything else is already running.
	Start <-chan struct{}
	// Frames, if set, is a directory where the board's LED and screen frames of the run
	// are written as PNG (and a GIF) at the end.
	Frames string
	// Buses, if set, replaces the host's buses for the HAL (fakes in tests).
	Buses hal.Buses
	// StartMuted starts with the microphones muted, as if the mute switch were on.
	StartMuted bool
}

// Stats are figures from a finished run.
type Stats struct {
	Blocks       int64         // mic blocks processed
	AudioTime    time.Duration // mic audio processed
	WallTime     time.Duration
	Overruns     uint64 // capture overruns
	UpDropped    uint64 // messages the upstream could not take
	SpeakerDrops uint64 // speaker blocks dropped because the device was slow
	EventDrops   uint64 // events lost by slow subscribers
}

// Run runs the profile until ctx is done or, for a file mic, the file ends and the
// last turn completes.
func Run(ctx context.Context, c *configs.Config, o Opts) (Stats, error) {
	if o.Logf == nil {
		o.Logf = func(string, ...any) {}
	}
	start := time.Now()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	bus := event.NewBus(false) // replaced below once the mic says whether the run is lockstep
	var lst *listener.Listener
	// Device loss is reported on the goroutine that reads or writes the device; the
	// event carries the mic's sample clock, which keeps running on paced silence.
	deviceEvent := func(name string) func(lost bool, err error) {
		return func(lost bool, err error) {
			var at int64
			if lst != nil {
				at = lst.Blocks() * audio.BlockSamples
			}
			ev := event.Event{Kind: event.KindDeviceBack, Sample: at, Source: name}
			if lost {
				ev.Kind = event.KindDeviceLost
				if err != nil {
					ev.Detail = err.Error()
				}
			}
			bus.Publish(ev)
			if err != nil {
				o.Logf("%s: %v", name, err)
			}
		}
	}
	// Everything opened is closed in reverse order on every return; the normal path
	// runs the same teardown before it reads the final figures.
	var down teardown
	defer down.run()

	mic, lockstep, closeMic, err := openMic(c, deviceEvent("mic"))
	if err != nil {
		return Stats{}, err
	}
	down.push(closeMic)
	bus = event.NewBus(lockstep)

	spk, err := openSpeaker(c, o.Speaker, lockstep, deviceEvent("speaker"), o.Logf)
	if err != nil {
		return Stats{}, err
	}
	var spkErr error
	down.push(func() { spkErr = spk.close() })

	mixer, err := audio.NewMixer(audio.MixerOpts{
		SampleRate: c.Speaker.SampleRate, DuckDB: c.Mixer.DuckDB, Ramp: c.Mixer.Ramp,
		Buffer: 30 * time.Second, Volume: c.Speaker.Volume,
	})
	if err != nil {
		return Stats{}, err
	}

	// Frames of a file run are rendered on the mic clock (the same frames at any speed),
	// which costs a render per 33 ms of audio: only when they are wanted.
	board, err := hal.Open(c.HAL, &hal.Opts{Buses: o.Buses, SampleClock: lockstep && o.Frames != "", Record: o.Frames != "", Logf: o.Logf})
	if err != nil {
		return Stats{}, fmt.Errorf("runtime: %w", err)
	}
	down.push(func() { board.Close() })
	if o.StartMuted {
		board.SetMute(true)
	}

	// The printer and the board run until the bus closes, not until ctx ends: with a
	// lockstep bus a subscriber that stopped reading would block the last events.
	printed := startPrinter(bus, o.Events, o.EventsJSON)
	boardEvents := bus.Subscribe(256)
	boardDone := make(chan struct{})
	go func() {
		defer close(boardDone)
		if err := board.Run(context.Background(), boardEvents); err != nil {
			o.Logf("hal: %v", err)
		}
	}()
	down.push(func() {
		bus.Close()
		<-printed
		<-boardDone
	})

	wake, err := buildWake(c)
	if err != nil {
		return Stats{}, err
	}
	lst, err = listener.New(mic, listener.Opts{
		PreRoll: c.Listener.PreRoll, Detector: wake.detector, VAD: wake.vad, Threshold: float32(c.VAD.Threshold),
		MuteSwitch: board.Mute(), PaceFlush: !lockstep,
	})
	if err != nil {
		return Stats{}, err
	}

	up := make(chan dialog.Up, c.Listener.QueueDepth)
	downlink := make(chan dialog.Down, 64)
	upstream, err := newUpstream(c, wake, o)
	if err != nil {
		return Stats{}, err
	}
	var wg sync.WaitGroup
	upErr := make(chan error, 1)
	wg.Add(1)
	go func() {
		defer wg.Done()
		upErr <- upstream.Run(ctx, dialog.Link{Up: up, Down: downlink})
	}()
	down.push(func() {
		cancel()
		wg.Wait()
	})

	inputs := []dialog.Inputs{boardInputs{board.Inputs()}}
	if ptt := c.Triggers.PushToTalk; ptt.Enabled && len(ptt.PressAt) > 0 {
		inputs = append(inputs, NewSchedule("action", ptt.PressAt))
	}
	timers, err := dialog.LoadTimers(dialog.TimersOpts{Path: filepath.Join(c.DataPath(), "timers.json"), Logf: o.Logf}, 0)
	if err != nil {
		o.Logf("%v", err) // a bad state file never stops genie
	}
	eng, err := dialog.NewEngine(dialog.EngineOpts{
		Bus: bus, Mixer: mixer, PreRoll: lst.PreRoll(), Up: up, Down: downlink, Inputs: inputs,
		Muter: boardMute{board}, Timers: timers,
		Endpoint: dialog.EndpointOpts{
			NoSpeechTimeout: c.Dialog.NoSpeechTimeout, MinSpeech: c.Dialog.MinSpeech,
			TrailingSilence: c.Dialog.TrailingSilence, MaxUtterance: c.Dialog.MaxUtterance,
			UseVAD: wake.useVAD,
		},
		FollowUpTimeout: c.Dialog.FollowUpTimeout, ReplyTimeout: c.Dialog.ReplyTimeout,
		Earcons: c.Dialog.Earcons, Volume: c.Speaker.Volume, Lockstep: lockstep,
	})
	if err != nil {
		return Stats{}, err
	}

	h := &handler{eng: eng, mixer: mixer, spk: spk, lockstep: lockstep, rate: int64(c.Speaker.SampleRate)}
	if o.Start != nil {
		select {
		case <-o.Start:
		case <-ctx.Done():
		}
	}
	runErr := lst.Run(ctx, h)
	bus.Publish(event.Event{Kind: event.KindEnd, Sample: h.end})
	down.run()
	if o.Frames != "" {
		if err := board.WriteFrames(o.Frames); err != nil {
			o.Logf("hal: frames: %v", err)
		}
	}

	st := Stats{
		Blocks: lst.Blocks(), AudioTime: audio.SampleTime(lst.Blocks() * audio.BlockSamples),
		WallTime: time.Since(start), Overruns: lst.Overruns(), UpDropped: eng.UpDropped(),
		SpeakerDrops: spk.drops.Load(), EventDrops: bus.Dropped(),
	}
	if err := <-upErr; err != nil && !errors.Is(err, context.Canceled) {
		return st, fmt.Errorf("runtime: upstream %s: %w", upstream.Name(), err)
	}
	if runErr != nil {
		return st, runErr
	}
	return st, spkErr
}

// teardown is a stack of closers run in reverse order, once.
type teardown []func()

func (t *teardown) push(f func()) { *t = append(*t, f) }

func (t *teardown) run() {
	for len(*t) > 0 {
		f := (*t)[len(*t)-1]
		*t = (*t)[:len(*t)-1]
		f()
	}
}

// handler runs the dialog engine and then mixes one speaker block per mic block, so the
// speaker is clocked by the mic (as on a codec with one clock) and a file run is
// deterministic.
type handler struct {
	eng      *dialog.Engine
	mixer    *audio.Mixer
	spk      *speaker
	lockstep bool
	rate     int64 // speaker Hz
	end      int64
	blk      spkBlock
}

func (h *handler) HandleBlock(s *listener.Step) {
	h.eng.HandleBlock(s)
	k := s.Block.Start / audio.BlockSamples
	n := int((k+1)*h.rate/100 - k*h.rate/100) // speaker frames in this 10 ms, exact over time
	h.blk.n = n
	fin := h.mixer.Mix(h.blk.s[:n])
	h.end = s.Block.End()
	h.eng.Mixed(fin, h.end)
	h.spk.push(&h.blk, h.lockstep)
}

func (h *handler) Idle() bool { return h.eng.Idle() }

// startPrinter prints every event on the bus to w and closes the returned channel when
// the bus is closed.
func startPrinter(bus *event.Bus, w io.Writer, asJSON bool) <-chan struct{} {
	ch := bus.Subscribe(1024)
	done := make(chan struct{})
	go func() {
		defer close(done)
		enc := json.NewEncoder(io.Discard)
		if w != nil {
			enc = json.NewEncoder(w)
		}
		for e := range ch {
			if w == nil {
				continue
			}
			if asJSON {
				enc.Encode(jsonEvent(e))
			} else {
				fmt.Fprintln(w, e.String())
			}
		}
	}()
	return done
}

// jsonEvent is an event as printed by --events-json.
type jsonEventT struct {
	TimeS   float64 `json:"time_s"`
	Sample  int64   `json:"sample"`
	Kind    string  `json:"kind"`
	State   string  `json:"state,omitempty"`
	Source  string  `json:"source,omitempty"`
	Reason  string  `json:"reason,omitempty"`
	Detail  string  `json:"detail,omitempty"`
	Score   float32 `json:"score,omitempty"`
	Value   int64   `json:"value,omitempty"`
	Turn    int64   `json:"turn,omitempty"`
	Decided int64   `json:"decided_sample,omitempty"`
}

func jsonEvent(e event.Event) jsonEventT {
	j := jsonEventT{TimeS: float64(e.Sample) / audio.SampleRate, Sample: e.Sample, Kind: e.Kind.String(),
		Source: e.Source, Reason: e.Reason, Detail: e.Detail, Score: e.Score, Value: e.Value, Turn: e.Turn, Decided: e.Decided}
	if e.Kind == event.KindState {
		j.State = e.State.String()
	}
	return j
}

// OpenMic opens c's microphone as `genie run` does (device, channel, gain)
// and returns it as a canonical 16 kHz mono Source, for tools that record
// with the board's own microphone; closeFn releases it. A wav file mic
// ends with io.EOF. onDevice (may be nil) hears when a device is lost
// (lost true, with the error) and back; it must not block.
func OpenMic(c *configs.Config, onDevice func(lost bool, err error)) (src audio.Source, closeFn func(), err error) {
	src, _, closeFn, err = openMic(c, onDevice)
	return src, closeFn, err
}

// openMic opens the configured mic as a canonical Source. lockstep is true for a file
// read at max speed: then nothing may be dropped and the run is deterministic.
func openMic(c *configs.Config, onDevice func(lost bool, err error)) (src audio.Source, lockstep bool, closeFn func(), err error) {
	var raw audio.Source
	closeFn = func() {}
	switch c.Mic.Backend {
	case configs.BackendWav:
		speed, err := wavfile.ParseSpeed(c.Mic.Speed)
		if err != nil {
			return nil, false, nil, err
		}
		w, err := wavfile.Open(c.Mic.File, wavfile.Opts{Speed: speed, Repeat: c.Mic.Repeat})
		if err != nil {
			return nil, false, nil, fmt.Errorf("runtime: mic: %w", err)
		}
		raw, closeFn, lockstep = w, func() { w.Close() }, speed == wavfile.Max
	case configs.BackendPortAudio:
		p, err := portaudio.NewResilientSource(&portaudio.Opts{
			Device: c.Mic.Device, SampleRate: c.Mic.SampleRate, Channels: c.Mic.Channels, Latency: c.Mic.Latency,
		}, onDevice)
		if err != nil {
			return nil, false, nil, fmt.Errorf("runtime: mic: %w", err)
		}
		raw, closeFn = p, func() { p.Close() }
	default:
		return nil, false, nil, fmt.Errorf("runtime: mic backend %q is not available in this build", c.Mic.Backend)
	}
	ch := c.Mic.Channel
	if ch >= raw.Format().Channels {
		closeFn()
		return nil, false, nil, fmt.Errorf("runtime: mic: channel %d of a %d-channel source", ch, raw.Format().Channels)
	}
	conv, err := audio.NewConverter(raw, audio.ConvertOpts{Channel: ch, GainDB: c.Mic.GainDB})
	if err != nil {
		closeFn()
		return nil, false, nil, fmt.Errorf("runtime: mic: %w", err)
	}
	return conv, lockstep, closeFn, nil
}

// newUpstream builds the profile's upstream.
func newUpstream(c *configs.Config, w wakeParts, o Opts) (dialog.Upstream, error) {
	switch c.Upstream.Kind {
	case configs.UpstreamLocal:
		return local.New(local.Opts{OutDir: c.OutDir, Echo: c.Upstream.Local.Echo, Logf: o.Logf}), nil
	case configs.UpstreamWyoming:
		var models []wyoming.WakeModelInfo
		for _, m := range w.models {
			models = append(models, wyoming.WakeModelInfo{Name: m.Name, Phrase: m.Manifest.WakeWord, Languages: m.Manifest.TrainedLanguages})
		}
		srv, err := wyoming.New(wyoming.Options{
			Listen: c.Upstream.Wyoming.Listen, Name: c.Name, Area: c.Area, WakeModels: models,
			SpeakerRate: c.Speaker.SampleRate, MDNS: c.Upstream.Wyoming.MDNS, Logf: o.Logf,
		})
		if err != nil {
			return nil, fmt.Errorf("runtime: %w", err)
		}
		o.Logf("wyoming: serving on %v", srv.Addr())
		if o.OnServe != nil {
			o.OnServe(srv.Addr().String())
		}
		return srv, nil
	}
	return nil, fmt.Errorf("runtime: upstream %q is not available in this build", c.Upstream.Kind)
}
