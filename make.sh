#!/usr/bin/env bash
# The two entry points of the README, on a fresh Debian 12 machine with only the Swift toolchain:
#
#   ./make.sh figures   install what is missing, build in release, regenerate the study's figures
#   ./make.sh test      install what is missing, build in release, run the test suite, then check
#                       that the smoke pipeline's committed figures still reproduce exactly
#   ./make.sh install   install what is missing, build in release, and put `rederive` on PATH: a
#                       link in /usr/local/bin as root, else in ~/.local/bin (the binary finds its
#                       fonts in this checkout's .build/, so keep the checkout)
#
# Missing Debian packages are installed with apt-get when run as root; otherwise the script
# stops and names them. Extra arguments are passed on (to `rederive make` or `swift test`).
set -euo pipefail
cd "$(dirname "$0")"

# C libraries and tools the package needs: Cairo, Pango and libpng through pkg-config, DejaVu Sans
# (bundled into the package from here), poppler-utils for the PDF tests. The numerics need no
# library: their kernels are the package's own, so that results do not depend on the CPU.
PACKAGES=(pkg-config libcairo2-dev libpango1.0-dev libpng-dev fonts-dejavu-core poppler-utils)

install_missing() {
    local missing=()
    for package in "${PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" -eq 0 ]; then
        echo "make.sh: installing ${missing[*]}" >&2
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq >/dev/null
        apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    else
        echo "make.sh: missing Debian packages: ${missing[*]}" >&2
        echo "make.sh: install them with: sudo apt-get install ${missing[*]}" >&2
        exit 1
    fi
}

if ! command -v swift >/dev/null; then
    echo "make.sh: no 'swift' on PATH; install the Swift toolchain (swift.org) first" >&2
    exit 1
fi

command="${1:-}"
[ $# -gt 0 ] && shift
case "$command" in
    figures)
        install_missing
        swift build -c release --product rederive
        .build/release/rederive make Pipelines/previous-token.yaml -j "$(nproc)" "$@"
        ;;
    test)
        PACKAGES+=(chromium)   # the report test renders the HTML page in headless Chromium
        install_missing
        swift build -c release --build-tests
        # The Slurm integration tests need a running single-node Slurm; as root, set one up here
        # (a CI machine starts with none). Without it those tests are skipped and say why.
        if [ "$(id -u)" -eq 0 ]; then
            Scripts/slurm-local.sh || echo "make.sh: could not start Slurm; its integration tests will be skipped" >&2
        fi
        swift test -c release --skip-build --disable-swift-testing "$@"
        # Bad input: every libFuzzer target for 8 s (64 s in all) from the committed corpus; then
        # 20 kill -9s of the smoke pipeline's make, whose result must equal a clean run's.
        Scripts/fuzz.sh 8
        Scripts/soak.sh 20
        # The README's quickstart, as written, in a scratch copy of the project, within a minute.
        Scripts/quickstart.sh
        # The figures of the small CI pipeline must still reproduce, to the byte and pixel
        # (Figures/smoke/): the numerics are the same on every machine.
        .build/release/rederive check smoke --exact -j 2
        ;;
    install)
        install_missing
        swift build -c release --product rederive
        bin=$([ "$(id -u)" -eq 0 ] && echo /usr/local/bin || echo "$HOME/.local/bin")
        mkdir -p "$bin"
        ln -sf "$PWD/.build/release/rederive" "$bin/rederive"
        echo "make.sh: linked $bin/rederive -> $PWD/.build/release/rederive"
        case ":$PATH:" in *":$bin:"*) ;; *) echo "make.sh: add $bin to your PATH" >&2 ;; esac
        ;;
    *)
        echo "usage: ./make.sh figures | test | install  [arguments passed on]" >&2
        exit 2
        ;;
esac
