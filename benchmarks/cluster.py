"""`process` on a local Dask cluster: throughput with 1 and 2 workers, Dask's overhead against a
direct run, and peak memory per worker (issue 20). Every run starts from an empty library.

  direct    one episode through `reportage process EP` in a child process: no Dask; run
            before and after dask-1, the quicker counts (the first also warms the disk cache)
            <- the baseline for the overhead
  dask-1    the same episode through a LocalCluster of one worker (cluster start included)
  x1, x2    N episodes through a LocalCluster of 1 and of 2 workers (cores shared out)

Wall times include imports, the cluster's start and model loads. The worker's CPU seconds and
peak RSS come from the workers themselves (getrusage). Targets: x1 wall / x2 wall >= 1.6 on 2
cores; dask-1 wall <= 1.05x direct. The old process pool (pipeline/workers.py) that Dask replaced
is gone: README's 534 s / 337 s for the dev episodes were measured with it.

On a machine shared with other work the wall times move with the load (printed before and
after): read the CPU seconds beside them.

    python benchmarks/cluster.py [--episodes 4] [--seconds 120] [--data DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks"), str(ROOT / "tests")]

from devdata import NL_DEV_EPISODES, need  # noqa: E402

from pipeline import audio, cluster  # noqa: E402
from pipeline.cli.settings import pipeline_settings  # noqa: E402


def inputs(data: Path, count: int, seconds: float | None, folder: Path) -> list[Path]:
    """The first `count` dev episodes, cut to their first `seconds` when asked (as wav)."""
    from audiogen import write_audio

    episodes = sorted(need(data, "*.mp3").glob("*.mp3"))[:count]
    if not seconds:
        return episodes
    return [write_audio(folder / f"{ep.stem}.wav", audio.decode(ep)[:int(seconds * 16000)])
            for ep in episodes]


def worker_usage() -> dict:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {"cpu_s": usage.ru_utime + usage.ru_stime, "peak_mb": usage.ru_maxrss / 1024}


def direct(path: Path, library: Path) -> dict:
    began = time.monotonic()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        child = subprocess.Popen([sys.executable, "-m", "pipeline", "process", str(path),
                                  "--library", str(library), "--json"], stdout=out, stderr=err,
                                 cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
        _, status, usage = os.wait4(child.pid, 0)  # this child's own CPU time and peak RSS
        wall = time.monotonic() - began
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0), err.seek(0)
        if child.returncode:
            sys.exit(f"error: direct run failed: {err.read().strip().splitlines()[-1:]}")
        elapsed = json.loads(out.read())["elapsed_s"]
    return {"wall_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime,
            "peak_mb": usage.ru_maxrss / 1024, "files": [elapsed]}


def on_cluster(paths: list[Path], library: Path, workers: int) -> dict:
    began = time.monotonic()
    settings = pipeline_settings()
    with cluster.connect(workers) as client:
        files = []
        for _, outcome in cluster.process_many(client, [(p, library) for p in paths], settings):
            if not hasattr(outcome, "elapsed_s"):
                sys.exit(f"error: {outcome}")
            files.append(outcome.elapsed_s)
        usage = list(client.run(worker_usage).values())
    return {"wall_s": time.monotonic() - began, "cpu_s": sum(u["cpu_s"] for u in usage),
            "peak_mb": max(u["peak_mb"] for u in usage), "files": files}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, default=4)
    parser.add_argument("--seconds", type=float, help="cut each episode to its first seconds")
    parser.add_argument("--data", type=Path, default=NL_DEV_EPISODES)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        paths = inputs(args.data, args.episodes, args.seconds, tmp)
        audio_s = sum(audio.probe(p).duration_s for p in paths)
        print(f"{len(paths)} episodes, {audio_s:.0f} s of audio; {cluster.available_cores()} "
              f"cores; load before {os.getloadavg()[0]:.2f}", flush=True)
        runs = {"direct": lambda: direct(paths[0], tmp / "direct"),
                "dask-1": lambda: on_cluster(paths[:1], tmp / "dask-1", 1),
                "direct2": lambda: direct(paths[0], tmp / "direct2"),
                "x1": lambda: on_cluster(paths, tmp / "x1", 1),
                "x2": lambda: on_cluster(paths, tmp / "x2", 2)}
        done = {}
        for name, run in runs.items():
            done[name] = result = run()
            print(f"{name:7} wall {result['wall_s']:7.1f} s  cpu {result['cpu_s']:7.1f} s  "
                  f"peak/worker {result['peak_mb']:6.0f} MB  files "
                  f"{', '.join(f'{s:.1f}' for s in result['files'])} s", flush=True)
    print(f"load after {os.getloadavg()[0]:.2f}")
    base = min(done["direct"], done["direct2"], key=lambda run: run["wall_s"])
    overhead = done["dask-1"]["wall_s"] / base["wall_s"]
    ratio = done["x1"]["wall_s"] / done["x2"]["wall_s"]
    print(f"dask overhead, one file: {overhead:.3f}x direct wall (target <= 1.05); the file alone "
          f"{done['dask-1']['files'][0] / base['files'][0]:.3f}x")
    print(f"throughput, 2 workers against 1: {ratio:.2f}x (target >= 1.6)")


if __name__ == "__main__":
    main()
