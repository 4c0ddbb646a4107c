"""Every command and option given a bad value: one `error:` line, a non-zero exit, never a
traceback, and nothing in the library changed. No speech model loads: each case fails before."""

import hashlib
from pathlib import Path

import pytest
from audiogen import tone, write_audio

from tests.web_fixtures import make_library

# (arguments, a word the error line must hold); LIB: the library, WAV: a real audio file,
# FILE: a plain file that is no library, no subtitle file and no audio; NOTES: a text *.pt.
CASES = [
    (["frobnicate"], "No such command"),
    (["process"], "Missing argument"),
    (["process", "WAV", "--language", "xx"], "unknown language"),
    (["process", "WAV", "--device", "tpu"], "unknown device"),
    (["process", "WAV", "--compute-type", "int3"], "unknown compute type"),
    (["process", "WAV", "--beam-size", "0"], "--beam-size"),
    (["process", "WAV", "--beam-size", "abc"], "--beam-size"),
    (["process", "WAV", "--beam-size", "100000000"], "--beam-size"),  # no memory for it
    (["process", "WAV", "--chapters", "0"], "--chapters"),
    (["process", "WAV", "--chapters", "-3"], "--chapters"),
    (["process", "WAV", "--chapters", "abc"], "--chapters"),
    (["process", "WAV", "--jobs", "-1"], "--jobs"),
    (["process", "WAV", "--jobs", "2", "--scheduler", "tcp://127.0.0.1:8786"], "give one"),
    (["process", "WAV", "--scheduler", " "], "needs the scheduler's address"),
    (["serve", "LIB", "--host", ""], "--host needs an address"),
    (["glossary", "--library", "/nonexistent/typo-lib"], "no library folder"),
    (["feed", "list", "--library", "/nonexistent/typo-lib"], "no library folder"),
    # a mistyped library is not made, with its parents, by a command that adds to it
    (["glossary", "add", "Huawei", "--library", "/nonexistent/typo-lib"], "no folder /nonexistent"),
    (["feed", "add", "FILE", "--library", "/nonexistent/typo-lib"], "no folder /nonexistent"),
    (["glossary", "accept", "Huawei", "--library", "/nonexistent/typo-lib"], "no library folder"),
    (["process", ""], "empty: give a file or folder"),
    (["process", "WAV", "--library", ""], "empty: give a file or folder"),
    (["evaluate", ""], "empty: give a file or folder"),
    (["process", "WAV", "--speakers", "2", "--no-speakers"], "contradict"),
    (["process", "WAV", "--chapters", "3", "--no-chapters"], "contradict"),
    (["process", "WAV", "--speakers", "0"], "--speakers"),
    (["process", "WAV", "--speakers", "-1"], "--speakers"),
    (["process", "WAV", "--speakers", "abc"], "--speakers"),
    (["process", "WAV", "--speakers", "9"], "--speakers"),
    (["process", "WAV", "--engine", "kaldi[gpu]"], "kaldi[gpu]"),
    (["process", "WAV", "--translator", "google"], "unknown translator"),
    (["process", "WAV", "--target-language", "de"], "unsupported target language"),
    (["process", "WAV", "--mt-model", "x"], "--mt-model needs --translator transformers"),
    (["process", "WAV", "--translator", "transformers", "--mt-model", "/no/such/model"],
     "/no/such/model"),
    (["process", "WAV", "--embedder", "/no/such/encoder"], "/no/such/encoder"),
    (["process", "WAV", "--embedder", "no-such/encoder"], "unknown embedding model"),  # no retries
    (["process", "WAV", "--model", "/no/such/model"], "unknown model"),
    (["process", "/no/such/file.mp3"], "no such file"),
    (["process", "WAV", "--library", "FILE"], "FILE"),
    (["publish", "nope"], "no episode"),
    (["publish", "../etc"], "not a valid episode name"),
    (["publish", "--library", "/no/such/library"], "no library folder"),
    (["publish", "--library", "LIB/" + "x" * 300], "File name too long"),  # the system's words
    (["history", "nope"], "no episode"),
    (["speakers", "nope"], "no episode"),
    (["speakers", "haven", "S1"], "give the name"),
    (["speakers", "haven", "S9", "Niemand"], "no speaker 'S9'"),
    (["speakers", "haven", "S1", "<b>x</b>"], "markup"),
    (["speakers", "haven", "S1", "Xi \x1bJinping"], "control characters"),
    (["revert", "haven", "999"], "no edit 999"),
    (["revert", "haven", "abc"], "'edit_id': not a whole number"),
    (["feed", "sync", "--max-mb", "lots", "--library", "LIB"], "'--max-mb': not a number"),
    (["serve", "/no/such/library"], "no library folder"),
    (["serve", "LIB", "--port", "99999"], "--port"),
    (["serve", "LIB", "--host", "256.1.1.1"], "cannot listen"),
    (["check", "/no/such/file.srt"], "file.srt"),
    (["check", "FILE"], "FILE"),
    (["check", "LIB/haven/nl.srt", "--profile", "cinema"], "unknown profile"),
    (["check", "LIB/haven/nl.srt", "--max-cps", "0"], "--max-cps"),
    (["search", "haven", "--lang", "fr"], "fr"),
    (["search", "haven", "--limit", "0"], "--limit"),
    (["search", "haven", "--episode", "../x"], "episode"),
    (["search", "haven", "--library", "/no/such/library"], "no library folder"),
    (["search", "haven", "--speaker", " ", "--library", "LIB"], "--speaker needs a name"),
    (["index", "--rebuild", "--remove", "haven", "--library", "LIB"], "not both"),
    (["evaluate", "/no/such/dataset"], "/no/such/dataset"),
    (["feed", "add", " ", "--library", "LIB"], "give a feed"),
    (["feed", "add", "LIB", "--library", "LIB"], "a folder, not a feed"),
    (["evaluate", "LIB", "--json", "/no/such/dir/r.json"], "cannot write /no/such/dir/r.json"),
    (["evaluate", "LIB", "--html", "LIB"], "is a folder"),
    (["evaluate", "LIB", "--json", "LIB/haven/report.json"], "inside an episode's folder"),
    (["evaluate", "LIB", "--part", "songs"], "unknown part"),
    (["feed", "add", "http://x:abc/f.xml", "--library", "LIB"], "not a valid URL"),
    (["feed", "add", "http://[::1", "--library", "LIB"], "not a valid URL"),
    (["feed", "add", "http://exa mple.com/f.xml", "--library", "LIB"], "spaces"),
    (["feed", "build", "--base-url", "http://[::1", "--library", "LIB"], "not a valid URL"),
    (["feed", "sync", "--max-mb", "inf", "--library", "LIB"], "--max-mb"),
    (["feed", "sync", "--timeout", "1e12", "--library", "LIB"], "--timeout"),
    (["models", "export-openai", "/no/such/folder/base.pt"], "cannot write"),
    # never over an episode's document (nor any other file that is no checkpoint)
    (["models", "export-openai", "LIB/haven/episode.json"], "no .pt checkpoint"),
    (["models", "export-openai", "NOTES"], "no .pt checkpoint"),  # a text named *.pt
    (["models", "export-openai", "LIB/haven/base.pt"], "inside an episode's folder"),
    (["models", "frobnicate"], "No such command"),
    (["index", "--rebuild", "--library", "LIB/haven"], "an episode's folder, not a library"),
    (["glossary", "--library", "FILE"], "is a file, not a folder"),
    (["index", "--remove", "haven", "--library", "LIB"], "still in the library"),
]


def snapshot(folder):
    return {p: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and not p.name.endswith("lock")}


@pytest.fixture(scope="module")
def places(tmp_path_factory):
    root = tmp_path_factory.mktemp("bad-values")
    plain = root / "plain.txt"
    plain.write_text("geen ondertitels, geen audio, geen map\n")
    notes = root / "notes.pt"
    notes.write_text("not a checkpoint\n")
    return {"LIB": str(make_library(root)), "WAV": str(write_audio(root / "x.wav", tone(1.0))),
            "FILE": str(plain), "NOTES": str(notes)}


@pytest.mark.parametrize("args, needle", CASES, ids=[" ".join(a) for a, _ in CASES])
def test_a_bad_value_is_one_error_line(args, needle, places, cli):
    def fill(text):
        for name, path in places.items():
            text = text.replace(name, path)
        return text

    args = [fill(a) for a in args]
    if "--library" not in args and args[0] in ("process", "publish", "history", "revert",
                                               "search", "speakers"):
        args += ["--library", places["LIB"]]
    library = Path(places["LIB"])
    before = snapshot(library)
    result = cli(*args)
    lines = [line for line in result.err.splitlines() if line.strip()]
    assert result.rc != 0
    assert "Traceback" not in result.err + result.out
    assert len(lines) == 1, result.err
    assert lines[0].startswith("error:") and fill(needle) in lines[0], lines[0]
    assert snapshot(library) == before


# (method, path, JSON body): requests a browser or a script could send with bad values. A
# search answers (hits or none, or a 4xx with a message); everything else is refused with a 4xx.
REQUESTS = [
    ("GET", "/episodes/nope", None),
    ("GET", "/episodes/..%2F..%2Fetc", None),
    ("GET", "/episodes/haven/audio/../../x", None),
    ("GET", "/api/episodes/NOPE!", None),
    ("GET", "/api/search", None),
    ("GET", "/api/search?q=", None),
    ("GET", "/api/search?q=NEAR(haven", None),
    ("GET", "/api/search?q=%22", None),
    ("GET", "/api/search?q=" + "x" * 10_000, None),
    ("GET", "/?q=AND%20OR%20*", None),
    ("GET", "/?edit=maybe", None),
    ("PATCH", "/api/episodes/haven/segments/s0000300", {"rev": "zero"}),
    ("PATCH", "/api/episodes/haven/segments/s0000300", {"rev": -1, "nl": "x"}),
    ("PATCH", "/api/episodes/haven/segments/s0000300", {"rev": 0, "nl": "\x00"}),
    ("PATCH", "/api/episodes/haven/segments/s9999999", {"rev": 0, "nl": "x"}),
    ("PATCH", "/api/episodes/nope/segments/s0000300", {"rev": 0, "nl": "x"}),
    ("PATCH", "/api/episodes/haven/segments/s0000300", ["not", "an", "object"]),
    ("POST", "/api/episodes/haven/segments/s0000300", {"rev": 0, "nl": "x"}),
    ("DELETE", "/api/episodes/haven", None),
]


@pytest.mark.parametrize("method, path, body", REQUESTS,
                         ids=[f"{m} {p[:40]}" for m, p, _ in REQUESTS])
def test_a_bad_request_is_a_client_error(method, path, body, places):
    from fastapi.testclient import TestClient

    from pipeline.web.app import create_app

    library = Path(places["LIB"])
    before = snapshot(library)
    client = TestClient(create_app(library, "token", {"testserver"}),
                        raise_server_exceptions=False)
    response = client.request(method, path, json=body, headers={"Authorization": "Bearer token"})
    lowest = 200 if "q=" in path else 400
    assert lowest <= response.status_code < 500, (response.status_code, response.text[:200])
    assert "Traceback" not in response.text
    assert snapshot(library) == before
