#!/usr/bin/env bash
# Runs every test of the workspace: pure unit tests, the programs through the harness
# (solana-program-test with the real Token-2022 program), the distributor against Postgres and
# its JSON-RPC backend against an in-process solana-test-validator (tests/rpc_validator).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/env.sh
ensure_postgres
ensure_libclang
# Formatting is part of the suite: unformatted code fails it before anything builds.
cargo fmt --all -- --check
before=$(ls -d "${TMPDIR:-/tmp}"/.tmp* 2>/dev/null | sort || true)
status=0
log=$(mktemp)
cargo test --workspace --locked "$@" 2>&1 | tee "$log" || status=$?
# The committed IDLs (idl/) must be what the programs' code generates; built in a separate
# target directory so this run's build is not invalidated (scripts/idl.sh).
bash scripts/idl.sh --check || status=1
# program-test leaves empty .tmpXXXX folders behind; remove the ones this run created.
after=$(ls -d "${TMPDIR:-/tmp}"/.tmp* 2>/dev/null | sort || true)
comm -13 <(echo "$before") <(echo "$after") | while read -r d; do [ -n "$d" ] && rm -rf "$d"; done
# One closing line for the whole run, summed over every test binary.
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } }
     END { printf "total: %d passed, %d failed\n", p, f }' "$log"
rm -f "$log"
exit $status
