#!/usr/bin/env bash
# setup.sh — install what genie needs to build and test on Debian/Ubuntu/Raspberry Pi OS.
# Go ≥ 1.26 must be installed (https://go.dev/doc/install); everything else comes from apt.
set -euo pipefail
export PATH="$PATH:/usr/local/go/bin"

pkgs=(
  gcc pkg-config          # cgo for the PortAudio backend
  portaudio19-dev         # PortAudio headers and libportaudio2 (pulls in libasound2-dev, libjack-dev)
)
sudo=""
if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if ! command -v go >/dev/null; then
  echo "setup: Go is not installed; install Go 1.26 or later (https://go.dev/doc/install)" >&2
  exit 1
fi
v=$(go env GOVERSION | sed 's/^go//')
case "$v" in
  1.2[6-9]*|1.[3-9]*|[2-9].*) ;;
  *) echo "setup: Go $v is too old; genie needs Go 1.26 or later" >&2; exit 1 ;;
esac
go mod download
