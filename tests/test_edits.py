"""Edits of segments: rev checks, the edited mark, edits.jsonl, history, revert, republish."""

from __future__ import annotations

import json
import threading

import pytest
from typer.testing import CliRunner

from pipeline import edits, search
from pipeline.asr import AsrSegment
from pipeline.cli import app
from pipeline.document import Episode
from pipeline.edits import log as edit_log
from pipeline.errors import ReportageError
from pipeline.stages.transcribe import merge_keeping_edits
from tests.web_fixtures import make_library, sample_episode

SEG = "s0000300"  # "De schepen komen vroeg binnen."


@pytest.fixture
def library(tmp_path):
    return make_library(tmp_path)


def log_lines(library):
    path = library / "haven" / edit_log.LOG
    return path.read_text().splitlines() if path.exists() else []


def test_edit_saves_marks_logs_and_republishes(library):
    folder = library / "haven"
    seg = edits.edit_segment(library, "haven", SEG, 0, {"nl": "  De boten komen laat.\r\n"}, "ann")
    assert (seg.nl, seg.rev, seg.edited) == ("De boten komen laat.", 1, {"nl": True, "en": False})
    assert seg.en_stale  # English was translated from the old Dutch
    saved = Episode.load(folder).segment(SEG)
    assert saved.nl == "De boten komen laat." and saved.rev == 1 and saved.edited["nl"]
    [line] = log_lines(library)
    entry = json.loads(line)
    assert entry["editor"] == "ann" and entry["field"] == "nl" and entry["segment"] == SEG
    assert entry["before"] == "De schepen komen vroeg binnen."
    assert entry["after"] == "De boten komen laat." and entry["rev"] == 1 and entry["time"]
    assert "De boten komen laat." in (folder / "nl.srt").read_text()
    assert "De schepen komen vroeg" not in (folder / "nl.srt").read_text()
    assert "De boten komen laat." in (folder / "index.html").read_text()
    assert "De boten komen laat." in (folder / "transcript.txt").read_text()
    assert [h.segment for h in search.search(library, "boten", mode="exact")] == [SEG]  # re-indexed
    assert search.search(library, "schepen", mode="exact") == []


def test_editing_english_by_hand_is_never_stale(library):
    seg = edits.edit_segment(library, "haven", SEG, 0, {"en": "The boats are late."}, "ann")
    seg = edits.edit_segment(library, "haven", SEG, 1, {"nl": "De boten zijn laat."}, "bob")
    assert seg.edited == {"nl": True, "en": True} and not seg.en_stale
    assert seg.en == "The boats are late." and seg.rev == 2


def test_a_revert_giving_back_the_machines_english_shows_it_stale_again(library):
    machine = Episode.load(library / "haven").segment(SEG).en
    edits.edit_segment(library, "haven", SEG, 0, {"nl": "De boten komen laat."}, "ann")
    edits.edit_segment(library, "haven", SEG, 1, {"en": "The boats are late."}, "ann")
    edits.revert(library, "haven", 2, "bob")
    seg = Episode.load(library / "haven").segment(SEG)
    assert seg.en == machine and not seg.edited.get("en")  # the machine's, a re-run may redo it
    assert seg.en_stale  # beside the corrected Dutch


def test_reverting_an_emptied_line_brings_back_the_english_it_took(library):
    machine = Episode.load(library / "haven").segment(SEG).en
    edits.edit_segment(library, "haven", SEG, 0, {"nl": ""}, "ann")
    dutch, english = edits.history(library, "haven")
    assert (english.field, english.editor, english.after) == ("en", "reportage", "")
    edits.revert(library, "haven", dutch.id, "bob")
    seg = Episode.load(library / "haven").segment(SEG)
    assert (seg.nl, seg.en) == ("De schepen komen vroeg binnen.", machine)
    assert not seg.edited.get("nl") and not seg.edited.get("en") and not seg.en_stale
    assert machine in (library / "haven" / "en.srt").read_text()


def test_an_emptied_line_reverted_back_and_forth_never_keeps_english(library):
    edits.edit_segment(library, "haven", SEG, 0, {"nl": ""}, "ann")  # edits 1 and 2
    edits.revert(library, "haven", 1, "bob")  # 3 and 4: the line and its English back
    edits.revert(library, "haven", 3, "ann")  # emptied again: its English goes too
    seg = Episode.load(library / "haven").segment(SEG)
    assert (seg.nl, seg.en) == ("", "")
    edits.revert(library, "haven", 5, "bob")
    seg = Episode.load(library / "haven").segment(SEG)
    assert seg.nl == "De schepen komen vroeg binnen." and seg.en and not seg.en_stale


def test_an_emptied_line_is_not_translated(library):
    def translate(episode, ids):  # what a text translator does to the lines it is given
        for seg in (episode.segment(i) for i in ids):
            seg.en, seg.en_for = f"EN {seg.nl}", seg.nl

    machine = Episode.load(library / "haven").segment(SEG).en
    edits.edit_segment(library, "haven", SEG, 0, {"nl": ""}, "ann", retranslate=translate)
    edits.revert(library, "haven", 1, "ann")
    seg = Episode.load(library / "haven").segment(SEG)
    assert seg.en == machine and not seg.en_stale  # its English, made for this very Dutch


def test_stale_rev_is_refused_with_the_current_text(library):
    edits.edit_segment(library, "haven", SEG, 0, {"nl": "Eerste versie."}, "ann")
    with pytest.raises(edits.StaleRevision) as refused:
        edits.edit_segment(library, "haven", SEG, 0, {"nl": "Tweede versie."}, "bob")
    assert refused.value.segment.nl == "Eerste versie." and refused.value.segment.rev == 1
    assert Episode.load(library / "haven").segment(SEG).nl == "Eerste versie."
    assert len(log_lines(library)) == 1
    for future in (2, 10**30):  # a rev never seen is no rev to save over
        with pytest.raises(edits.StaleRevision):
            edits.edit_segment(library, "haven", SEG, future, {"nl": "Derde versie."}, "bob")
    assert len(log_lines(library)) == 1


def test_concurrent_saves_at_the_same_rev_let_exactly_one_through(library):
    outcomes: list[str] = []

    def save(text: str) -> None:
        try:
            edits.edit_segment(library, "haven", SEG, 0, {"nl": text}, text)
            outcomes.append("saved")
        except edits.StaleRevision:
            outcomes.append("refused")

    threads = [threading.Thread(target=save, args=(f"Versie {n}.",)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["refused"] * 3 + ["saved"]
    assert Episode.load(library / "haven").segment(SEG).rev == 1
    assert len(log_lines(library)) == 1


def test_unchanged_text_is_not_an_edit(library):
    seg = edits.edit_segment(library, "haven", SEG, 0, {"nl": "De schepen komen vroeg binnen."},
                             "ann")
    assert seg.rev == 0 and not seg.edited["nl"] and log_lines(library) == []


@pytest.mark.parametrize("changes", [
    {}, {"words": "x"}, {"nl": 3}, {"nl": "x" * (edits.MAX_TEXT + 1)}, {"nl": "a\x00b"},
    {"nl": "a\x1b[31mb"}, {"en": "bel\x07"}, {"nl": "a\x85b"},
])
def test_bad_changes_are_refused(library, changes):
    with pytest.raises(ReportageError):
        edits.edit_segment(library, "haven", SEG, 0, changes, "ann")
    assert log_lines(library) == []


def test_line_breaks_and_tabs_are_text_not_control_characters(library):
    seg = edits.edit_segment(library, "haven", SEG, 0, {"nl": "Twee\r\nregels\tmet tab."},
                             "ann")
    assert seg.nl == "Twee\nregels\tmet tab."
    # Invisible direction marks (a name pasted from a chat app, an override) are taken out.
    pasted = {"nl": "Met \u2068Xi\u2069 \u202eJinping."}
    seg = edits.edit_segment(library, "haven", SEG, seg.rev, pasted, "ann")
    assert seg.nl == "Met Xi Jinping."


def test_unknown_segment_and_episode(library):
    with pytest.raises(edits.UnknownSegment):
        edits.edit_segment(library, "haven", "s9999999", 0, {"nl": "x"}, "ann")
    with pytest.raises(ReportageError):
        edits.edit_segment(library, "elders", SEG, 0, {"nl": "x"}, "ann")


def test_history_and_revert_which_is_itself_logged(library):
    edits.edit_segment(library, "haven", SEG, 0, {"nl": "Een.", "en": "One."}, "ann")
    edits.edit_segment(library, "haven", "s0000000", 0, {"nl": "Hallo."}, "bob")
    edits.edit_segment(library, "haven", SEG, 1, {"nl": "Twee."}, "ann")
    assert [e.id for e in edits.history(library, "haven")] == [1, 2, 3, 4]
    assert [(e.field, e.after) for e in edits.history(library, "haven", SEG)] == [
        ("nl", "Een."), ("en", "One."), ("nl", "Twee.")]
    assert edits.history(library, "haven", "s0000600") == []  # a segment nobody edited
    with pytest.raises(ReportageError, match="no segment, chapter or speaker 's9'"):
        edits.history(library, "haven", "s9")

    [undo] = edits.revert(library, "haven", 4, "carol")
    assert (undo.id, undo.revert_of, undo.before, undo.after) == (5, 4, "Twee.", "Een.")
    seg = Episode.load(library / "haven").segment(SEG)
    assert seg.nl == "Een." and seg.rev == 3
    assert "Een." in (library / "haven" / "nl.srt").read_text()

    [again] = edits.revert(library, "haven", 1, "carol")  # back to the machine's text
    assert again.after == "De schepen komen vroeg binnen."
    assert edits.revert(library, "haven", 1, "carol") == []  # already so: nothing logged
    with pytest.raises(ReportageError, match="no edit 99"):
        edits.revert(library, "haven", 99, "carol")


def test_a_line_a_run_made_again_goes_on_from_its_rev(library):
    """A --force transcription makes every line anew: at rev 0 its next save would share a rev
    with an edit from before, and Undo and merging would take one for the other."""
    from pipeline.runner import _with_edits_since

    folder = library / "haven"
    edits.edit_segment(library, "haven", SEG, 0, {"nl": "Een."}, "ann")
    edits.revert(library, "haven", 1, "ann")  # the machine's line again, at rev 2
    made = Episode.load(folder)
    before = {s.id: s.rev for s in made.segments}  # as the stage began
    made.segment(SEG).rev = 0  # the run's new line
    made = _with_edits_since(made, folder, before)
    assert made.segment(SEG).rev == 2
    made.save(folder)
    edits.edit_segment(library, "haven", SEG, 2, {"en": "Ships."}, "bob")
    seg = edits.edit_segment(library, "haven", SEG, 2, {"nl": "Twee."}, "carol")  # merged
    assert (seg.nl, seg.en, seg.rev) == ("Twee.", "Ships.", 4)


def test_a_stale_save_of_another_part_of_the_line_is_kept_beside_it(library):
    edits.edit_segment(library, "haven", SEG, 0, {"en": "Ships arrive early."}, "ann")
    seg = edits.edit_segment(library, "haven", SEG, 0, {"nl": "Schepen komen vroeg."}, "bob")
    assert (seg.nl, seg.en, seg.rev) == ("Schepen komen vroeg.", "Ships arrive early.", 2)
    with pytest.raises(edits.StaleRevision):  # the same part: the editor decides
        edits.edit_segment(library, "haven", SEG, 0, {"en": "Mine."}, "carol")
    episode = Episode.load(library / "haven")
    episode.segment(SEG).rev = 5  # a save the log does not show: nothing to tell parts by
    episode.save(library / "haven")
    with pytest.raises(edits.StaleRevision):
        edits.edit_segment(library, "haven", SEG, 2, {"speaker": "new"}, "carol")


def test_out_of_date_english_given_as_it_is_is_confirmed(library):
    edits.edit_segment(library, "haven", SEG, 0, {"nl": "De schepen komen vroeg aan."}, "ann")
    assert Episode.load(library / "haven").segment(SEG).en_stale
    seg = edits.edit_segment(library, "haven", SEG, 1, {"en": "The ships come in early."}, "bob")
    assert not seg.en_stale and seg.edited["en"] and seg.rev == 2
    assert edits.history(library, "haven", SEG)[-1].field == "en"  # logged, revertible
    assert edits.edit_segment(library, "haven", SEG, 2, {"en": seg.en}, "bob").rev == 2  # no-op


def test_an_emptied_line_takes_its_machine_english_along(library):
    edits.edit_segment(library, "haven", SEG, 0, {"nl": " \u3164\u200d "}, "ann")  # nothing said
    seg = Episode.load(library / "haven").segment(SEG)
    assert (seg.nl, seg.en) == ("", "")
    assert "The ships come in early." not in (library / "haven" / "en.srt").read_text()
    assert [(e.field, e.before) for e in edits.history(library, "haven", SEG)] == [
        ("nl", "De schepen komen vroeg binnen."), ("en", "The ships come in early.")]
    other = "s0000600"  # English an editor wrote stays with it
    edits.edit_segment(library, "haven", other, 0, {"en": "A crane driver speaks."}, "ann")
    edits.edit_segment(library, "haven", other, 1, {"nl": ""}, "ann")
    assert Episode.load(library / "haven").segment(other).en == "A crane driver speaks."


def test_a_revert_never_silently_loses_a_newer_edit(library):
    episode = Episode.load(library / "haven")
    episode.segments[0].speaker = "S1"
    episode.save(library / "haven")
    edits.edit_segment(library, "haven", SEG, 0, {"nl": "Een."}, "ann")
    edits.edit_segment(library, "haven", SEG, 1, {"nl": "Twee."}, "bob")
    edits.rename_speaker(library, "haven", "S1", "Rogier", "ann")
    edits.rename_speaker(library, "haven", "S1", "Rogier Creemers", "bob")
    folder = library / "haven"
    published = {p.name: p.read_bytes() for p in folder.iterdir()}
    for older, newer in ((1, 2), (3, 4)):
        with pytest.raises(ReportageError, match=f"edit {newer} changed this after edit {older}"):
            edits.revert(library, "haven", older, "carol")
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == published  # nothing changed
    [forced] = edits.revert(library, "haven", 1, "carol", force=True)
    assert forced.before == "Twee." and forced.after == "De schepen komen vroeg binnen."
    refused = CliRunner().invoke(app, ["revert", "haven", "3", "--library", str(library)])
    assert refused.exit_code == 1 and "--force" in refused.output
    assert len(refused.output.strip().splitlines()) == 1


def test_a_line_torn_by_a_crash_is_skipped_and_closed(library):
    edits.edit_segment(library, "haven", SEG, 0, {"nl": "Een."}, "ann")
    with open(library / "haven" / edit_log.LOG, "a") as log:
        log.write('{"id": 2, "time": "2026-')  # the process died mid-write
    edits.edit_segment(library, "haven", SEG, 1, {"nl": "Twee."}, "ann")
    assert [(e.id, e.after) for e in edits.history(library, "haven")] == [(1, "Een."), (2, "Twee.")]


@pytest.mark.parametrize("field, before, message", [
    ("foo", "x", "cannot edit foo"),
    ("nl", "Een\u0007.", "control character"),
    ("nl", "x" * 9000, "the Dutch is longer than 5000"),
    ("speaker_name", "<b>Ann</b>", "markup"),
    ("chapters", "not json", "is damaged in edits.jsonl"),
    ("chapters", '[{"x": 1}]', "is damaged in edits.jsonl"),
    ("chapter_title", "", "cannot be empty"),
    ("chapters", '[{"id": "c1", "start": 0, "title": "A", "title_en": "Bel\\u0007"}]', "control"),
    ("chapters", '[{"id": "c1", "start": 0, "title": "A", "title_en": null, "edited": [1]}]',
     "is damaged"),
    ("chapters", '[{"id": "c1", "start": NaN, "title": "A", "title_en": null}]', "is damaged"),
    ("chapters", "{}", "is damaged"),  # no list ("[]": before an episode's first chapters)
])
def test_a_hand_damaged_log_line_is_refused_on_revert_and_nothing_changes(
        library, field, before, message):
    """edits.jsonl is a file anyone can change: what a revert gives back is checked as an
    edit is."""
    edits.edit_segment(library, "haven", SEG, 0, {"nl": "Een."}, "ann")
    target = "c1" if field.startswith("chapter") else SEG
    line = {"id": 2, "time": "2026-12-05T08:00:00Z", "editor": "x", "segment": target,
            "field": field, "before": before, "after": "y", "rev": 2, "revert_of": None}
    with open(library / "haven" / edit_log.LOG, "a") as log:
        log.write(json.dumps(line) + "\n")
    folder = library / "haven"
    published = {p.name: p.read_bytes() for p in folder.iterdir() if p.name != edit_log.LOG}
    with pytest.raises(ReportageError, match=message):
        edits.revert(library, "haven", 2, "carol", force=True)  # past the newer-edit check
    assert {p.name: p.read_bytes() for p in folder.iterdir()
            if p.name != edit_log.LOG} == published
    assert len(log_lines(library)) == 2


@pytest.mark.parametrize("damage", [{"id": "7"}, {"rev": None}, {"segment": 3},
                                    {"before": ["x"]}, {"revert_of": "1"}, {"id": True}])
def test_a_log_line_of_the_wrong_types_is_left_out(library, damage):
    edits.edit_segment(library, "haven", SEG, 0, {"nl": "Een."}, "ann")
    line = {"id": 2, "time": "2026-12-05T08:00:00Z", "editor": "x", "segment": SEG,
            "field": "nl", "before": "a", "after": "b", "rev": 2, "revert_of": None} | damage
    with open(library / "haven" / edit_log.LOG, "a") as log:
        log.write(json.dumps(line) + "\n")
    edits.edit_segment(library, "haven", SEG, 1, {"nl": "Twee."}, "ann")  # was a TypeError
    assert [(e.id, e.after) for e in edits.history(library, "haven")] == [(1, "Een."), (2, "Twee.")]


def test_retranscription_keeps_edited_segments(library):
    """What `reportage process` does on a re-run: new machine segments replace unedited ones,
    and any that overlap an edited segment are dropped in its favour."""
    edits.edit_segment(library, "haven", SEG, 0, {"nl": "Door een mens verbeterd."}, "ann")
    old = Episode.load(library / "haven").segments
    new = [AsrSegment(0.0, 2.4, "Machine een."), AsrSegment(2.8, 4.0, "Overlapt de edit."),
           AsrSegment(5.6, 8.0, "Machine drie.")]
    merged = merge_keeping_edits(old, new)
    assert [(s.start, s.nl) for s in merged] == [
        (0.0, "Machine een."), (3.0, "Door een mens verbeterd."), (5.6, "Machine drie.")]
    assert merged[1].edited["nl"] and merged[1].rev == 1


def test_a_named_voice_keeps_its_name_when_the_episode_is_transcribed_again():
    """--force or a new master: the new lines take the old lines' speakers by time, so the
    speakers stage gives a voice the id it had, and its name; it got a new id, the name none."""
    from pipeline.document import Segment
    from pipeline.stages.speakers import kept_ids

    old = [Segment(id="s1", start=0.0, end=3.0, nl="Een.", speaker="S1"),
           Segment(id="s2", start=3.5, end=6.0, nl="Twee.", speaker="S2"),
           Segment(id="s3", start=6.5, end=9.0, nl="Drie.", speaker="S1")]
    new = [AsrSegment(0.2, 2.9, "Een!"), AsrSegment(3.0, 5.0, "Twee!"),
           AsrSegment(5.2, 8.0, "Drie!"), AsrSegment(9.5, 10.0, "Vier!")]
    merged = merge_keeping_edits(old, new)
    assert [s.speaker for s in merged] == ["S1", "S2", "S1", None]
    # A new master's times may have moved (a jingle in front): by time, names could swap.
    assert {s.speaker for s in merge_keeping_edits(old, new, same_audio=False)} == {None}
    # A fresh clustering numbers the voices the other way round.
    ids = kept_ids(merged, ["S2", "S1", "S2", "S3"], [], {"S1", "Max de Vis"})
    assert ids == {"S2": "S1", "S1": "S2", "S3": "S3"}


def test_history_and_revert_commands(library):
    edits.edit_segment(library, "haven", SEG, 0, {"nl": "Een."}, "ann")
    runner = CliRunner()
    # "haven/": the shell completes a folder's name with a slash
    shown = runner.invoke(app, ["history", "haven/", SEG, "--library", str(library)])
    assert shown.exit_code == 0 and "ann" in shown.output and "+ Een." in shown.output
    done = runner.invoke(app, ["revert", "haven", "1", "--library", str(library)])
    assert done.exit_code == 0, done.output
    assert Episode.load(library / "haven").segment(SEG).nl == "De schepen komen vroeg binnen."
    as_json = runner.invoke(app, ["history", "haven", "--json", "--library", str(library)])
    assert [json.loads(line)["revert_of"] for line in as_json.output.splitlines()] == [None, 1]


def test_history_of_an_episode_nobody_edited_says_so(library):
    from tests.conftest import run_cli

    run = run_cli("history", "haven", "--library", str(library))
    assert run.rc == 0 and run.out == "" and "no human edits of haven yet" in run.err


@pytest.mark.parametrize("args", [["history", "../etc"], ["revert", "nowhere", "1"],
                                  ["revert", "haven", "7"]])
def test_commands_fail_with_one_line(library, args):
    result = CliRunner().invoke(app, [*args, "--library", str(library)])
    assert result.exit_code == 1
    assert result.output.startswith("error:") and len(result.output.strip().splitlines()) == 1


def test_saved_document_reloads_equal_with_a_line_per_segment(library):
    folder = library / "haven"
    episode = Episode.load(folder)
    episode.segments[0].nl = 'Quotes " and \\ backslashes\nand a newline, ümlauts.'
    episode.save(folder)
    text = (folder / "episode.json").read_text()
    assert json.loads(text) == episode.to_dict() and Episode.load(folder) == episode
    assert sum(line.lstrip().startswith('{"id": "s') for line in text.splitlines()) == 10


def test_held_documents_follow_writes_by_other_processes(library):
    folder = library / "haven"
    held = edits.documents.load(folder)
    assert edits.documents.load(folder) is held  # unchanged on disk: parsed once
    other = Episode.load(folder)  # e.g. `reportage process` or `revert` in another process
    other.segment(SEG).nl = "Van elders."
    other.save(folder)
    assert edits.documents.load(folder).segment(SEG).nl == "Van elders."
    seg = edits.edit_segment(library, "haven", SEG, 0, {"nl": "Hier."}, "ann")
    assert seg.nl == "Hier." and Episode.load(folder).segment(SEG).nl == "Hier."


def test_a_failed_save_leaves_no_half_edit_behind(library, monkeypatch):
    def broken_save(self, folder):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Episode, "save", broken_save)
    with pytest.raises(OSError):
        edits.edit_segment(library, "haven", SEG, 0, {"nl": "Verloren."}, "ann")
    monkeypatch.undo()
    seg = edits.documents.load(library / "haven").segment(SEG)
    assert (seg.nl, seg.rev) == ("De schepen komen vroeg binnen.", 0) and log_lines(library) == []


def test_only_the_most_recently_used_documents_are_held(tmp_path):
    libraries = [make_library(tmp_path / str(n)) for n in range(3)]
    held = edit_log.Documents(size=2)
    first = held.load(libraries[0] / "haven")
    held.load(libraries[1] / "haven")
    assert held.load(libraries[0] / "haven") is first  # used again: kept
    held.load(libraries[2] / "haven")  # pushes out the least recently used, libraries[1]
    assert held.load(libraries[0] / "haven") is first
    assert len(held._held) == 2 and (libraries[1] / "haven").resolve() not in held._held


def test_an_edit_re_lays_out_only_the_subtitle_run_it_touched():
    """Cues never span a forced break (here: pauses over 2 s), so after an edit the cue
    builder re-solves only that run; every other run comes from memory, unchanged."""
    from pipeline.formats import cues as subtitles

    episode = sample_episode()
    episode.chapters = []  # chapter starts would force breaks too
    for n, seg in enumerate(episode.segments):  # five runs of two segments, 5 s apart
        seg.start, seg.end = n * 4.0 + (n // 2) * 4.0, n * 4.0 + (n // 2) * 4.0 + 3.0
    before = subtitles.episode_cues(episode, "nl")
    subtitles._group_run.cache_clear()
    assert subtitles.episode_cues(episode, "nl") == before  # memory changes nothing
    episode.segments[4].nl = "Een heel andere en veel langere zin, door een redacteur getypt."
    hits = subtitles._group_run.cache_info().hits
    after = subtitles.episode_cues(episode, "nl")
    assert subtitles._group_run.cache_info().hits - hits == 4  # one run of five re-solved
    changed = [c for c in after if c not in before]
    assert changed and all(24.0 <= c.start < 36.0 for c in changed)  # segments 4 and 5


def test_history_of_a_line_given_by_its_time_as_the_page_shows_it(library):
    edits.edit_segment(library, "haven", SEG, 0, {"nl": "Een."}, "ann")  # the line at 00:03
    run = CliRunner().invoke(app, ["history", "haven", "00:03", "--library", str(library),
                                   "--json"])
    assert run.exit_code == 0 and json.loads(run.output)["segment"] == SEG
    late = CliRunner().invoke(app, ["history", "haven", "59:00", "--library", str(library)])
    assert late.exit_code == 1 and "no line at 59:00" in late.output
    named = CliRunner().invoke(app, ["history", "De haven", "--library", str(library)])
    assert "did you mean haven?" in named.output
    CliRunner().invoke(app, ["title", "haven", "Vissen filets", "--library", str(library)])
    titled = CliRunner().invoke(app, ["history", "Vissen filets", "--library", str(library)])
    assert "the episode titled 'Vissen filets' is haven" in titled.output

