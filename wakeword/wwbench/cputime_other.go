//go:build !linux

package wwbench

import "time"

var epoch = time.Now()

// threadCPU returns the wall clock: thread CPU time is read on Linux only.
func threadCPU() time.Duration { return time.Since(epoch) }

// cpuClock names what threadCPU measures.
const cpuClock = "wall time"
