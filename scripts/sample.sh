#!/usr/bin/env bash
# Installs reportage into the project's virtual environment and runs the main job on the sample.
set -euo pipefail
cd "$(dirname "$0")/.."
# FreeDict's English-Dutch dictionaries (1 MB): an English search word finds the Dutch said.
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
        dict-freedict-eng-nld dict-freedict-nld-eng >/dev/null; } \
        || echo "No dictionaries: an English search word will find the Dutch by meaning alone"
fi
source scripts/venv.sh
# The pinned CPU build of torch first (for speaker labels): a plain `torch` would pull CUDA.
python -m pip install -q torch==2.13.0
python -m pip install -q '.[speakers]'
reportage process audio/fish-fillets-sample.mp3 "$@"
