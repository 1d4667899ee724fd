#!/usr/bin/env bash
# Project-local PostgreSQL for development and tests.
#
#   scripts/pg.sh [start]   start the cluster (create it and the "shiporskip" database if
#                           needed); prints the database URL on stdout
#   scripts/pg.sh stop      stop it
#   scripts/pg.sh status    exit 0 if running (3 if not)
#   scripts/pg.sh url       print postgres://postgres@127.0.0.1:PORT/shiporskip
#
# Typical use:  scripts/pg.sh start && export DATABASE_URL="$(scripts/pg.sh url)"
#
# If DATABASE_URL is already set, nothing is started: start/status only check that
# it accepts connections, url prints it, stop does nothing.
#
# Otherwise the cluster lives in .pg/ in the checkout (data in .pg/data, log in
# .pg/postgres.log, unix socket in .pg/run). When run as root, PostgreSQL runs as the
# "postgres" OS user; if that user cannot reach the checkout (e.g. it sits under
# /root), the cluster lives in /tmp/shiporskip-pg-<hash of the checkout path> instead.
# It listens on 127.0.0.1 only, trust auth for local connections only.
#
# Environment:
#   SHIPORSKIP_PG_PORT  port (default: the port last used by this cluster, else 54329).
#                       In CI (CI set) with no explicit port, a taken default port makes
#                       start move on to the next free port (54330, ...).
#   SHIPORSKIP_PG_BIN   folder with initdb/pg_ctl (default: `pg_config --bindir`, then
#                       the newest /usr/lib/postgresql/*/bin)
# Exit codes: 0 ok, 1 error, 3 not running (status), 98 port taken by something else.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DB_NAME=shiporskip
DEFAULT_PORT=54329
PG_USER_OS=postgres
cmd="${1:-start}"

say() { echo "pg: $*" >&2; }
die() { echo "pg: $*" >&2; exit 1; }

case "$cmd" in
    start|stop|status|url) ;;
    -h|--help|help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) echo "usage: scripts/pg.sh [start|stop|status|url]" >&2; exit 2 ;;
esac

# Hide a password in a URL before printing it.
mask_url() { sed -E 's#(://[^:/@]*:)[^@]*@#\1***@#' <<<"$1"; }

find_pgbin() {
    local d
    if [ -n "${SHIPORSKIP_PG_BIN:-}" ]; then
        if [ -x "$SHIPORSKIP_PG_BIN/initdb" ] && [ -x "$SHIPORSKIP_PG_BIN/pg_ctl" ]; then
            echo "$SHIPORSKIP_PG_BIN"; return 0
        fi
        say "SHIPORSKIP_PG_BIN=$SHIPORSKIP_PG_BIN has no initdb/pg_ctl"
        return 1
    fi
    if command -v pg_config >/dev/null 2>&1 && d="$(pg_config --bindir 2>/dev/null)" \
        && [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then
        echo "$d"; return 0
    fi
    while IFS= read -r d; do
        if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then echo "$d"; return 0; fi
    done < <(shopt -s nullglob; for d in /usr/lib/postgresql/*/bin /usr/pgsql-*/bin; do
                 echo "$d"; done | sort -rV)
    if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
        dirname "$(command -v pg_ctl)"; return 0
    fi
    return 1
}

# A client tool (psql, pg_isready, createdb): from the server bin folder, else PATH.
client() {
    local t="$1"
    if [ -n "${PGBIN:-}" ] && [ -x "$PGBIN/$t" ]; then echo "$PGBIN/$t"; return 0; fi
    command -v "$t" 2>/dev/null
}

# ---------------------------------------------------------------- external DATABASE_URL
if [ -n "${DATABASE_URL:-}" ]; then
    masked="$(mask_url "$DATABASE_URL")"
    case "$cmd" in
        url) printf '%s\n' "$DATABASE_URL"; exit 0 ;;
        stop) say "DATABASE_URL is set ($masked): not managed by this script, nothing to stop"; exit 0 ;;
    esac
    case "$DATABASE_URL" in
        postgres://*|postgresql://*|pgsql://*) ;;
        *) say "DATABASE_URL ($masked) is not a PostgreSQL URL; using it as is, unchecked"
           [ "$cmd" = start ] && printf '%s\n' "$DATABASE_URL"
           exit 0 ;;
    esac
    libpq_url="postgresql://${DATABASE_URL#*://}"
    PGBIN="$(find_pgbin 2>/dev/null || true)"
    export PGCONNECT_TIMEOUT=5
    if psql="$(client psql)"; then
        if ! err="$("$psql" -X -w -Atq -d "$libpq_url" -c 'select 1' 2>&1 >/dev/null)"; then
            say "cannot use DATABASE_URL=$masked:"
            printf '    %s\n' "$err" >&2
            die "Start that server or fix the URL, or unset DATABASE_URL to let scripts/pg.sh run a project-local PostgreSQL."
        fi
    elif isready="$(client pg_isready)"; then
        if ! "$isready" -q -d "$libpq_url"; then
            die "DATABASE_URL=$masked does not accept connections. Start that server or fix the URL, or unset DATABASE_URL to let scripts/pg.sh run a project-local PostgreSQL."
        fi
    else
        say "neither psql nor pg_isready found (apt-get install postgresql-client); not checking DATABASE_URL=$masked"
    fi
    say "DATABASE_URL=$masked accepts connections"
    [ "$cmd" = start ] && printf '%s\n' "$DATABASE_URL"
    exit 0
fi

# ---------------------------------------------------------------- project-local cluster
IS_ROOT=0
[ "$(id -u)" = 0 ] && IS_ROOT=1
path_hash="$(printf '%s' "$ROOT" | sha256sum | cut -c1-12)"
TMP_CLUSTER="/tmp/shiporskip-pg-$path_hash"
LOCAL_CLUSTER="$ROOT/.pg"
FALLBACK_REASON=""

if [ "$IS_ROOT" = 1 ] && [ ! -f "$LOCAL_CLUSTER/data/PG_VERSION" ] \
    && ! runuser -u "$PG_USER_OS" -- test -x "$ROOT" 2>/dev/null; then
    CLUSTER="$TMP_CLUSTER"
    FALLBACK_REASON="the '$PG_USER_OS' OS user cannot reach $ROOT (a parent folder is private), so the cluster lives in $CLUSTER instead of $LOCAL_CLUSTER"
else
    CLUSTER="$LOCAL_CLUSTER"
fi
DATA="$CLUSTER/data"
LOG="$CLUSTER/postgres.log"
SOCKDIR="$CLUSTER/run"
if [ "${#SOCKDIR}" -gt 85 ]; then   # unix socket paths are limited to ~107 bytes
    SOCKDIR="/tmp/shiporskip-pgsock-$path_hash"
fi
PORT_FILE="$CLUSTER/port"

PORT_EXPLICIT=0
if [ -n "${SHIPORSKIP_PG_PORT:-}" ]; then
    PORT="$SHIPORSKIP_PG_PORT"; PORT_EXPLICIT=1
elif [ -s "$PORT_FILE" ]; then
    PORT="$(tr -dc 0-9 <"$PORT_FILE")"
else
    PORT="$DEFAULT_PORT"
fi
if ! [[ "$PORT" =~ ^[0-9]+$ ]] || [ "$PORT" -lt 1 ] || [ "$PORT" -gt 65535 ]; then
    die "SHIPORSKIP_PG_PORT must be a TCP port number (1-65535), got '$PORT'"
fi

url_for() { printf 'postgres://postgres@127.0.0.1:%s/%s\n' "$1" "$DB_NAME"; }

if [ "$cmd" = url ]; then
    url_for "$PORT"
    exit 0
fi

if [ "$IS_ROOT" = 1 ] && ! id -u "$PG_USER_OS" >/dev/null 2>&1; then
    die "running as root, but PostgreSQL refuses to run as root and there is no '$PG_USER_OS' OS user to run it as. Install the server (apt-get install -y postgresql creates that user), or run as a normal user, or set DATABASE_URL."
fi

# Folders under /tmp have predictable names: refuse one that someone else planted.
for d in "$CLUSTER" "$SOCKDIR"; do
    case "$d" in /tmp/*) ;; *) continue ;; esac
    if [ -L "$d" ]; then die "$d is a symlink; refusing to use it (remove it and retry)"; fi
    if [ -e "$d" ]; then
        owner="$(stat -c %U "$d")"
        if [ "$owner" != "$(id -un)" ] && { [ "$IS_ROOT" = 0 ] || [ "$owner" != "$PG_USER_OS" ]; }; then
            die "$d belongs to '$owner'; refusing to use it (remove it and retry)"
        fi
    fi
done

# Run a command as the OS user that owns the cluster, from inside the cluster folder.
as_pg() {
    if [ "$IS_ROOT" = 1 ]; then
        (cd "$CLUSTER" && runuser -u "$PG_USER_OS" -- "$@")
    else
        (cd "$CLUSTER" && "$@")
    fi
}

pid_from_file() {
    local pid
    pid="$(head -n1 "$DATA/postmaster.pid" 2>/dev/null || true)"
    [[ "$pid" =~ ^[0-9]+$ ]] && echo "$pid"
}

data_real() { (cd "$DATA" 2>/dev/null && pwd -P); }

# PIDs of every process (postmaster or orphaned backend) whose cwd is our data dir.
cluster_pids() {
    local real p
    real="$(data_real)" || return 0
    for p in /proc/[0-9]*; do
        if [ "$(readlink "$p/cwd" 2>/dev/null)" = "$real" ]; then echo "${p#/proc/}"; fi
    done
}

# Is the postmaster named in postmaster.pid alive and really ours?
running_pid() {
    local pid real
    pid="$(pid_from_file)" || return 1
    [ -d "/proc/$pid" ] || return 1
    real="$(data_real)" || return 1
    if [ "$(readlink "/proc/$pid/cwd" 2>/dev/null)" = "$real" ]; then echo "$pid"; return 0; fi
    if tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$DATA"; then
        echo "$pid"; return 0
    fi
    return 1
}

running_port() { sed -n 4p "$DATA/postmaster.pid" 2>/dev/null | tr -dc 0-9 || true; }

port_in_use() { # something accepts TCP connections on 127.0.0.1:$1
    # shellcheck disable=SC2016
    timeout 3 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$0"' "$1" >/dev/null 2>&1
}

port_owner() {
    command -v ss >/dev/null 2>&1 || return 0
    ss -Hltnp "sport = :$1" 2>/dev/null | grep -o 'users:(([^)]*))' | head -n1 \
        | sed -E 's/users:\(\("([^"]*)",pid=([0-9]+).*/\1, pid \2/' || true
}

port_taken_exit() {
    local p="$1" owner
    owner="$(port_owner "$p")"
    say "port $p on 127.0.0.1 is already in use by another program${owner:+ ($owner)}, not by this project's PostgreSQL ($DATA)."
    say "Pick a free port with SHIPORSKIP_PG_PORT, e.g.:  SHIPORSKIP_PG_PORT=$((p == 54330 ? 54331 : 54330)) scripts/pg.sh start"
    say "(set the same SHIPORSKIP_PG_PORT for make test / make run), or stop that program, or set DATABASE_URL to use an existing server."
    exit 98
}

wait_ready() { # $1 = port, $2 = seconds
    local isready i
    isready="$(client pg_isready)" || return 0
    for ((i = 0; i < $2 * 4; i++)); do
        "$isready" -q -h 127.0.0.1 -p "$1" -t 1 && return 0
        sleep 0.25
    done
    return 1
}

show_log_tail() {
    if [ -f "$LOG" ]; then
        say "last lines of $LOG:"
        tail -n 25 "$LOG" | sed 's/^/    /' >&2
    fi
}

# Processes left behind by a postmaster that was killed (kill -9, OOM, ...) keep the old
# shared memory attached, and a new postmaster refuses to start until they are gone.
clean_stale() {
    local pids pid i
    pid="$(pid_from_file)" || return 0
    pids="$(cluster_pids)"
    if [ -n "$pids" ]; then
        say "a previous PostgreSQL of this cluster died; waiting for its leftover processes to exit"
        for ((i = 0; i < 40; i++)); do
            pids="$(cluster_pids)"
            [ -z "$pids" ] && break
            sleep 0.25
        done
        if [ -n "$pids" ]; then
            say "killing leftover processes: $(echo "$pids" | tr '\n' ' ')"
            # shellcheck disable=SC2086
            kill -9 $pids 2>/dev/null || true
            sleep 0.5
        fi
    fi
    # If the PID in the stale postmaster.pid still exists (a not-yet-reaped zombie of
    # the killed postmaster, or a reused PID) postgres refuses to start because of it
    # and of the socket lock file. Both are safe to drop once no process of the
    # cluster is left.
    if [ -d "/proc/$pid" ] && [ -z "$(cluster_pids)" ]; then
        say "removing stale postmaster.pid and socket lock (PID $pid is not this cluster's postmaster any more)"
        rm -f "$DATA/postmaster.pid" "$SOCKDIR"/.s.PGSQL.*
    fi
}

take_lock() {
    command -v flock >/dev/null 2>&1 || return 0
    exec 9>"/tmp/shiporskip-pg-$path_hash.lock"
    if ! flock -w 180 9; then
        die "another scripts/pg.sh is still busy with this cluster (lock /tmp/shiporskip-pg-$path_hash.lock)"
    fi
}

ensure_db() {
    local psql createdb have err
    psql="$(client psql)" || { say "psql not found; not checking database $DB_NAME"; return 0; }
    export PGCONNECT_TIMEOUT=10
    have="$("$psql" -X -w -Atq -h 127.0.0.1 -p "$PORT" -U postgres -d postgres \
        -c "select 1 from pg_database where datname = '$DB_NAME'")" \
        || die "cannot query the cluster on 127.0.0.1:$PORT (see $LOG)"
    [ "$have" = 1 ] && return 0
    createdb="$(client createdb)" || die "createdb not found next to psql"
    if ! err="$("$createdb" -w -h 127.0.0.1 -p "$PORT" -U postgres "$DB_NAME" 2>&1)"; then
        grep -q 'already exists' <<<"$err" || die "createdb $DB_NAME failed: $err"
    fi
    say "created database $DB_NAME"
}

init_cluster() {
    local locale_opt=(--no-locale)
    if locale -a 2>/dev/null | grep -qiE '^c\.utf-?8$'; then locale_opt=(--locale=C.UTF-8); fi
    mkdir -p "$CLUSTER"
    if [ "$IS_ROOT" = 1 ]; then chown "$PG_USER_OS:" "$CLUSTER"; fi
    chmod 700 "$CLUSTER"
    rm -rf "$CLUSTER/data.initdb"   # left over from an initdb that was killed
    say "creating a new cluster in $DATA"
    if ! as_pg "$PGBIN/initdb" -D "$CLUSTER/data.initdb" --auth=trust -U postgres \
            --encoding=UTF8 "${locale_opt[@]}" >"$CLUSTER/initdb.log" 2>&1; then
        tail -n 20 "$CLUSTER/initdb.log" >&2
        die "initdb failed (full output in $CLUSTER/initdb.log)"
    fi
    as_pg tee "$CLUSTER/data.initdb/pg_hba.conf" >/dev/null <<'EOF'
# ShipOrSkip dev/test cluster: trust, but only for this machine.
# TYPE  DATABASE  USER  ADDRESS        METHOD
local   all       all                  trust
host    all       all   127.0.0.1/32   trust
EOF
    as_pg tee -a "$CLUSTER/data.initdb/postgresql.conf" >/dev/null <<'EOF'

# ---- ShipOrSkip dev/test cluster (scripts/pg.sh) ----
# port and unix_socket_directories are given on the pg_ctl command line.
listen_addresses = '127.0.0.1'
# Throwaway data: trade crash safety for speed (re-create with: rm -rf .pg).
fsync = off
synchronous_commit = off
full_page_writes = off
log_min_duration_statement = -1
log_line_prefix = '%m [%p] %q%u@%d '
EOF
    # Rename only when complete, so a killed initdb never leaves a half-made data dir.
    as_pg mv "$CLUSTER/data.initdb" "$DATA"
}

start_local() {
    local pid rport log_size err
    take_lock
    [ -n "$FALLBACK_REASON" ] && say "note: $FALLBACK_REASON"

    if pid="$(running_pid)"; then
        rport="$(running_port)"
        if [ "$PORT_EXPLICIT" = 1 ] && [ -n "$rport" ] && [ "$rport" != "$PORT" ]; then
            die "this project's PostgreSQL is already running on port $rport, but SHIPORSKIP_PG_PORT=$PORT. Run scripts/pg.sh stop first (or use SHIPORSKIP_PG_PORT=$rport)."
        fi
        PORT="${rport:-$PORT}"
        wait_ready "$PORT" 60 || { show_log_tail; die "PostgreSQL (PID $pid) is running but not accepting connections on 127.0.0.1:$PORT"; }
        echo "$PORT" >"$PORT_FILE"
        ensure_db
        say "already running on 127.0.0.1:$PORT (PID $pid)"
        url_for "$PORT"
        return 0
    fi

    clean_stale

    if [ -e "$DATA" ] && [ ! -f "$DATA/PG_VERSION" ]; then
        die "$DATA exists but is not a PostgreSQL data folder; remove it (rm -rf $CLUSTER) and retry"
    fi
    if [ -e "$DATA" ] && [ "$IS_ROOT" = 0 ] && [ ! -O "$DATA" ]; then
        die "$DATA belongs to another user (an earlier run as root?); remove it (rm -rf $CLUSTER) or run as that user"
    fi
    [ -f "$DATA/PG_VERSION" ] || init_cluster

    local have_ver bin_ver
    have_ver="$(cat "$DATA/PG_VERSION")"
    bin_ver="$("$PGBIN/pg_ctl" --version | awk '{print $3}' | sed 's/[^0-9].*//')"
    if [ "$have_ver" != "$bin_ver" ]; then
        die "the cluster in $DATA was made by PostgreSQL $have_ver but $PGBIN is PostgreSQL $bin_ver. Remove it (rm -rf $CLUSTER; dev data is lost) or set SHIPORSKIP_PG_BIN to PostgreSQL $have_ver's bin folder."
    fi

    if port_in_use "$PORT"; then
        if [ -n "${CI:-}" ] && [ "$PORT_EXPLICIT" = 0 ]; then
            local p first="$PORT"
            for ((p = first + 1; p <= first + 20; p++)); do
                port_in_use "$p" || break
            done
            port_in_use "$p" && port_taken_exit "$first"
            say "port $first is taken by another program ($(port_owner "$first")); CI is set, so using port $p"
            PORT="$p"
        else
            port_taken_exit "$PORT"
        fi
    fi

    mkdir -p "$SOCKDIR"
    if [ "$IS_ROOT" = 1 ]; then chown "$PG_USER_OS:" "$SOCKDIR"; fi
    chmod 700 "$SOCKDIR"

    # Keep the log from growing forever.
    if [ -f "$LOG" ] && [ "$(stat -c %s "$LOG")" -gt 10485760 ]; then
        mv -f "$LOG" "$LOG.old"
    fi
    log_size=0
    [ -f "$LOG" ] && log_size="$(stat -c %s "$LOG")"

    say "starting PostgreSQL $bin_ver on 127.0.0.1:$PORT (data $DATA, log $LOG)"
    # 9>&- : the postmaster must not inherit our lock.
    if ! as_pg "$PGBIN/pg_ctl" -D "$DATA" -l "$LOG" -w -t 60 \
            -o "-p $PORT -k '$SOCKDIR' -c listen_addresses=127.0.0.1" start >/dev/null 2>&1 9>&-; then
        err="$(tail -c +"$((log_size + 1))" "$LOG" 2>/dev/null || true)"
        if grep -qE 'could not (bind|create listen socket)|Address already in use' <<<"$err"; then
            port_taken_exit "$PORT"
        fi
        show_log_tail
        die "PostgreSQL did not start (log: $LOG)"
    fi
    echo "$PORT" >"$PORT_FILE"
    ensure_db
    say "ready: $(url_for "$PORT")"
    url_for "$PORT"
}

stop_local() {
    local pid
    take_lock
    if pid="$(running_pid)"; then
        say "stopping PostgreSQL (PID $pid, data $DATA)"
        if ! as_pg "$PGBIN/pg_ctl" -D "$DATA" -m fast -w -t 60 stop >/dev/null 2>&1 9>&-; then
            say "fast shutdown did not finish; forcing an immediate shutdown"
            as_pg "$PGBIN/pg_ctl" -D "$DATA" -m immediate -w -t 30 stop >/dev/null 2>&1 9>&- || true
        fi
        if running_pid >/dev/null; then die "PostgreSQL (PID $pid) is still running"; fi
        say "stopped"
    else
        clean_stale
        say "not running (data ${DATA})"
    fi
}

status_local() {
    local pid rport
    if pid="$(running_pid)"; then
        rport="$(running_port)"
        if wait_ready "${rport:-$PORT}" 1; then
            echo "running: PID $pid, 127.0.0.1:${rport:-$PORT}, data $DATA, log $LOG"
            echo "url: $(url_for "${rport:-$PORT}")"
            return 0
        fi
        echo "started but not accepting connections: PID $pid, port ${rport:-$PORT}, data $DATA (see $LOG)"
        return 1
    fi
    if [ -f "$DATA/PG_VERSION" ]; then
        echo "not running (data $DATA; start with scripts/pg.sh start)"
    else
        echo "not running; no cluster yet (scripts/pg.sh start creates one in $CLUSTER)"
    fi
    return 3
}

if ! PGBIN="$(find_pgbin)"; then
    case "$cmd" in
        status) echo "not running (PostgreSQL server binaries not installed)"; exit 3 ;;
        stop) say "PostgreSQL server binaries not found; nothing to stop"; exit 0 ;;
    esac
    die "PostgreSQL server binaries (initdb, pg_ctl) not found. Install the Debian package postgresql (apt-get install -y postgresql), or set SHIPORSKIP_PG_BIN=/path/to/postgresql/bin, or set DATABASE_URL to use an existing server."
fi

case "$cmd" in
    start) start_local ;;
    stop) stop_local ;;
    status) status_local ;;
esac
