"""Published WebVTT loads in Chromium as a <track>; the TextTrack API reads every cue."""

from __future__ import annotations

import functools
import http.server
import threading
import wave

import pytest

from pipeline.formats.cues import episode_cues
from pipeline.stages.publish import publish
from tests.synthetic import synthetic_episode

PAGE = """<!doctype html><meta charset="utf-8">
<video id="media" src="silence.wav" preload="auto">
  <track id="nl" kind="subtitles" srclang="nl" label="Nederlands" src="nl.vtt" default>
  <track id="en" kind="subtitles" srclang="en" label="English" src="en.vtt">
</video>"""

# Resolves once the track has loaded (readyState 2) or failed (3), with its cues.
READ_TRACK = """async (id) => {
  const el = document.getElementById(id);
  el.track.mode = "hidden";
  while (el.readyState < 2) await new Promise(r => setTimeout(r, 20));
  const cues = Array.from(el.track.cues || []);
  return {state: el.readyState, cues: cues.map(c => [c.startTime, c.endTime, c.text])};
}"""


def write_silence(path, seconds: float, rate: int = 8000) -> None:
    with wave.open(str(path), "wb") as f:
        f.setnchannels(1)
        f.setsampwidth(2)
        f.setframerate(rate)
        f.writeframes(b"\0\0" * int(seconds * rate))


@pytest.fixture
def served(tmp_path):
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield tmp_path, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


@pytest.mark.browser
def test_published_webvtt_loads_as_a_track_with_every_cue(served, browser):
    folder, url = served
    episode = synthetic_episode()
    publish(folder, episode)
    write_silence(folder / "silence.wav", episode.source.duration_s + 1)
    (folder / "index.html").write_text(PAGE, encoding="utf-8")
    page = browser.new_page()
    try:
        page.goto(f"{url}/index.html")
        for lang in ("nl", "en"):
            track = page.evaluate(READ_TRACK, lang)
            cues = episode_cues(episode, lang)
            assert track["state"] == 2, f"{lang}.vtt did not load"
            assert len(track["cues"]) == len(cues)
            for (start, end, text), cue in zip(track["cues"], cues, strict=True):
                assert (start, end) == pytest.approx((cue.start, cue.end), abs=1e-3)
                assert text == f"<v {cue.speaker}>" + "\n".join(cue.lines) + "</v>"
    finally:
        page.close()
