#!/bin/sh
# alsa-file-devices.sh DIR [MIC.wav [RATE [CHANNELS]]]
#
# Makes ALSA devices backed by files, for trying genie's PortAudio backend on a machine
# without a sound card (the Go tests build the same thing themselves, see
# audio/portaudio/testdata/asound.conf.tmpl):
#
#   genie_mic      capture: plays DIR/mic.raw (MIC.wav converted with sox to raw
#                  s16le at RATE Hz (default 16000) and CHANNELS (default 1), plus 10 s
#                  of silence, because ALSA returns stale data past the end of the file)
#   genie_speaker  playback: records raw s16le to DIR/speaker.raw
#   default        capture: silence (2 s at 48 kHz/8ch); playback: discarded
#
# It prints the line that selects the configuration, e.g.
#   eval "$(scripts/alsa-file-devices.sh /tmp/snd hey.wav)" && genie devices
# The file devices do not pace in real time: capture reads as fast as it is read.
set -eu
dir=${1:?usage: alsa-file-devices.sh DIR [MIC.wav [RATE [CHANNELS]]]}
wav=${2:-}
rate=${3:-16000}
ch=${4:-1}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
if [ -n "$wav" ]; then
	sox "$wav" -t raw -e signed-integer -b 16 -L -r "$rate" -c "$ch" "$dir/mic.raw" pad 0 10
else
	head -c $((2 * rate * ch * 10)) /dev/zero >"$dir/mic.raw"
fi
head -c $((2 * 48000 * 8 * 2)) /dev/zero >"$dir/silence.raw" # 2 s at up to 48 kHz/8ch
cat >"$dir/asound.conf" <<CONF
pcm.null { type null }
pcm.!default {
	type file
	slave.pcm "null"
	file "/dev/null"
	infile "$dir/silence.raw"
	format "raw"
}
pcm.genie_mic {
	type file
	slave.pcm "null"
	file "/dev/null"
	infile "$dir/mic.raw"
	format "raw"
}
pcm.genie_speaker {
	type file
	slave.pcm "null"
	file "$dir/speaker.raw"
	format "raw"
}
CONF
echo "export ALSA_CONFIG_PATH='$dir/asound.conf'"
