"""Many files at once: worker processes that each load their own engines and run the runner.

On a small CPU, files side by side with one decoder thread each beat one file with every
thread: CTranslate2's beam search over one window keeps a second core mostly idle (on the
2-core dev machine, two threads took 1.2x the wall time of one thread to transcribe the same
two minutes, while two single-thread processes ran at nearly the speed of one).
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import replace
from pathlib import Path

from pipeline.errors import ReportageError
from pipeline.runner import Engines, Result, Settings, process_file

MAX_AUTO_JOBS = 4  # each worker holds its own models: about 1.5 GB at the peak

_engines: Engines | None = None  # the worker's own, loaded once per worker


def available_cores() -> int:
    return len(os.sched_getaffinity(0))


def auto_jobs(items: int) -> int:
    return max(1, min(available_cores(), MAX_AUTO_JOBS, items))


def process_many(
    work: list[tuple[Path, Path]], settings: Settings, jobs: int,
) -> Iterator[tuple[int, Result | ReportageError | OSError]]:
    """Run `process_file(path, library)` for each (path, library) in `jobs` processes; yields
    (index into `work`, result or the error that stopped that file) as each file finishes."""
    threads = max(1, available_cores() // jobs)
    settings = replace(settings, asr=replace(settings.asr, threads=threads))
    # spawn, not fork: the parent runs a progress-bar thread, and a forked lock could hang.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(jobs, mp_context=context, initializer=_start,
                             initargs=(settings,)) as pool:
        futures = {pool.submit(_run, path, library): n for n, (path, library) in enumerate(work)}
        for future in as_completed(futures):
            try:
                yield futures[future], future.result()
            except (ReportageError, OSError) as exc:
                yield futures[future], exc
            except BrokenProcessPool:
                raise ReportageError(
                    "a worker process died (out of memory?): try fewer --jobs") from None


def _start(settings: Settings) -> None:
    global _engines
    _engines = Engines(settings)


def _run(path: Path, library: Path) -> Result:
    return process_file(path, library, _engines.settings, _engines)
