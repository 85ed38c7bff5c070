#!/usr/bin/env bash
# Builds fuzz/fuzz_model.c with clang's libFuzzer, ASan and UBSan (build/fuzz/fuzz_model), writes
# the seed corpus (fuzz/make_seeds.py -> build/fuzz/corpus-seed) and fuzzes for FUZZ_SECONDS.
# New inputs go to build/fuzz/corpus, which is kept between runs (it is the next run's start);
# a crash, sanitizer report, timeout or OOM leaves its input in build/fuzz/artifacts/ and fails.
# The whole libFuzzer log is build/fuzz/fuzz_model.log (FUZZ_LOG=path); this prints the figures.
#
#   FUZZ_SECONDS=60 (run time)  FUZZ_TIMEOUT=25 (seconds one input may take)  FUZZ_ARGS="..." (more
#   libFuzzer flags)  CLANG=clang  FUZZ_ARCH=i386 (a 32-bit build, build/fuzz/fuzz_model_i386: sizes
#   wrap where they would on the boards);  reproduce a finding: build/fuzz/fuzz_model <artifact file>
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

FUZZ_SECONDS="${FUZZ_SECONDS:-60}"
FUZZ_TIMEOUT="${FUZZ_TIMEOUT:-25}"
CLANG="${CLANG:-clang}"
OUT=build/fuzz
BIN="$OUT/fuzz_model"
ARCH_FLAGS=()
if [ "${FUZZ_ARCH:-}" = i386 ]; then
    BIN="$OUT/fuzz_model_i386"
    ARCH_FLAGS=(-m32)
fi
PYTHON=.venv/bin/python
mkdir -p "$OUT/corpus" "$OUT/artifacts"

sources=(fuzz/fuzz_model.c device/runtime/*.c device/kernels/*.c device/ops/*.c)
# Rebuilt when the binary is older than any engine source or header, or than this script (flags).
if [ ! -x "$BIN" ] || [ -n "$(find fuzz/fuzz_model.c fuzz/run.sh device/runtime device/kernels device/ops \
        -newer "$BIN" -name '*.[chs]*' | head -1)" ]; then
    echo "fuzz: building $BIN"
    "$CLANG" "${ARCH_FLAGS[@]}" -std=c99 -Wall -Wextra -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
        -fno-omit-frame-pointer -Idevice/runtime -Idevice/kernels "${sources[@]}" -lm -o "$BIN"
fi

# The seeds are regenerated when their generators change.
if [ ! -d "$OUT/corpus-seed" ] || [ -n "$(find fuzz/make_seeds.py tests/host/single_op_models.py \
        tests/host/test_single_ops_elementwise.py tests/host/test_conv_fc_tflm.py -newer "$OUT/corpus-seed" | head -1)" ]; then
    "$PYTHON" fuzz/make_seeds.py --out "$OUT/corpus-seed"
fi

log="${FUZZ_LOG:-$BIN.log}"
echo "fuzz: $(basename "$BIN") for ${FUZZ_SECONDS}s (corpus $OUT/corpus, log $log)"
status=0
# shellcheck disable=SC2086
"$BIN" -max_total_time="$FUZZ_SECONDS" -timeout="$FUZZ_TIMEOUT" -rss_limit_mb=2048 \
    -dict=fuzz/tflite.dict -artifact_prefix="$OUT/artifacts/" -print_final_stats=1 ${FUZZ_ARGS:-} \
    "$OUT/corpus" "$OUT/corpus-seed" > "$log" 2>&1 || status=$?

edges="$(sed -n 's/^INFO: Loaded 1 modules *(\([0-9]*\) inline 8-bit counters).*/\1/p' "$log" | head -1)"
last="$(grep -E '^#[0-9]+' "$log" | tail -1 || true)"
execs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")"
rate="$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")"
cov="$(echo "$last" | grep -oE 'cov: [0-9]+' || true)"
ft="$(echo "$last" | grep -oE 'ft: [0-9]+' || true)"
echo "fuzz: ${execs:-?} executions, ${rate:-?} exec/s; ${cov:-cov: ?} of ${edges:-?} edges, ${ft:-ft: ?}," \
    "corpus $(ls "$OUT/corpus" | wc -l) files ($(du -sh "$OUT/corpus" | cut -f1))"
if [ "$status" -eq 72 ]; then  # libFuzzer's exit status after SIGINT
    echo "fuzz: interrupted"
    exit 1
elif [ "$status" -ne 0 ]; then
    echo "fuzz: FAILED (libFuzzer exit $status): the report, from $log:"
    grep -nE 'ERROR: |runtime error|SUMMARY|Test unit written|fuzz_model: |^ *#[0-9]+ 0x' "$log" | head -40
    exit 1
fi
echo "fuzz: no crash, sanitizer report, timeout or OOM"
