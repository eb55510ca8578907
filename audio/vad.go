package audio

// VAD scores blocks for speech. Implementations keep their own state across blocks,
// allocate nothing in Process and are not safe for concurrent use.
type VAD interface {
	// Process returns the probability, 0..1, that b holds speech.
	Process(b *Block) float32
	// Reset forgets all state, as at the start of a stream.
	Reset()
}
