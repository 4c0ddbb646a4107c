"""Quality and cost of decoding settings on a dataset, as ratios against the default settings.

    python benchmarks/evaluate_settings.py DATASET --work DIR [--part episodes] [--limit 100]

Runs `reportage evaluate` once per setting (default, beam 1, int8, ...), each in its own scratch
library under DIR, so a second call resumes and only re-scores. Costs come from the stages'
provenance (when they last ran), so they survive resuming; CPU time is the fair comparison on a
shared machine, wall time is shown beside it.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

SETTINGS = {
    "default": [],  # beam 5, compute type 'default' (float32 on a CPU)
    "beam1": ["--beam-size", "1"],
    "int8": ["--compute-type", "int8"],
    "float32": ["--compute-type", "float32"],
}


def run(dataset: Path, work: Path, name: str, extra: list[str]) -> tuple[dict, float]:
    out = work / f"{name}.json"
    started = time.monotonic()
    cmd = [sys.executable, "-m", "pipeline", "evaluate", str(dataset), "--work",
           str(work / name), "--json", str(out), "--quiet", *extra]
    subprocess.run(cmd, check=True)
    return json.loads(out.read_text()), time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dataset", type=Path)
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--part", default="all")
    parser.add_argument("--limit", default=None)
    parser.add_argument("--settings", default="default,beam1,int8",
                        help=f"comma-separated, from {', '.join(SETTINGS)}; the first is the base")
    args = parser.parse_args()
    extra = ["--part", args.part] + (["--limit", args.limit] if args.limit else [])
    names = args.settings.split(",")
    results = {name: run(args.dataset, args.work, name, SETTINGS[name] + extra) for name in names}
    base = results[names[0]][0]
    print(f"{'setting':9} {'part':9} {'WER %':>6} {'CER %':>6} {'wall s':>7} {'CPU s':>7} "
          f"{'CPU RTF':>8} {'CPU ×base':>9} {'this run s':>10}")
    for name, (report, elapsed) in results.items():
        for part, s in report["summary"].items():
            cost = s["stages"].get("transcribe", {})
            base_cpu = base["summary"].get(part, {}).get("stages", {}).get("transcribe", {})
            ratio = cost.get("cpu_s") / base_cpu["cpu_s"] if base_cpu.get("cpu_s") else None
            print(f"{name:9} {part:9} {_pct(s['wer']):>6} {_pct(s['cer']):>6} "
                  f"{cost.get('seconds', 0):7.0f} {cost.get('cpu_s') or 0:7.0f} "
                  f"{cost.get('cpu_rtf') or 0:8.3f} {_num(ratio):>9} {elapsed:10.0f}")


def _pct(v: float | None) -> str:
    return "–" if v is None else f"{100 * v:.1f}"


def _num(v: float | None) -> str:
    return "–" if v is None else f"{v:.2f}"


if __name__ == "__main__":
    main()
