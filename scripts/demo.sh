#!/usr/bin/env bash
# The main job: the STK suite on an embedded local ledger (in-process, nothing to deploy).
#
#   bash scripts/demo.sh [distributor demo options]   embedded ledger (`distributor demo --help`)
#   bash scripts/demo.sh --localnet                   the same month through JSON-RPC on the
#                                                     localnet, with the operator's commands
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/env.sh
ensure_postgres

if [ "${1:-}" != "--localnet" ]; then
    # Cargo's progress lines go to stderr (a first build takes many minutes).
    echo "building the distributor (the first build takes ≈25 min on 2 cores; later ones seconds)" >&2
    cargo build --locked --bin distributor
    exec "$CARGO_TARGET_DIR/debug/distributor" demo "$@"
fi
shift

source scripts/lib/localnet.sh
ensure_libclang
echo "building the distributor and stk-localnet (the validator's first build adds ≈25 min)" >&2
cargo build --locked --bin distributor --bin stk-localnet
work=$(mktemp -d "${TMPDIR:-/tmp}/stk-localnet-demo.XXXXXX")
trap 'localnet_stop; rm -rf "$work"' EXIT
trap 'exit 130' INT TERM
config="$work/localnet.toml"
month=$(localnet_config "$config")
database=stk_demo_localnet
PGOPTIONS="--client-min-messages=warning" psql "${STK_TEST_DATABASE_URL}" -qc "DROP DATABASE IF EXISTS $database WITH (FORCE)" -c "CREATE DATABASE $database"
db="${STK_TEST_DATABASE_URL%/*}/$database"
localnet_start "$work" "${STK_LOCALNET_PORT:-0}"
echo "paying $month (the schedule starts $month, quarter 0 has ended by now) over JSON-RPC at $RPC_URL"
localnet_month "$work" "$month" "$config" "$db" \
    --members 830 --free-users 11700 --events 60000 --seed 2027 --bad 3
mkdir -p reports
cp -r "$work/reports/." reports/
echo "report files: reports/$month/"
