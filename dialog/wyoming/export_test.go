package wyoming

import (
	"testing"
	"time"
)

// The Home Assistant role client of ha_test.go, exported to this directory's external
// tests (e2e_test.go drives a real `genie run` with it).

type HA = haConn

func DialHA(t testing.TB, addr string) *HA                  { return dialHA(t, addr, 0) }
func (h *haConn) StartReading() *HA                         { return h.startReading() }
func (h *haConn) StartPinging()                             { h.startPinging() }
func (h *haConn) Send(typ string, data any, payload []byte) { h.send(typ, data, payload) }
func (h *haConn) Next(timeout time.Duration) (Event, bool)  { return h.next(timeout) }
func (h *haConn) Expect(typ string) Event                   { return h.expect(typ) }
func (h *haConn) Pongs() int32                              { return h.pongs.Load() }
func (h *haConn) Close()                                    { h.nc.Close() }
func Fields(t testing.TB, ev Event) map[string]any          { return fields(t, ev) }

func (h *haConn) BytesRead() int64 { return h.read.Load() }
