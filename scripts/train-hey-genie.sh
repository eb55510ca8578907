#!/bin/sh
# Trains the default "hey genie" wake-word model from text with local TTS voices and
# writes wakeword/models/hey_genie.{tflite,json}. Repeatable: the same seed and the same
# installed voices (Debian 12's packages) give the same speech, the same training and the same model, from an
# empty $WORK as from its cache (festival runs with a fixed memory layout, see festivalCmd
# in wakeword/train/festival.go; before that, 3–6 of 10 862 utterances changed from one
# synthesis to the next and so did the model). The committed model is this script's
# output, written three times from empty work directories on one machine (BENCHMARKS.md,
# twelfth session); only the training times in its manifest differ from run to run. Rerun to resume
# after an interruption (the cache and checkpoint live in $WORK); after installing
# or removing voices start from an empty $WORK, the cached speech is not redone.
#
#   apt-get install -y espeak-ng mbrola mbrola-us1 mbrola-us2 mbrola-us3 mbrola-en1 flite festival festvox-kallpc16k festvox-kdlpc16k festvox-us-slt-hts festvox-czech-dita festvox-czech-krb festvox-czech-machac festvox-czech-ph festvox-itapc16k festvox-italp16k festvox-suopuhe-lj festvox-suopuhe-mv festvox-ru festvox-hi-nsk festival-hi festvox-ca-ona-hts
#
# The mbrola packages are in Debian's contrib component (add "contrib" to the apt
# sources first); without them training still runs, with four voices fewer, and the
# model differs from the committed one. The festvox voices of other languages speak
# the phrase with a Czech, Italian, Finnish, Russian, Hindi or Catalan accent; each
# missing one also changes the model.
#   scripts/train-hey-genie.sh
set -eu
cd "$(dirname "$0")/.."
WORK=${WORK:-/tmp/genie-train-hey-genie}
for tool in espeak-ng flite text2wave; do
	command -v "$tool" >/dev/null || { echo "missing $tool: apt-get install -y espeak-ng mbrola mbrola-us1 mbrola-us2 mbrola-us3 mbrola-en1 flite festival festvox-kallpc16k festvox-kdlpc16k festvox-us-slt-hts festvox-czech-dita festvox-czech-krb festvox-czech-machac festvox-czech-ph festvox-itapc16k festvox-italp16k festvox-suopuhe-lj festvox-suopuhe-mv festvox-ru festvox-hi-nsk festival-hi festvox-ca-ona-hts" >&2; exit 1; }
done
go run ./cmd/genie wakeword train --out wakeword/models --work "$WORK" --seed 1 "$@" "hey genie"
