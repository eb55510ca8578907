// Package dialog owns turns: the state machine (idle → listening → thinking →
// speaking → idle, plus expecting, muted and error), the endpointing policy, device-side
// timers, earcons, and the Upstream interface with its transports in subpackages
// (local demo upstream, Wyoming satellite server).
//
// The engine runs on the listener goroutine, one Step per 10 ms block, so its decisions
// are stamped with mic sample time and a run from a file is deterministic. It talks to
// upstreams only through bounded channels and never blocks on them.
package dialog
