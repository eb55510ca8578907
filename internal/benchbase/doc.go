// Package benchbase holds the reference workload genie's benchmarks are compared with:
// figures in BENCHMARKS.md are given both in ns and as multiples of BenchmarkBaseline
// measured in the same run, so a noisy or slower machine shifts both alike.
package benchbase
