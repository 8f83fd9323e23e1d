#!/usr/bin/env bash
# Runs every test of the workspace: pure unit tests, the programs through the harness
# (solana-program-test with the real Token-2022 program), the distributor against Postgres,
# its JSON-RPC backend against an in-process solana-test-validator (tests/rpc_validator), the
# end-to-end tests over JSON-RPC against the localnet (crates/stk_localnet), and a real wallet
# client (Node, @solana/web3.js + @solana/spl-token) against a localnet that the distributor's
# own commands initialized and paid a month on (tests/wallet-client).
#
# Then the members' app (app/): built with Vite, served by `distributor serve` over the same
# database and localnet, driven in headless Chromium (app/e2e).
#
# Arguments go to `cargo test`. STK_SKIP_WALLET_CLIENT=1 skips the Node part (and the app);
# STK_SKIP_APP=1 skips the app only.
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/env.sh
source scripts/lib/localnet.sh
ensure_postgres || exit 1
ensure_libclang || exit 1
# Formatting is part of the suite: unformatted code fails it before anything builds.
cargo fmt --all -- --check || exit 1

before=$(ls -d "${TMPDIR:-/tmp}"/.tmp* 2>/dev/null | sort || true)
log=$(mktemp)
work=
wallet_db=
cleanup() {
    members_app_stop
    localnet_stop
    if [ -n "$wallet_db" ]; then
        psql "$STK_TEST_DATABASE_URL" -qc "DROP DATABASE IF EXISTS $wallet_db WITH (FORCE)" >/dev/null 2>&1 || true
    fi
    [ -n "$work" ] && rm -rf "$work"
    # program-test leaves empty .tmpXXXX folders behind; remove the ones this run created.
    after=$(ls -d "${TMPDIR:-/tmp}"/.tmp* 2>/dev/null | sort || true)
    comm -13 <(echo "$before") <(echo "$after") | while read -r d; do [ -n "$d" ] && rm -rf "$d"; done
    rm -f "$log"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

status=0
cargo test --workspace --locked "$@" 2>&1 | tee "$log" || status=$?
# The committed IDLs (idl/) must be what the programs' code generates; built in a separate
# target directory so this run's build is not invalidated (scripts/idl.sh).
bash scripts/idl.sh --check || status=1

# A wallet library reads STK over the localnet's JSON-RPC. The localnet and the distributor
# are the binaries `cargo test --workspace` built (same features, nothing rebuilt).
wallet_client() {
    command -v node >/dev/null && command -v npm >/dev/null || {
        echo "node and npm are needed for tests/wallet-client (Node 20)" >&2
        return 1
    }
    cargo test --workspace --locked --no-run --quiet || return 1
    work=$(mktemp -d "${TMPDIR:-/tmp}/stk-wallet-client.XXXXXX")
    local config="$work/localnet.toml" month
    month=$(localnet_config "$config") || return 1
    wallet_db="stk_wallet_client_$$"
    psql "$STK_TEST_DATABASE_URL" -qc "CREATE DATABASE $wallet_db" || return 1
    echo "wallet client: a localnet paying $month through the distributor's commands"
    localnet_start "$work" 0 || return 1
    localnet_month "$work" "$month" "$config" "${STK_TEST_DATABASE_URL%/*}/$wallet_db" \
        --members 60 --events 3000 --seed 11 || return 1
    (cd tests/wallet-client && npm ci --no-audit --no-fund --loglevel=error) || return 1
    (cd tests/wallet-client && STK_RPC_URL="$RPC_URL" STK_MINT="$MINT" \
        STK_PERMANENT_DELEGATE="$PERMANENT_DELEGATE" STK_METADATA_URI="$METADATA_URI" \
        STK_WALLET_A="$work/wallet-a.json" STK_WALLET_A_BALANCE="$WALLET_A_BALANCE" \
        STK_WALLET_B="$work/wallet-b.json" node --test --test-reporter=tap) || return 1
    [ "${STK_SKIP_APP:-0}" = 1 ] || members_app "${STK_TEST_DATABASE_URL%/*}/$wallet_db" "$month"
}

# The members' app against this localnet and database: `distributor serve` with the built app,
# the member wallet A was registered for opens their link, links wallet B, sees and verifies the
# month (app/e2e/app.e2e.mjs); then, signing with wallet B in the page, stakes, claims rewards,
# claims a vested grant, buys in the initial sale and cancels a dormancy notice
# (app/e2e/actions.e2e.mjs), the operators' side done with the distributor's own commands.
# Screenshots are kept in a folder whose path is printed.
SERVE_PID=
members_app() {
    local db=$1 month=$2 bin="$CARGO_TARGET_DIR/debug/distributor" member url link shots
    ensure_chromium || return 1
    (cd app && npm ci --no-audit --no-fund --loglevel=error && npm run build \
        && node --test --test-reporter=tap test/) || return 1
    head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$work/link-secret"
    chmod 600 "$work/link-secret"
    member=$(psql "$db" -tAc "SELECT member_id FROM wallets WHERE address = '$(pubkey "$work/wallet-a.json")' LIMIT 1")
    [ -n "$member" ] || { echo "no member holds wallet A" >&2; return 1; }
    DATABASE_URL=$db "$bin" serve --addr 127.0.0.1:0 --link-secret-file "$work/link-secret" \
        --app-dir app/dist --rpc-url "$RPC_URL" --ready-file "$work/serve.ready" \
        >"$work/serve.out" 2>&1 3>&- &
    SERVE_PID=$!
    for _ in $(seq 1 100); do
        [ -s "$work/serve.ready" ] && break
        kill -0 "$SERVE_PID" 2>/dev/null || { cat "$work/serve.out" >&2; return 1; }
        sleep 0.2
    done
    url=$(sed -n 's/^URL=//p' "$work/serve.ready")
    [ -n "$url" ] || { echo "distributor serve did not start" >&2; return 1; }
    link=$("$bin" member-link --link-secret-file "$work/link-secret" --public-url "$url" --member "$member") || return 1
    shots=$(mktemp -d "${TMPDIR:-/tmp}/stk-app-screenshots.XXXXXX")
    echo "members' app: $url (member $member); screenshots in $shots"
    # The two files in order, one after the other: the actions sign with the wallet the first
    # one linked.
    local file status=0
    for file in e2e/app.e2e.mjs e2e/actions.e2e.mjs; do
        (cd app && STK_APP_URL="$url" STK_MEMBER_LINK="$link" STK_MEMBER_ID="$member" \
            STK_MONTH="$month" STK_RPC_URL="$RPC_URL" STK_DATABASE_URL="$db" \
            STK_LINK_WALLET="$work/wallet-b.json" STK_ARTIFACTS="$shots" \
            STK_ADMIN="$work/admin.json" STK_WALLET_A="$work/wallet-a.json" \
            STK_DISTRIBUTOR="$bin" STK_CONFIG="$work/localnet.toml" \
            node --test --test-reporter=tap "$file") || { status=$?; break; }
    done
    members_app_stop
    return $status
}

members_app_stop() {
    if [ -n "${SERVE_PID:-}" ]; then
        kill -TERM "$SERVE_PID" 2>/dev/null || true
        wait "$SERVE_PID" 2>/dev/null || true
        SERVE_PID=
    fi
}
if [ "${STK_SKIP_WALLET_CLIENT:-0}" != 1 ]; then
    # Not a pipeline: wallet_client must run in this shell, so the EXIT trap sees its localnet.
    exec 3> >(tee -a "$log")
    tee_pid=$!
    wallet_client >&3 2>&1
    wallet_status=$?
    # The localnet inherited nothing of descriptor 3 (see localnet_start), but stop it before
    # waiting for tee anyway.
    localnet_stop
    exec 3>&-
    wait "$tee_pid" 2>/dev/null
    if [ "$wallet_status" -ne 0 ]; then
        echo "wallet client: FAILED (exit $wallet_status)"
        # Counted once even when it failed before the Node tests ran.
        grep -q '^# fail [1-9]' "$log" || echo "# fail 1" >>"$log"
        [ "$status" -ne 0 ] || status=$wallet_status
    fi
    localnet_stop
fi

# One closing line for the whole run, summed over every test binary and the Node tests.
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } }
     /^# pass [0-9]+$/ { p += $3 } /^# fail [0-9]+$/ { f += $3 }
     END { printf "total: %d passed, %d failed\n", p, f }' "$log"
exit $status
