"""The translate stage end to end on real Dutch speech with the real embedded Whisper model."""

import json
import re
import subprocess

import numpy as np
import pytest
from audiogen import CLIPS, clip, silence, write_audio
from num2words import num2words
from tiny_marian import build

from pipeline import audio
from pipeline.document import Episode
from pipeline.runner import Engines, Settings, process_file
from pipeline.stages.translate import translate_segments

pytestmark = pytest.mark.model

# Common English words that are not Dutch words too (so no "we", "is", "in", "was", "of"). Wide
# enough that any English sentence holds one: the English differs from CPU to CPU, and "We will
# wait for our results." must pass as well as the "...for the outcome..." heard here.
ENGLISH = {"the", "a", "an", "this", "that", "these", "those", "to", "and", "or", "but",
           "it", "it's", "its", "are", "i'm", "can", "will", "would", "for", "with", "from", "by",
           "on", "not", "you", "your", "they", "their", "them", "our", "my", "his", "she", "what",
           "which", "there", "be", "has", "do", "does", "did", "so"}


def spoken(folder) -> list:
    return [s for s in Episode.load(folder).segments if s.nl.strip()]


def test_every_segment_with_dutch_gets_english(processed_library):
    folder = processed_library / "vijf-zinnen"
    segments = spoken(folder)
    assert segments
    assert all(s.en and s.en.strip() and not s.en_missing and s.en_for == s.nl for s in segments)
    # English, not the Dutch passed through: every segment has a common English word.
    assert all(ENGLISH & set(re.findall(r"[a-z']+", s.en.lower())) for s in segments)
    assert "-->" in (folder / "en.srt").read_text()
    assert (folder / "en.vtt").read_text().startswith("WEBVTT")
    transcript = (folder / "transcript.txt").read_text()
    assert all(s.nl in transcript and s.en in transcript for s in segments)


def test_english_decoded_with_the_dutch_lies_on_the_speech_it_translates(tmp_path):
    """The English is decoded from the Dutch's encoding, in VAD's speech-only time: mapped back,
    each piece lies on its speech, also after long pauses (6 s: unmapped, the English would end
    some 20 s before the speech)."""
    samples = np.concatenate([part for name in CLIPS for part in (clip(name), silence(6.0))])
    path = write_audio(tmp_path / "pauzes.mp3", samples)
    settings = Settings(no_chapters=True, no_speakers=True)
    result = process_file(path, tmp_path / "lib", settings, Engines(settings))
    segments = spoken(result.folder)
    done = Episode.load(result.folder).provenance
    pieces = done["transcribe"]["english"]["pieces"]
    assert len(pieces) >= len(CLIPS) - 1
    # Pieces may stretch over a pause, but each lies on speech, and the last ends with it.
    assert all(any(a < s.end and s.start < b for s in segments) for a, b, _text in pieces)
    assert all(any(a < s.end and s.start < b for a, b, _text in pieces) for s in segments)
    assert abs(pieces[-1][1] - segments[-1].end) <= 1.5
    assert done["translate"]["translated"] == len(segments)
    assert all(s.en and not s.en_missing for s in segments)


def test_a_gap_in_the_shared_english_is_translated_on_its_own(library_copy, speech_file):
    episode = Episode.load(library_copy / "vijf-zinnen")
    pieces = [tuple(p) for p in episode.provenance["transcribe"]["english"]["pieces"]]
    middle = [s for s in episode.segments if s.nl.strip()][2]
    kept = [p for p in pieces if not (p[0] < middle.end and middle.start < p[1])]
    assert len(kept) < len(pieces)
    for seg in episode.segments:
        seg.en = seg.en_for = None
    settings = Settings()
    missing = translate_segments(episode, [s.id for s in episode.segments],
                                 Engines(settings).translator(), audio.decode(speech_file),
                                 along=kept)
    assert not missing
    assert ENGLISH & set(re.findall(r"[a-z']+", episode.segment(middle.id).en.lower()))


def test_an_edited_segment_alone_is_translated_again(library_copy, speech_file, cli):
    folder = library_copy / "vijf-zinnen"
    episode = Episode.load(folder)
    before = {s.id: s.en for s in episode.segments}
    edited = episode.segments[0]
    edited.nl, edited.edited["nl"] = "De plant van de tomaat is giftig.", True
    episode.save(folder)
    result = cli("process", str(speech_file), "--library", str(library_copy), "--json")
    assert result.rc == 0, result.err
    assert json.loads(result.out)["ran"] == ["translate", "topics"]  # chapters follow the text
    after = Episode.load(folder)
    assert after.provenance["translate"]["translated"] == 1
    assert all(s.en == before[s.id] for s in after.segments[1:])
    # Whisper's English comes from the audio: the same again, so it stays out of date (a run
    # that cleared the mark would tell the editor it follows the corrected Dutch).
    assert after.segments[0].en == before[edited.id] and after.segments[0].en_stale


def test_transformers_translator_from_the_command_line(library_copy, speech_file, cli, tmp_path):
    model = build(tmp_path / "marian", eos_bias=-100.0)
    result = cli("process", str(speech_file), "--library", str(library_copy), "--json",
                 "--translator", "transformers", "--mt-model", str(model))
    assert result.rc == 0, result.err
    assert json.loads(result.out)["ran"] == ["translate", "topics"]  # chapters follow the text
    folder = library_copy / "vijf-zinnen"
    provenance = Episode.load(folder).provenance["translate"]
    assert provenance["engine"] == "transformers"
    assert provenance["translated"] == len(spoken(folder))
    assert all(s.en for s in spoken(folder))


def espeak(text: str, path) -> np.ndarray:
    subprocess.run(["espeak-ng", "-v", "nl", "-s", "140", "-w", str(path), text], check=True)
    return audio.decode(path)


def test_numbers_survive_translation(tmp_path):
    samples = np.concatenate([clip("vl09647"), silence(1.0),
                              espeak("Het team haalde 350 en 950 punten.", tmp_path / "n.wav"),
                              silence(1.0)])
    path = write_audio(tmp_path / "punten.mp3", samples)
    settings = Settings()
    result = process_file(path, tmp_path / "lib", settings, Engines(settings))
    segments = spoken(result.folder)
    dutch_numbers = re.findall(r"\d+", " ".join(s.nl for s in segments))
    assert dutch_numbers, "the recogniser heard no digits: the check below would prove nothing"
    english = " ".join(s.en or "" for s in segments)
    assert all(s.en for s in segments)
    assert all(said_in_english(int(n), english) for n in dutch_numbers), english


def said_in_english(number: int, english: str) -> bool:
    """The number in digits (1,200 or 1200) or in words ("three hundred fifty"), as the
    recogniser's translation may write it on another CPU."""
    digits = {int(d.replace(",", "")) for d in re.findall(r"\d[\d,]*", english)}
    return number in digits or f" {_words(num2words(number))} " in f" {_words(english)} "


def _words(text: str) -> str:
    return " ".join(w for w in re.findall(r"[a-z]+", text.lower()) if w != "and")
