package wyoming

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/genie-voice/genie/audio"
	"github.com/genie-voice/genie/dialog"
)

// WakeModelInfo describes one wake word model in the info event. Home Assistant maps
// the name in a detection event to the phrase it shows.
type WakeModelInfo struct {
	Name      string   // model name, sent in detection and run-pipeline, e.g. "hey_genie"
	Phrase    string   // spoken phrase, e.g. "hey genie"
	Languages []string // e.g. ["en"]
}

// Options configures a Server. Zero fields take their value from DefaultOptions.
type Options struct {
	Listen      string          // TCP address, e.g. ":10700"
	Name        string          // satellite name shown in Home Assistant; default: host name
	Area        string          // suggested area, e.g. "Kitchen"; "" = none
	Version     string          // software version reported in info
	WakeModels  []WakeModelInfo // the wake words the device listens for
	SpeakerRate int             // Hz, speaker rate advertised as snd_format (16-bit mono)
	MDNS        bool            // advertise _wyoming._tcp on the local network

	// QueueLen is the bound of the per-connection write queue, in events (one 10 ms
	// block is one event). When it is full the current utterance is dropped.
	QueueLen int
	// WriteTimeout bounds one socket write; a write that stalls longer closes the
	// connection.
	WriteTimeout time.Duration
	// PingAfter is the silence on the active connection after which the satellite
	// pings the server itself. Home Assistant pings every 2 s, so silence means trouble.
	PingAfter time.Duration
	// DeadAfter is the silence after which a connection is closed as dead (a half-open
	// socket after the server lost power). Not applied while the server has paused the
	// satellite: Home Assistant stops reading and pinging while muted.
	DeadAfter time.Duration
	// MaxConns caps simultaneous connections (main + probes).
	MaxConns int
	// Logf logs connection-level events (never per block). Default: log.Printf.
	Logf func(format string, args ...any)
}

// DefaultOptions are the defaults New fills in.
var DefaultOptions = Options{
	Listen:       ":10700",
	Version:      "dev",
	SpeakerRate:  22050, // Home Assistant's preferred TTS rate (_TTS_SAMPLE_RATE)
	QueueLen:     128,
	WriteTimeout: 2 * time.Second,
	PingAfter:    5 * time.Second,
	DeadAfter:    15 * time.Second,
	MaxConns:     4,
}

// Stats counts what the server dropped or refused. All counters only grow.
type Stats struct {
	Connections       uint64 // connections accepted
	BadFrames         uint64 // connections closed for a malformed frame
	DroppedBlocks     uint64 // UpAudio blocks dropped because no turn was streaming
	DroppedUtterances uint64 // utterances dropped because the server did not keep up
}

// Server is a Wyoming satellite server: Home Assistant connects to it, and it forwards
// the dialog's utterances and the server's answers. It implements dialog.Upstream.
type Server struct {
	o    Options
	ln   net.Listener
	info []byte // encoded info event
	ran  atomic.Bool

	mu    sync.Mutex
	conns map[*conn]struct{}

	connections, badFrames, droppedBlocks, droppedUtterances atomic.Uint64

	onAccept func(net.Conn) // test hook: tune a new connection's socket
}

var _ dialog.Upstream = (*Server)(nil)

// New validates opts and starts listening on opts.Listen. Run serves the listener and
// closes it when it returns.
func New(opts Options) (*Server, error) {
	o := opts
	d := DefaultOptions
	if o.Listen == "" {
		o.Listen = d.Listen
	}
	if o.Name == "" {
		o.Name, _ = os.Hostname()
		if o.Name == "" {
			o.Name = "genie"
		}
	}
	if o.Version == "" {
		o.Version = d.Version
	}
	if o.SpeakerRate == 0 {
		o.SpeakerRate = d.SpeakerRate
	}
	if o.QueueLen == 0 {
		o.QueueLen = d.QueueLen
	}
	if o.WriteTimeout == 0 {
		o.WriteTimeout = d.WriteTimeout
	}
	if o.PingAfter == 0 {
		o.PingAfter = d.PingAfter
	}
	if o.DeadAfter == 0 {
		o.DeadAfter = d.DeadAfter
	}
	if o.MaxConns == 0 {
		o.MaxConns = d.MaxConns
	}
	if o.Logf == nil {
		o.Logf = log.Printf
	}
	switch {
	case o.SpeakerRate < 8000 || o.SpeakerRate > 96000:
		return nil, fmt.Errorf("wyoming: speaker rate %d Hz out of range 8000..96000", o.SpeakerRate)
	case o.QueueLen < 8:
		return nil, fmt.Errorf("wyoming: queue length %d, want at least 8", o.QueueLen)
	case o.WriteTimeout < 0 || o.PingAfter < 0 || o.DeadAfter < 0:
		return nil, errors.New("wyoming: negative timeout")
	case o.DeadAfter <= o.PingAfter:
		return nil, fmt.Errorf("wyoming: DeadAfter %v must exceed PingAfter %v", o.DeadAfter, o.PingAfter)
	case o.MaxConns < 2:
		return nil, fmt.Errorf("wyoming: MaxConns %d, want at least 2 (Home Assistant probes on a second connection)", o.MaxConns)
	}
	for i, m := range o.WakeModels {
		if m.Name == "" {
			return nil, fmt.Errorf("wyoming: wake model %d has no name", i)
		}
	}
	ln, err := net.Listen("tcp", o.Listen)
	if err != nil {
		return nil, fmt.Errorf("wyoming: listen: %w", err)
	}
	return &Server{
		o:     o,
		ln:    ln,
		info:  AppendEvent(nil, TypeInfo, infoData(&o), nil),
		conns: map[*conn]struct{}{},
	}, nil
}

// Name returns "wyoming".
func (s *Server) Name() string { return "wyoming" }

// Addr returns the address the server listens on.
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// Stats returns the server's counters. It is safe to call at any time.
func (s *Server) Stats() Stats {
	return Stats{
		Connections:       s.connections.Load(),
		BadFrames:         s.badFrames.Load(),
		DroppedBlocks:     s.droppedBlocks.Load(),
		DroppedUtterances: s.droppedUtterances.Load(),
	}
}

// Run serves connections until ctx is done; then it closes the listener and every
// connection and returns nil. It may be called once.
func (s *Server) Run(ctx context.Context, l dialog.Link) error {
	if !s.ran.CompareAndSwap(false, true) {
		return errors.New("wyoming: Run called twice")
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	if s.o.MDNS {
		if stop := s.advertise(); stop != nil {
			defer stop()
		}
	}
	h := newHub(s, l, ctx.Done())
	wg.Go(func() { s.accept(ctx, h, &wg) })
	h.run()
	s.ln.Close()
	s.mu.Lock()
	for c := range s.conns {
		c.close("server stopped")
	}
	s.mu.Unlock()
	wg.Wait()
	return nil
}

func (s *Server) accept(ctx context.Context, h *hub, wg *sync.WaitGroup) {
	for {
		nc, err := s.ln.Accept()
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return
			}
			s.o.Logf("wyoming: accept: %v", err)
			select {
			case <-time.After(100 * time.Millisecond): // e.g. EMFILE: don't spin
			case <-ctx.Done():
				return
			}
			continue
		}
		s.mu.Lock()
		if ctx.Err() != nil || len(s.conns) >= s.o.MaxConns {
			s.mu.Unlock()
			s.o.Logf("wyoming: refusing %s: %d connections open", nc.RemoteAddr(), s.o.MaxConns)
			nc.Close()
			continue
		}
		if s.onAccept != nil {
			s.onAccept(nc)
		}
		c := newConn(nc, s.o.QueueLen)
		s.conns[c] = struct{}{}
		s.mu.Unlock()
		s.connections.Add(1)
		wg.Go(func() { c.writeLoop(s.o.WriteTimeout) })
		wg.Go(func() { s.readLoop(c, h) })
	}
}

// readLoop reads c's events and hands them to the hub until c fails or closes.
func (s *Server) readLoop(c *conn, h *hub) {
	defer func() {
		s.mu.Lock()
		delete(s.conns, c)
		s.mu.Unlock()
	}()
	r := NewReader(c.nc)
	var ev Event
	for {
		err := r.ReadEvent(&ev)
		if err != nil {
			reason := "connection lost: " + err.Error()
			switch {
			case errors.Is(err, ErrBadFrame):
				s.badFrames.Add(1)
				reason = "malformed frame: " + err.Error()
			case errors.Is(err, net.ErrClosed) || errors.Is(err, os.ErrDeadlineExceeded):
				reason = "closed"
			case errors.Is(err, io.EOF):
				reason = "peer closed the connection"
			}
			if !c.close(reason) {
				reason = c.reason // closed by us: keep our reason
			}
			s.o.Logf("wyoming: %s: %s", c.peer, reason)
			h.send(inMsg{c: c, reason: reason})
			return
		}
		c.lastRead.Store(time.Now().UnixNano())
		m, ok, err := parse(&ev)
		if err != nil {
			s.o.Logf("wyoming: %s: ignoring %s: %v", c.peer, ev.Type, err)
			continue
		}
		if !ok {
			continue // unknown or uninteresting event
		}
		m.c = c
		if !h.send(m) {
			return
		}
	}
}

// conn is one TCP connection. Its reader and writer goroutines own the socket; the hub
// owns pinged.
type conn struct {
	nc       net.Conn
	peer     string
	out      chan outMsg
	done     chan struct{}
	once     sync.Once
	reason   string       // set once, before done is closed
	lastRead atomic.Int64 // unix ns of the last event read
	pinged   bool         // hub: a keepalive ping is outstanding
}

func newConn(nc net.Conn, queue int) *conn {
	c := &conn{nc: nc, peer: nc.RemoteAddr().String(), out: make(chan outMsg, queue), done: make(chan struct{})}
	c.lastRead.Store(time.Now().UnixNano())
	return c
}

// close closes the connection once, recording why. It reports whether this call closed it.
func (c *conn) close(reason string) bool {
	closed := false
	c.once.Do(func() {
		c.reason = reason
		close(c.done)
		c.nc.Close()
		closed = true
	})
	return closed
}

// outMsg is one event for the writer: an encoded event, or a block of mic audio that
// the writer encodes into its own buffer. It travels by value, so the audio path
// allocates nothing.
type outMsg struct {
	raw   []byte
	audio bool
	ts    int64 // ms since the start of the utterance
	block audio.Block
}

// writeLoop writes queued events, each with a deadline, until c closes or a write fails.
func (c *conn) writeLoop(timeout time.Duration) {
	buf := make([]byte, 0, 1024)
	for {
		var m outMsg
		select {
		case <-c.done:
			return
		case m = <-c.out:
		}
		b := m.raw
		if m.audio {
			buf = AppendAudioChunk(buf[:0], audio.SampleRate, 1, m.ts, m.block.Samples[:])
			b = buf
		}
		if err := c.nc.SetWriteDeadline(time.Now().Add(timeout)); err != nil {
			c.close("set write deadline: " + err.Error())
			return
		}
		if _, err := c.nc.Write(b); err != nil {
			if errors.Is(err, os.ErrDeadlineExceeded) {
				c.close(fmt.Sprintf("write stalled for %v: server not reading", timeout))
			} else {
				c.close("write: " + err.Error())
			}
			return
		}
	}
}
