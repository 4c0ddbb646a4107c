"""An editor's save while `reportage process --force` runs on the same episode: the save does not
wait for the run, and both the edit and the run's work survive."""

import fcntl
import subprocess
import sys
import time

import pytest
from conftest import ROOT

from pipeline.document import Episode
from pipeline.edits import edit_segment, history
from pipeline.edits.title import rename

TEXT = "Een redacteur schreef deze zin tijdens de run."


def run_lock_held(folder) -> bool:
    with open(folder / ".run.lock", "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
        return False


@pytest.mark.model
def test_an_edit_during_a_run_does_not_wait_and_both_survive(library_copy, speech_file):
    folder = library_copy / "vijf-zinnen"
    run = subprocess.Popen(
        [sys.executable, "-m", "pipeline", "process", str(speech_file), "--library",
         str(library_copy), "--force", "--quiet"], cwd=ROOT, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not run_lock_held(folder):
        assert run.poll() is None and time.monotonic() < deadline, "the run never started"
        time.sleep(0.05)
    time.sleep(1.0)  # into the stages: loading the model, transcribing

    seg = Episode.load(folder).segments[1]
    edit_segment(library_copy, "vijf-zinnen", seg.id, seg.rev, {"nl": TEXT}, "redacteur")
    rename(library_copy, "vijf-zinnen", "Vijf zinnen, hernoemd", "redacteur",
           title_en="Five sentences, renamed")
    assert run.poll() is None, "the save waited for the whole run"

    _, err = run.communicate(timeout=600)
    assert run.returncode == 0, err
    after = Episode.load(folder)
    kept = after.segment(seg.id)
    assert kept.nl == TEXT and kept.edited["nl"]
    assert [e.after for e in history(library_copy, "vijf-zinnen")] == [
        TEXT, "Vijf zinnen, hernoemd", "Five sentences, renamed"]
    # the run's saves kept the rename too
    assert (after.title, after.title_en) == ("Vijf zinnen, hernoemd", "Five sentences, renamed")
    subtitles = " ".join((folder / "nl.srt").read_text().split())  # lines joined
    assert TEXT in subtitles  # the run's publish kept it too
    # The run's work is there: every stage ran again, after the edit was saved.
    assert {"transcribe", "translate", "topics"} <= set(after.provenance)
    assert len(after.segments) >= 3 and all(s.en for s in after.segments if s.id != seg.id)
