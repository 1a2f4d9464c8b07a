#!/bin/bash
# usage: run_cfg.sh NAME SET [frontend args...]   (NAME=raw: score the set as it is)
# Processes every WAV of /work/lab/sets/SET with the front end into /work/lab/runs/NAME-SET,
# copies the truth JSON beside it and scores it with the baseline binary.
set -e
name=$1; set_=$2; shift 2
src=/work/lab/sets/$set_
out=/work/lab/runs/$name-$set_
BIN=/work/base/target/release/observant
if [ "$name" = raw ]; then out=$src; else
  mkdir -p $out
  for w in $src/*.wav; do
    b=$(basename $w)
    [ -n "${ONLY:-}" ] && ! [[ $w =~ $ONLY ]] && continue
    [ -f $out/$b ] || nice /work/lab/frontend/target/release/frontend $w $out/$b "$@" 2>>$out/rtf.log
    cp -L ${w%.wav}.json $out/
  done
fi
[ "${PREP_ONLY:-}" = 1 ] && exit 0
python3 /work/shared/tools/score_audio.py $BIN $out > /work/lab/results/$name-$set_.txt 2>&1 || true
echo "== $name-$set_ ($*)"; cat /work/lab/results/$name-$set_.txt
