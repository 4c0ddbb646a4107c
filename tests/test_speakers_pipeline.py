"""Speakers through `reportage process`: two voices taking turns come out as two speakers in the
document and the outputs; a name given with `reportage speakers` survives a re-run; bad counts
are one error line."""

import json

import numpy as np
import pytest
import webvtt
from audiogen import SENTENCES, VOICE_A, VOICE_B, silence, speak, write_audio

from pipeline.document import Episode
from pipeline.edits import edit_segment

RATE = 16000


@pytest.fixture(scope="module")
def interview(tmp_path_factory):
    """Eight sentences, the two voices alternating, 0.8 s apart; and who speaks when."""
    tmp = tmp_path_factory.mktemp("interview")
    pieces, turns, t = [], [], 0.0
    for n, sentence in enumerate(SENTENCES):
        samples = speak(sentence, VOICE_A if n % 2 == 0 else VOICE_B, tmp)
        turns.append((t, t + len(samples) / RATE, "AB"[n % 2]))
        pieces += [samples, silence(0.8)]
        t += len(samples) / RATE + 0.8
    return write_audio(tmp / "gesprek.mp3", np.concatenate(pieces)), turns


def voice_at(turns, seg) -> str:
    """The voice that speaks most of the segment's time."""
    return max("AB", key=lambda v: sum(max(0, min(b, seg.end) - max(a, seg.start))
                                       for a, b, who in turns if who == v))


@pytest.mark.model
def test_two_voices_become_two_named_speakers_in_every_output(interview, tmp_path, cli):
    path, turns = interview
    library = tmp_path / "lib"
    run = cli("process", str(path), "--library", str(library), "--no-translate", "--json")
    assert run.rc == 0, run.err
    folder = library / "gesprek"
    episode = Episode.load(folder)
    assert episode.provenance["speakers"]["speakers"] == 2
    labels = {}
    for seg in episode.segments:  # each voice always gets the same label
        labels.setdefault(voice_at(turns, seg), set()).add(seg.speaker)
    assert labels == {"A": {"S1"}, "B": {"S2"}}

    named = cli("speakers", "gesprek", "S2", "Mona Harbers", "--library", str(library))
    assert named.rc == 0, named.err
    listed = cli("speakers", "gesprek", "--library", str(library))
    assert "Mona Harbers" in listed.out and "S1" in listed.out
    voices = {c.voice for c in webvtt.read(str(folder / "nl.vtt"))}
    assert voices == {"S1", "Mona Harbers"}
    spoken = json.loads((folder / "transcript.json").read_text())["segments"]
    assert {s["speaker"] for s in spoken} == {"S1", "Mona Harbers"}

    # Transcribed again, no line edited: the name stays with its voice.
    assert cli("process", str(path), "--library", str(library), "--no-translate", "--force",
               "--no-chapters", "--quiet").rc == 0
    spoken = json.loads((folder / "transcript.json").read_text())["segments"]
    assert {s["speaker"] for s in spoken} == {"S1", "Mona Harbers"}

    moved = Episode.load(folder).segments[0]
    edit_segment(library, "gesprek", moved.id, moved.rev, {"speaker": "S2"}, "redacteur")

    again = cli("process", str(path), "--library", str(library), "--no-translate", "--force",
                "--quiet")
    assert again.rc == 0, again.err
    after = Episode.load(folder)
    assert after.speakers == {"S2": "Mona Harbers"}
    assert after.segment(moved.id).speaker == "S2"  # the move survives the re-run
    assert "Mona Harbers" in (folder / "nl.vtt").read_text()


@pytest.mark.model
def test_one_voice_is_one_speaker_and_more_asked_for_gets_a_note(tmp_path, cli):
    samples = np.concatenate([np.concatenate([speak(s, VOICE_A, tmp_path), silence(0.8)])
                              for s in SENTENCES[:5]])
    path = write_audio(tmp_path / "monoloog.wav", samples)
    run = cli("process", str(path), "--library", str(tmp_path / "lib"), "--no-translate",
              "--no-chapters", "--speakers", "3", "--quiet")
    assert run.rc == 0, run.err
    done = Episode.load(tmp_path / "lib" / "monoloog").provenance["speakers"]
    assert done["note"].startswith("asked for 3 speakers")
    plain = cli("process", str(path), "--library", str(tmp_path / "lib2"), "--no-translate",
                "--no-chapters", "--quiet")
    assert plain.rc == 0, plain.err
    assert {s.speaker for s in Episode.load(tmp_path / "lib2" / "monoloog").segments} == {"S1"}
