#!/usr/bin/env bash
# ShipOrSkip's developer and CI entry point; the Makefile only calls this.
#
#   scripts/dev.sh COMMAND [ARGS]     .venv/bin/python -m devtools COMMAND [ARGS]
#
# This is the part that has to be bash, because it runs before there is a Python to use:
# find Python 3.12+, install the uv version pyproject.toml pins (tool.uv.required-version)
# into .tools/uv-<version>/ with pip, and sync .venv from uv.lock (uv sync --frozen; the
# runtime dependencies only for run, db and redis). The commands themselves are devtools/.
#
# Python: $PYTHON if set, else python3.13, python3.12 and python3 on PATH, then pyenv's
# 3.12+ (newest first), then /usr/local/bin and /usr/bin. uv never downloads a Python.
# A stamp .venv/.stamp-<hash of uv.lock, pyproject.toml and mode> is written only after a
# successful sync, so a second run is instant and a killed run is simply redone.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
VENV="$ROOT/.venv"
VPY="$VENV/bin/python"

say() { echo "bootstrap: $*" >&2; }

case "${1:-}" in
    ""|-h|--help|help)
        awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"
        exit 0 ;;
    run|db|redis) mode=runtime ;;
    *) mode=test ;;
esac

stamp_for() { { cat uv.lock pyproject.toml; printf '\nmode=%s\n' "$1"; } | sha256sum | cut -c1-16; }
stamp="$VENV/.stamp-$(stamp_for "$mode")"
stamp_test="$VENV/.stamp-$(stamp_for test)"

python_ok() { [ -n "$1" ] && "$1" -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; }
# A test install also serves a runtime request.
up_to_date() { python_ok "$VPY" && { [ -e "$stamp" ] || [ -e "$stamp_test" ]; }; }

find_python() { # print the real path of the first Python >= 3.12 (pyenv shims resolved)
    local cand root
    if [ -n "${PYTHON:-}" ]; then
        python_ok "$PYTHON" && { "$PYTHON" -c 'import sys; print(sys.executable)'; return 0; }
        say "PYTHON=$PYTHON is not a working Python 3.12 or newer."
        return 1
    fi
    local -a cands=()
    for cand in python3.13 python3.12 python3; do
        command -v "$cand" >/dev/null 2>&1 && cands+=("$(command -v "$cand")")
    done
    for root in "${PYENV_ROOT:-}" "${HOME:-/root}/.pyenv"; do
        [ -n "$root" ] && [ -d "$root/versions" ] || continue
        while IFS= read -r cand; do cands+=("$cand"); done < <(
            shopt -s nullglob
            for d in "$root"/versions/3.1[2-9]*; do
                [ -x "$d/bin/python" ] && printf '%s\n' "$d/bin/python"
            done | sort -rV
        )
    done
    for cand in /usr/local/bin/python3.1[2-9] /usr/local/bin/python3 /usr/bin/python3.1[2-9] /usr/bin/python3; do
        [ -x "$cand" ] && cands+=("$cand")
    done
    for cand in "${cands[@]}"; do
        python_ok "$cand" && { "$cand" -c 'import sys; print(sys.executable)'; return 0; }
    done
    say "ShipOrSkip needs Python 3.12 or newer; install it (e.g. apt-get install python3.12 or pyenv install 3.12) or set PYTHON=/path/to/python3.12"
    return 1
}

install_uv() { # $1 = a Python to install it with; prints the uv path
    local version tools
    version="$(sed -nE 's/^required-version = "==([0-9.]+)"$/\1/p' pyproject.toml)"
    [ -n "$version" ] || { say "no tool.uv.required-version in pyproject.toml"; return 1; }
    tools="$ROOT/.tools/uv-$version"
    if ! "$tools/bin/uv" --version >/dev/null 2>&1; then
        say "installing uv $version into $tools"
        rm -rf "$tools"
        if ! "$1" -m venv "$tools" >&2; then
            rm -rf "$tools"
            say "could not create a virtualenv with $1."
            say "  On Debian/Ubuntu the venv module is a separate package: apt-get install python3-venv,"
            say "  or point PYTHON=/path/to/python3.12 at an interpreter that has it."
            return 1
        fi
        PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1 \
            "$tools/bin/pip" install --quiet --progress-bar off "uv==$version" >&2
    fi
    echo "$tools/bin/uv"
}

sync_venv() {
    local python uv
    local -a sync_args=() python_args=()
    # --inexact: a runtime request never removes the test packages a test install put there.
    [ "$mode" = runtime ] && sync_args=(--no-default-groups --inexact)
    python="$(find_python)"
    if ! python_ok "$VPY"; then
        [ -e "$VENV" ] && say "$VENV is missing, broken or too old; recreating it" && rm -rf "$VENV"
        python_args=(--python "$python")
    fi
    uv="$(install_uv "$python")"
    # Old stamps describe a state about to change; a killed sync leaves none behind.
    rm -f "$VENV"/.stamp-*
    say "uv sync --frozen ${sync_args[*]} ($mode dependencies from uv.lock)"
    UV_PYTHON_DOWNLOADS=never UV_LINK_MODE=copy UV_NO_PROGRESS=1 \
        "$uv" sync --frozen "${python_args[@]}" "${sync_args[@]}"
    touch "$stamp"
    say "$VENV is ready ($("$VPY" -V 2>&1), $mode dependencies)"
}

if ! up_to_date; then
    # One bootstrap at a time per checkout (e.g. make -j); the winner may do our work.
    exec 9>"${TMPDIR:-/tmp}/shiporskip-bootstrap-$(printf '%s' "$ROOT" | sha256sum | cut -c1-12).lock"
    flock 9
    up_to_date || sync_venv
    exec 9>&-
fi
exec "$VPY" -m devtools "$@"
