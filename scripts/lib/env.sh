# Shared by the scripts: one build cache outside the clone, and a running Postgres.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/stk-target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
# program-test logs every instruction at debug level by default; keep test output readable.
export RUST_LOG="${RUST_LOG:-error}"
export PGHOST="${PGHOST:-127.0.0.1}" PGPORT="${PGPORT:-5432}" PGUSER="${PGUSER:-postgres}"
export STK_TEST_DATABASE_URL="${STK_TEST_DATABASE_URL:-postgres://${PGUSER}@${PGHOST}:${PGPORT}/postgres}"

ensure_postgres() {
    if command -v pg_isready >/dev/null && pg_isready -h "$PGHOST" -p "$PGPORT" -q; then
        return 0
    fi
    echo "Postgres is not answering on $PGHOST:$PGPORT; starting it" >&2
    if command -v pg_ctlcluster >/dev/null; then
        local version
        version=$(ls /etc/postgresql | sort -V | tail -n 1)
        pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
    fi
    for _ in $(seq 1 30); do
        pg_isready -h "$PGHOST" -p "$PGPORT" -q && return 0
        sleep 1
    done
    echo "Postgres did not come up on $PGHOST:$PGPORT" >&2
    return 1
}

# solana-test-validator (tests/rpc_validator) builds RocksDB through bindgen, which needs libclang.
ensure_libclang() {
    if dpkg -s libclang-dev >/dev/null 2>&1; then
        return 0
    fi
    echo "installing libclang-dev (needed to build the in-process validator)" >&2
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q libclang-dev
}

# The members' app's end-to-end tests (app/e2e) drive Debian's Chromium through playwright-core
# (no browser download).
ensure_chromium() {
    if [ -x /usr/bin/chromium ]; then
        return 0
    fi
    echo "installing chromium (the members' app's end-to-end tests)" >&2
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium
}
