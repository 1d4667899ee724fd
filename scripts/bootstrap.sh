#!/usr/bin/env bash
# Create or refresh the project virtualenv (.venv) from uv.lock.
#
#   scripts/bootstrap.sh            runtime and test dependencies: uv sync --frozen
#   scripts/bootstrap.sh runtime    runtime dependencies only (a test install also does)
#
# uv itself is pinned (tool.uv.required-version in pyproject.toml) and installed with pip
# into .tools/uv-<version>/ by the first run, so a fresh machine needs only Python 3.12+.
# Python: $PYTHON if set, else python3.13, python3.12 and python3 on PATH, then pyenv's
# 3.12+ (newest first), then /usr/local/bin and /usr/bin. uv never downloads a Python.
# A stamp .venv/.stamp-<hash of uv.lock, pyproject.toml and mode> is written only after a
# successful sync, so a second run is instant and a killed run is simply redone.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
VENV="$ROOT/.venv"
VPY="$VENV/bin/python"

mode="${1:-test}"
case "$mode" in
    test) sync_args=() ;;
    # --inexact: a runtime request never removes test packages a test install put there.
    runtime) sync_args=(--no-default-groups --inexact) ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) echo "usage: scripts/bootstrap.sh [test|runtime]" >&2; exit 2 ;;
esac

stamp_for() { cat uv.lock pyproject.toml | { cat; printf '\nmode=%s\n' "$1"; } | sha256sum | cut -c1-16; }
stamp="$VENV/.stamp-$(stamp_for "$mode")"
stamp_test="$VENV/.stamp-$(stamp_for test)"

python_ok() { [ -n "$1" ] && "$1" -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; }
up_to_date() { python_ok "$VPY" && { [ -e "$stamp" ] || [ -e "$stamp_test" ]; }; }

up_to_date && exit 0

# Serialise concurrent bootstraps of the same checkout (e.g. make -j).
if command -v flock >/dev/null 2>&1; then
    exec 9>"${TMPDIR:-/tmp}/shiporskip-bootstrap-$(printf '%s' "$ROOT" | sha256sum | cut -c1-12).lock"
    flock 9
    up_to_date && exit 0
fi

find_python() { # print the real path of the first Python >= 3.12 (pyenv shims resolved)
    local cand root
    if [ -n "${PYTHON:-}" ]; then
        python_ok "$PYTHON" && { "$PYTHON" -c 'import sys; print(sys.executable)'; return 0; }
        echo "bootstrap: PYTHON=$PYTHON is not a working Python 3.12 or newer." >&2
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
    echo "bootstrap: ShipOrSkip needs Python 3.12 or newer; install it (e.g. apt-get install python3.12 or pyenv install 3.12) or set PYTHON=/path/to/python3.12" >&2
    return 1
}

python_args=()
if ! python_ok "$VPY"; then
    python="$(find_python)"
    if [ -e "$VENV" ]; then
        echo "bootstrap: $VENV is missing, broken or too old; recreating it" >&2
        rm -rf "$VENV"
    fi
    python_args=(--python "$python")
fi

# uv, at the version pyproject.toml pins, in a small venv of its own.
uv_version="$(sed -nE 's/^required-version = "==([0-9.]+)"$/\1/p' pyproject.toml)"
[ -n "$uv_version" ] || { echo "bootstrap: no tool.uv.required-version in pyproject.toml" >&2; exit 1; }
tools="$ROOT/.tools/uv-$uv_version"
uv="$tools/bin/uv"
if ! "$uv" --version >/dev/null 2>&1; then
    python="${python:-$(find_python)}"
    echo "bootstrap: installing uv $uv_version into $tools" >&2
    rm -rf "$tools"
    if ! "$python" -m venv "$tools"; then
        rm -rf "$tools"
        echo "bootstrap: could not create a virtualenv with $python." >&2
        echo "  On Debian/Ubuntu the venv module is a separate package: apt-get install python3-venv," >&2
        echo "  or point PYTHON=/path/to/python3.12 at an interpreter that has it." >&2
        exit 1
    fi
    PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1 "$tools/bin/pip" install --quiet --progress-bar off "uv==$uv_version"
fi

# Old stamps describe a state we are about to change; drop them first so a killed sync
# leaves no stamp behind.
rm -f "$VENV"/.stamp-*
export UV_PYTHON_DOWNLOADS=never UV_LINK_MODE=copy UV_NO_PROGRESS=1
echo "bootstrap: uv sync --frozen ${sync_args[*]} ($mode dependencies from uv.lock)" >&2
"$uv" sync --frozen "${python_args[@]}" "${sync_args[@]}"
mkdir -p "$VENV" && touch "$stamp"
echo "bootstrap: $VENV is ready ($("$VPY" -V 2>&1), $mode dependencies)" >&2
