"""Speakers in the document and every output: labels, names, renames and reassignments as logged
edits, the split of a segment where the voice changes, and search by speaker. No model here."""

import json

import pytest
import srt
import webvtt
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from pipeline import search
from pipeline.cli import app as cli_app
from pipeline.document import Episode, Segment, Word
from pipeline.edits import (
    NameTaken,
    StaleSpeakers,
    edit_segment,
    history,
    rename_speaker,
    revert,
)
from pipeline.errors import ReportageError
from pipeline.speakers import Split
from pipeline.stages.speakers import apply_labels
from pipeline.web.app import create_app
from tests.web_fixtures import make_library

SLUG = "haven"


@pytest.fixture
def library(tmp_path):
    """The web fixture's episode with two speakers taking turns: S1 S1 S2 S2 S1 ..."""
    library = make_library(tmp_path)
    folder = library / SLUG
    episode = Episode.load(folder)
    for n, seg in enumerate(episode.segments):
        seg.speaker = "S1" if n % 4 in (0, 1) else "S2"
    episode.save(folder)
    rename_speaker(library, SLUG, "S1", "Rogier Creemers", "test")  # publishes
    return library


def outputs(library):
    folder = library / SLUG
    return {name: (folder / name).read_text() for name in
            ("nl.vtt", "nl.srt", "transcript.json", "transcript.txt", "index.html")}


def test_every_output_carries_the_speaker_by_name(library):
    out = outputs(library)
    voices = [c.voice for c in webvtt.from_string(out["nl.vtt"])]
    assert set(voices) == {"Rogier Creemers", "S2"}
    assert {s.get("speaker") for s in json.loads(out["transcript.json"])["segments"]} == {
        "Rogier Creemers", "S2"}
    turns = [line for line in out["transcript.txt"].splitlines() if ": " in line]
    # the name at each turn only (10 segments in runs of two: 5 turns), and again after the
    # chapter heading that falls inside a turn
    assert len(turns) == 6 and "Rogier Creemers: Goedemorgen" in turns[0]
    # the name at each turn, with the Dutch (and again with the English, shown in English mode)
    assert out["index.html"].count('lang="nl"><span class="speaker voice-1">') == 4
    assert out["index.html"].count('lang="nl"><span class="speaker voice-2">') == 2
    assert out["index.html"].count('<span class="speaker voice-1" lang="nl">') == 4
    # a new speaker starts a new cue: no SRT cue holds two speakers
    assert len(list(srt.parse(out["nl.srt"]))) >= 5


def test_a_rename_is_a_logged_edit_that_reverts(library):
    before = outputs(library)
    [edit] = rename_speaker(library, SLUG, "S2", "Mona Harbers", "redacteur")
    after = outputs(library)
    assert "Mona Harbers" in after["nl.vtt"] and "Mona Harbers" not in before["nl.vtt"]
    assert (edit.segment, edit.field, edit.before, edit.after) == (
        "S2", "speaker_name", None, "Mona Harbers")
    assert [e.after for e in history(library, SLUG)][-1] == "Mona Harbers"
    revert(library, SLUG, edit.id, "redacteur")
    assert outputs(library)["nl.vtt"] == before["nl.vtt"]
    assert Episode.load(library / SLUG).speakers == {"S1": "Rogier Creemers"}


def test_the_command_says_the_name_as_kept(library):
    runner = CliRunner()
    named = runner.invoke(cli_app, ["speakers", SLUG, "S2", "  Mona   Harbers ", "--library",
                                    str(library)])
    assert named.exit_code == 0 and named.output.strip() == "✓ haven S2 is now Mona Harbers"
    pasted = runner.invoke(cli_app, ["speakers", SLUG, "S2", "\u2068Mona\u2069 \u202eHarbers",
                                     "--library", str(library)])
    assert pasted.exit_code == 0 and pasted.output.strip() == "nothing to change"  # same name
    cleared = runner.invoke(cli_app, ["speakers", SLUG, "S2", "   ", "--library", str(library)])
    assert cleared.exit_code == 0 and cleared.output.strip() == "✓ haven S2 is now S2"


def test_a_name_typed_in_another_unicode_form_is_the_same_name(library):
    rename_speaker(library, SLUG, "S2", "Jose\u0301", "a")  # "e" and a combining accent
    assert Episode.load(library / SLUG).speakers["S2"] == "José"
    with pytest.raises(NameTaken):
        rename_speaker(library, SLUG, "S1", "José", "a")
    seg = Episode.load(library / SLUG).segments[0]
    edit_segment(library, SLUG, seg.id, seg.rev, {"nl": "Jose\u0301 is er."}, "a")
    assert Episode.load(library / SLUG).segments[0].nl == "José is er."


def test_two_names_the_wrong_way_round_swap_in_one_save(library):
    rename_speaker(library, SLUG, "S2", "Mona Harbers", "a")
    with pytest.raises(NameTaken, match="--swap") as taken:
        rename_speaker(library, SLUG, "S2", "rogier creemers", "a")
    assert taken.value.holder == "S1"
    rev = Episode.load(library / SLUG).speakers_rev
    swapped = rename_speaker(library, SLUG, "S2", "Rogier Creemers", "a", rev=rev, swap=True)
    assert [(e.segment, e.before, e.after, e.rev) for e in swapped] == [
        ("S1", "Rogier Creemers", "Mona Harbers", rev + 1),
        ("S2", "Mona Harbers", "Rogier Creemers", rev + 1)]
    episode = Episode.load(library / SLUG)
    assert episode.speakers == {"S1": "Mona Harbers", "S2": "Rogier Creemers"}
    assert episode.speakers_rev == rev + 1
    voices = {c.voice for c in webvtt.from_string(outputs(library)["nl.vtt"])}
    assert voices == {"Mona Harbers", "Rogier Creemers"}
    # a speaker without a name swaps its id: the other goes back to its own id
    rename_speaker(library, SLUG, "S1", "", "a")
    rename_speaker(library, SLUG, "S1", "Rogier Creemers", "a", swap=True)
    assert Episode.load(library / SLUG).speakers == {"S1": "Rogier Creemers"}
    with pytest.raises(ReportageError, match="already names speaker S1"):  # an id never swaps
        rename_speaker(library, SLUG, "S2", "S1", "a", swap=True)


def test_the_command_swaps_two_names(library):
    runner = CliRunner()
    rename_speaker(library, SLUG, "S2", "Mona", "a")
    args = ["speakers", SLUG, "S2", "Rogier Creemers", "--library", str(library)]
    refused = runner.invoke(cli_app, args)
    assert refused.exit_code == 1 and "--swap" in refused.output
    done = runner.invoke(cli_app, [*args, "--swap"])
    assert done.exit_code == 0, done.output
    assert done.output.strip() == "✓ haven S1 is now Mona, S2 is now Rogier Creemers"


def test_a_stale_or_bad_rename_changes_nothing(library):
    rev = Episode.load(library / SLUG).speakers_rev
    rename_speaker(library, SLUG, "S2", "Een", "a", rev=rev)
    with pytest.raises(StaleSpeakers):
        rename_speaker(library, SLUG, "S2", "Twee", "b", rev=rev)
    assert rename_speaker(library, SLUG, "S1", "Drie", "b", rev=rev)  # another: no clash
    with pytest.raises(StaleSpeakers):  # a swap's names are all read at that rev
        rename_speaker(library, SLUG, "S1", "Een", "b", rev=rev, swap=True)
    rename_speaker(library, SLUG, "S1", "Rogier Creemers", "b")
    for name in ("<b>x</b>", "x" * 81, "tab\x07", "del\x7f", "c1\x9b", "\u3164", "\u200d\u00ad"):
        with pytest.raises(ReportageError):
            rename_speaker(library, SLUG, "S2", name, "c")
    with pytest.raises(ReportageError, match="no speaker"):
        rename_speaker(library, SLUG, "S9", "Niemand", "c")
    for taken in ("S1", "rogier CREEMERS"):  # another speaker's id or name: two voices as one
        with pytest.raises(ReportageError, match="already names speaker S1"):
            rename_speaker(library, SLUG, "S2", taken, "c")
    assert Episode.load(library / SLUG).speakers["S2"] == "Een"
    assert rename_speaker(library, SLUG, "S2", "EEN", "c")  # its own name in other letters


def test_a_name_can_go_back_to_the_id_beside_unnamed_speakers(library):
    first = Episode.load(library / SLUG).segments[-1]
    edit_segment(library, SLUG, first.id, first.rev, {"speaker": "new"}, "a")  # S3, unnamed
    [named] = rename_speaker(library, SLUG, "S2", "Een", "a")
    [undone] = revert(library, SLUG, named.id, "b")  # its first name taken back
    assert undone.after is None and "S2" not in Episode.load(library / SLUG).speakers
    rename_speaker(library, SLUG, "S2", "Twee", "a")
    assert rename_speaker(library, SLUG, "S2", "", "a")  # back to "S2"
    assert "S2" not in Episode.load(library / SLUG).speakers


def test_a_rename_the_search_index_cannot_follow_says_that_it_was_saved(library):
    search.index_path(library).write_bytes(b"\x00garbage" * 1000)
    with pytest.raises(ReportageError, match="saved and published, but the search index"):
        rename_speaker(library, SLUG, "S2", "Een", "a")
    assert Episode.load(library / SLUG).speakers["S2"] == "Een"
    assert history(library, SLUG)[-1].after == "Een"


def test_a_log_line_cut_inside_a_character_is_skipped(library):
    rename_speaker(library, SLUG, "S2", "Een", "a")
    before = [e.id for e in history(library, SLUG)]
    with open(library / SLUG / "edits.jsonl", "ab") as log:
        log.write('{"id": 99, "editor": "Zoë'.encode()[:-1])  # a crash mid-append
    [edit] = rename_speaker(library, SLUG, "S2", "Twee", "b")
    assert [e.id for e in history(library, SLUG)] == [*before, edit.id]
    assert edit.id == max(before) + 1


def test_reassign_a_segment_to_another_or_a_new_speaker(library):
    episode = Episode.load(library / SLUG)
    seg = episode.segments[2]
    assert seg.speaker == "S2"
    edit_segment(library, SLUG, seg.id, seg.rev, {"speaker": "S1"}, "redacteur")
    moved = Episode.load(library / SLUG).segment(seg.id)
    assert moved.speaker == "S1" and moved.edited["speaker"]
    edit_segment(library, SLUG, seg.id, moved.rev, {"speaker": "new"}, "redacteur")
    assert Episode.load(library / SLUG).segment(seg.id).speaker == "S3"
    with pytest.raises(ReportageError, match="no speaker 'S7'"):
        edit_segment(library, SLUG, seg.id, moved.rev + 1, {"speaker": "S7"}, "redacteur")


def test_search_shows_and_filters_by_speaker(library):
    hits = search.search(library, "haven")
    assert hits and hits[0].speaker == "Rogier Creemers"
    assert search.search(library, "vissers", speaker="rogier creemers", mode="exact") == []
    assert [h.speaker for h in search.search(library, "vissers", speaker=" s2 ",
                                             mode="exact")] == ["S2"]  # as typed in a box
    # Meaning hits (the default, hybrid) keep to the speaker too.
    assert {h.speaker for h in search.search(library, "vissers", speaker="S2")} == {"S2"}


def test_a_speaker_filter_takes_the_name_in_any_case_and_unicode_form(library):
    rename_speaker(library, SLUG, "S2", "Élodie Öztürk", "test")
    for typed in ("élodie öztürk", "E\u0301LODIE O\u0308ZTU\u0308RK"):
        hits = search.search(library, "vissers", speaker=typed, mode="exact")
        assert hits and {h.speaker for h in hits} == {"Élodie Öztürk"}, typed


def test_the_rename_api_checks_rev_token_and_name(library):
    client = TestClient(create_app(library, "t", {"testserver"}))
    auth = {"Authorization": "Bearer t"}
    url = f"/api/episodes/{SLUG}/speakers/S2"
    rev = client.get(f"/api/episodes/{SLUG}").json()["speakers_rev"]
    assert client.patch(url, json={"rev": rev, "name": "Mona"}).status_code == 401
    ok = client.patch(url, json={"rev": rev, "name": "Mona"}, headers=auth)
    assert ok.status_code == 200 and ok.json()["speakers"]["S2"] == "Mona"
    stale = client.patch(url, json={"rev": rev, "name": "Anders"}, headers=auth)
    assert stale.status_code == 409 and stale.json()["speakers"]["S2"] == "Mona"
    assert client.patch(url, json={"rev": rev + 1, "name": "<i>"}, headers=auth).status_code == 422
    assert client.patch(f"/api/episodes/{SLUG}/speakers/S9", json={"rev": rev + 1, "name": "x"},
                        headers=auth).status_code == 404
    taken = client.patch(url, json={"rev": rev + 1, "name": "Rogier Creemers"}, headers=auth)
    assert taken.status_code == 422 and taken.json()["holder"] == "S1"  # the page offers a swap
    swapped = client.patch(url, json={"rev": rev + 1, "name": "Rogier Creemers", "swap": True},
                           headers=auth)
    assert swapped.status_code == 200, swapped.text
    assert swapped.json() == {"speakers": {"S1": "Mona", "S2": "Rogier Creemers"},
                              "rev": rev + 2}
    assert client.patch(url, json={"rev": rev + 2, "name": "x", "swap": "yes"},
                        headers=auth).status_code == 422


def test_a_rerun_keeps_each_voice_under_the_id_its_name_was_given_to():
    from pipeline.stages.speakers import kept_ids

    before = ["S1", "S1", "S2", "S2", None]
    segments = [Segment(f"s{i}", i * 3.0, i * 3.0 + 2.5, "Ja.", speaker=who)
                for i, who in enumerate(before)]
    again = ["S2", "S2", "S1", "S1", "S3"]  # numbered afresh, and one more voice found
    assert kept_ids(segments, again, [], {"S1", "S2"}) == {"S2": "S1", "S1": "S2", "S3": "S3"}
    # An id an editor named (a speaker with no lines left) is no new voice's.
    assert kept_ids(segments, again, [], {"S1", "S3"})["S3"] == "S4"
    # A first run; a voice heard only inside a line (it takes over from its second word).
    first = [Segment("s0", 0.0, 3.0, "Ja nee ok."), Segment("s1", 3.0, 6.0, "Goed zo.")]
    assert kept_ids(first, ["S1", "S1"], [Split(0, 1, "S2")], set()) == {"S1": "S1", "S2": "S2"}


def words(*spans):
    return [Word(text, a, b) for text, a, b in spans]


def test_a_segment_is_split_where_the_voice_changes():
    seg = Segment("s0000000", 0.0, 4.0, "Ja dat klopt. Maar waarom?",
                  words=words(("Ja", 0.0, 0.3), ("dat", 0.4, 0.6), ("klopt.", 0.7, 1.2),
                              ("Maar", 2.0, 2.3), ("waarom?", 2.4, 4.0)))
    other = Segment("s0000500", 5.0, 6.0, "Daarom.", words=words(("Daarom.", 5.0, 6.0)))
    out = apply_labels([seg, other], ["S1", "S1"], [Split(0, 3, "S2")])
    assert [(s.speaker, s.nl, s.start, s.end) for s in out] == [
        ("S1", "Ja dat klopt.", 0.0, 1.2), ("S2", "Maar waarom?", 2.0, 4.0),
        ("S1", "Daarom.", 5.0, 6.0)]
    assert len({s.id for s in out}) == 3


def test_an_edited_segment_keeps_its_text_and_speaker():
    seg = Segment("s0000000", 0.0, 2.0, "Door een mens verbeterd.", speaker="S2",
                  words=words(("Door", 0, 0.5), ("een", 0.6, 0.8), ("mens", 0.9, 1.2)))
    seg.edited["nl"] = True
    [kept] = apply_labels([seg], ["S1"], [Split(0, 2, "S3")])
    assert (kept.nl, kept.speaker) == ("Door een mens verbeterd.", "S2")


def test_a_name_held_by_a_speaker_without_lines_is_still_taken(library):
    seg = Episode.load(library / SLUG).segments[-1]
    before = seg.speaker
    moved = edit_segment(library, SLUG, seg.id, seg.rev, {"speaker": "new"}, "a")
    third = moved.speaker
    rename_speaker(library, SLUG, third, "Xavier", "a")
    edit_segment(library, SLUG, seg.id, moved.rev, {"speaker": before}, "a")  # named, no lines
    with pytest.raises(ReportageError, match="already names speaker"):
        rename_speaker(library, SLUG, "S1", "xavier", "a")
    assert rename_speaker(library, SLUG, third, "", "a")  # so its name can be taken back
    assert rename_speaker(library, SLUG, "S1", "Xavier", "a")


def test_a_move_from_a_speaker_left_without_lines_reverts(library):
    seg = Episode.load(library / SLUG).segments[-1]
    alone = edit_segment(library, SLUG, seg.id, seg.rev, {"speaker": "new"}, "a")  # S3
    joined = edit_segment(library, SLUG, seg.id, alone.rev, {"speaker": "S1"}, "a")
    [move] = [e for e in history(library, SLUG, seg.id) if e.rev == joined.rev]
    revert(library, SLUG, move.id, "a")  # the one-line voice comes back
    assert Episode.load(library / SLUG).segment(seg.id).speaker == alone.speaker == "S3"


def test_a_new_voice_never_takes_a_label_a_speaker_is_named(library):
    rename_speaker(library, SLUG, "S1", "s3", "a")  # a name like an id no voice has
    seg = Episode.load(library / SLUG).segments[2]
    moved = edit_segment(library, SLUG, seg.id, seg.rev, {"speaker": "new"}, "a")
    assert moved.speaker == "S4"
    from pipeline.stages.speakers import kept_ids

    segments = [Segment("s0", 0.0, 2.0, "Ja.", speaker="S1"), Segment("s1", 3.0, 5.0, "Nee.")]
    assert kept_ids(segments, ["S1", "S2"], [], {"S1", "s2"})["S2"] == "S3"  # "s2": a name


def test_listing_an_episode_without_speaker_labels_says_so(tmp_path, cli):
    from tests.web_fixtures import make_library

    library = make_library(tmp_path)  # its lines have no speaker
    run = cli("speakers", "haven", "--library", str(library))
    assert run.rc == 0 and run.out == ""
    assert run.err.startswith("warning: haven has no speaker labels")
