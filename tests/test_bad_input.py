"""Bad input: one clear line on stderr, a non-zero exit, no traceback, nothing lost."""

import hashlib
import json
import os
import shutil

import numpy as np
import pytest
import srt
from audiogen import silence, speech_episode, tone, write_audio
from conftest import one_error_line

from pipeline.cli.process import collect_inputs


def snapshot(folder):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def assert_one_clear_error(result, needle):
    lines = [line for line in result.err.splitlines() if line.strip()]
    assert result.rc != 0
    assert "Traceback" not in result.err
    assert len(lines) == 1, result.err
    assert lines[0].startswith("error:") and needle in lines[0], lines[0]


def make_truncated(path):
    samples, _ = speech_episode()
    full = write_audio(path.with_name("full.mp3"), samples).read_bytes()
    path.write_bytes(full[: len(full) // 3])
    path.with_name("full.mp3").unlink()


BAD_FILES = {
    "missing": (lambda p: None, "no such file"),
    "text-renamed-mp3": (lambda p: p.write_text("hallo, dit is geen audio"), "not a readable"),
    "truncated-mp3": (make_truncated, "truncated"),
    "zero-length": (lambda p: p.write_bytes(b""), "empty"),
    "0.2-seconds": (lambda p: write_audio(p, tone(0.2)), "at least"),
}


@pytest.mark.model
@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_file(case, library_copy, tmp_path, cli):
    make, needle = BAD_FILES[case]
    path = tmp_path / "input" / "bad.mp3"
    path.parent.mkdir()
    make(path)
    before = snapshot(library_copy)
    result = cli("process", str(path), "--library", str(library_copy))
    assert_one_clear_error(result, needle)
    assert snapshot(library_copy) == before  # earlier episodes untouched, no half folder


def test_a_killed_runs_empty_folder_is_not_left_by_the_next_failing_run(tmp_path, cli):
    """A worker killed (out of memory) before the first save leaves its lock files; a run that
    then fails on the same file leaves nothing, as it does for a folder it made itself."""
    path = tmp_path / "bad.mp3"
    make_truncated(path)
    left = tmp_path / "lib" / "bad"
    left.mkdir(parents=True)
    (left / ".lock").touch()
    (left / ".run.lock").touch()
    assert_one_clear_error(cli("process", str(path), "--library", str(tmp_path / "lib")),
                           "truncated")
    assert not left.exists()
    left.mkdir()  # a folder holding anything else is no leftover: kept
    (left / "notes.txt").write_text("van de redactie")
    cli("process", str(path), "--library", str(tmp_path / "lib"))
    assert (left / "notes.txt").exists()


def test_folder_without_audio(tmp_path, cli):
    (tmp_path / "notes.txt").write_text("geen audio")
    result = cli("process", str(tmp_path), "--library", str(tmp_path / "lib"))
    assert_one_clear_error(result, "holds no audio")


@pytest.mark.parametrize(
    "args, needle",
    [(["--engine", "kaldi"], "unknown engine"), (["--model", "gigantic"], "unknown model"),
     (["--model", "/nonexistent/folder"], "unknown model")],
)
def test_unknown_engine_or_model_fails_before_any_work(args, needle, tmp_path, cli):
    wav = write_audio(tmp_path / "x.wav", tone(1.0))
    result = cli("process", str(wav), "--library", str(tmp_path / "lib"), *args)
    assert_one_clear_error(result, needle)
    assert not (tmp_path / "lib" / "x").exists()


def test_unwritable_library(tmp_path, cli):
    wav = write_audio(tmp_path / "x.wav", tone(1.0))
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    result = cli("process", str(wav), "--library", str(blocker / "lib"))
    assert_one_clear_error(result, "cannot write to library folder")


@pytest.mark.model
def test_silence_only_succeeds_with_no_segments_and_a_warning(tmp_path, cli):
    path = write_audio(tmp_path / "stil.flac", silence(8))
    result = cli("process", str(path), "--library", str(tmp_path / "lib"))
    assert result.rc == 0, result.err
    assert "warning:" in result.err and "no speech" in result.err
    folder = tmp_path / "lib" / "stil"
    bundle = ["episode.json", "index.html", "transcript.txt", "transcript.json", "nl.srt",
              "nl.vtt", "en.srt", "en.vtt", "chapters.json", "chapters.vtt"]
    assert all((folder / name).is_file() for name in bundle), sorted(os.listdir(folder))
    # Valid and empty: what reads the bundle downstream parses every file.
    assert json.loads((folder / "transcript.json").read_text())["segments"] == []
    assert json.loads((folder / "chapters.json").read_text())["chapters"] == []
    assert list(srt.parse((folder / "nl.srt").read_text())) == []
    for name in ("nl.vtt", "en.vtt", "chapters.vtt"):
        assert (folder / name).read_text().startswith("WEBVTT")


@pytest.mark.model
def test_one_bad_file_does_not_stop_the_others(tmp_path, speech_file, cli):
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    (inputs / "kapot.mp3").write_text("niet echt")
    shutil.copy(speech_file, inputs / "goed.mp3")
    result = cli("process", str(inputs), "--library", str(tmp_path / "lib"), "--quiet")
    assert result.rc == 1
    assert "kapot.mp3" in result.err and "Traceback" not in result.err
    assert (tmp_path / "lib" / "goed" / "nl.srt").exists()
    assert not (tmp_path / "lib" / "kapot").exists()


@pytest.mark.model
def test_another_recording_under_an_episodes_name_is_refused(library_copy, tmp_path, cli):
    (tmp_path / "elders").mkdir()
    other = write_audio(tmp_path / "elders" / "vijf-zinnen.wav", tone(3.0))
    before = snapshot(library_copy)
    result = cli("process", str(other), "--library", str(library_copy))
    assert_one_clear_error(result, "is another recording (vijf-zinnen.mp3)")
    assert snapshot(library_copy) == before  # its transcript and audio untouched
    forced = cli("process", str(other), "--library", str(library_copy), "--force", "--quiet")
    assert forced.rc == 0, forced.err  # a new master from elsewhere, asked for by name
    assert (library_copy / "vijf-zinnen" / "audio.wav").read_bytes() == other.read_bytes()


def test_a_failed_file_has_its_json_line_too(tmp_path, cli):
    (tmp_path / "kapot.mp3").write_text("niet echt")
    result = cli("process", str(tmp_path / "kapot.mp3"), str(tmp_path / "weg.mp3"), "--json",
                 "--library", str(tmp_path / "lib"), "--no-speakers", "--no-chapters")
    lines = [json.loads(line) for line in result.out.splitlines()]
    assert result.rc == 1 and len(lines) == 2
    assert lines[0]["file"] == str(tmp_path / "kapot.mp3") and "not a readable" in lines[0]["error"]
    assert "weg.mp3: no such file" in lines[1]["error"]
    assert lines[1]["file"] == str(tmp_path / "weg.mp3")  # a script knows which one failed
    torn = cli("process", str(tmp_path / "twee\nregels.mp3"), "--library", str(tmp_path / "lib"))
    assert "twee\\nregels.mp3: no such file" in one_error_line(torn)  # one line, all the same


def test_two_files_that_give_one_episode_name_are_not_both_taken(tmp_path):
    for name in ("zelfde.mp3", "zelfde.wav", "ander.mp3"):
        (tmp_path / name).write_bytes(b"")
    found = collect_inputs([tmp_path, tmp_path / "ander.mp3"])  # ander twice: once is enough
    assert found[:2] == [tmp_path / "ander.mp3", tmp_path / "zelfde.mp3"] and len(found) == 3
    assert "gives the same episode name (zelfde) as" in str(found[2])


def test_audio_in_a_folder_inside_the_folder_given_is_named_not_lost(tmp_path, capsys):
    for name in ("show/01.mp3", "show/seizoen-2/01.mp3", "show/seizoen-2/02.wav",
                 "show/notities/lees.txt", "show/oud/audio.mp3", "show/oud/episode.json"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"")
    assert collect_inputs([tmp_path / "show"]) == [tmp_path / "show/01.mp3"]
    said = capsys.readouterr().err.strip().splitlines()
    assert said == [f"note: {tmp_path}/show/seizoen-2: not read, a folder inside {tmp_path}/show "
                    "(2 audio files): give it too to process them"]


def test_a_file_name_in_no_utf8_is_an_episode_like_any(tmp_path, cli):
    from audiogen import clip

    folder = tmp_path / "archief"
    folder.mkdir()
    # Latin-1 names, from an old archive; and one the library's own feeds folder has. Three
    # recordings (the same one three times would be refused: a copy renamed).
    for n, raw in enumerate((b"\xff\xfe.wav", b"caf\xe9-x.wav", b"feeds.wav")):
        write_audio(folder / os.fsdecode(raw), np.concatenate([silence(n), clip("vl00203")]))
    result = cli("process", str(folder), "--library", str(tmp_path / "lib"), "--json")
    assert result.rc == 0, result.err
    done = {json.loads(line)["slug"] for line in result.out.splitlines()}
    assert {"caf-x", "feeds-episode"} <= done and len(done) == 3
    titles = {json.loads((tmp_path / "lib" / s / "episode.json").read_text())["title"]
              for s in done}
    assert "caf\ufffd-x" in titles


def test_a_model_that_did_not_load_gets_the_hint_for_its_reason():
    from pipeline.asr.faster import _hint

    assert "--compute-type default" in _hint("Requested float16 compute type, but the target "
                                             "device or backend do not support it.")
    assert "--device cpu" in _hint("CUDA failed with error CUDA driver version is insufficient")
    assert "reportage downloads no model" in _hint(
        "Repository Not Found for url: https://huggingface.co/x")
