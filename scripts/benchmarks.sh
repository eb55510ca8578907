#!/usr/bin/env bash
# benchmarks.sh — run the benchmarks quoted in BENCHMARKS.md in one go, with the
# SHA-256 baseline, so figures can be given as ratios measured in the same run.
# Usage: scripts/benchmarks.sh [COUNT]   (raw `go test -bench` output on stdout)
set -euo pipefail
export PATH="$PATH:/usr/local/go/bin"
cd "$(dirname "$0")/.."
count=${1:-3}
echo "# $(date -u +%FT%TZ) $(uname -m) $(nproc) cores: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "# load average: $(cut -d' ' -f1-3 /proc/loadavg)"
go test -run XXX -count "$count" -benchtime 1s \
  -bench 'Baseline|LoopBlock|StackBlock|VADBlock|FullBandBlock|FrontendBlock|ModelStep|EngineStep|Resample48kTo16kBlock|MixBlock|Converter48kStereoBlock|AudioChunk$|DecoderFeed|Ring12|APA102Show12|HeyGenieFrame' \
  ./internal/benchbase ./internal/runtime ./wakeword ./wakeword/models ./audio ./audio/vad ./audio/frontend ./dialog/wyoming ./hal/...
