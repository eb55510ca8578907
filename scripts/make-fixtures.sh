#!/usr/bin/env bash
# make-fixtures.sh — regenerate the synthetic wav fixtures in testdata/.
#
# Needs espeak-ng and sox (Debian: apt-get install espeak-ng sox). The output is
# byte-reproducible on Debian bookworm: espeak-ng is deterministic, sox runs in
# repeatable mode (-R) and without dither (-D).
#
# testdata/turn_what_time_16k.wav  1.7 s of quiet room noise, "what time is it" (espeak-ng
#                                  en-us), then quiet; 16 kHz mono s16. The bench board
#                                  presses push-to-talk at 1.5 s.
# testdata/hey_genie_turn_16k.wav  "hey genie" then "turn on the kitchen lights", for
#                                  wake-word runs.
# testdata/okay_nabu_turn_16k.wav  "okay nabu" then "what time is it", for runs with
#                                  microWakeWord's okay_nabu model.
# testdata/xiao_jing_ling_turn_16k.wav  "小精灵" then "现在几点" (what time is it) by
#                                  espeak-ng's Mandarin voice with the f2 variant (a
#                                  held-out voice for the trained xiao_jing_ling model).
set -euo pipefail
cd "$(dirname "$0")/.."
out=testdata
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

say() { # say VOICE SPEED TEXT OUT.wav  → 16 kHz mono, peak -6 dBFS
  espeak-ng -v "$1" -s "$2" -w "$tmp/raw.wav" "$3"
  sox -R -D "$tmp/raw.wav" -r 16000 -c 1 -b 16 "$4" norm -6
}

# room: LEN seconds of quiet pink noise at about -60 dBFS
room() { sox -R -D -n -r 16000 -c 1 -b 16 "$2" synth "$1" pinknoise vol 0.002; }

# fixture LEAD_S SPEECH.wav TAIL_S OUT.wav: lead noise, speech mixed over noise, tail noise
fixture() {
  local lead=$1 speech=$2 tail=$3 dst=$4
  local dur
  dur=$(soxi -D "$speech")
  sox -R -D "$speech" "$tmp/padded.wav" pad "$lead" "$tail"
  local total
  total=$(soxi -D "$tmp/padded.wav")
  room "$total" "$tmp/noise.wav"
  sox -R -D -m "$tmp/padded.wav" "$tmp/noise.wav" -b 16 "$dst"
  echo "$dst: speech $lead s .. $(echo "$lead + $dur" | bc -l | cut -c1-5) s of $total s"
}

say en-us 160 "What time is it?" "$tmp/what_time.wav"
fixture 1.7 "$tmp/what_time.wav" 2.6 "$out/turn_what_time_16k.wav"

say en-us 150 "Hey genie." "$tmp/hey.wav"
say en-us 160 "Turn on the kitchen lights." "$tmp/cmd.wav"
# users pause after the wake word for the chime: 0.6 s
sox -R -D -n -r 16000 -c 1 -b 16 "$tmp/gap.wav" trim 0 0.6
sox -R -D "$tmp/hey.wav" "$tmp/gap.wav" "$tmp/cmd.wav" "$tmp/hey_cmd.wav"
fixture 1.5 "$tmp/hey_cmd.wav" 2.0 "$out/hey_genie_turn_16k.wav"

say en-us 150 "Okay nabu." "$tmp/nabu.wav"
sox -R -D "$tmp/nabu.wav" "$tmp/gap.wav" "$tmp/what_time.wav" "$tmp/nabu_cmd.wav"
fixture 1.5 "$tmp/nabu_cmd.wav" 2.5 "$out/okay_nabu_turn_16k.wav"

say cmn-latn-pinyin+f2 150 "小精灵。" "$tmp/xjl.wav"
say cmn-latn-pinyin+f2 160 "现在几点？" "$tmp/xjl_cmd.wav"
sox -R -D "$tmp/xjl.wav" "$tmp/gap.wav" "$tmp/xjl_cmd.wav" "$tmp/xjl_turn.wav"
fixture 1.5 "$tmp/xjl_turn.wav" 2.0 "$out/xiao_jing_ling_turn_16k.wav"
