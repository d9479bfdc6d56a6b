#!/usr/bin/env bash
# Run a command against a throwaway PostgreSQL cluster, then always tear it down.
#
# Usage: scripts/with-postgres.sh CMD [ARGS...]
#
# - Uses the server binaries in /usr/lib/postgresql/<ver>/bin (15 if present,
#   else the highest version). If none are installed and we run as root, the
#   Debian `postgresql` package is installed with apt-get. A system cluster the
#   package may create/start (`main`) is left alone and not used.
# - initdb's a fresh cluster in a temp dir under /tmp (owned by the `postgres`
#   user when running as root), starts it listening on a Unix socket only (no
#   TCP), creates superuser role `lantu` and database `lantu` (trust auth, no
#   password; superuser so Django's test runner can create `test_lantu`).
# - Runs CMD with these exported:
#     DATABASE_URL=postgresql://lantu@<urlencoded sockdir>:<port>/lantu
#     PGHOST=<sockdir> PGPORT=<port> PGUSER=lantu PGDATABASE=lantu
#   and PATH prefixed with the server's bin dir (so psql/pg_dump match it).
# - On exit, error, INT, TERM or HUP: stops the server (fast, then immediate,
#   then SIGKILL) and removes the temp dir. Exits with CMD's exit status.
#
# Optional environment: WITH_POSTGRES_PORT (default 54329),
# WITH_POSTGRES_BINDIR (use this server bin dir instead of searching).

# The cleanup/signal functions are only reached through traps.
# shellcheck disable=SC2317

set -euo pipefail

readonly DB_NAME=lantu
readonly DB_USER=lantu
readonly PG_OS_USER=postgres
readonly PREFERRED_VERSION=15
# The server only listens on a Unix socket in its own private directory, so
# the port merely names the socket file (.s.PGSQL.<port>) and cannot clash with
# any other server; a fixed default is therefore always free.
PORT=${WITH_POSTGRES_PORT:-54329}

log() { printf 'with-postgres: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

if (($# == 0)); then
    printf 'usage: %s CMD [ARGS...]\n' "${0##*/}" >&2
    exit 2
fi
if ! [[ $PORT =~ ^[0-9]+$ ]] || ((PORT < 1 || PORT > 65535)); then
    die "WITH_POSTGRES_PORT must be a port number, got '$PORT'"
fi

# Connection settings inherited from the caller could point psql/libpq (or
# Debian's pg_wrapper) somewhere else; the ones we need are set further down.
unset PGHOSTADDR PGSERVICE PGSERVICEFILE PGOPTIONS PGSSLMODE PGREQUIRESSL \
    PGTARGETSESSIONATTRS PGCLUSTER PGDATA PGPASSWORD 2>/dev/null || true

IS_ROOT=0
[[ $(id -u) == 0 ]] && IS_ROOT=1

# ---------------------------------------------------------------- binaries --

has_server_bins() {
    [[ -x $1/pg_ctl && -x $1/initdb && -x $1/postgres ]]
}

# Prints the server bin dir: version 15 if installed, else the highest one.
find_bindir() {
    if [[ -n ${WITH_POSTGRES_BINDIR:-} ]]; then
        has_server_bins "$WITH_POSTGRES_BINDIR" ||
            die "WITH_POSTGRES_BINDIR=$WITH_POSTGRES_BINDIR lacks pg_ctl/initdb/postgres"
        printf '%s\n' "$WITH_POSTGRES_BINDIR"
        return 0
    fi
    local pref=/usr/lib/postgresql/$PREFERRED_VERSION/bin
    if has_server_bins "$pref"; then
        printf '%s\n' "$pref"
        return 0
    fi
    local ctl dir versions=()
    for ctl in /usr/lib/postgresql/*/bin/pg_ctl; do
        dir=${ctl%/pg_ctl}
        has_server_bins "$dir" || continue
        dir=${dir#/usr/lib/postgresql/}
        versions+=("${dir%/bin}")
    done
    ((${#versions[@]})) || return 1
    printf '/usr/lib/postgresql/%s/bin\n' \
        "$(printf '%s\n' "${versions[@]}" | sort -V | tail -n 1)"
}

if ! BINDIR=$(find_bindir); then
    if ((!IS_ROOT)); then
        die "no PostgreSQL server found (/usr/lib/postgresql/*/bin/pg_ctl) and not" \
            "running as root, so cannot install it; run: sudo apt-get install postgresql"
    fi
    log "no PostgreSQL server found; installing the Debian 'postgresql' package"
    # stdout -> stderr so the wrapped command's stdout stays clean.
    { apt-get update -qq &&
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql; } >&2 ||
        die "apt-get install postgresql failed"
    BINDIR=$(find_bindir) || die "postgresql installed but no server binaries found"
fi
readonly BINDIR

if ((IS_ROOT)); then
    command -v runuser >/dev/null 2>&1 || die "runuser (util-linux) not found"
    if ! id -u "$PG_OS_USER" >/dev/null 2>&1; then
        log "creating system user '$PG_OS_USER'"
        group_opt=(--user-group)
        getent group "$PG_OS_USER" >/dev/null 2>&1 && group_opt=(--gid "$PG_OS_USER")
        # Same home/shell as Debian's package uses, so a later install agrees.
        useradd --system "${group_opt[@]}" --home-dir /var/lib/postgresql \
            --no-create-home --shell /bin/bash --comment "PostgreSQL administrator" \
            "$PG_OS_USER" || die "could not create user '$PG_OS_USER'"
    fi
fi

# Runs a server-side command as the postgres OS user (as ourselves when not
# root: PostgreSQL refuses to run as root). cd / so an unreadable cwd (e.g.
# /root) does not bother it.
as_pg() {
    if ((IS_ROOT)); then
        (cd / && exec runuser -u "$PG_OS_USER" -- "$@")
    else
        (cd / && exec "$@")
    fi
}

# ---------------------------------------------------------------- cleanup --

ROOT_DIR=""
DATA_DIR=""
SOCK_DIR=""
LOG_FILE=""
CHILD_PID=""
WAIT_INTERRUPTED=0

stop_server() {
    local out pid
    if out=$(as_pg "$BINDIR/pg_ctl" -D "$DATA_DIR" -m fast -w -t 60 stop 2>&1); then
        return 0
    fi
    # Not running at all (e.g. start failed early)? Then there is nothing to do.
    [[ -f $DATA_DIR/postmaster.pid ]] || return 0
    log "fast shutdown failed: $out; trying immediate shutdown"
    if (as_pg "$BINDIR/pg_ctl" -D "$DATA_DIR" -m immediate -w -t 30 stop) >/dev/null 2>&1; then
        return 0
    fi
    pid=$(head -n 1 "$DATA_DIR/postmaster.pid" 2>/dev/null || true)
    # Only kill it if that pid really is this server binary (not a reused pid).
    if [[ $pid =~ ^[0-9]+$ && $(readlink "/proc/$pid/exe" 2>/dev/null) == "$BINDIR/postgres" ]]; then
        log "killing postmaster $pid"
        kill -KILL "$pid" 2>/dev/null || true
        local i
        for ((i = 0; i < 50; i++)); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
    fi
}

cleanup() {
    local rc=$?
    # Finish cleaning up even if more signals arrive.
    trap '' INT TERM HUP
    trap - EXIT
    set +e
    if [[ -n $CHILD_PID ]] && kill -0 "$CHILD_PID" 2>/dev/null; then
        kill -TERM "$CHILD_PID" 2>/dev/null
        wait "$CHILD_PID" 2>/dev/null
    fi
    if [[ -n $DATA_DIR && -f $DATA_DIR/postmaster.pid ]]; then
        stop_server
        log "stopped PostgreSQL on $SOCK_DIR:$PORT"
    fi
    if [[ -n $ROOT_DIR && -d $ROOT_DIR ]]; then
        rm -rf -- "$ROOT_DIR" || log "could not remove $ROOT_DIR"
    fi
    exit "$rc"
}

# True when our process group is the terminal's foreground group, i.e. a
# Ctrl-C already reached the command too (it shares our process group).
int_came_from_terminal() {
    local stat pgrp tpgid
    stat=$(<"/proc/$$/stat") || return 1
    stat=${stat##*) }
    # fields after "(comm) ": state ppid pgrp session tty_nr tpgid ...
    read -r _ _ pgrp _ _ tpgid _ <<<"$stat" || return 1
    [[ $tpgid == "$pgrp" ]]
}

on_signal() {
    local sig=$1 num=$2
    if [[ -n $CHILD_PID ]]; then
        # Pass the signal on and keep waiting; we exit with the command's status.
        WAIT_INTERRUPTED=1
        if [[ $sig != INT ]] || ! int_came_from_terminal; then
            kill -s "$sig" "$CHILD_PID" 2>/dev/null || true
        fi
        return 0
    fi
    log "got SIG$sig during setup; cleaning up"
    exit $((128 + num))
}

trap cleanup EXIT
trap 'on_signal INT 2' INT
trap 'on_signal TERM 15' TERM
trap 'on_signal HUP 1' HUP

# ------------------------------------------------------------------ server --

# Under /tmp explicitly (not $TMPDIR): Unix socket paths must stay short.
ROOT_DIR=$(mktemp -d /tmp/with-postgres.XXXXXXXXXX)
DATA_DIR=$ROOT_DIR/data
SOCK_DIR=$ROOT_DIR
LOG_FILE=$ROOT_DIR/postgres.log
# Others may traverse (so a command run as another user can reach the
# socket); the data dir itself is 0700, as initdb makes it.
chmod 0755 "$ROOT_DIR"
if ((IS_ROOT)); then
    chown "$PG_OS_USER:" "$ROOT_DIR"
fi

initdb_ok=0
for locale in C.UTF-8 C; do
    rm -rf -- "$DATA_DIR"
    # Redirect a subshell, not the function call itself: a trap that runs
    # while a redirected function is active would have its output redirected.
    if (as_pg "$BINDIR/initdb" -D "$DATA_DIR" -U postgres -A trust -E UTF8 \
        --locale="$locale" --no-sync) >"$ROOT_DIR/initdb.log" 2>&1; then
        initdb_ok=1
        break
    fi
done
if ((!initdb_ok)); then
    log "initdb failed; its output:"
    tail -n 40 "$ROOT_DIR/initdb.log" >&2 || true
    exit 1
fi

if ! as_pg "$BINDIR/pg_ctl" -D "$DATA_DIR" -w -t 60 -s -l "$LOG_FILE" \
    -o "-k '$SOCK_DIR' -p $PORT -c listen_addresses='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    start; then
    log "PostgreSQL failed to start; last lines of its log:"
    tail -n 50 "$LOG_FILE" >&2 || true
    exit 1
fi

psql_admin() {
    "$BINDIR/psql" -X -q -v ON_ERROR_STOP=1 -h "$SOCK_DIR" -p "$PORT" \
        -U postgres -d postgres "$@"
}
if ! (psql_admin -c "CREATE ROLE $DB_USER LOGIN SUPERUSER" \
    -c "CREATE DATABASE $DB_NAME OWNER $DB_USER") >&2; then
    log "could not create role/database; last lines of the server log:"
    tail -n 20 "$LOG_FILE" >&2 || true
    exit 1
fi

version=$("$BINDIR/postgres" --version) # "postgres (PostgreSQL) 15.18 (Debian ...)"
version=${version#*) }
version=${version%% *}
log "PostgreSQL $version on $SOCK_DIR:$PORT"

# Percent-encode everything but RFC 3986 unreserved characters.
urlencode() {
    local s=$1 out="" c i
    local LC_ALL=C
    for ((i = 0; i < ${#s}; i++)); do
        c=${s:i:1}
        case $c in
        [A-Za-z0-9._~-]) out+=$c ;;
        *) out+=$(printf '%%%02X' "'$c") ;;
        esac
    done
    printf '%s' "$out"
}

# Socket directory as the (percent-encoded) host: dj-database-url then sets
# HOST=<sockdir> and PORT=<port>, and libpq/psql accept the same URL.
DATABASE_URL="postgresql://$DB_USER@$(urlencode "$SOCK_DIR"):$PORT/$DB_NAME"
export DATABASE_URL
export PGHOST=$SOCK_DIR PGPORT=$PORT PGUSER=$DB_USER PGDATABASE=$DB_NAME
export PATH="$BINDIR:$PATH"

# ----------------------------------------------------------------- command --

# Run in the background so TERM/HUP sent to this script are handled at once
# (bash defers traps while a foreground child runs); keep stdin, and give the
# command default INT/QUIT handling.
(
    trap - INT QUIT TERM HUP
    exec "$@"
) <&0 &
CHILD_PID=$!

while :; do
    WAIT_INTERRUPTED=0
    rc=0
    wait "$CHILD_PID" || rc=$?
    if ((WAIT_INTERRUPTED)); then
        # wait was cut short by a trapped signal: keep waiting while it runs,
        # else collect the status bash stored when it reaped the command.
        if kill -0 "$CHILD_PID" 2>/dev/null; then
            continue
        fi
        rc2=0
        wait "$CHILD_PID" 2>/dev/null || rc2=$?
        if ((rc2 != 127)); then
            rc=$rc2
        fi
    fi
    break
done
CHILD_PID=""
exit "$rc"
