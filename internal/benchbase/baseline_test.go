package benchbase

import (
	"crypto/sha256"
	"testing"
)

// BenchmarkBaseline hashes 4 KiB with SHA-256: a fixed, CPU-bound reference workload
// (about 2–10 µs on current CPUs) for the ratios in BENCHMARKS.md.
func BenchmarkBaseline(b *testing.B) {
	var buf [4096]byte
	for i := range buf {
		buf[i] = byte(i * 31)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(buf)))
	for b.Loop() {
		buf[0] = byte(sha256.Sum256(buf[:])[0])
	}
}
