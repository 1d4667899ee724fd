#!/usr/bin/env bash
# Create/refresh the project virtualenv (.venv) and install ShipOrSkip into it.
#
#   scripts/bootstrap.sh            editable install with test extras: pip install -e '.[test]'
#   scripts/bootstrap.sh runtime    editable install, runtime deps only: pip install -e .
#
# A stamp .venv/.stamp-<sha256 of pyproject.toml + extras> is written only after a
# fully successful install, so a second run is instant and a run killed half-way
# is simply redone. A missing/broken/too-old .venv is recreated.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
VENV="$ROOT/.venv"
VPY="$VENV/bin/python"

mode="${1:-test}"
case "$mode" in
    test) spec='.[test]' ;;
    runtime) spec='.' ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) echo "usage: scripts/bootstrap.sh [test|runtime]" >&2; exit 2 ;;
esac

hash_for() { # $1 = extras name
    { cat pyproject.toml; printf '\nextras=%s\n' "$1"; } | sha256sum | cut -c1-16
}
stamp_test="$VENV/.stamp-$(hash_for test)"
stamp_runtime="$VENV/.stamp-$(hash_for runtime)"
stamp="$stamp_test"
[ "$mode" = runtime ] && stamp="$stamp_runtime"

venv_python_ok() {
    [ -x "$VPY" ] && "$VPY" -c 'import sys; sys.exit(sys.version_info < (3,12))' >/dev/null 2>&1
}

# Fast path: up to date. (A test install also satisfies a runtime request.)
if venv_python_ok && { [ -e "$stamp" ] || [ -e "$stamp_test" ]; }; then
    exit 0
fi

# Serialise concurrent bootstraps of the same checkout (e.g. make -j).
if command -v flock >/dev/null 2>&1; then
    lock="${TMPDIR:-/tmp}/shiporskip-bootstrap-$(printf '%s' "$ROOT" | sha256sum | cut -c1-12).lock"
    exec 9>"$lock"
    flock 9
    # Someone else may have finished the job while we waited.
    if venv_python_ok && { [ -e "$stamp" ] || [ -e "$stamp_test" ]; }; then
        exit 0
    fi
fi

venv_healthy() {
    venv_python_ok && [ -f "$VENV/pyvenv.cfg" ] \
        && "$VPY" -m pip --version >/dev/null 2>&1
}

if ! venv_healthy; then
    # shellcheck source=scripts/python.sh
    . "$ROOT/scripts/python.sh"   # sets SHIPORSKIP_PYTHON or fails with a clear message
    if [ -e "$VENV" ]; then
        echo "bootstrap: $VENV is missing, broken, half-created or too old; recreating it" >&2
        rm -rf "$VENV"
    fi
    echo "bootstrap: creating $VENV with $SHIPORSKIP_PYTHON ($("$SHIPORSKIP_PYTHON" -V 2>&1))" >&2
    if ! "$SHIPORSKIP_PYTHON" -m venv "$VENV"; then
        rm -rf "$VENV"
        echo "bootstrap: could not create a virtualenv with $SHIPORSKIP_PYTHON." >&2
        echo "  On Debian/Ubuntu the venv module is a separate package: apt-get install python3.12-venv (or python3-venv)," >&2
        echo "  or point PYTHON=/path/to/python3.12 at an interpreter that has it." >&2
        exit 1
    fi
fi

export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1
pip=("$VPY" -m pip)

if [ ! -e "$VENV/.pip-upgraded" ]; then
    echo "bootstrap: upgrading pip (once per venv)" >&2
    "${pip[@]}" install --quiet --progress-bar off --upgrade pip
    touch "$VENV/.pip-upgraded"
fi

# Old stamps describe a state we are about to change; drop them first so a
# killed install leaves no stamp behind.
rm -f "$VENV"/.stamp-*
echo "bootstrap: pip install -e '$spec'" >&2
"${pip[@]}" install --progress-bar off -e "$spec"
touch "$stamp"
echo "bootstrap: $VENV is ready ($("$VPY" -V 2>&1), $mode deps)" >&2
