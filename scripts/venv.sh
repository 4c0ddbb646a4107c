# Sourced by the set-up scripts: create or reuse the project's virtual environment in .venv and
# put it first on PATH, so nothing is installed into the system's Python.
VENV="${REPORTAGE_VENV:-$PWD/.venv}"
if [ ! -x "$VENV/bin/python" ]; then
    if ! python3 -m venv "$VENV" 2>/dev/null; then
        # Debian's own Python ships venv without ensurepip: python3-venv adds it.
        if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
            apt-get update -qq
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
        fi
        rm -rf "$VENV"
        python3 -m venv "$VENV"
    fi
fi
echo "Using the virtual environment $VENV (created if missing; the system's Python is untouched)"
export PATH="$VENV/bin:$PATH"
export VIRTUAL_ENV="$VENV"
