#!/usr/bin/env bash
# Soak test: `rederive make Pipelines/smoke.yaml` killed with kill -9 (its whole process group:
# make and the stages it runs) at 20 random moments, make re-run after each kill, then once to the
# end. The final Figures/smoke/, artifacts/smoke/ and Pipelines/smoke.lock must equal those of a
# clean, uninterrupted run byte for byte (the lock's duration_s timings aside), and no temporary
# file may be left behind.
#
#   Scripts/soak.sh [KILLS=20]      SOAK_SEED=N picks the kill moments (printed, to reproduce)
#
# Runs on copies of the committed pipeline and configs in a scratch folder, with the release build.
set -euo pipefail
cd "$(dirname "$0")/.."
kills=${1:-20}
seed=${SOAK_SEED:-$(date +%s)}
RANDOM=$seed
binary=$PWD/.build/release/rederive
[ -x "$binary" ] || { echo "soak: build first: swift build -c release --product rederive" >&2; exit 1; }
scratch=$(mktemp -d "${TMPDIR:-/tmp}/rederive-soak.XXXXXX")
trap 'rm -rf "$scratch"' EXIT

# A copy of the project without any output: the committed pipelines, configs and specs only.
fresh() {
    mkdir -p "$1"
    git archive HEAD Pipelines Configs Figures/specs | tar -x -C "$1"
    rm -f "$1"/Pipelines/*.lock
}
make_smoke() { (cd "$1" && "$binary" make Pipelines/smoke.yaml -j 2 >>"$1/make.log" 2>&1); }

fresh "$scratch/clean"
start=$(date +%s%N)
make_smoke "$scratch/clean" || { cat "$scratch/clean/make.log" >&2; echo "soak: the clean run failed" >&2; exit 1; }
clean_ms=$(( ($(date +%s%N) - start) / 1000000 ))
echo "soak: clean run ${clean_ms} ms; killing $kills times (SOAK_SEED=$seed)"

fresh "$scratch/soak"
for i in $(seq 1 "$kills"); do
    # A moment within the first half of a clean run's length: kills land in every phase, while
    # the work done between kills still adds up to the whole pipeline.
    delay_ms=$(( RANDOM * RANDOM % (clean_ms / 2 + 1) ))
    (cd "$scratch/soak" && exec setsid "$binary" make Pipelines/smoke.yaml -j 2 >>"$scratch/soak/make.log" 2>&1) &
    leader=$!
    sleep "$(printf '%d.%03d' $((delay_ms / 1000)) $((delay_ms % 1000)))"
    # setsid made make the leader of its own process group; kill the whole group at once.
    kill -9 -- "-$leader" 2>/dev/null || true
    wait "$leader" 2>/dev/null || true
    echo "soak: kill $i after ${delay_ms} ms"
done
make_smoke "$scratch/soak" || { tail -40 "$scratch/soak/make.log" >&2; echo "soak: make after the kills failed" >&2; exit 1; }

status=0
for path in Figures/smoke artifacts/smoke; do
    diff -r "$scratch/clean/$path" "$scratch/soak/$path" >&2 || { echo "soak: $path differs from a clean run" >&2; status=1; }
done
strip() { grep -v '"duration_s"' "$1" | sed 's/,$//'; }
diff <(strip "$scratch/clean/Pipelines/smoke.lock") <(strip "$scratch/soak/Pipelines/smoke.lock") >&2 \
    || { echo "soak: Pipelines/smoke.lock differs from a clean run" >&2; status=1; }
leftovers=$(cd "$scratch/soak" && find Figures artifacts Pipelines -name '.*' \( -name '*.tmp-*' -o -name '.rederive-tmp*' -o -name '*.previous-*' \))
[ -z "$leftovers" ] || { echo "soak: temporary files left behind:" >&2; echo "$leftovers" >&2; status=1; }
[ $status -eq 0 ] && echo "soak: after $kills kills, Figures/smoke, artifacts/smoke and the lock equal a clean run's"
exit $status
