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

# torch's CPU build (speaker labels, the transformers translator): PyPI's own Linux torch brings
# about 3 GB of CUDA libraries. A machine holding the CPU wheel (pip's find-links) takes it from
# there; elsewhere it comes from PyTorch's CPU index.
install_cpu_torch() {
    python -m pip install -q torch==2.13.0+cpu 2>/dev/null \
        || python -m pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu
}
