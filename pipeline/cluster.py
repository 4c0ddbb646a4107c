"""Many files at once on a Dask cluster: a `LocalCluster` of N worker processes started here
(`--jobs N`), or the workers of a running cluster (`--scheduler tcp://HOST:PORT`); one code path.

On a small CPU, files side by side with one thread each beat one file at a time with every
thread, since no stage keeps two cores busy all the time (on the 2-core dev machine, four
two-minute files: 79 s through one worker with both cores, 57 s through two workers with one
each). So a host's cores are shared out between the files it runs at once.

A worker process loads its models on its first file and keeps them (a process-wide cache keyed
by the settings), so a worker its nanny restarted loads them again by itself. A file whose
worker died runs again on another one and resumes from its last saved stage (the runner skips
stages whose fingerprint is done); the scheduler gives up on a file once `allowed-failures`
workers (3 by default) died running it. Workers send each file's progress to the client as
Dask events, on a topic of the run's own.

Dask's nanny starts every worker with OMP_NUM_THREADS=1 (and MKL's and OpenBLAS's), and writes
them into the starting process's environment too: the e5 encoder, the VAD and the speaker model
then run on one thread and a file took 1.6x as long. A local cluster's workers get their share of
the cores instead, and the client's environment is left as it was; workers started by hand need
OMP_NUM_THREADS set to their share (README).
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import CancelledError
from contextlib import ExitStack, contextmanager
from dataclasses import replace
from pathlib import Path

from pipeline.errors import ReportageError
from pipeline.runner import Engines, Result, Settings, process_file
from pipeline.stages.base import Progress

MAX_AUTO_JOBS = 4  # each worker holds its own models: about 2.2 GB at the peak
LOCAL_WORKER = "REPORTAGE_LOCAL_WORKER"  # set in a local cluster's worker processes
CONNECT_TIMEOUT_S = 5
WORKERS_TIMEOUT_S = 60  # a scheduler with no worker at all
EVENT_INTERVAL_S = 0.25  # a file's progress events within one stage: a few a second

Outcome = Result | ReportageError | OSError
FileProgress = Callable[[int, str, float, float], None]  # (index into work, stage, done, total)

_engines: dict[str, Engines] = {}  # this worker process's models, by settings
_engines_lock = threading.Lock()


def available_cores() -> int:
    return len(os.sched_getaffinity(0))


def auto_jobs(items: int) -> int:
    return max(1, min(available_cores(), MAX_AUTO_JOBS, items))


def jobs_for(asked: int, items: int) -> int:
    """Workers for `items` files: as many as asked (0: auto_jobs), never more than the files
    (each one idle would still load ~2.2 GB of models)."""
    return min(asked or auto_jobs(items), max(1, items))


@contextmanager
def connect(jobs: int, scheduler: str | None = None):
    """A Dask client: of the cluster at `scheduler`, or of a LocalCluster of `jobs` worker
    processes with one task each, started here and stopped on the way out."""
    from distributed import Client, LocalCluster, WorkerPlugin  # slow to import: only here

    class LeaveInterruptsToTheClient(WorkerPlugin):
        """Ctrl-C reaches a local cluster's workers too, restarted ones included: they leave
        it to the client, which cancels the run and stops them (no worker tracebacks). A
        worker started by the `reportage` command ignores it from its first import already
        (pipeline/__init__.py); one of `python -m pipeline` from here."""

        def setup(self, worker) -> None:
            signal.signal(signal.SIGINT, signal.SIG_IGN)


    if scheduler is None:
        with _thread_limits(max(1, available_cores() // jobs)), ExitStack() as stack:
            # distributed's sync() can fail its own clean-up when Ctrl-C lands in it (a
            # NameError traceback logged from its event loop); files report their own errors.
            loop_log = logging.getLogger("tornado.application")
            stack.callback(loop_log.setLevel, loop_log.level)
            loop_log.setLevel(logging.CRITICAL)
            with _interrupts_once_up():
                cluster = stack.enter_context(LocalCluster(
                    n_workers=jobs, threads_per_worker=1, processes=True,
                    dashboard_address=":0", silence_logs=logging.ERROR))
                client = stack.enter_context(Client(cluster))
                client.register_plugin(LeaveInterruptsToTheClient())
            yield client
        return
    _answers_as_a_scheduler(scheduler)
    try:
        client = Client(scheduler, timeout=CONNECT_TIMEOUT_S)
    except (OSError, ValueError, TypeError) as exc:
        raise ReportageError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None
    with client:
        try:
            client.wait_for_workers(1, timeout=WORKERS_TIMEOUT_S)
        except TimeoutError:
            raise ReportageError(f"no Dask worker joined the scheduler at {scheduler} within "
                                 f"{WORKERS_TIMEOUT_S} s (start one with `dask worker "
                                 f"{scheduler}`)") from None
        yield client


@contextmanager
def _interrupts_once_up():
    """Ctrl-C while a local cluster starts, taken once it is up: a cluster stopped half-way
    through its start printed tracebacks as the process left."""
    if threading.current_thread() is not threading.main_thread():
        yield  # signals reach the main thread only
        return
    pressed: list[int] = []

    def press(number: int, _frame) -> None:
        if pressed:  # a second press: a start that hangs is left at once
            raise KeyboardInterrupt
        pressed.append(number)

    before = signal.signal(signal.SIGINT, press)
    try:
        yield
    except Exception:
        if pressed:  # a worker it reached as it was born: the start failed, as asked
            raise KeyboardInterrupt from None
        raise
    finally:
        signal.signal(signal.SIGINT, before)
    if pressed:
        raise KeyboardInterrupt


def _answers_as_a_scheduler(address: str) -> None:
    """One line, within seconds, where nothing answers at `address` or something else does: the
    client waits without end for a web server's handshake, and reads an SSH banner as the
    length of a message (MemoryError)."""
    import asyncio

    from distributed.comm import connect
    from distributed.security import Security

    secured = Security().get_connection_args("client")  # tls:// as dask's config sets it up

    async def handshake() -> None:  # its own timeout covers the connection, not the handshake
        comm = await asyncio.wait_for(connect(address, timeout=CONNECT_TIMEOUT_S, **secured),
                                      CONNECT_TIMEOUT_S + 3)
        await comm.close()

    wrong = (f"{address} does not answer as a Dask scheduler (is it the scheduler's port, by "
             "default 8786?)")
    try:
        asyncio.run(handshake())
    except TimeoutError:  # connected, and no handshake came back
        raise ReportageError(wrong) from None
    except (OSError, ValueError, TypeError) as exc:
        raise ReportageError(f"cannot reach the Dask scheduler at {address}: {exc}") from None
    except Exception:  # noqa: BLE001 (whatever answered: a banner read as a length, ...)
        raise ReportageError(wrong) from None


@contextmanager
def _thread_limits(threads: int):
    """Local workers' OpenMP/BLAS threads: their share of the cores, not Dask's 1; and Ctrl-C
    left to this process, which stops them (see pipeline/__init__.py). This process's
    environment is restored afterwards (the nanny writes the limits into it)."""
    import dask

    names = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")
    saved = {name: os.environ.get(name)
             for name in (*names, "MALLOC_TRIM_THRESHOLD_", LOCAL_WORKER, "PYTHONWARNINGS")}
    limits = {"MALLOC_TRIM_THRESHOLD_": None, LOCAL_WORKER: "1",
              **{name: threads for name in names}}
    for name in names:
        os.environ.pop(name, None)  # the nanny prefers a value already in the environment
    # multiprocessing's resource tracker, started from here, warns of the semaphores of workers
    # stopped by Ctrl-C, which it then cleans up: a warning with nothing to do.
    os.environ["PYTHONWARNINGS"] = ",".join(
        filter(None, [saved["PYTHONWARNINGS"], "ignore:resource_tracker:UserWarning"]))
    try:
        with dask.config.set({"distributed.nanny.pre-spawn-environ": limits,
                              "distributed.worker.profile.enabled": False}):
            yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def process_many(
    client, work: list[tuple[Path, Path]], settings: Settings,
    progress: FileProgress | None = None,
) -> Iterator[tuple[int, Outcome]]:
    """Run `process_file(path, library)` for each (path, library) in `work` on the cluster's
    workers; yields (index into `work`, result or the error that stopped that file) as each
    file finishes. Leaving early (Ctrl-C) cancels the files not yet done."""
    from distributed import as_completed

    topic = f"reportage-progress-{uuid.uuid4().hex}"
    if progress:
        client.subscribe_topic(topic, lambda event: progress(*event[1]))
    slots = _task_slots(client)
    for library in {library for _, library in work}:  # made here, so a worker must see it
        library.mkdir(parents=True, exist_ok=True)
    # Absolute paths: a worker has a working folder of its own.
    futures = {client.submit(_process, str(path.absolute()), str(library.absolute()), settings,
                             slots, topic, n, pure=False): n
               for n, (path, library) in enumerate(work)}
    try:
        for future in as_completed(futures):
            yield futures[future], _outcome(future, work[futures[future]][0])
    finally:
        client.cancel(list(futures))
        if progress:
            client.unsubscribe_topic(topic)


def _task_slots(client) -> dict[str, int]:
    """Files each host runs at once: the task threads of all its workers, sharing its cores."""
    slots: Counter[str] = Counter()
    for info in client.scheduler_info()["workers"].values():
        slots[info["host"]] += info["nthreads"]
    return dict(slots)


def _outcome(future, path: Path) -> Outcome:
    from distributed import KilledWorker

    try:
        return future.result()
    except KilledWorker:
        return ReportageError(f"{path}: every worker that ran it died (out of memory?): "
                              "not tried again")
    except CancelledError:
        return ReportageError(f"{path}: cancelled on the cluster (the scheduler restarted?)")


def _process(path: str, library: str, settings: Settings, slots: dict[str, int], topic: str,
             n: int) -> Outcome:
    """One file, on a worker: its share of the host's cores, the worker's models, progress
    events. A user's error comes back as a value, so that Dask never retries it."""
    from distributed import get_worker
    from distributed.comm import get_address_host

    worker = get_worker()
    for what, where in (("audio file", path), ("library", library)):
        if not os.path.exists(where):
            return ReportageError(
                f"{Path(path).name}: worker {worker.address} cannot see the {what} {where} "
                "(gone since the run began? a worker on another machine must see it at the "
                "same path)")
    share = slots.get(get_address_host(worker.address), worker.state.nthreads)
    asr = replace(settings.asr, threads=max(1, available_cores() // share))
    settings = replace(settings, asr=asr)
    try:
        return process_file(Path(path), Path(library), settings, engines_for(settings),
                            _reporter(worker, topic, n))
    except (ReportageError, OSError) as exc:
        return exc


def engines_for(settings: Settings) -> Engines:
    """This process's engines for `settings`: loaded once, kept for the next file; a run with
    other settings replaces them (one set of models in memory)."""
    key = repr(settings)
    with _engines_lock:
        if key not in _engines:
            _engines.clear()
            _engines[key] = Engines(settings)
        return _engines[key]


def _reporter(worker, topic: str, n: int) -> Progress:
    """A file's progress callback on a worker: Dask events to the client, a few a second."""
    last = {"stage": None, "at": 0.0}

    def report(stage: str, done: float, total: float) -> None:
        now = time.monotonic()
        if stage == last["stage"] and now - last["at"] < EVENT_INTERVAL_S and done < total:
            return
        last.update(stage=stage, at=now)
        worker.log_event(topic, [n, stage, float(done), float(total)])

    return report
