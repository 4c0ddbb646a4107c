"""`reportage process` on Dask: a LocalCluster of worker processes (`--jobs N`), and a running
cluster of real `dask scheduler` and `dask worker` processes on 127.0.0.1 (`--scheduler`)."""

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from contextlib import ExitStack
from pathlib import Path

import jiwer
import numpy as np
import pytest
from audiogen import SENTENCES, VOICE_A, retag, silence, speak, write_audio
from conftest import ROOT, one_error_line

from pipeline import cluster
from pipeline.cli.settings import pipeline_settings
from pipeline.document import Episode
from pipeline.errors import ReportageError
from pipeline.runner import Engines, process_file

# Small and quick: no speaker labels, greedy decoding; translation stays on, so a file has a
# second stage to be killed in.
FAST = ["--no-speakers", "--beam-size", "1"]
FAST_SETTINGS = dict(no_speakers=True, beam_size=1)
ALLOWED_FAILURES = 1  # the test scheduler's: a file may kill one worker, not two


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def episodes(tmp_path_factory):
    """Three tiny espeak-ng episodes of two sentences each."""
    folder = tmp_path_factory.mktemp("episodes")
    made = {}
    for n, name in enumerate(["een", "twee", "drie"]):
        said = SENTENCES[2 * n:2 * n + 2]
        parts = [part for text in said for part in (speak(text, VOICE_A, folder), silence(0.7))]
        made[name] = write_audio(folder / f"{name}.mp3", np.concatenate(parts))
    return made


@pytest.fixture(scope="module")
def scheduler(tmp_path_factory):
    """`dask scheduler` and two `dask worker` processes (one task at a time each, under a
    nanny), as a producer would start them, the scheduler allowing ALLOWED_FAILURES deaths
    per file; yields the scheduler's address."""
    from distributed import Client

    logs = tmp_path_factory.mktemp("dask-logs")
    address = f"tcp://127.0.0.1:{free_port()}"
    env = {**os.environ, "PYTHONPATH": str(ROOT),
           "DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES": str(ALLOWED_FAILURES)}
    commands = [["scheduler", "--host", "127.0.0.1", "--port", address.rsplit(":", 1)[1]]]
    commands += [["worker", address, "--nthreads", "1", "--host", "127.0.0.1"]] * 2
    with ExitStack() as stack:
        procs = [subprocess.Popen(
            [sys.executable, "-m", "dask", *command, "--no-dashboard"], env=env, cwd=logs,
            stdout=subprocess.DEVNULL, stderr=stack.enter_context(open(logs / f"{n}.log", "w")))
            for n, command in enumerate(commands)]
        try:
            with Client(address, timeout=60) as client:
                client.wait_for_workers(2, timeout=120)
            yield address
        finally:
            # Workers first: a worker whose scheduler is gone waits seconds to reconnect.
            for proc in reversed(procs):
                proc.terminate()
            for proc in procs:
                proc.wait(timeout=30)


@pytest.fixture(scope="module")
def direct(episodes, tmp_path_factory):
    """`een` and `drie` processed here, in this process, with the same settings: what a
    worker must make of them too."""
    library = tmp_path_factory.mktemp("direct")
    settings = pipeline_settings(**FAST_SETTINGS)
    engines = Engines(settings)
    return {name: spoken(process_file(episodes[name], library, settings, engines).folder)
            for name in ("een", "drie")}


def same_words(text: str, reference: str) -> bool:
    """The same text within a margin: decoding with other thread counts need not round alike."""
    return jiwer.wer(reference, text) <= 0.25


def results(run) -> dict:
    return {row["slug"]: row for row in map(json.loads, run.out.splitlines()) if "slug" in row}


def spoken(folder) -> str:
    return " ".join(seg.nl for seg in Episode.load(folder).segments)


@pytest.mark.model
def test_a_file_through_a_running_scheduler(scheduler, episodes, direct, tmp_path, cli):
    path = episodes["een"]
    run = cli("process", str(path), "--scheduler", scheduler, "--library", str(tmp_path),
              "--json", *FAST)
    assert run.rc == 0, run.err
    assert "Traceback" not in run.err
    row = results(run)["een"]
    assert row["ran"][:2] == ["transcribe", "translate"]
    assert (tmp_path / "een" / "nl.srt").exists() and (tmp_path / "een" / "en.vtt").exists()
    assert same_words(spoken(tmp_path / "een"), direct["een"])


def test_never_more_workers_than_files():
    from pipeline.cluster import MAX_AUTO_JOBS, available_cores, jobs_for

    assert jobs_for(1000, 2) == 2 and jobs_for(60, 1) == 1 and jobs_for(3, 10) == 3
    assert jobs_for(0, 10) == min(available_cores(), MAX_AUTO_JOBS)


@pytest.mark.model
def test_a_model_folder_given_relative_to_here_is_found_by_workers_elsewhere(
        scheduler, episodes, tmp_path, cli):
    from pipeline.models import embedded_model_dir

    (tmp_path / "model").symlink_to(embedded_model_dir())
    relative = os.path.relpath(tmp_path / "model", ROOT)  # the CLI runs in ROOT, workers not
    run = cli("process", str(episodes["een"]), "--scheduler", scheduler, "--model", relative,
              "--library", str(tmp_path / "library"), "--json", *FAST)
    assert run.rc == 0, run.err
    assert results(run)["een"]["ran"][0] == "transcribe"


@pytest.mark.model
def test_progress_locks_and_paths_a_worker_cannot_see(scheduler, episodes, tmp_path):
    """The same episode twice at once, on two workers: the run lock makes them take turns,
    so the second finds every stage done. A path no worker sees fails alone, naming the
    worker. Every file's stages reach the client as events from the workers."""
    from distributed import Client

    path = episodes["twee"]
    work = [(path, tmp_path), (path, tmp_path), (tmp_path / "nergens.mp3", tmp_path)]
    events = []
    settings = pipeline_settings(**FAST_SETTINGS)
    with Client(scheduler, timeout=30) as client:
        outcomes = dict(cluster.process_many(client, work, settings,
                                             lambda *event: events.append(event)))
    missing = outcomes.pop(2)
    assert isinstance(missing, ReportageError)
    assert "worker tcp://127.0.0.1:" in str(missing) and str(tmp_path / "nergens.mp3") in str(
        missing)
    first, second = sorted(outcomes.values(), key=lambda result: len(result.skipped))
    assert first.slug == second.slug == "twee"
    assert "transcribe" in first.ran and "transcribe" in second.skipped
    assert Episode.load(tmp_path / "twee").provenance["translate"]
    for n in (0, 1):
        stages = {stage for index, stage, *_ in events if index == n}
        assert {"reading audio", "publishing"} <= stages, stages
    assert {stage for *_, stage, _, _ in events} >= {"transcribing", "translating"}


def worker_holding(client, lock) -> int | None:
    """The pid of the worker process that holds `lock` open, if any."""
    for pid in client.run(os.getpid, on_error="ignore").values():
        try:
            fds = [os.readlink(fd) for fd in Path(f"/proc/{pid}/fd").iterdir()]
        except FileNotFoundError:  # it has just died
            continue
        if str(lock) in fds:
            return pid
    return None


def process_killing(scheduler, paths, library, folder, kills, ready=lambda folder: True):
    """`reportage process PATHS --scheduler` in a child process, while the worker that runs
    `folder` (it holds the episode's run lock) is killed with -9, up to `kills` times, each
    time once `ready(folder)`; returns the run's rc, JSON rows and stderr, and the kills."""
    from distributed import Client

    run = subprocess.Popen(
        [sys.executable, "-m", "pipeline", "process", *map(str, paths), "--scheduler",
         scheduler, "--library", str(library), "--json", *FAST],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)})
    killed = []
    with Client(scheduler, timeout=30) as client:
        deadline = time.monotonic() + 240
        while len(killed) < kills and run.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
            pid = ready(folder) and worker_holding(client, folder / ".run.lock")
            if pid and pid not in killed:
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)
    out, err = run.communicate(timeout=300)
    return run.returncode, {row["slug"]: row for row in map(json.loads, out.splitlines())
                           if "slug" in row}, \
        err, killed


def transcribed(folder) -> bool:
    try:
        return "transcribe" in Episode.load(folder).provenance
    except ReportageError:  # not saved yet
        return False


@pytest.mark.model
def test_a_worker_killed_mid_file_the_run_still_completes(scheduler, episodes, direct,
                                                           tmp_path):
    """kill -9 the worker running `een` once its transcript is saved: its nanny starts a new
    one, the file runs again and resumes after the saved stage; the run ends complete."""
    paths = [episodes["een"], episodes["drie"]]
    rc, rows, err, killed = process_killing(scheduler, paths, tmp_path, tmp_path / "een", 1,
                                            transcribed)
    assert killed, f"no worker was caught running een: {err}"
    assert rc == 0, err
    assert set(rows) == {"een", "drie"}
    assert "transcribe" in rows["een"]["skipped"]  # resumed, not redone
    episode = Episode.load(tmp_path / "een")
    assert episode.segments and all(seg.en for seg in episode.segments)
    for name in ("een", "drie"):
        assert same_words(spoken(tmp_path / name), direct[name])
        assert all((tmp_path / name / file).exists() for file in ("nl.srt", "en.srt", "index.html"))


@pytest.mark.model
def test_a_file_that_kills_its_workers_again_and_again_is_reported(scheduler, episodes,
                                                                   tmp_path):
    """The scheduler allows one death per file here (ALLOWED_FAILURES): the second worker
    killed under `drie` fails it with one line; `een` goes on."""
    paths = [episodes["drie"], episodes["een"]]
    rc, rows, err, killed = process_killing(scheduler, paths, tmp_path, tmp_path / "drie",
                                            ALLOWED_FAILURES + 1)
    assert len(killed) == ALLOWED_FAILURES + 1, err
    assert rc == 1 and set(rows) == {"een"}
    assert "Traceback" not in err
    (line,) = [line for line in err.splitlines() if line.startswith("error:")]
    assert "drie" in line and "died" in line


# Quickly: before the 60 s a client waits for workers (cluster.WORKERS_TIMEOUT_S), with room for
# a slow machine to start Python and import Dask (here 3-8 s).
QUICK_S = 30


def test_an_unreachable_scheduler_is_one_line_quickly(tmp_path, cli):
    path = write_audio(tmp_path / "stil.wav", silence(1))
    began = time.monotonic()
    run = cli("process", str(path), "--scheduler", f"tcp://127.0.0.1:{free_port()}",
              "--library", str(tmp_path / "lib"))
    elapsed = time.monotonic() - began
    assert "Dask scheduler" in one_error_line(run)
    assert elapsed < QUICK_S, elapsed


@pytest.mark.model
def test_a_local_cluster_keeps_its_models_and_shows_a_dashboard(episodes, tmp_path):
    """One LocalCluster worker, two runs: the second finds the first's speech model loaded."""
    import httpx

    def asr_models():
        from pipeline import cluster

        return [id(engines._asr) for engines in cluster._engines.values() if engines._asr]

    settings = pipeline_settings(**FAST_SETTINGS)
    with cluster.connect(1) as client:
        assert httpx.get(client.dashboard_link, timeout=30).status_code == 200
        loaded = []
        for name in ("een", "drie"):
            work = [(episodes[name], tmp_path)]
            ((_, result),) = cluster.process_many(client, work, settings)
            assert "transcribe" in result.ran
            loaded.append(client.run(asr_models))
    assert len(loaded[0]) == 1 and len(next(iter(loaded[0].values()))) == 1
    assert loaded[0] == loaded[1]


@pytest.mark.model
def test_files_side_by_side_on_a_local_cluster(tmp_path, speech_file, processed_library, cli):
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    (inputs / "kapot.mp3").write_text("niet echt")
    # The same sound twice (the same bytes twice would be refused as one recording copied)
    shutil.copy(speech_file, inputs / "een.mp3")
    retag(speech_file, inputs / "twee.mp3", "Twee")
    given = os.path.relpath(tmp_path / "lib", ROOT)  # a library given relative to here
    result = cli("process", str(inputs), "--library", given, "--json", "--jobs", "2")
    assert result.rc == 1
    assert "kapot.mp3" in result.err and "Traceback" not in result.err
    assert sorted(results(result)) == ["een", "twee"]
    assert results(result)["een"]["folder"] == f"{given}/een"  # as a run alone says it
    # The same audio and settings reached the workers as the file processed alone (the
    # fingerprint leaves out only the thread count), and they heard the same text within a
    # margin: a worker decodes with cores/jobs threads, the run alone with every core, and
    # MKL/oneDNN float kernels need not round alike at other thread counts. On the 2-core dev
    # machine the texts were identical (WER 0); the margin allows 4 of its ~49 words to differ.
    alone = Episode.load(processed_library / "vijf-zinnen")
    text_alone = " ".join(s.nl for s in alone.segments)
    for name in ("een", "twee"):
        side = Episode.load(tmp_path / "lib" / name)
        assert (side.provenance["transcribe"]["fingerprint"]
                == alone.provenance["transcribe"]["fingerprint"])
        text = " ".join(s.nl for s in side.segments)
        assert jiwer.wer(text_alone, text) <= 0.10, (text_alone, text)


@pytest.mark.parametrize("banner", [b"", b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n"])
def test_a_port_where_something_else_listens_is_one_line_quickly(tmp_path, cli, banner):
    """A web server (says nothing until asked) or an SSH server (a banner) at the address."""
    path = write_audio(tmp_path / "stil.wav", silence(1))
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    held = []

    def answer():
        with contextlib.suppress(OSError):
            while True:
                conn, _ = listener.accept()
                held.append(conn)
                conn.sendall(banner)

    threading.Thread(target=answer, daemon=True).start()
    began = time.monotonic()
    run = cli("process", str(path), "--scheduler", f"tcp://127.0.0.1:{port}",
              "--library", str(tmp_path / "lib"))
    elapsed = time.monotonic() - began
    listener.close()
    assert "does not answer as a Dask scheduler" in one_error_line(run)
    assert elapsed < QUICK_S, elapsed


@pytest.mark.model
@pytest.mark.parametrize("when", ["workers starting", "running"])
def test_ctrl_c_stops_a_local_cluster_with_one_line(episodes, tmp_path, when):
    """The terminal's Ctrl-C goes to every process of the run: the workers as they start (they
    printed a KeyboardInterrupt traceback each) and once the files run."""
    import psutil

    command = Path(sys.executable).parent / "reportage"  # as a producer runs it
    run = subprocess.Popen(
        [command, "process", str(episodes["een"]), str(episodes["twee"]),
         "--jobs", "2", "--library", str(tmp_path / "lib"), *FAST],
        cwd=ROOT, stderr=subprocess.PIPE, text=True, start_new_session=True,
        # As from a terminal: Ctrl-C not ignored, whatever this test process was left with.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 60
    if when == "workers starting":  # the worker processes are born: stop them mid-import
        while not psutil.Process(run.pid).children() and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(0.3)
    else:
        while run.stderr.readline().startswith("dashboard") is False and run.poll() is None:
            pass
    os.killpg(run.pid, signal.SIGINT)
    err = run.stderr.read()
    assert run.wait(timeout=60) == 130, err
    assert "Traceback" not in err and err.strip().endswith("run again to resume"), err
    assert len(err.strip().splitlines()) <= 2, err  # "dashboard: ..." and "interrupted: ..."
