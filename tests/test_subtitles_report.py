"""benchmarks/subtitles_report.py runs on an episode folder and a dataset-style reference file."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.synthetic import synthetic_episode

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "subtitles_report.py"


def report(*paths: Path) -> list[str]:
    done = subprocess.run(
        [sys.executable, str(SCRIPT), *map(str, paths)], capture_output=True, text=True, check=True
    )
    return done.stdout.splitlines()


def test_report_on_a_published_episode_folder(tmp_path):
    synthetic_episode().save(tmp_path)
    rows = {line.split("|")[1].strip(): line.split("|") for line in report(tmp_path)[3:]}
    assert set(rows) == {"nl", "en"}
    for cells in rows.values():
        # all within hard limits, every word kept
        assert cells[4].strip() == "100.0%" and cells[8].strip() == "1/1"


def test_report_on_a_reference_file(tmp_path):
    utterances = [
        {"start": 0.0, "end": 2.0, "speaker": "a", "nl": "Hallo daar.", "en": "Hello there."},
        {"start": 2.5, "end": 5.0, "speaker": "b", "nl": "Dag!", "en": "Hi!"},
    ]
    path = tmp_path / "ref.json"
    data = {"duration_s": 5.0, "topic_boundaries_s": [2.5], "utterances": utterances}
    path.write_text(json.dumps(data), encoding="utf-8")
    lines = report(path)
    assert lines[0] == "profile netflix-nl: 1 episodes"
    assert lines[3].startswith("| nl | 1 | 2 | 100.0% |")
