"""`reportage evaluate` on a tiny dataset built from the CC0 clips in tests/data."""

from __future__ import annotations

import base64
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from audiogen import CLIPS, DATA, clip, reference, silence, write_audio
from conftest import run_cli

from pipeline.document import Chapter, Episode, Segment, Source
from pipeline.errors import ReportageError
from pipeline.evaluate import Item, discover, score_item, subtitle_counts, summarise
from pipeline.evaluate.metrics import speaker_error
from pipeline.evaluate.tables import cost_notes
from pipeline.runner import Result

WITH_REFERENCE, WITHOUT_REFERENCE = CLIPS[:3], CLIPS[3]


def make_episode(folder: Path) -> None:
    """All five clips joined with 1 s pauses; the first two are one topic, the rest another."""
    utterances, parts, t = [], [], 0.0
    for n, name in enumerate(CLIPS):
        samples = clip(name)
        end = t + len(samples) / 16000
        utterances.append({"start": t, "end": end, "topic": int(n >= 2), "nl": reference(name),
                           "speaker": "reader"})
        parts += [samples, silence(1.0)]
        t = end + 1.0
    write_audio(folder / "joined.mp3", np.concatenate(parts))
    (folder / "joined.json").write_text(json.dumps(
        {"duration_s": t, "topic_boundaries_s": [utterances[2]["start"]],
         "utterances": utterances}))


def make_dataset(root: Path) -> Path:
    dataset = root / "tiny-set"
    (dataset / "clips").mkdir(parents=True)
    (dataset / "episodes").mkdir()
    for name in WITH_REFERENCE:
        shutil.copy(DATA / f"{name}.wav", dataset / "clips")
        shutil.copy(DATA / f"{name}.nl.txt", dataset / "clips")
    # A clip whose reference is missing: warned about, the rest still evaluated.
    shutil.copy(DATA / f"{WITHOUT_REFERENCE}.wav", dataset / "clips")
    make_episode(dataset / "episodes")
    return dataset


# ---------------------------------------------------------------- without a model


def test_discover_reads_both_parts_and_notes_missing_references(tmp_path):
    items = discover(make_dataset(tmp_path))
    by_id = {i.id: i for i in items}
    assert [i.part for i in items] == ["clips"] * 4 + ["episodes"]
    assert by_id["vl00203"].nl == "De plant van de aardappel is giftig"
    missing = by_id[WITHOUT_REFERENCE]
    assert missing.nl is None and f"{WITHOUT_REFERENCE}.nl.txt" in missing.warnings[0]
    episode = by_id["joined"]
    assert len(episode.boundaries) == 1 and episode.nl.startswith("De Straat van Gibraltar")


def test_a_folder_of_clips_is_a_dataset_and_a_file_is_said_to_be_one(tmp_path):
    flat = tmp_path / "flat"
    flat.mkdir()
    for name in WITH_REFERENCE:
        shutil.copy(DATA / f"{name}.wav", flat)
        shutil.copy(DATA / f"{name}.nl.txt", flat)
    assert [(i.part, i.id) for i in discover(flat)] == [("clips", n)
                                                         for n in sorted(WITH_REFERENCE)]
    with pytest.raises(ReportageError, match="a file, not a dataset folder"):
        discover(flat / f"{WITH_REFERENCE[0]}.wav")


def test_limit_spreads_items_evenly(tmp_path):
    items = discover(make_dataset(tmp_path), parts=("clips",), limit=2)
    # Sorted: vl00203 vl04108 vl09647 vl12745; two of four are the first and the third.
    assert [i.id for i in items] == ["vl00203", "vl09647"]


@pytest.mark.parametrize("layout", ["empty", "unrelated files", "no such folder"])
def test_dataset_without_items_is_one_clear_line(tmp_path, layout):
    dataset = tmp_path / "set"
    if layout != "no such folder":
        (dataset / "clips").mkdir(parents=True)
    if layout == "unrelated files":
        (dataset / "clips" / "notes.txt").write_text("nothing to hear")
    run = run_cli("evaluate", dataset, "--work", str(tmp_path / "work"))
    assert run.rc != 0
    assert run.err.strip().count("\n") == 0 and "error:" in run.err
    assert "Traceback" not in run.err


def test_a_dataset_without_any_reference_is_refused_before_any_work(tmp_path):
    dataset = tmp_path / "set"
    (dataset / "clips").mkdir(parents=True)
    shutil.copy(DATA / f"{WITHOUT_REFERENCE}.wav", dataset / "clips")
    run = run_cli("evaluate", dataset, "--work", str(tmp_path / "work"))
    assert run.rc == 1 and "Traceback" not in run.err
    assert run.err.strip() == (f"error: {dataset}: no item has a reference to score against "
                               f"(no reference {WITHOUT_REFERENCE}.nl.txt: WER/CER skipped)")
    assert not (tmp_path / "work").exists()  # no model ran


def test_english_references_alone_are_something_to_score(tmp_path):
    dataset = tmp_path / "set"
    (dataset / "clips").mkdir(parents=True)
    shutil.copy(DATA / f"{WITHOUT_REFERENCE}.wav", dataset / "clips")
    (dataset / "clips" / f"{WITHOUT_REFERENCE}.en.txt").write_text("The potato plant.")
    [item] = discover(dataset)
    assert item.en == "The potato plant." and item.nl is None


def test_a_reference_utterance_without_its_text_is_said_plainly(tmp_path):
    dataset = make_dataset(tmp_path)
    broken = json.loads((dataset / "episodes" / "joined.json").read_text())
    del broken["utterances"][1]["nl"]
    (dataset / "episodes" / "joined.json").write_text(json.dumps(broken))
    episode = discover(dataset)[-1]
    assert episode.warnings[0] == "joined.json: an utterance has no 'nl' text: skipped"


@pytest.mark.parametrize("change, warning", [
    ({"speaker": None}, "a speaker on 4 of 5 utterances"),
    ({"start": float("nan")}, "an utterance from nan to"),
    ({"start": -1.0}, "an utterance from -1.0 to"),
    ({"start": 999.0}, "an utterance from 999.0 to"),  # after its end
    ({"end": "soon"}, "could not convert string to float: 'soon'"),
])
def test_a_bad_speaker_reference_skips_the_speaker_error_alone(tmp_path, change, warning):
    dataset = make_dataset(tmp_path)
    reference = dataset / "episodes" / "joined.json"
    data = json.loads(reference.read_text())
    data["utterances"][2] |= change
    reference.write_text(json.dumps(data))
    episode = discover(dataset)[-1]
    assert episode.speakers is None
    [said] = episode.warnings
    assert said.startswith(f"joined.json: {warning}") and said.endswith(": speaker error skipped")
    assert episode.nl and episode.boundaries  # the rest is scored


def test_speaker_ids_may_be_numbers(tmp_path):
    dataset = make_dataset(tmp_path)
    reference = dataset / "episodes" / "joined.json"
    data = json.loads(reference.read_text())
    for n, utterance in enumerate(data["utterances"]):
        utterance["speaker"] = n % 2  # 0 is a speaker, not a missing one
    reference.write_text(json.dumps(data))
    episode = discover(dataset)[-1]
    assert [who for _, _, who in episode.speakers] == ["0", "1", "0", "1", "0"]


def test_bad_part_is_refused(tmp_path):
    run = run_cli("evaluate", str(make_dataset(tmp_path)), "--part", "songs")
    assert run.rc != 0 and "unknown part" in run.err


def _document(segments: list[Segment], chapters: list[Chapter]) -> Episode:
    source = Source(path="x.wav", sha256="0", duration_s=100.0, sample_rate=16000)
    return Episode(slug="x", title="x", source=source, segments=segments, chapters=chapters,
                   provenance={"transcribe": {"started": "2026-01-01T00:00:00.000+00:00",
                                              "finished": "2026-01-01T00:00:20.500+00:00",
                                              "cpu_s": 30.0}})


def _result(folder: Path) -> Result:
    return Result("x", folder, 100.0, 2, ["transcribe"], [], 21.0)


def test_scores_use_what_the_document_has(tmp_path):
    item = Item("x", "episodes", Path("x.wav"), nl="De vis zwemt. Hij zwemt snel!",
                en="The fish swims. It swims fast!", boundaries=[50.0])
    bare = _document([Segment("s1", 0, 40, "de vis zwemt"), Segment("s2", 60, 90, "hij zwemt")],
                     [])
    row = score_item(item, bare, _result(tmp_path))
    assert row["wer"] == pytest.approx(1 / 6)  # "snel" deleted
    # No English, no chapters in the document: those metrics are absent, the baseline is not.
    assert row["bleu"] is None and row["chrf"] is None
    assert row["pk"] is None and row["pk_even"] == 0 and row["chapters_ref"] == 2
    assert row["subtitles"] == {}  # nothing published in this folder
    assert row["stages"] == {"transcribe": {"seconds": 20.5, "cpu_s": 30.0}}
    assert row["ran"] == ["transcribe"]

    full = _document(
        [Segment("s1", 0, 40, "de vis zwemt", en="The fish swims."),
         Segment("s2", 60, 90, "hij zwemt snel", en="It swims fast!")],
        [Chapter("c1", 0, 60, "vis"), Chapter("c2", 60, 100, "snel")],
    )
    row = score_item(item, full, _result(tmp_path))
    assert row["wer"] == 0 and row["chrf"] == pytest.approx(100)
    assert row["boundaries_pred"] == [60] and 0 < row["pk"] < 1
    summary = summarise([row], [item])
    assert summary["stages"]["transcribe"]["rtf"] == pytest.approx(0.205)
    assert summary["stages"]["transcribe"]["cpu_rtf"] == pytest.approx(0.3)


def test_speaker_error_maps_labels_to_the_reference_speakers(tmp_path):
    # S2 is Bob's label, so the last 10 s (Anna's) are wrong: 10 of the 80 s both label.
    item = Item("x", "episodes", Path("x.wav"),
                speakers=[(0, 40, "anna"), (60, 90, "bob"), (90, 100, "anna")])
    labelled = _document([Segment("s1", 0, 40, "ja", speaker="S2"),
                          Segment("s2", 60, 90, "nee", speaker="S1"),
                          Segment("s3", 90, 100, "ja", speaker="S1")], [])
    row = score_item(item, labelled, _result(tmp_path))
    assert row["speaker_error"] == pytest.approx(10 / 80, abs=1e-3)
    assert (row["speakers_ref"], row["speakers_pred"]) == (2, 2)
    assert summarise([row], [item])["speaker_error"] == row["speaker_error"]


def test_speaker_error_counts_the_episodes_time_only():
    ref = [(0, 4, "anna"), (4, 8, "bob"), (8, 5000, "anna")]  # the last one runs past the end
    assert speaker_error(ref, [(0, 4, "S1"), (4, 10, "S2")], 10) == pytest.approx(0.2, abs=1e-2)
    assert speaker_error(ref, [(20, 30, "S1")], 10) is None  # nothing within both


def test_the_cost_notes_say_what_the_figures_hold():
    row = {"stages": {"transcribe": {}, "topics": {}}, "ran": ["topics"]}
    report = {"settings": {"translate": {"enabled": True, "translator": "transformers"}},
              "items": [row, row | {"ran": ["transcribe", "topics"]}], "cost": {"jobs": 1}}
    notes = " ".join(cost_notes(report))
    assert "1 of 2 items resumed" in notes
    assert "transcribe includes" not in notes and "at once" not in notes
    report["settings"]["translate"]["translator"] = "whisper"
    report["cost"]["jobs"] = 2
    notes = " ".join(cost_notes(report))
    assert "transcribe includes decoding the English" in notes and "2 items ran at once" in notes


# ---------------------------------------------------------------- through the real pipeline


@pytest.fixture(scope="module")
def evaluated(tmp_path_factory):
    root = tmp_path_factory.mktemp("evaluate")
    dataset = make_dataset(root)
    out = root / "report.json", root / "report.html"
    # Two worker processes; the re-run below goes one item at a time in this process.
    run = run_cli("evaluate", str(dataset), "--work", str(root / "work"), "--beam-size", "1",
                  "--compute-type", "int8", "--json", str(out[0]), "--html", str(out[1]),
                  "--jobs", "2", timeout=900)
    return root, dataset, run, out


@pytest.mark.model
def test_report_keys_and_scores(evaluated):
    _, _, run, (json_out, _) = evaluated
    assert run.rc == 0, run.err
    report = json.loads(json_out.read_text())
    assert set(report) == {"report_version", "dataset", "library", "settings", "normaliser",
                           "summary", "items", "errors", "cost"}
    assert report["settings"]["asr"]["beam_size"] == 1
    assert set(report["summary"]) == {"clips", "episodes"}
    clips = report["summary"]["clips"]
    # 14 + 11 + 7 reference words: the clip without a reference is left out of WER, and said.
    assert clips["items"] == 4 and clips["scored"] == 3 and clips["ref_words"] == 32
    # Whisper base reads these clear sentences mostly right.
    assert 0 <= clips["wer"] < 0.5 and 0 <= clips["cer"] <= clips["wer"] + 0.05
    episode = report["summary"]["episodes"]
    assert episode["wer"] < 0.5 and episode["pk_even"] is not None
    # One reader throughout: the speaker labels are scored against the reference's.
    [joined] = [r for r in report["items"] if r["part"] == "episodes"]
    assert joined["speakers_ref"] == 1 and joined["speaker_error"] < 0.2
    assert episode["speaker_error"] == joined["speaker_error"]
    assert clips["bleu"] is None  # no English references here
    stages = report["cost"]["stages"]["transcribe"]
    assert stages["seconds"] > 0 and 0 < stages["rtf"] < 20 and stages["cpu_s"] > 0
    assert report["cost"]["peak_rss_mb"] > 50 and report["errors"] == []
    # The cost table says what its figures hold: two workers, the English decoded in transcribe.
    assert report["cost"]["jobs"] == 2
    said = " ".join(run.out.split())  # the tables go to stdout, warnings to stderr
    assert "summary" in said and "summary" not in run.err
    assert "2 items ran at once: stage seconds add up over the workers" in said
    assert "transcribe includes decoding the English" in said
    subtitles = episode["subtitles"]["nl"]
    assert subtitles["cues"] >= 2 and 0 <= subtitles["within_target_cps"] <= 1
    assert subtitles["within_limits"] == episode["subs_ok"]
    # The default pipeline translates: English subtitles are checked too, BLEU needs a reference.
    assert episode["subtitles"]["en"]["cues"] >= 1 and episode["bleu"] is None


@pytest.mark.model
def test_missing_reference_is_a_warning_and_the_rest_is_scored(evaluated):
    _, _, run, (json_out, _) = evaluated
    assert "warning:" in run.err and f"{WITHOUT_REFERENCE}.nl.txt" in run.err
    rows = {r["id"]: r for r in json.loads(json_out.read_text())["items"]}
    assert rows[WITHOUT_REFERENCE]["wer"] is None and rows[WITHOUT_REFERENCE]["segments"] > 0
    assert all(rows[c]["wer"] is not None for c in WITH_REFERENCE)


@pytest.mark.model
def test_html_report_embeds_the_figures(evaluated):
    _, _, _, (_, html_out) = evaluated
    page = html_out.read_text()
    images = page.split('src="data:image/png;base64,')[1:]
    assert len(images) == 2  # per-item WER chart and the episode's chapter timeline
    for image in images:
        assert base64.b64decode(image.split('"')[0]).startswith(b"\x89PNG")
    assert "WER per item" in page and "joined" in page
    assert "2 items ran at once" in page


@pytest.mark.model
def test_rerun_resumes_from_the_scratch_library(evaluated):
    root, dataset, first, (json_out, _) = evaluated
    assert first.rc == 0, first.err
    again = root / "again.json"
    run = run_cli("evaluate", str(dataset), "--work", str(root / "work"), "--beam-size", "1",
                  "--compute-type", "int8", "--json", str(again), "--quiet", "--jobs", "1",
                  timeout=900)
    assert run.rc == 0, run.err
    before, after = json.loads(json_out.read_text()), json.loads(again.read_text())
    assert all(r["ran"] == [] for r in after["items"])
    assert [r["id"] for r in after["items"]] == [r["id"] for r in before["items"]]
    assert [r["wer"] for r in after["items"]] == [r["wer"] for r in before["items"]]
    # Its stage seconds are the first run's, and the cost notes say so.
    n = len(after["items"])
    assert f"{n} of {n} items resumed" in " ".join(cost_notes(after))
    assert "resumed" not in " ".join(cost_notes(before))


@pytest.mark.model
def test_json_on_stdout_moves_the_tables_to_stderr(evaluated):
    root, dataset, first, _ = evaluated
    assert first.rc == 0, first.err
    run = run_cli("evaluate", str(dataset), "--work", str(root / "work"), "--beam-size", "1",
                  "--compute-type", "int8", "--json", "-", "--jobs", "1", timeout=900)
    assert run.rc == 0, run.err
    assert json.loads(run.out)["summary"]["episodes"]["items"] == 1  # nothing else on stdout
    assert "summary" in run.err and "wall time" in run.err


def test_subtitle_counts_follow_the_checker(tmp_path):
    slow, fast = "De vis zwemt.", "Dit is een veel te lange zin"
    brisk = "Het water is koud en erg diep"
    assert (len(slow) / 2, len(fast) / 1, len(brisk) / 1.6) == (6.5, 28, 18.125)
    (tmp_path / "nl.srt").write_text(
        f"1\n00:00:00,000 --> 00:00:02,000\n{slow}\n\n"
        f"2\n00:00:03,000 --> 00:00:04,000\n{fast}\n\n"  # above 20 cps: a hard limit
        f"3\n00:00:05,000 --> 00:00:06,600\n{brisk}\n"  # within 20, above the 17 target
    )
    assert subtitle_counts(tmp_path) == {
        "nl": {"cues": 3, "within_limits": 2, "within_target_cps": 1}}


@pytest.mark.parametrize("bounds", ["12", [float("nan")], [30.0, 10.0], [-5.0], [True]])
def test_topic_boundaries_that_are_no_increasing_times_are_not_scored(tmp_path, bounds):
    dataset = make_dataset(tmp_path)
    [reference] = (dataset / "episodes").glob("*.json")
    data = json.loads(reference.read_text(encoding="utf-8"))
    data["topic_boundaries_s"] = bounds
    reference.write_text(json.dumps(data), encoding="utf-8")
    [episode] = [i for i in discover(dataset) if i.part == "episodes"]
    assert episode.boundaries == [] or episode.boundaries is None
    assert "not a valid reference" in episode.warnings[-1]
    assert "increasing times" in episode.warnings[-1]


def test_the_summary_table_says_how_many_items_were_scored():
    from pipeline.evaluate.tables import summary_table

    part = {"items": 5, "scored": 3, "duration_s": 10.0, "stages": {}}
    assert summary_table({"summary": {"clips": part}})[1][0][:2] == ["clips", "5 (3 scored)"]
    part["scored"] = 5
    assert summary_table({"summary": {"clips": part}})[1][0][:2] == ["clips", "5"]
