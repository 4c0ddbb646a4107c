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
echo "Installing reportage and its speech model (a few minutes the first time)…"
install_cpu_torch  # before the project's own requirements name torch
python -m pip install -q '.[speakers]'
reportage process audio/fish-fillets-sample.mp3 "$@"
cat <<'NEXT'

Next: open transcripts/fish-fillets-sample/index.html in a browser (the listener page), or
    . .venv/bin/activate && reportage serve      # http://127.0.0.1:8000/, ?edit=1 edits
and process your own episodes with `reportage process EPISODE.mp3` (README: Usage).
NEXT
