package runtime

import (
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/genie-voice/genie/audio"
	"github.com/genie-voice/genie/audio/portaudio"
	"github.com/genie-voice/genie/audio/wavfile"
	"github.com/genie-voice/genie/configs"
)

// spkBlock is one 10 ms speaker block, mono at the speaker's rate (up to 48 kHz).
type spkBlock struct {
	n int
	s [480]int16
}

// speaker writes mixed blocks to the device on its own goroutine, so a slow device
// never stalls the listener loop: blocks it cannot take in time are dropped and counted.
type speaker struct {
	q     chan spkBlock
	done  chan error
	drops atomic.Uint64
	once  sync.Once
	err   error
}

// openSpeaker opens the configured speaker sink and starts its writer.
func openSpeaker(c *configs.Config, sink audio.Sink, lockstep bool, onDevice func(lost bool, err error), logf func(string, ...any)) (*speaker, error) {
	closeSink := func() error { return nil }
	f := audio.Format{SampleRate: c.Speaker.SampleRate, Channels: c.Speaker.Channels}
	switch {
	case sink != nil:
	case c.Speaker.Backend == configs.BackendWav:
		w, err := wavfile.Create(c.Speaker.File, f)
		if err != nil {
			return nil, fmt.Errorf("runtime: speaker: %w", err)
		}
		sink, closeSink = w, w.Close
	case c.Speaker.Backend == configs.BackendNull:
		sink = nullSink{f}
	case c.Speaker.Backend == configs.BackendPortAudio:
		p, err := portaudio.NewResilientSink(&portaudio.Opts{
			Device: c.Speaker.Device, SampleRate: c.Speaker.SampleRate, Channels: c.Speaker.Channels, Latency: c.Speaker.Latency,
		}, onDevice)
		if err != nil {
			return nil, fmt.Errorf("runtime: speaker: %w", err)
		}
		sink, closeSink = p, p.Close
	default:
		return nil, fmt.Errorf("runtime: speaker backend %q is not available in this build", c.Speaker.Backend)
	}
	conv, err := audio.NewSinkConverter(sink, c.Speaker.SampleRate, 480)
	if err != nil {
		closeSink()
		return nil, fmt.Errorf("runtime: speaker: %w", err)
	}
	s := &speaker{q: make(chan spkBlock, 32), done: make(chan error, 1)}
	go func() {
		var werr error
		for b := range s.q {
			if werr != nil {
				continue
			}
			if _, err := conv.Write(b.s[:b.n]); err != nil {
				werr = err
				logf("speaker: %v", err)
			}
		}
		if err := closeSink(); werr == nil {
			werr = err
		}
		s.done <- werr
	}()
	return s, nil
}

// push queues a block; without lockstep it drops the block if the writer is behind.
func (s *speaker) push(b *spkBlock, lockstep bool) {
	if lockstep {
		s.q <- *b
		return
	}
	select {
	case s.q <- *b:
	default:
		s.drops.Add(1)
	}
}

// close flushes and closes the sink, returning the first write error.
func (s *speaker) close() error {
	s.once.Do(func() {
		close(s.q)
		s.err = <-s.done
	})
	return s.err
}

// nullSink discards audio.
type nullSink struct{ f audio.Format }

func (n nullSink) Format() audio.Format         { return n.f }
func (n nullSink) Write(p []int16) (int, error) { return len(p), nil }
