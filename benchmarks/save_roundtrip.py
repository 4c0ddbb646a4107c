"""Save round trip of an editor's edit on a 60-minute episode, through `reportage serve`'s HTTP API.

A 60-minute document is built by looping a dev episode's utterances (with word timings spread
over each segment, as the speech model gives them) into a fresh library; the server runs as a
separate process; each save is a PATCH that updates episode.json, appends edits.jsonl,
republishes every derived file and re-indexes the segment. Prints p50/max against the 1 s
target and the in-process cost of each part, measured in the same run, and the page weight of
the exported index.html.

    python benchmarks/save_roundtrip.py [--episode ../shared/data/nl-dev/episodes/X.json]
"""

from __future__ import annotations

import argparse
import gzip
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from devdata import NL_DEV_EPISODES, need  # noqa: E402

from pipeline.document import Chapter, Episode, Segment, Source, Word, segment_id  # noqa: E402
from pipeline.edits import refresh  # noqa: E402
from pipeline.stages.publish import publish  # noqa: E402

DEV = NL_DEV_EPISODES / "dev-episode-01.json"
TARGET_S = 1.0
TOKEN = "benchmark-token"


def looped_episode(source: Path, minutes: float) -> Episode:
    data = json.loads(source.read_text())
    length, utterances = data["duration_s"], data["utterances"]
    bounds = data.get("topic_boundaries_s", [])
    segments, chapters, taken = [], [], set()
    offset, loop = 0.0, 0
    while offset < minutes * 60:
        for u in utterances:
            start, end = offset + u["start"], offset + u["end"]
            seg = Segment(id=segment_id(start, taken), start=round(start, 3), end=round(end, 3),
                          nl=u["nl"], en=u["en"], en_for=u["nl"], speaker=u.get("speaker"),
                          words=spread_words(u["nl"], start, end))
            segments.append(seg)
        for n, (a, b) in enumerate(zip([0.0, *bounds], [*bounds, length], strict=True)):
            ids = [s.id for s in segments if offset + a <= s.start < offset + b]
            chapters.append(Chapter(f"c{loop}-{n}", offset + a, offset + b,
                                    f"Deel {loop + 1}.{n + 1}", f"Part {loop + 1}.{n + 1}",
                                    segment_ids=ids))
        offset += length
        loop += 1
    src = Source(str(source), "0" * 64, round(offset, 3), 16000, "audio.mp3")
    return Episode(slug="bench-60min", title="Benchmark: 60 minutes", source=src,
                   created="2026-11-28T00:00:00+00:00", segments=segments, chapters=chapters)


def spread_words(text: str, start: float, end: float) -> list[Word]:
    words = text.split()
    step = (end - start) / max(len(words), 1)
    return [Word(w, round(start + i * step, 3), round(start + (i + 1) * step, 3), 0.9)
            for i, w in enumerate(words)]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(library: Path, port: int) -> subprocess.Popen:
    env = os.environ | {"REPORTAGE_EDITOR_TOKEN": TOKEN, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "pipeline", "serve", str(library),
                             "--port", str(port)], env=env, cwd=ROOT,
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("the server did not start")


def save(conn: http.client.HTTPConnection, slug: str, seg: Segment, n: int) -> float:
    """One editor's save through the API; its round-trip time in seconds."""
    body = json.dumps({"rev": seg.rev, "nl": f"{seg.nl} (verbeterd {n})"})
    began = time.perf_counter()
    conn.request("PATCH", f"/api/episodes/{slug}/segments/{seg.id}", body=body,
                 headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"})
    response = conn.getresponse()
    response.read()
    elapsed = time.perf_counter() - began
    if response.status != 200:
        raise SystemExit(f"save of {seg.id} failed: HTTP {response.status}")
    return elapsed


def timed(fn) -> float:
    began = time.perf_counter()
    fn()
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episode", type=Path, default=DEV)
    parser.add_argument("--minutes", type=float, default=60)
    parser.add_argument("--saves", type=int, default=20)
    parser.add_argument("--read-s", type=float, default=10,
                        help="seconds between opening the editor page and the first save")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="reportage-bench-") as tmp:
        run(Path(tmp), args)


def run(library: Path, args: argparse.Namespace) -> None:
    folder = library / "bench-60min"
    folder.mkdir()
    episode = looped_episode(need(args.episode), args.minutes)
    episode.save(folder)
    publish(folder, episode)
    refresh(library, folder, episode, episode.segments[0].id)  # first index, as `process` does
    doc_mb = (folder / "episode.json").stat().st_size / 1e6
    page = (folder / "index.html").read_bytes()
    print(f"episode: {episode.source.duration_s / 60:.1f} min, {len(episode.segments)} segments, "
          f"{len(episode.chapters)} chapters, episode.json {doc_mb:.2f} MB")

    # The parts of a save, in this process, as a baseline for the HTTP round trip.
    parts = {
        "load episode.json": timed(lambda: Episode.load(folder)),
        "save episode.json (atomic, fsync)": timed(lambda: episode.save(folder)),
        "publish again (runs remembered)": timed(lambda: publish(folder, episode, index=False)),
        "publish again + re-index a segment": timed(lambda: refresh(library, folder, episode,
                                                               episode.segments[0].id)),
    }

    port = free_port()
    server = start_server(library, port)
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        conn.request("GET", "/static/app.css")
        conn.getresponse().read()
        began = time.perf_counter()
        conn.request("GET", "/static/app.css")
        conn.getresponse().read()
        parts["HTTP round trip of a static file"] = time.perf_counter() - began

        picks = episode.segments[:: max(1, len(episode.segments) // (args.saves + 1))]
        cold = save(conn, episode.slug, picks[0], 0)  # right after start: nothing laid out yet
        # As an editor does: open the editor page (the server lays out the subtitles
        # meanwhile), read a while, then save segment after segment.
        conn.request("GET", f"/episodes/{episode.slug}?edit=1")
        conn.getresponse().read()
        time.sleep(args.read_s)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)  # keep-alive ran out
        times = [save(conn, episode.slug, seg, n) for n, seg in enumerate(picks[1: args.saves + 1])]
    finally:
        server.terminate()
        server.wait(timeout=10)

    for name, seconds in parts.items():
        print(f"  {name:36} {seconds * 1000:8.1f} ms")
    print(f"first save right after the server started (nothing laid out yet): "
          f"{cold * 1000:.0f} ms")
    p50, worst = statistics.median(times), max(times)
    print(f"save round trip over HTTP ({len(times)} saves): p50 {p50 * 1000:.0f} ms, "
          f"max {worst * 1000:.0f} ms  →  p50 is {p50 / TARGET_S:.2f}× the {TARGET_S:.0f} s target,"
          f" {p50 / parts['publish again + re-index a segment']:.2f}× publish + re-index alone")
    edited = (folder / "index.html").read_bytes()
    print(f"index.html: {len(edited) / 1e3:.0f} kB ({len(gzip.compress(edited)) / 1e3:.0f} kB "
          f"gzipped) for {len(episode.segments)} segments; before edits {len(page) / 1e3:.0f} kB")


if __name__ == "__main__":
    main()
