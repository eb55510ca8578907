#!/usr/bin/env bash
# test.sh — genie's whole test suite, as CI runs it: vet, every test (fuzz seeds
# included), and the pure-Go linux/arm64 cross build for Raspberry Pi OS 64-bit.
set -euo pipefail
export PATH="$PATH:/usr/local/go/bin"
cd "$(dirname "$0")/.."

echo "== gofmt"
bad=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$bad" ]; then echo "gofmt needed:"; echo "$bad"; exit 1; fi

echo "== go vet"
go vet ./...

echo "== arm64 cross build (CGO_ENABLED=0, no PortAudio)"
CGO_ENABLED=0 GOOS=linux GOARCH=arm64 go build -o /dev/null ./...

echo "== go test"
go test -count=1 -timeout 20m ./...
