#!/usr/bin/env bash
# Find a Python >= 3.12 for ShipOrSkip.
#
#   scripts/python.sh        prints the interpreter's path (exit 1 with a message if none)
#   . scripts/python.sh      sets SHIPORSKIP_PYTHON (returns 1 with a message if none)
#
# Search order: $PYTHON (if set, it must be good), python3.13, python3.12 and
# python3 on PATH, then ${PYENV_ROOT:-~/.pyenv}/versions/3.1[2-9]*/bin/python
# (newest first), then /usr/local/bin and /usr/bin.

_shiporskip_python_ok() {
    [ -n "$1" ] && "$1" -c 'import sys; sys.exit(sys.version_info < (3,12))' >/dev/null 2>&1
}

# Print the real interpreter path (resolves pyenv shims) of the first good candidate.
_shiporskip_find_python() {
    local cand
    if [ -n "${PYTHON:-}" ]; then
        if _shiporskip_python_ok "$PYTHON"; then
            "$PYTHON" -c 'import sys; print(sys.executable)'
            return 0
        fi
        echo "PYTHON=$PYTHON is not a working Python 3.12 or newer." >&2
        return 1
    fi

    local -a cands=()
    for cand in python3.13 python3.12 python3; do
        if command -v "$cand" >/dev/null 2>&1; then
            cands+=("$(command -v "$cand")")
        fi
    done
    local root
    for root in "${PYENV_ROOT:-}" "${HOME:-/root}/.pyenv"; do
        if [ -z "$root" ] || [ ! -d "$root/versions" ]; then continue; fi
        # Newest first: 3.13.x before 3.12.x.
        while IFS= read -r cand; do
            [ -n "$cand" ] && cands+=("$cand")
        done < <(
            shopt -s nullglob
            for d in "$root"/versions/3.1[2-9]*; do
                [ -x "$d/bin/python" ] && printf '%s\n' "$d/bin/python"
            done | sort -rV
        )
    done
    for cand in /usr/local/bin/python3.1[2-9] /usr/local/bin/python3 \
                /usr/bin/python3.1[2-9] /usr/bin/python3; do
        [ -x "$cand" ] && cands+=("$cand")
    done

    for cand in "${cands[@]}"; do
        if _shiporskip_python_ok "$cand"; then
            "$cand" -c 'import sys; print(sys.executable)'
            return 0
        fi
    done
    return 1
}

_shiporskip_python_msg='ShipOrSkip needs Python 3.12 or newer; install it (e.g. apt-get install python3.12 or pyenv install 3.12) or set PYTHON=/path/to/python3.12'

if [ "${BASH_SOURCE[0]}" != "$0" ]; then
    # Sourced: set SHIPORSKIP_PYTHON, never exit the caller's shell ourselves.
    if SHIPORSKIP_PYTHON="$(_shiporskip_find_python)" && [ -n "$SHIPORSKIP_PYTHON" ]; then
        export SHIPORSKIP_PYTHON
    else
        unset SHIPORSKIP_PYTHON
        echo "$_shiporskip_python_msg" >&2
        return 1
    fi
else
    set -euo pipefail
    if ! _shiporskip_find_python; then
        echo "$_shiporskip_python_msg" >&2
        exit 1
    fi
fi
