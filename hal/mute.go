package hal

import (
	"sync"
	"sync/atomic"
)

// MuteState is the board's MuteSwitch: one atomic flag that every mute source sets.
type MuteState struct {
	on       atomic.Bool
	mu       sync.Mutex
	watchers []chan bool
}

// State reports whether the microphones are muted. It allocates nothing and never
// blocks: the listener calls it for every block.
func (m *MuteState) State() bool { return m.on.Load() }

// Watch returns a channel that receives the new state after every change; it holds
// only the latest state, so a slow reader never blocks the setter.
func (m *MuteState) Watch() <-chan bool {
	ch := make(chan bool, 1)
	m.mu.Lock()
	m.watchers = append(m.watchers, ch)
	m.mu.Unlock()
	return ch
}

// Set sets the state and reports whether it changed.
func (m *MuteState) Set(on bool) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.on.Swap(on) == on {
		return false
	}
	for _, ch := range m.watchers {
		select { // replace a state nobody read yet
		case <-ch:
		default:
		}
		ch <- on
	}
	return true
}

var _ MuteSwitch = (*MuteState)(nil)
