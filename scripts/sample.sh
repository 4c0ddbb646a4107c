#!/usr/bin/env bash
# Installs reportage into the project's virtual environment and runs the main job on the sample.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/venv.sh
python -m pip install -q .
reportage process audio/fish-fillets-sample.mp3 "$@"
