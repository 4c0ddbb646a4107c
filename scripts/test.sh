#!/usr/bin/env bash
# Installs everything the test suite needs on a fresh Debian machine, then runs it.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian's Chromium for the browser tests; espeak-ng and sox make and measure test speech;
# FreeDict's English-Dutch dictionaries give search the Dutch for an English word.
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium espeak-ng sox \
        dict-freedict-eng-nld dict-freedict-nld-eng >/dev/null
fi
missing=""
for tool in chromium espeak-ng sox; do command -v "$tool" >/dev/null || missing+=" $tool"; done
for book in eng-nld nld-eng; do
    [ -f "/usr/share/dictd/freedict-$book.index" ] || missing+=" dict-freedict-$book"
done
if [ -n "$missing" ]; then
    echo "scripts/test.sh: the tests need these Debian packages:$missing (run as root to install them)" >&2
    exit 1
fi

source scripts/venv.sh
install_cpu_torch  # before the project's own requirements name torch
# openai-whisper without its triton pin (~1 GB of GPU kernels); its CPU needs come from [openai].
python -m pip install -q --no-deps openai-whisper==20250625
python -m pip install -q -e '.[test,openai,mt,sbert,speakers]'

python -m pytest -q "$@"
