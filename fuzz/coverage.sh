#!/usr/bin/env bash
# Line and branch coverage of the engine by the fuzz corpus (build/fuzz/corpus + corpus-seed):
# builds fuzz/fuzz_model.c with clang's source-based coverage (no sanitizers), runs every corpus
# file once and prints llvm-cov's per-file report (build/fuzz/coverage/report.txt; the annotated
# sources are build/fuzz/coverage/html/index.html). Needs llvm-profdata / llvm-cov (apt: llvm).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

OUT=build/fuzz/coverage
CLANG="${CLANG:-clang}"
mkdir -p "$OUT"
"$CLANG" -std=c99 -O1 -g -fsanitize=fuzzer -fprofile-instr-generate -fcoverage-mapping \
    -Idevice/runtime -Idevice/kernels fuzz/fuzz_model.c device/runtime/*.c device/kernels/*.c \
    device/ops/*.c -lm -o "$OUT/fuzz_model_cov"
rm -f "$OUT"/*.profraw
# -runs=0: only the corpus, no fuzzing.
LLVM_PROFILE_FILE="$OUT/run.profraw" "$OUT/fuzz_model_cov" -runs=0 build/fuzz/corpus build/fuzz/corpus-seed \
    > "$OUT/run.log" 2>&1
llvm-profdata merge -sparse "$OUT/run.profraw" -o "$OUT/run.profdata"
llvm-cov report "$OUT/fuzz_model_cov" -instr-profile="$OUT/run.profdata" -ignore-filename-regex='fuzz_model\.c$' \
    | tee "$OUT/report.txt"
llvm-cov show "$OUT/fuzz_model_cov" -instr-profile="$OUT/run.profdata" -ignore-filename-regex='fuzz_model\.c$' \
    -format=html -output-dir="$OUT/html" >/dev/null
