"""`reportage evaluate`: run a dataset through the pipeline and score it against references.

A dataset folder holds either part, or both:

    clips/<id>.<audio>      + <id>.nl.txt [+ <id>.en.txt]          short utterances
    episodes/<id>.<audio>   + <id>.json (utterances, topic_boundaries_s)
                            [+ <id>.nl.txt, <id>.en.txt]           long, multi-topic audio

A folder with neither subfolder is a folder of clips itself (as cc0-flemish is).

Every item goes through the runner's `process_file` into a scratch library, so an interrupted
evaluation resumes where it stopped and nothing here re-implements a stage.

The report (`--json`; keys are stable, a metric that cannot be computed is null):

    report_version   1
    dataset, library the dataset folder and the scratch library used
    settings         engine, model, asr {language, beam_size, vad, device, compute_type}, force
    normaliser       what the Dutch text normaliser does before WER/CER
    summary          {clips|episodes: corpus-level scores of that part}:
                       items, scored (those with a Dutch reference: WER and CER are over
                       these), duration_s, wer, cer, ref_words (normalised reference words),
                       bleu, chrf (0-100, sacrebleu), pk, windowdiff, pk_even, windowdiff_even
                       (means over episodes; 0 is best), speaker_error (mean over the
                       episodes with a speaker_error), subtitles {nl|en: {cues,
                       within_limits, within_target_cps}} (shares of published SRT cues that
                       keep the hard limits / 17 characters a second), subs_ok and subs_17cps
                       (the same two shares for Dutch), stages (as cost.stages)
    items            one per processed item: id, part, audio, slug, duration_s, segments,
                       hypothesis_nl, [hypothesis_en], wer, cer, ref_words, bleu, chrf,
                       chapters_ref, chapters_pred, [boundaries_ref, boundaries_pred],
                       pk, windowdiff, pk_even, windowdiff_even, speakers_ref, speakers_pred,
                       speaker_error (where the reference names every utterance's speaker
                       and segments have labels: the share of the time both label that has
                       the wrong speaker under the best one-to-one mapping of labels; 10 ms
                       grid; speech one side misses is not counted, so it is no DER),
                       subtitles {nl|en: {cues, within_limits, within_target_cps}} (counts),
                       stages {stage: {seconds, cpu_s}}, ran (stages run now, not resumed),
                       elapsed_s, warnings
    errors           items that could not be processed: {id, part, error}
    cost             wall_s, cpu_s, peak_rss_mb of this run, jobs (items at once); stages {stage:
                       {seconds, cpu_s, audio_s, rtf, cpu_rtf}}, rtf = seconds per second of
                       audio, from when each stage last ran (jobs overlap); tables.cost_notes
                       says how to read them
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import resource
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.document import Episode
from pipeline.errors import ReportageError
from pipeline.evaluate import metrics
from pipeline.library import slugify

if TYPE_CHECKING:  # the runner and its models load when a dataset is evaluated, not for --help
    from pipeline.runner import Progress, Result, Settings

PARTS = ("clips", "episodes")
REPORT_VERSION = 1
Warn = Callable[[str], None]


@dataclass
class Item:
    id: str
    part: str  # "clips" or "episodes"
    audio: Path
    nl: str | None = None  # Dutch reference
    en: str | None = None  # English reference
    boundaries: list[float] | None = None  # reference topic boundaries (s)
    speakers: list[metrics.Span] | None = None  # reference utterances' (start, end, speaker)
    warnings: list[str] = field(default_factory=list)


# ---------------------------------------------------------------- discovery


def discover(dataset: Path, parts: tuple[str, ...] = PARTS, limit: int | None = None) -> list[Item]:
    """The dataset's items, at most `limit` of each part spread evenly over the sorted ids."""
    if not dataset.is_dir():
        raise ReportageError(f"{dataset}: " + ("a file, not a dataset folder" if dataset.exists()
                                                else "no such dataset folder"))
    flat = not any((dataset / part).is_dir() for part in PARTS)  # a folder of clips itself
    items: list[Item] = []
    for part in parts:
        folder = dataset if flat and part == "clips" else dataset / part
        items += _spread([_item(part, path) for path in _audio_files(folder)], limit)
    if not items:
        raise ReportageError(
            f"{dataset}: no recognisable items (expected [clips/]<id>.<audio> with <id>.nl.txt, "
            f"or episodes/<id>.<audio> with <id>.json, in {' or '.join(parts)})"
        )
    if not any(item.nl or item.en or item.boundaries for item in items):  # nothing to score
        raise ReportageError(f"{dataset}: no item has a reference to score against "
                             f"({'; '.join(items[0].warnings)})")
    return items


def _audio_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    from pipeline.audio import is_audio_path

    return sorted(p for p in folder.iterdir() if p.is_file() and is_audio_path(p))


def _spread(items: list[Item], limit: int | None) -> list[Item]:
    if limit is None or limit >= len(items):
        return items
    return [items[i * len(items) // limit] for i in range(limit)]


def _item(part: str, path: Path) -> Item:
    item = Item(id=path.stem, part=part, audio=path)
    if part == "episodes":
        _read_episode_reference(item, path.with_suffix(".json"))
    item.nl = item.nl or _read_text(item, path.with_suffix(".nl.txt"), required=True)
    item.en = item.en or _read_text(item, path.with_suffix(".en.txt"), required=False)
    return item


def _read_text(item: Item, path: Path, required: bool) -> str | None:
    try:
        text = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        if required:
            item.warnings.append(f"no reference {path.name}: WER/CER skipped")
        return None
    except (OSError, UnicodeDecodeError) as exc:
        item.warnings.append(f"cannot read {path.name} ({exc}): skipped")
        return None
    if not text:
        item.warnings.append(f"{path.name} is empty: skipped")
    return text or None


def _read_episode_reference(item: Item, path: Path) -> None:
    if not path.exists():
        item.warnings.append(f"no reference {path.name}: chapter scores skipped")
        return
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        utterances = data.get("utterances") or []
        item.nl = "\n".join(u["nl"] for u in utterances) or None
        if utterances and all(u.get("en") for u in utterances):
            item.en = "\n".join(u["en"] for u in utterances)
        if "topic_boundaries_s" in data:
            item.boundaries = metrics.boundary_times(data["topic_boundaries_s"])
    except KeyError as exc:
        item.warnings.append(f"{path.name}: an utterance has no {exc} text: skipped")
        return
    except (OSError, ValueError, TypeError, AttributeError) as exc:
        item.warnings.append(f"{path.name} is not a valid reference ({exc}): skipped")
        return
    _read_speakers(item, path.name, utterances)


def _read_speakers(item: Item, name: str, utterances: list[dict]) -> None:
    """The utterances' speakers, where the reference names one for each; a partial or bad one
    is said, and only the speaker error is skipped."""
    named = [u for u in utterances if u.get("speaker") not in (None, "")]
    if not named:
        return
    try:
        if len(named) < len(utterances):
            raise ValueError(f"a speaker on {len(named)} of {len(utterances)} utterances")
        item.speakers = [metrics.span(u["start"], u["end"], u["speaker"]) for u in utterances]
    except (KeyError, ValueError, TypeError) as exc:
        item.warnings.append(f"{name}: {exc}: speaker error skipped")


# ---------------------------------------------------------------- scoring one item


def score_item(item: Item, episode: Episode, result: Result) -> dict:
    """One item's row of the report; a metric is None where the reference or output is absent."""
    duration = episode.source.duration_s
    row = {
        "id": item.id, "part": item.part, "audio": str(item.audio), "slug": episode.slug,
        "duration_s": duration, "segments": len(episode.segments),
        "hypothesis_nl": _joined(episode, "nl"),
        "wer": None, "cer": None, "ref_words": None,
        "bleu": None, "chrf": None,
        "chapters_ref": None, "chapters_pred": len(episode.chapters) or None,
        "pk": None, "windowdiff": None, "pk_even": None, "windowdiff_even": None,
        "speakers_ref": None, "speakers_pred": None, "speaker_error": None,
        "stages": _stage_costs(episode), "ran": result.ran,
        "elapsed_s": round(result.elapsed_s, 3),
        "warnings": list(item.warnings),
    }
    if item.nl and metrics.normalise_nl(item.nl):
        row.update(_pick(metrics.error_rates([item.nl], [row["hypothesis_nl"]]),
                         "wer", "cer", "ref_words"))
    english = _english(episode)
    if item.en and english is not None:
        row["hypothesis_en"] = english
        row.update(metrics.translation_scores([item.en], [english]))
    if item.boundaries is not None:
        row.update(_chapter_scores(item.boundaries, episode, duration))
    if item.speakers is not None:
        row.update(_speaker_scores(item.speakers, episode))
    try:
        row["subtitles"] = subtitle_counts(result.folder)
    except ReportageError as exc:  # a published file the checker cannot read: say so, go on
        row["subtitles"] = {}
        row["warnings"].append(f"subtitles not checked: {exc}")
    return row


def _joined(episode: Episode, lang: str) -> str:
    texts = (seg.nl if lang == "nl" else seg.en for seg in episode.segments)
    return " ".join(t.strip() for t in texts if t and t.strip())


def _english(episode: Episode) -> str | None:
    """The document's English, or None when it holds no translation at all."""
    if "translate" in episode.provenance or any(s.en is not None for s in episode.segments):
        return _joined(episode, "en")
    return None


def _chapter_scores(ref: list[float], episode: Episode, duration: float) -> dict:
    even = metrics.segmentation_scores(ref, metrics.even_split(len(ref) + 1, duration), duration)
    row: dict = {"chapters_ref": len(ref) + 1}
    if even:
        row |= {"pk_even": even["pk"], "windowdiff_even": even["windowdiff"]}
    if episode.chapters:
        predicted = [ch.start for ch in episode.chapters[1:]]
        row["boundaries_pred"] = predicted
        row |= metrics.segmentation_scores(ref, predicted, duration) or {}
    row["boundaries_ref"] = ref
    return row


def _speaker_scores(ref: list[metrics.Span], episode: Episode) -> dict:
    hyp = [(seg.start, seg.end, seg.speaker) for seg in episode.segments if seg.speaker]
    duration = episode.source.duration_s
    return {"speakers_ref": len({who for _, _, who in ref}),
            "speakers_pred": len({who for _, _, who in hyp}) or None,
            "speaker_error": metrics.speaker_error(ref, hyp, duration) if hyp else None}


def subtitle_counts(folder: Path) -> dict:
    """Per language with published subtitles: cues, and how many keep the hard limits and
    the 17 characters a second target (the norms `reportage check` applies)."""
    from pipeline.formats.conformance import check, parse_file
    from pipeline.formats.cues import NETFLIX_NL

    counts = {}
    for lang in ("nl", "en"):
        path = folder / f"{lang}.srt"
        if not path.exists():
            continue
        cues = parse_file(path)
        violations = check(cues, NETFLIX_NL)
        hard = {v.cue for v in violations if v.hard}
        fast = {v.cue for v in violations if v.rule in ("max-cps", "target-cps")}
        counts[lang] = {"cues": len(cues), "within_limits": len(cues) - len(hard),
                        "within_target_cps": len(cues) - len(fast)}
    return counts


def _subtitle_shares(rows: list[dict]) -> dict:
    shares = {}
    for lang in ("nl", "en"):
        counts = [r["subtitles"][lang] for r in rows if lang in r["subtitles"]]
        cues = sum(c["cues"] for c in counts)
        if cues:
            shares[lang] = {"cues": cues} | {
                key: sum(c[key] for c in counts) / cues
                for key in ("within_limits", "within_target_cps")
            }
    return shares


def _stage_costs(episode: Episode) -> dict:
    """Wall and CPU seconds of each stage, from the document's provenance (when it last ran)."""
    costs = {}
    for stage, info in episode.provenance.items():
        try:
            seconds = (_time(info["finished"]) - _time(info["started"])).total_seconds()
        except (KeyError, TypeError, ValueError):
            continue
        costs[stage] = {"seconds": round(seconds, 3), "cpu_s": info.get("cpu_s")}
    return costs


def _time(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp)


def _pick(d: dict, *keys: str) -> dict:
    return {k: d[k] for k in keys}


# ---------------------------------------------------------------- the whole run


def summarise(rows: list[dict], items: list[Item]) -> dict:
    """Corpus-level scores for one group of item rows."""
    scored = [(i, r) for i, r in zip(items, rows, strict=True) if r.get("wer") is not None]
    translated = [(i, r) for i, r in zip(items, rows, strict=True) if r.get("bleu") is not None]
    summary: dict = {"items": len(rows), "scored": len(scored),  # WER of those with a reference
                     "duration_s": round(sum(r["duration_s"] for r in rows), 3)}
    summary |= {"wer": None, "cer": None, "ref_words": None, "bleu": None, "chrf": None}
    if scored:
        refs, hyps = [i.nl for i, _ in scored], [r["hypothesis_nl"] for _, r in scored]
        summary |= _pick(metrics.error_rates(refs, hyps), "wer", "cer", "ref_words")
    if translated:
        summary |= metrics.translation_scores(
            [i.en for i, _ in translated], [r["hypothesis_en"] for _, r in translated]
        )
    for key in ("pk", "windowdiff", "pk_even", "windowdiff_even", "speaker_error"):
        values = [r[key] for r in rows if r.get(key) is not None]
        summary[key] = sum(values) / len(values) if values else None
    summary["subtitles"] = _subtitle_shares(rows)
    nl_subs = summary["subtitles"].get("nl", {})
    summary["subs_ok"] = nl_subs.get("within_limits")
    summary["subs_17cps"] = nl_subs.get("within_target_cps")
    summary["stages"] = stage_rtf(rows)
    return summary


def stage_rtf(rows: list[dict]) -> dict:
    """Per stage: wall and CPU seconds, audio seconds, and both as real-time factors
    (seconds per audio second; below 1 is faster than real time)."""
    totals: dict[str, dict] = {}
    for row in rows:
        for stage, cost in row["stages"].items():
            t = totals.setdefault(stage, {"seconds": 0.0, "cpu_s": 0.0, "audio_s": 0.0})
            t["seconds"] += cost["seconds"]
            t["cpu_s"] = None if t["cpu_s"] is None or cost["cpu_s"] is None else (
                t["cpu_s"] + cost["cpu_s"])
            t["audio_s"] += row["duration_s"]
    return {stage: _rates(t) for stage, t in totals.items()}


def _rates(t: dict) -> dict:
    audio_s = t["audio_s"]
    return {
        "seconds": round(t["seconds"], 3),
        "cpu_s": None if t["cpu_s"] is None else round(t["cpu_s"], 3),
        "audio_s": round(audio_s, 3),
        "rtf": t["seconds"] / audio_s if audio_s else None,
        "cpu_rtf": t["cpu_s"] / audio_s if audio_s and t["cpu_s"] is not None else None,
    }


EXTRAS = ("jiwer", "sacrebleu", "nltk", "matplotlib")


def require_extras() -> None:
    """Fail before any processing when the evaluate extra is not installed."""
    missing = [name for name in EXTRAS if importlib.util.find_spec(name) is None]
    if missing:
        raise ReportageError(
            f"evaluate needs {', '.join(missing)}: pip install 'reportage[evaluate]'"
        )


def default_work() -> Path:
    return Path(tempfile.gettempdir()) / "reportage-eval"


def scratch_library(dataset: Path, work: Path | None) -> Path:
    tag = hashlib.sha256(str(dataset.resolve()).encode()).hexdigest()[:8]  # one per folder
    return (work or default_work()) / f"{slugify(dataset.resolve().name)}-{tag}-eval"


def evaluate(
    dataset: Path, settings: Settings, *, work: Path | None = None,
    parts: tuple[str, ...] = PARTS, limit: int | None = None, jobs: int | None = 1,
    progress: Callable[[str, int, int], Progress] | None = None, warn: Warn = lambda _: None,
) -> dict:
    """Process and score every item; returns the report (see `report_keys` in the CLI help).

    `jobs` items are processed at once, in a local Dask cluster's worker processes when more
    than one (None: one per core, see cluster.auto_jobs).
    `progress(item_id, index, count)` is called before each item (after it, with several
    jobs) and returns the per-stage progress callback for it.
    """
    from pipeline.cluster import auto_jobs
    from pipeline.runner import Result, check_settings

    started = time.monotonic()
    items = discover(dataset, parts, limit)
    require_extras()
    for warning in check_settings(settings):
        warn(warning)
    library = scratch_library(dataset, work)
    jobs = jobs or auto_jobs(len(items))
    scored: dict[int, dict] = {}
    errors: list[dict] = []
    for n, outcome in _outcomes(items, library, settings, jobs, progress):
        item = items[n]
        for message in item.warnings:
            warn(f"{item.part}/{item.id}: {message}")
        if isinstance(outcome, Result):
            scored[n] = score_item(item, Episode.load(outcome.folder), outcome)
            continue
        message = str(outcome) if isinstance(outcome, ReportageError) else (
            outcome.strerror or str(outcome))
        warn(f"{item.part}/{item.id}: not evaluated: {message}")
        errors.append({"id": item.id, "part": item.part, "error": message})
    rows = [scored[n] for n in sorted(scored)]
    done = [items[n] for n in sorted(scored)]
    groups = {
        part: summarise([r for r in rows if r["part"] == part],
                        [i for i in done if i.part == part])
        for part in parts if any(r["part"] == part for r in rows)
    }
    return {
        "report_version": REPORT_VERSION,
        "dataset": str(dataset),
        "library": str(library),
        "settings": _settings_dict(settings),
        "normaliser": metrics.NORMALISER_DOC,
        "summary": groups,
        "items": rows,
        "errors": errors,
        "cost": _cost(started, rows) | {"jobs": min(jobs, max(1, len(items)))},
    }


def _outcomes(
    items: list[Item], library: Path, settings: Settings, jobs: int,
    progress: Callable[[str, int, int], Progress] | None,
) -> Iterator[tuple[int, Result | ReportageError | OSError]]:
    """(index, result or error) per item, in item order with one job, as finished with more."""
    from pipeline.cluster import connect, process_many
    from pipeline.runner import Engines, process_file

    if jobs > 1:
        work = [(item.audio, library / item.part) for item in items]
        with connect(jobs) as client:
            for done, (n, outcome) in enumerate(process_many(client, work, settings)):
                if progress:
                    progress(items[n].id, done, len(items))("", done + 1, len(items))
                yield n, outcome
        return
    engines = Engines(settings)
    for n, item in enumerate(items):
        on_stage = progress(item.id, n, len(items)) if progress else (lambda *_: None)
        try:
            yield n, process_file(item.audio, library / item.part, settings, engines, on_stage)
        except (ReportageError, OSError) as exc:
            yield n, exc


def _cost(started: float, rows: list[dict]) -> dict:
    usage = [resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    return {
        "wall_s": round(time.monotonic() - started, 3),
        # CPU time next to wall time: on a shared machine the wall time says little alone.
        # Worker processes count once they have ended; peak RSS is the largest process's.
        "cpu_s": round(sum(u.ru_utime + u.ru_stime for u in usage), 3),
        "peak_rss_mb": round(max(u.ru_maxrss for u in usage) / 1024, 1),
        "stages": stage_rtf(rows),
    }


def _settings_dict(settings: Settings) -> dict:
    data = asdict(settings)
    data["model"] = settings.model or "base"
    return data
