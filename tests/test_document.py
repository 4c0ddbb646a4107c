import json
import os
import stat

import pytest

from pipeline.atomic import write_atomic
from pipeline.document import SCHEMA, Chapter, Episode, Segment, Source, Word, segment_id
from pipeline.errors import ReportageError


def make_episode() -> Episode:
    seg = Segment(id="s0000150", start=1.5, end=3.0, nl="Goedemorgen allemaal.",
                  words=[Word("Goedemorgen", 1.5, 2.2, 0.9), Word("allemaal.", 2.2, 3.0, 0.8)])
    return Episode(slug="ep", title="Ep", source=Source("/x.mp3", "ab" * 32, 3.0, 44100),
                   segments=[seg], chapters=[Chapter("c1", 0, 3.0, "Begin", segment_ids=[seg.id])])


def test_round_trip(tmp_path):
    episode = make_episode()
    folder = tmp_path / "ep"
    folder.mkdir()
    episode.save(folder)
    loaded = Episode.load(folder)
    assert loaded == episode
    assert json.loads((folder / "episode.json").read_text())["schema"] == SCHEMA


def test_save_is_atomic_and_leaves_no_temp_files(tmp_path, monkeypatch):
    episode = make_episode()
    episode.save(tmp_path)
    before = (tmp_path / "episode.json").read_bytes()

    def crash(*_):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    episode.title = "changed"
    with pytest.raises(OSError):
        episode.save(tmp_path)
    assert (tmp_path / "episode.json").read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["episode.json"]


@pytest.mark.parametrize("mode", [0o600, 0o444, 0o664])
def test_a_rewrite_keeps_the_files_permissions(tmp_path, mode):
    path = tmp_path / "nl.srt"
    path.write_text("old")
    path.chmod(mode)
    write_atomic(path, "new")
    assert path.read_text() == "new" and stat.S_IMODE(path.stat().st_mode) == mode
    write_atomic(tmp_path / "fresh.srt", "x")
    assert stat.S_IMODE((tmp_path / "fresh.srt").stat().st_mode) == 0o644


def test_a_failed_write_names_the_file_not_its_temp_file(tmp_path):
    (tmp_path / "index.sqlite").mkdir()  # in the way
    with pytest.raises(OSError) as failed:
        write_atomic(tmp_path / "index.sqlite", b"x")
    assert failed.value.filename == str(tmp_path / "index.sqlite")
    assert ".tmp" not in str(failed.value)
    assert [p.name for p in tmp_path.iterdir()] == ["index.sqlite"]


def test_newer_schema_is_refused(tmp_path):
    data = make_episode().to_dict() | {"schema": 99}
    (tmp_path / "episode.json").write_text(json.dumps(data))
    with pytest.raises(ReportageError, match="newer"):
        Episode.load(tmp_path)


def test_damaged_document_is_a_clear_error(tmp_path):
    (tmp_path / "episode.json").write_text("{half")
    with pytest.raises(ReportageError, match="not a valid episode document"):
        Episode.load(tmp_path)
    (tmp_path / "episode.json").write_text("[]")
    with pytest.raises(ReportageError, match="it holds a list, not an object"):
        Episode.load(tmp_path)
    (tmp_path / "episode.json").write_text('{"schema": 1}')
    with pytest.raises(ReportageError, match="it has no '"):  # names the missing field
        Episode.load(tmp_path)


def test_segment_ids_are_stable_and_unique():
    taken: set[str] = set()
    assert segment_id(12.34, taken) == "s0001234"
    first = segment_id(1.0, taken)
    second = segment_id(1.0, taken)
    assert first != second and first == segment_id(1.0, set())


def test_english_goes_stale_when_dutch_changes():
    seg = make_episode().segments[0]
    assert seg.en_stale  # no English yet
    seg.en, seg.en_for = "Good morning all.", seg.nl
    assert not seg.en_stale
    seg.nl = "Goedemiddag allemaal."
    assert seg.en_stale
    seg.edited["en"] = True
    assert not seg.en_stale


def test_document_of_the_wrong_shape_is_a_clear_error(tmp_path):
    (tmp_path / "episode.json").write_text('{"slug": "x", "segments": [1, 2]}')
    with pytest.raises(ReportageError, match="not a valid episode document"):
        Episode.load(tmp_path)


def _broken(change) -> dict:
    data = make_episode().to_dict()
    change(data)
    return data


# Valid JSON a hand edit could leave: each broke a later command with a traceback before.
WRONG_TYPES = {
    "not an object": "str",
    "segments a string": _broken(lambda d: d.update(segments="abc")),
    "a start of text": _broken(lambda d: d["segments"][0].update(start="abc")),
    "a NaN time": _broken(lambda d: d["segments"][0].update(end=float("nan"))),
    "dutch null": _broken(lambda d: d["segments"][0].update(nl=None)),
    "a word time of text": _broken(lambda d: d["segments"][0]["words"][0].update(end="x")),
    "speakers a list": _broken(lambda d: d.update(speakers=[1])),
    "a numeric title": _broken(lambda d: d.update(title=5)),
    "a chapter's ids a string": _broken(lambda d: d["chapters"][0].update(segment_ids="s1")),
    "a chapter title null": _broken(lambda d: d["chapters"][0].update(title=None)),
    "created a number": _broken(lambda d: d.update(created=20261204)),
    "a rev of text": _broken(lambda d: d["segments"][0].update(rev="0")),
    "the audio file null": _broken(lambda d: d["source"].update(file=None)),
    "a time past any audio": _broken(lambda d: d["segments"][0].update(end=1e300)),
    "an audio copy elsewhere": _broken(lambda d: d["source"].update(file="../other/audio.mp3")),
    "an audio copy at a root": _broken(lambda d: d["source"].update(file="/etc/passwd")),
    "a stage's record a string": _broken(lambda d: d["provenance"].update(transcribe="x")),
    "two segments of one id": _broken(lambda d: d["segments"].append(dict(d["segments"][0]))),
}


@pytest.mark.parametrize("name", WRONG_TYPES)
def test_values_of_the_wrong_type_are_a_clear_error(tmp_path, name):
    (tmp_path / "episode.json").write_text(json.dumps(WRONG_TYPES[name]))
    with pytest.raises(ReportageError, match="not a valid episode document"):
        Episode.load(tmp_path)
