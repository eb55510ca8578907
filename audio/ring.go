package audio

import "time"

// PreRoll keeps the most recent blocks of the mic stream so that a turn can start with
// the audio from before its trigger (the wake phrase itself, or the first syllable
// after a button press). It holds blocks by value and allocates nothing after
// NewPreRoll. Not safe for concurrent use.
type PreRoll struct {
	blocks []Block
	next   int // slot the next Push writes
	n      int // blocks held
}

// NewPreRoll returns a ring holding d of audio, rounded up to whole blocks (at least one).
func NewPreRoll(d time.Duration) *PreRoll {
	n := int((d + BlockLen - 1) / BlockLen)
	return &PreRoll{blocks: make([]Block, max(n, 1))}
}

// Cap returns how many blocks the ring holds when full.
func (r *PreRoll) Cap() int { return len(r.blocks) }

// Len returns how many blocks it holds now.
func (r *PreRoll) Len() int { return r.n }

// Push stores a copy of b, dropping the oldest block when full.
func (r *PreRoll) Push(b *Block) {
	r.blocks[r.next] = *b
	r.next = (r.next + 1) % len(r.blocks)
	r.n = min(r.n+1, len(r.blocks))
}

// At returns the i-th held block, 0 being the oldest. The pointer is valid until the
// next Push.
func (r *PreRoll) At(i int) *Block {
	if i < 0 || i >= r.n {
		panic("audio: PreRoll.At out of range")
	}
	return &r.blocks[(r.next-r.n+i+len(r.blocks))%len(r.blocks)]
}

// Reset empties the ring.
func (r *PreRoll) Reset() { r.n, r.next = 0, 0 }
