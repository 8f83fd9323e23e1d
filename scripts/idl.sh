#!/usr/bin/env bash
# Regenerates the five programs' Anchor IDLs into idl/ natively (no Anchor CLI, no SBF
# toolchain): builds each program's library tests with the `idl-build` feature, runs Anchor's
# `__anchor_private_print_idl` tests and assembles their output with scripts/idl.py.
#
#   bash scripts/idl.sh            # rewrite idl/*.json from the code
#   bash scripts/idl.sh --check    # regenerate into a temporary directory; fail if idl/ differs
#
# `idl-build` changes Anchor's features, so it builds in its own target directory
# ($STK_IDL_TARGET_DIR, default "$CARGO_TARGET_DIR-idl"): the main build is never invalidated.
# A missing one is seeded with hard links from $CARGO_TARGET_DIR (no copy, no disk).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/env.sh
PROGRAMS=(stk_mint stk_treasury stk_vesting stk_staking stk_startup_fund)
check=false
case "${1:-}" in
    --check) check=true ;;
    "") ;;
    -h | --help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "unknown argument $1 (--check or nothing)" >&2; exit 2 ;;
esac
main_target="$CARGO_TARGET_DIR"
export CARGO_TARGET_DIR="${STK_IDL_TARGET_DIR:-${main_target}-idl}"
if [ ! -d "$CARGO_TARGET_DIR" ] && [ -d "$main_target" ]; then
    cp -al "$main_target" "$CARGO_TARGET_DIR" 2>/dev/null || mkdir -p "$CARGO_TARGET_DIR"
    # A hard-linked lock file would be the same lock as the main build's: make it its own.
    rm -f "$CARGO_TARGET_DIR/debug/.cargo-lock"
    # The programs' rlibs carry no hash in their names (cdylib + lib crates): hard links would
    # let one build overwrite the other's. Drop them here so this directory builds its own.
    find "$CARGO_TARGET_DIR/debug" -maxdepth 2 -name 'libstk_*' -delete 2>/dev/null || true
fi
args=()
features=()
for p in "${PROGRAMS[@]}"; do
    args+=(-p "$p")
    features+=("$p/idl-build")
done
out=$(mktemp -d)
log=$(mktemp)
trap 'rm -rf "$out" "$log"' EXIT
# One cargo run for all five (one feature resolution, one build); each test binary's closing
# line separates the programs' pieces. The variables are what `anchor idl build` sets (Anchor's
# proc macros read them at compile time); RUSTFLAGS is left alone so the seeded cache is reused.
if ! ANCHOR_IDL_BUILD_NO_DOCS=FALSE ANCHOR_IDL_BUILD_RESOLUTION=TRUE ANCHOR_IDL_BUILD_SKIP_LINT=TRUE \
    cargo test --locked "${args[@]}" --features "$(IFS=,; echo "${features[*]}")" --lib \
    -- __anchor_private_print_idl --show-output --quiet --test-threads=1 >"$log"; then
    cat "$log" >&2
    echo "building the IDLs failed" >&2
    exit 1
fi
python3 scripts/idl.py "$out" <"$log"
for p in "${PROGRAMS[@]}"; do
    [ -f "$out/$p.json" ] || { echo "no IDL was printed for $p" >&2; exit 1; }
done
if $check; then
    if ! diff -ru idl "$out" >&2; then
        echo "idl/ differs from the programs' code: run 'bash scripts/idl.sh' and commit idl/" >&2
        exit 1
    fi
    echo "idl/ matches the code (${#PROGRAMS[@]} programs)"
else
    mkdir -p idl
    cp "$out"/*.json idl/
    echo "wrote idl/*.json"
fi
