"""The evaluation report as tables for people: the corpus scores a part, an episode's scores,
the cost per stage (the CLI prints them, the HTML report shows them)."""

from __future__ import annotations

from collections.abc import Callable

Column = tuple[str, str, Callable[[object], str]]  # (key, heading, format)


def _percent(v) -> str:
    return "–" if v is None else f"{100 * v:.1f}"


def _score(v) -> str:
    return "–" if v is None else f"{v:.1f}"


def _ratio(v) -> str:
    return "–" if v is None else f"{v:.3f}"


def _plain(v) -> str:
    return "–" if v is None else str(v)


SCORE_COLUMNS: list[Column] = [
    ("wer", "WER %", _percent), ("cer", "CER %", _percent),
    ("bleu", "BLEU", _score), ("chrf", "chrF", _score),
    ("pk", "Pk", _ratio), ("windowdiff", "WinDiff", _ratio),
    ("pk_even", "Pk even", _ratio), ("windowdiff_even", "WinDiff even", _ratio),
    ("speaker_error", "speaker err %", _percent),
    ("subs_ok", "subs ok %", _percent), ("subs_17cps", "≤17 cps %", _percent),
    ("rtf", "RTF", _ratio), ("cpu_rtf", "CPU RTF", _ratio),
]


def _rtfs(stages: dict[str, dict], duration_s: float) -> dict:
    """All stages together as wall and CPU real-time factors."""
    wall = [c["seconds"] for c in stages.values()]
    cpu = [c["cpu_s"] for c in stages.values()]
    if not stages or not duration_s:
        return {"rtf": None, "cpu_rtf": None}
    return {"rtf": sum(wall) / duration_s,
            "cpu_rtf": None if None in cpu else sum(cpu) / duration_s}


def summary_table(report: dict) -> tuple[list[str], list[list[str]]]:
    """Headings and rows (one a part) of the corpus-level scores."""
    head = ["part", "items", "audio s"] + [h for _, h, _ in SCORE_COLUMNS]
    rows = []
    for part, s in report["summary"].items():
        values = s | _rtfs(s["stages"], s["duration_s"])
        items = f"{s['items']}" + (f" ({s['scored']} scored)" if s["scored"] < s["items"] else "")
        rows.append([part, items, f"{s['duration_s']:.0f}"]
                    + [fmt(values.get(key)) for key, _, fmt in SCORE_COLUMNS])
    return head, rows


def item_table(report: dict, part: str) -> tuple[list[str], list[list[str]]]:
    """Headings and rows (one an item) of one part's per-item scores."""
    head = ["id", "audio s", "chapters ref/pred", "speakers ref/pred"] + [
        h for _, h, _ in SCORE_COLUMNS]
    rows = []
    for r in (r for r in report["items"] if r["part"] == part):
        values = r | _rtfs(r["stages"], r["duration_s"]) | _subs_columns(r["subtitles"])
        chapters = f"{_plain(r['chapters_ref'])}/{_plain(r['chapters_pred'])}"
        speakers = f"{_plain(r['speakers_ref'])}/{_plain(r['speakers_pred'])}"
        rows.append([r["id"], f"{r['duration_s']:.0f}", chapters, speakers]
                    + [fmt(values.get(key)) for key, _, fmt in SCORE_COLUMNS])
    return head, rows


def _subs_columns(subtitles: dict) -> dict:
    nl = subtitles.get("nl")
    if not nl or not nl["cues"]:
        return {}
    return {"subs_ok": nl["within_limits"] / nl["cues"],
            "subs_17cps": nl["within_target_cps"] / nl["cues"]}


def cost_table(report: dict) -> tuple[list[str], list[list[str]]]:
    head = ["stage", "wall s", "CPU s", "audio s", "RTF (wall)", "RTF (CPU)"]
    rows = [[stage, f"{c['seconds']:.1f}", _score(c["cpu_s"]), f"{c['audio_s']:.0f}",
             _ratio(c["rtf"]), _ratio(c["cpu_rtf"])]
            for stage, c in report["cost"]["stages"].items()]
    return head, rows


def cost_notes(report: dict) -> list[str]:
    """What the cost figures hold that their headings do not say."""
    translate = report["settings"]["translate"]
    notes = ["A stage's seconds include loading its model, once per process."]
    resumed = sum(1 for r in report["items"] if set(r["stages"]) - set(r["ran"]))
    if resumed:
        notes.append(f"{resumed} of {len(report['items'])} items resumed: their stages' seconds "
                     "are from the run that made them.")
    if translate["enabled"] and translate["translator"] == "whisper":
        notes.append("transcribe includes decoding the English (the whisper translator decodes "
                     "it from the Dutch's encoding); translate only shares it out.")
    jobs = report["cost"].get("jobs", 1)
    if jobs > 1:
        notes.append(f"{jobs} items ran at once: stage seconds add up over the workers and can "
                     "exceed the wall time; peak RSS is the largest single process's, and each "
                     "worker holds its own models.")
    return notes
