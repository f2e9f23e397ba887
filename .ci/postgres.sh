# shellcheck shell=bash
# Start a throw-away PostgreSQL cluster for the ledger tests and export KIMRECON_TEST_PG_URL.
#
# Meant to be sourced by .ci/run (`source .ci/postgres.sh`). Idempotent: a second call finds the
# running cluster and only exports the URL again. As root it installs Debian's `postgresql`
# package when no server binaries are present (one `apt-get update`), creates the unprivileged
# user `kimrecon-ci` and runs the cluster as that user; as any other user it runs the cluster as
# itself. The cluster listens on 127.0.0.1 only, with trust authentication, fsync off.
#
# Settings (environment, all optional):
#   KIMRECON_PG_PORT  loopback port            (default 54329)
#   KIMRECON_PG_DIR   cluster directory        (default ${TMPDIR:-/tmp}/kimrecon-ci-pg)
#   KIMRECON_PG_USER  OS user to run it as     (default kimrecon-ci; root only)
# Stop it with `kimrecon_pg_stop`.

_kimrecon_pg_log() { printf 'postgres.sh: %s\n' "$*" >&2; }

_kimrecon_pg_bindir() {
    local d
    d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
    if [ -n "$d" ] && [ -x "$d/initdb" ]; then
        printf '%s\n' "$d"
        return 0
    fi
    return 1
}

# Run a command as the cluster's OS user (root: via runuser; otherwise as oneself).
_kimrecon_pg_as() {
    if [ "$(id -u)" = 0 ]; then
        runuser -u "$KIMRECON_PG_USER" -- "$@"
    else
        "$@"
    fi
}

kimrecon_pg_start() {
    local port=${KIMRECON_PG_PORT:-54329}
    local dir=${KIMRECON_PG_DIR:-${TMPDIR:-/tmp}/kimrecon-ci-pg}
    local role=kimrecon db=kimrecon bindir
    KIMRECON_PG_USER=${KIMRECON_PG_USER:-kimrecon-ci}

    if ! bindir=$(_kimrecon_pg_bindir); then
        if [ "$(id -u)" != 0 ]; then
            _kimrecon_pg_log "PostgreSQL is not installed and we are not root: apt-get install postgresql"
            return 1
        fi
        _kimrecon_pg_log "installing postgresql (apt)"
        DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null || return 1
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null \
            || return 1
        bindir=$(_kimrecon_pg_bindir) || { _kimrecon_pg_log "no initdb after install"; return 1; }
    fi

    if [ "$(id -u)" = 0 ] && ! id -u "$KIMRECON_PG_USER" >/dev/null 2>&1; then
        useradd --system --no-create-home --shell /usr/sbin/nologin "$KIMRECON_PG_USER" || return 1
    fi

    if ! "$bindir/pg_isready" -q -h 127.0.0.1 -p "$port" 2>/dev/null; then
        if [ ! -s "$dir/data/PG_VERSION" ]; then
            rm -rf "$dir"
            mkdir -p "$dir/data" "$dir/run" || return 1
            chmod 700 "$dir/data"
            if [ "$(id -u)" = 0 ]; then chown -R "$KIMRECON_PG_USER" "$dir"; fi
            _kimrecon_pg_as "$bindir/initdb" -D "$dir/data" -U "$role" -A trust -E UTF8 --locale=C \
                --no-sync >"$dir/initdb.log" 2>&1 \
                || { cat "$dir/initdb.log" >&2; return 1; }
        fi
        # A server killed with SIGKILL leaves a stale pid file, and its children may need a moment
        # to exit: remove the file once its process is gone and retry for a few seconds.
        local attempt ok=
        for attempt in 1 2 3 4 5 6 7 8 9 10; do
            if [ -f "$dir/data/postmaster.pid" ] \
                && ! _kimrecon_pg_as "$bindir/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
                rm -f "$dir/data/postmaster.pid"
            fi
            if _kimrecon_pg_as "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
                -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$dir/run -c fsync=off \
-c synchronous_commit=off -c full_page_writes=off -c max_connections=50" start >/dev/null 2>&1; then
                ok=1
                break
            fi
            _kimrecon_pg_log "start attempt $attempt failed, retrying"
            sleep 1
        done
        if [ -z "$ok" ]; then
            tail -n 20 "$dir/server.log" >&2
            return 1
        fi
    fi

    if ! "$bindir/psql" -h 127.0.0.1 -p "$port" -U "$role" -d postgres -tAc \
        "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1; then
        "$bindir/createdb" -h 127.0.0.1 -p "$port" -U "$role" "$db" || return 1
    fi

    export KIMRECON_TEST_PG_URL="postgresql+psycopg://$role@127.0.0.1:$port/$db"
    _kimrecon_pg_log "PostgreSQL ready: $KIMRECON_TEST_PG_URL"
}

kimrecon_pg_stop() {
    local dir=${KIMRECON_PG_DIR:-${TMPDIR:-/tmp}/kimrecon-ci-pg} bindir
    KIMRECON_PG_USER=${KIMRECON_PG_USER:-kimrecon-ci}
    bindir=$(_kimrecon_pg_bindir) || return 0
    [ -d "$dir/data" ] || return 0
    _kimrecon_pg_as "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
}

kimrecon_pg_start
