#!/usr/bin/env bash
# ShipOrSkip developer/CI entry point (the Makefile only calls this).
#
#   scripts/dev.sh setup          venv + test deps, PostgreSQL, Chromium, Java, node test
#                                 tools, wrk (what test and bench need), without running them
#   scripts/dev.sh run            local site on http://127.0.0.1:8000 (gunicorn, DEBUG off)
#   scripts/dev.sh test [ARGS]    ruff, migrations check, pytest -n 2 [ARGS]
#   scripts/dev.sh bench [ARGS]   python bench/run.py [ARGS]
#   scripts/dev.sh lint           ruff check + ruff format --check
#   scripts/dev.sh fmt            ruff check --fix + ruff format
#
# Environment:
#   DATABASE_URL           use this database instead of the project-local cluster
#   SHIPORSKIP_PG_PORT     port of the project-local cluster (default 54329)
#   PYTEST_ARGS            extra pytest arguments (e.g. PYTEST_ARGS="-k vote -x")
#   PYTEST_WORKERS         pytest-xdist workers (default 2)
#   CHROMIUM_PATH          browser for the browser tests (default: Debian's chromium)
#   SHIPORSKIP_HOST, SHIPORSKIP_WEB_PORT   where `run` listens (127.0.0.1, 8000)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

step() { printf '\n==> %s\n' "$*" >&2; }
die() { echo "dev: $*" >&2; exit 1; }
is_root() { [ "$(id -u)" = 0 ]; }

# ------------------------------------------------------------------ building blocks
use_venv() { # $1 = test|runtime
    bash "$ROOT/scripts/bootstrap.sh" "$1"
    export VIRTUAL_ENV="$ROOT/.venv"
    export PATH="$VIRTUAL_ENV/bin:$PATH"
    hash -r
}

STOP_PG_IN_CI=0   # cmd_test sets it: CI leaves no PostgreSQL behind holding a port
use_db() {
    local url started_here=0
    if [ -z "${DATABASE_URL:-}" ] && ! bash "$ROOT/scripts/pg.sh" status >/dev/null 2>&1; then
        started_here=1
    fi
    url="$(bash "$ROOT/scripts/pg.sh" start)"
    [ -n "$url" ] || die "scripts/pg.sh start gave no database URL"
    if [ -n "${CI:-}" ] && [ "$STOP_PG_IN_CI" = 1 ] && [ "$started_here" = 1 ]; then
        trap 'env -u DATABASE_URL bash "$ROOT/scripts/pg.sh" stop || true' EXIT
    fi
    export DATABASE_URL="$url"
}

apt_install() { # Debian packages; refresh the package lists only if needed
    is_root || die "internal: apt_install needs root"
    command -v apt-get >/dev/null 2>&1 || die "apt-get not found; install these packages yourself: $*"
    export DEBIAN_FRONTEND=noninteractive
    local opts=(-y -q -o Dpkg::Use-Pty=0 -o DPkg::Lock::Timeout=300 --no-install-recommends)
    step "apt-get install $*"
    if ! apt-get install "${opts[@]}" "$@" </dev/null; then
        step "apt-get update (package lists missing or stale), then retrying"
        apt-get update -q -o DPkg::Lock::Timeout=300 </dev/null
        apt-get install "${opts[@]}" "$@" </dev/null
    fi
}

ensure_chromium() {
    if [ -n "${CHROMIUM_PATH:-}" ]; then
        [ -x "$CHROMIUM_PATH" ] || die "CHROMIUM_PATH=$CHROMIUM_PATH is not an executable file"
    else
        if ! command -v chromium >/dev/null 2>&1; then
            if is_root; then
                apt_install chromium fonts-liberation
            else
                die "the browser tests need Debian's Chromium, which is not installed.
    Install it:  sudo apt-get install -y chromium fonts-liberation
    (or set CHROMIUM_PATH=/path/to/chromium). Do not use 'playwright install'."
            fi
        fi
        CHROMIUM_PATH="$(command -v chromium)" || die "chromium still not found after installing it"
    fi
    export CHROMIUM_PATH
}

ensure_java() { # vnu.jar (HTML checker) runs on Java
    command -v java >/dev/null 2>&1 && return 0
    if is_root; then
        apt_install default-jre-headless
    else
        die "the HTML validation tests need Java (for vnu.jar), which is not installed.
    Install it:  sudo apt-get install -y default-jre-headless"
    fi
}

ensure_node_tools() { # vnu-jar and axe-core from package.json/package-lock.json
    if ! command -v npm >/dev/null 2>&1; then
        if is_root; then
            apt_install nodejs npm
        else
            die "npm is needed to install the test tools in package.json.
    Install it:  sudo apt-get install -y nodejs npm"
        fi
    fi
    local h stamp
    h="$(cat package.json package-lock.json 2>/dev/null | sha256sum | cut -c1-16)"
    stamp="node_modules/.shiporskip-stamp-$h"
    if [ -e "$stamp" ] && [ -f node_modules/vnu-jar/build/dist/vnu.jar ] \
        && [ -f node_modules/axe-core/axe.min.js ]; then
        :
    else
        if [ -f package-lock.json ]; then
            step "npm ci (vnu-jar, axe-core)"
            npm ci --no-audit --no-fund </dev/null
        else
            step "npm install (vnu-jar, axe-core)"
            npm install --no-audit --no-fund </dev/null
        fi
        [ -f node_modules/vnu-jar/build/dist/vnu.jar ] || die "npm did not install vnu-jar"
        [ -f node_modules/axe-core/axe.min.js ] || die "npm did not install axe-core"
        touch "$stamp"
    fi
    export VNU_JAR="$ROOT/node_modules/vnu-jar/build/dist/vnu.jar"
    export AXE_CORE_JS="$ROOT/node_modules/axe-core/axe.min.js"
}

# Settings for tests and local servers: SHIPORSKIP_ENV=development allows the development
# SECRET_KEY and plain-http cookies; DEBUG stays off unless DEBUG is set.
dev_settings_env() {
    export SHIPORSKIP_ENV="${SHIPORSKIP_ENV:-development}"
}

test_env() {
    use_venv test
    use_db
    ensure_chromium
    ensure_java
    ensure_node_tools
    dev_settings_env
    export DJANGO_ALLOW_ASYNC_UNSAFE=true
}

ensure_wrk() { # the HTTP load generator bench/run.py drives
    command -v wrk >/dev/null 2>&1 && return 0
    if is_root; then
        apt_install wrk
    else
        die "the benchmark needs wrk, which is not installed.
    Install it:  sudo apt-get install -y wrk"
    fi
}

port_in_use() { # something accepts TCP connections on $1:$2
    # shellcheck disable=SC2016
    timeout 3 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$1" "$2" >/dev/null 2>&1
}

manage() { python manage.py "$@"; }

# ------------------------------------------------------------------ commands
cmd_setup() {
    test_env
    ensure_wrk
    step "ready"
    echo "  python:       $ROOT/.venv/bin/python ($(python -V 2>&1))" >&2
    echo "  DATABASE_URL: $DATABASE_URL" >&2
    echo "  CHROMIUM_PATH: $CHROMIUM_PATH" >&2
    echo "  VNU_JAR:      $VNU_JAR" >&2
    echo "  AXE_CORE_JS:  $AXE_CORE_JS" >&2
}

cmd_lint() {
    use_venv test
    step "ruff check ."
    ruff check .
    step "ruff format --check ."
    ruff format --check .
    step "lint-imports (the layers of docs/architecture.md)"
    lint-imports
}

cmd_fmt() {
    use_venv test
    step "ruff check --fix ."
    ruff check --fix . || true   # what is left is reported by `make lint`
    step "ruff format ."
    ruff format .
}

cmd_test() {
    # In CI (a fresh clone) the cluster this run started is stopped when it ends;
    # developers keep theirs running between runs (make db-stop stops it).
    STOP_PG_IN_CI=1
    test_env
    step "ruff check ."
    ruff check .
    step "ruff format --check ."
    ruff format --check .
    step "lint-imports (the layers of docs/architecture.md)"
    lint-imports
    step "manage.py makemigrations --check --dry-run"
    manage makemigrations --check --dry-run
    local -a extra=()
    read -r -a extra <<<"${PYTEST_ARGS:-}"
    step "pytest -n ${PYTEST_WORKERS:-2} ${extra[*]} $*"
    python -m pytest -n "${PYTEST_WORKERS:-2}" "${extra[@]}" "$@"
}

cmd_bench() {
    [ -f bench/run.py ] || die "bench/run.py does not exist yet"
    use_venv test
    use_db
    ensure_wrk
    dev_settings_env
    # The benchmark serves the demo data and the collected static files.
    step "manage.py migrate"
    manage migrate --noinput
    step "manage.py seed_demo"
    manage seed_demo
    step "manage.py collectstatic"
    manage collectstatic --noinput
    step "python bench/run.py $*"
    python bench/run.py "$@"
}

cmd_run() {
    local host="${SHIPORSKIP_HOST:-127.0.0.1}" port="${SHIPORSKIP_WEB_PORT:-8000}"
    [ -f shiporskip/gunicorn.conf.py ] || die "shiporskip/gunicorn.conf.py does not exist yet"
    if port_in_use "$host" "$port"; then
        die "port $port on $host is already in use; stop that program or pick another port: SHIPORSKIP_WEB_PORT=8001 make run"
    fi
    use_venv runtime
    use_db
    # Local, plain-http settings: the settings module allows insecure cookies and a
    # development SECRET_KEY when SHIPORSKIP_ENV=development. DEBUG stays off.
    export SHIPORSKIP_ENV=development
    export DEBUG="${DEBUG:-0}"
    export ALLOWED_HOSTS="${ALLOWED_HOSTS:-127.0.0.1,localhost}"
    step "manage.py migrate"
    manage migrate --noinput
    step "manage.py seed_demo"
    manage seed_demo
    step "manage.py ensure_dev_superuser"
    manage ensure_dev_superuser
    step "manage.py collectstatic"
    manage collectstatic --noinput
    step "ShipOrSkip is starting on http://$host:$port/"
    {
        echo "  Site:   http://$host:$port/"
        echo "  Admin:  http://$host:$port/admin/"
        echo "          user 'admin'; password as printed by ensure_dev_superuser above on the"
        echo "          first run (DEV_ADMIN_PASSWORD if it was set then, else generated);"
        echo "          forgot it? SHIPORSKIP_ENV=development DATABASE_URL=$DATABASE_URL \\"
        echo "                       .venv/bin/python manage.py changepassword admin"
        echo "  Database: $DATABASE_URL  (stop it with: make db-stop)"
        echo "  Press Ctrl-C to stop the server."
    } >&2
    exec gunicorn -c shiporskip/gunicorn.conf.py --bind "$host:$port" shiporskip.wsgi
}

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; }

cmd="${1:-}"
[ $# -gt 0 ] && shift
case "$cmd" in
    setup) cmd_setup ;;
    run) cmd_run ;;
    test) cmd_test "$@" ;;
    bench) cmd_bench "$@" ;;
    lint) cmd_lint ;;
    fmt) cmd_fmt ;;
    ""|-h|--help|help) usage ;;
    *) usage >&2; exit 2 ;;
esac
