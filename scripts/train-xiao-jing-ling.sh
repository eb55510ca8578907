#!/bin/sh
# Trains the Mandarin wake word "小精灵" (xiao jing ling) from text with espeak-ng's
# Mandarin voice (cmn-latn-pinyin) and its variants, and writes
# wakeword/models/xiao_jing_ling.{tflite,json}. Same recipe and seed as hey_genie;
# rerun to resume (cache and checkpoint in $WORK). Repeatable: from an empty $WORK it
# wrote the committed model byte for byte on an Intel Xeon, although that model was
# trained on an AMD EPYC (BENCHMARKS.md, twelfth session).
#
#   apt-get install -y espeak-ng
#   scripts/train-xiao-jing-ling.sh
set -eu
cd "$(dirname "$0")/.."
WORK=${WORK:-/tmp/genie-train-xiao-jing-ling}
command -v espeak-ng >/dev/null || { echo "missing espeak-ng: apt-get install -y espeak-ng" >&2; exit 1; }
go run ./cmd/genie wakeword train --lang cmn --out wakeword/models --work "$WORK" --seed 1 "$@" "小精灵"
