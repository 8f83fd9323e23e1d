# The localnet and the operator's sequence against it, shared by `scripts/demo.sh --localnet`
# and `scripts/test.sh` (the wallet-client test). Source after scripts/lib/env.sh.
#
# The binaries come from "$CARGO_TARGET_DIR/debug" (built by the caller).

# A configuration whose schedule started three months before the current one (UTC), so quarter 0
# has started and its first month has ended on the validator's wall clock. Everything else is
# the built-in distributor/stk.toml. Prints the month to pay (the schedule's first).
localnet_config() {
    local out=$1 start
    start=$(date -u -d "$(date -u +%Y-%m-01) -3 months" +%Y-%m)
    sed "s/^start_month = .*/start_month = \"$start\"/" distributor/stk.toml >"$out"
    grep -q "^start_month = \"$start\"" "$out" || { echo "could not set start_month in $out" >&2; return 1; }
    echo "$start"
}

# localnet_start DIR [PORT]: starts stk-localnet in the background with its keys in DIR
# (deploy key = admin, distributor key, wallets A and B) and waits until it serves JSON-RPC.
# Sets LOCALNET_PID and RPC_URL. PORT 0 (the default) picks free ports. The localnet keeps no
# descriptor of the caller but its own files (a caller tee-ing through fd 3 must not wait on it).
localnet_start() {
    local dir=$1 port=${2:-0}
    mkdir -p "$dir"
    rm -f "$dir/ready"
    "$CARGO_TARGET_DIR/debug/stk-localnet" --rpc-port "$port" \
        --deploy-keypair "$dir/admin.json" \
        --fund-keypair "$dir/distributor.json" \
        --fund-keypair "$dir/wallet-a.json" --fund-keypair "$dir/wallet-b.json" \
        --ledger "$dir/ledger" --ready-file "$dir/ready" \
        --program-log "$dir/program.log" >"$dir/localnet.out" 2>"$dir/localnet.err" 3>&- &
    LOCALNET_PID=$!
    for _ in $(seq 1 300); do
        if [ -s "$dir/ready" ]; then
            RPC_URL=$(sed -n 's/^RPC_URL=//p' "$dir/ready")
            cat "$dir/localnet.out"
            return 0
        fi
        if ! kill -0 "$LOCALNET_PID" 2>/dev/null; then
            echo "stk-localnet exited before it was ready:" >&2
            cat "$dir/localnet.err" >&2
            LOCALNET_PID=
            return 1
        fi
        sleep 0.5
    done
    echo "stk-localnet was not ready after 150 s" >&2
    return 1
}

# Stops the localnet started by localnet_start (SIGTERM, then waits for it).
localnet_stop() {
    if [ -n "${LOCALNET_PID:-}" ]; then
        kill -TERM "$LOCALNET_PID" 2>/dev/null || true
        wait "$LOCALNET_PID" 2>/dev/null || true
        LOCALNET_PID=
    fi
}

# pubkey FILE: the public key of a keypair file.
pubkey() {
    python3 -c 'import json,sys
A="123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
b=bytes(json.load(open(sys.argv[1]))[32:]); n=int.from_bytes(b,"big"); s=""
while n: n,r=divmod(n,58); s=A[r]+s
print("1"*(len(b)-len(b.lstrip(b"\0")))+s)' "$1"
}

# localnet_month DIR MONTH CONFIG DATABASE_URL SEED_ARGS...: the operator's real sequence over
# JSON-RPC against $RPC_URL — migrate, init (admin = deploy key, distributor = its own key),
# crank (genesis and the quarter), seed, report, wallet A registered for the member the report
# pays most, report again, approve, submit (v0 batches through lookup tables), and every
# member's balance checked over JSON-RPC. Sets MINT, PERMANENT_DELEGATE, METADATA_URI and
# WALLET_A_BALANCE. Returns non-zero at the first failing step (each is checked: callers use
# `localnet_month … || …`, under which bash ignores `set -e`).
localnet_month() {
    local dir=$1 month=$2 config=$3 db=$4
    shift 4
    local bin="$CARGO_TARGET_DIR/debug/distributor" uri="https://stk.example.org/stk.json"
    export DATABASE_URL=$db STK_CONFIG=$config
    "$bin" migrate || return 1
    "$bin" init --rpc-url "$RPC_URL" --keypair "$dir/admin.json" --metadata-uri "$uri" \
        --distributor "$(pubkey "$dir/distributor.json")" >"$dir/init.out" || return 1
    cat "$dir/init.out"
    MINT=$(sed -n 's/^STK mint (add this to Phantom\/Solflare) *//p' "$dir/init.out")
    PERMANENT_DELEGATE=$(sed -n 's/^permanent delegate (PDA) *//p' "$dir/init.out")
    METADATA_URI=$uri
    "$bin" crank --rpc-url "$RPC_URL" --keypair "$dir/distributor.json" || return 1
    "$bin" seed --from "$month" --months 1 "$@" || return 1
    "$bin" report --month "$month" --out "$dir/reports" >/dev/null || return 1
    # Wallet A (a key this script holds) becomes the wallet of the member paid most: registered
    # at the same time as that member's wallet in force, so it is the latest registration.
    local member
    member=$(psql "$db" -tAc "SELECT member_id FROM allocations WHERE month = '$month' AND payable > 0 ORDER BY payable DESC, member_id LIMIT 1") || return 1
    psql "$db" -qc "INSERT INTO wallets (member_id, address, registered_at)
        SELECT member_id, '$(pubkey "$dir/wallet-a.json")', registered_at FROM wallets
        WHERE member_id = $member AND address = (SELECT wallet FROM allocations
            WHERE month = '$month' AND member_id = $member)
        ORDER BY registered_at DESC, id DESC LIMIT 1" || return 1
    "$bin" report --month "$month" --out "$dir/reports" || return 1
    WALLET_A_BALANCE=$(psql "$db" -tAc "SELECT payable FROM allocations WHERE month = '$month' AND member_id = $member") || return 1
    # The operator approves this exact report; submit freezes and plans it, proposes the plan
    # on-chain and stops for the admin's approval of the plan hash; the admin (the deploy key)
    # approves it with approve-epoch; submit again pays.
    local sha plan_hash
    sha=$(psql "$db" -tAc "SELECT report_sha256 FROM monthly_reports WHERE month = '$month'") || return 1
    "$bin" approve --month "$month" --sha256 "$sha" --by localnet || return 1
    "$bin" submit --month "$month" --rpc-url "$RPC_URL" --keypair "$dir/distributor.json" || return 1
    plan_hash=$(psql "$db" -tAc "SELECT plan_hash FROM payout_epochs WHERE month = '$month'") || return 1
    [ -n "$plan_hash" ] || { echo "no plan hash stored for $month" >&2; return 1; }
    "$bin" approve-epoch --month "$month" --plan-hash "$plan_hash" --rpc-url "$RPC_URL" \
        --keypair "$dir/admin.json" || return 1
    "$bin" submit --month "$month" --rpc-url "$RPC_URL" --keypair "$dir/distributor.json" || return 1
    "$bin" status --month "$month" || return 1
    "$CARGO_TARGET_DIR/debug/stk-localnet" check-balances --rpc-url "$RPC_URL" --database-url "$db" --month "$month"
}
