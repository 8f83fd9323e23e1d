#!/usr/bin/env bash
# The main job: the STK suite on an embedded local ledger (in-process, nothing to deploy).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/env.sh
ensure_postgres
exec cargo run --locked --quiet --bin distributor -- demo "$@"
