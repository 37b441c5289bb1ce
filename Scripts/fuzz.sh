#!/usr/bin/env bash
# Fuzzes every target of Fuzz/ (pipeline file, training config, safetensors, .npy, checkpoint
# through analysis, a pipeline in a folder layout through make --dry-run, status and clean,
# which must change nothing but Rederive's own files, a Vega-Lite spec through its translation,
# and a spec's CSV or .npy data) with libFuzzer for a fixed budget each, starting from the committed seed
# corpus in Fuzz/Corpus/TARGET/. A crash, an input that runs over 10 s, a leak or more than
# 2 GB of memory fails the script; the input that did it is kept in .build/fuzz/findings/, and
# `RederiveFuzz TARGET FILE` (an ordinary build) replays it.
#
#   Scripts/fuzz.sh [SECONDS_PER_TARGET=12] [TARGET...]
#
# Prints the executions and the coverage (libFuzzer's edge count) each target reached.
set -euo pipefail
cd "$(dirname "$0")/.."
budget=${1:-12}
[ $# -gt 0 ] && shift
targets=("${@:-pipeline config safetensors npy checkpoint layout vegalite specdata}")
targets=(${targets[*]})

# Every module instrumented for coverage and AddressSanitizer (which finds leaks too); lld,
# because gold fails on the sanitizers' debug information.
swift build --build-path .build/fuzz --product RederiveFuzz \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING -Xswiftc -use-ld=lld >&2
binary=.build/fuzz/debug/RederiveFuzz
findings=.build/fuzz/findings
mkdir -p "$findings"

status=0
printf '%-12s %12s %10s %8s  %s\n' target executions coverage corpus result
for target in "${targets[@]}"; do
    work=$(mktemp -d "${TMPDIR:-/tmp}/rederive-fuzz-$target.XXXXXX")
    log=$work/log
    # New inputs go to the scratch folder (first); the committed corpus is only read.
    if REDERIVE_FUZZ_TARGET=$target "$binary" "$work" "Fuzz/Corpus/$target" \
        -max_total_time="$budget" -timeout=10 -rss_limit_mb=2048 -detect_leaks=1 \
        -print_final_stats=1 -artifact_prefix="$findings/$target-" >"$log" 2>&1; then
        result=ok
    else
        result="FAILED: $(grep -m1 -E 'ERROR|Timeout|leak|out-of-memory|deadly signal' "$log" || echo 'see log')"
        cp "$log" "$findings/$target.log"
        status=1
    fi
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1 | cut -d' ' -f2)
    corpus=$(grep -oE 'corp: [0-9]+' "$log" | tail -1 | cut -d' ' -f2)
    printf '%-12s %12s %10s %8s  %s\n' "$target" "${runs:-?}" "${cov:-?}" "${corpus:-?}" "$result"
    rm -rf "$work"
done
[ $status -eq 0 ] || echo "fuzz: findings and logs are in $findings/" >&2
exit $status
