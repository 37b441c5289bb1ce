#!/usr/bin/env bash
# Runs the README's quickstart as written (but for `./make.sh install`, which make.sh test has
# done the build of), with the freshly built rederive, in a scratch copy of the project: the
# README's first promises must keep working. Fails if any command fails or takes over a minute.
set -euo pipefail
cd "$(dirname "$0")/.."
binary="$PWD/.build/release/rederive"
scratch=$(mktemp -d "${TMPDIR:-/tmp}/rederive-quickstart.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
cp -R Configs Pipelines Figures "$scratch/"
# The fenced block under "## Quickstart", comments dropped, the install line skipped.
commands=$(awk '/^## Quickstart/{q=1} q&&/^```sh/{b=1;next} b&&/^```/{exit} b' README.md \
    | sed 's/[[:space:]]*#.*$//' | grep -v '^\./make.sh install' | grep -v '^[[:space:]]*$')
[ -n "$commands" ] || { echo "quickstart: no commands found under '## Quickstart' in README.md" >&2; exit 1; }
start=$(date +%s)
while IFS= read -r line; do
    echo "quickstart: $line"
    (cd "$scratch" && eval "${line/#rederive/\"$binary\"}") >/dev/null
done <<< "$commands"
elapsed=$(( $(date +%s) - start ))
echo "quickstart: $(wc -l <<< "$commands") commands in ${elapsed}s"
[ "$elapsed" -le 60 ] || { echo "quickstart: took ${elapsed}s, over a minute" >&2; exit 1; }
