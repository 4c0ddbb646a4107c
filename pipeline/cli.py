"""The `reportage` command line: thin — parse, call, show progress, map errors to exit codes."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.text import Text
from typer import Abort
from typer._click.exceptions import NoArgsIsHelpError, UsageError  # typer's own click

from pipeline import __version__, audio
from pipeline.asr import AsrOptions
from pipeline.errors import ReportageError
from pipeline.library import default_library, prepare_library
from pipeline.metrics import NORMALISER_DOC
from pipeline.runner import Engines, Settings, check_settings, process_file
from pipeline.timefmt import clock
from pipeline.translators import TranslateOptions
from pipeline.workers import auto_jobs, process_many

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Dutch spoken-word audio to a bilingual, chaptered, searchable transcript.")
err = Console(stderr=True)

LibraryOption = typer.Option(None, "--library", "--out", help="Library folder "
                             "[default: $REPORTAGE_LIBRARY or transcripts/]")


def library_path(value: Path | None) -> Path:
    return value or default_library()


LABELS = {"error": "red", "warning": "yellow", "skipped": "yellow", "✓": "green"}


def say(message: str, label: str = "") -> None:
    """One message line on stderr, never wrapped (scripts read it line by line). The message is
    printed literally: paths, names and hints such as `pip install 'reportage[mt]'` keep their
    brackets; only the label is coloured."""
    text = Text.assemble((f"{label}{'' if label == '✓' else ':'} ", LABELS[label]) if label else "",
                         message)
    err.print(text, highlight=False, soft_wrap=True)


def fail(message: str, code: int = 1) -> None:
    say(message, "error")
    raise typer.Exit(code)


def _version(value: bool) -> None:
    if value:
        print(f"reportage {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                 help="Show the version and exit."),
) -> None:
    """reportage: transcribe, translate, chapter and publish Dutch spoken-word audio."""


def collect_inputs(paths: list[Path]) -> list[Path | ReportageError]:
    """Audio files from files and folders; a bad path becomes an error in its place."""
    found: list[Path | ReportageError] = []
    for path in paths:
        if path.is_dir():
            files = sorted(p for p in path.iterdir() if p.is_file() and audio.is_audio_path(p))
            found += files or [ReportageError(f"{path}: folder holds no audio files")]
        elif path.exists():
            found.append(path)
        else:
            found.append(ReportageError(f"{path}: no such file or folder"))
    return found


class SpeedColumn(ProgressColumn):
    """Audio time done / total in the stage, and the stage's speed as a multiple of real time."""

    def render(self, task) -> Text:
        done, total = task.completed, task.total or 0
        pace = task.fields.get("pace")
        speed = f" {pace:4.1f}× real time" if pace else ""
        return Text(f"{clock(done)}/{clock(total)}{speed}", style="cyan")


class ClockColumn(ProgressColumn):
    """Time since the file started, and an estimate of the stage's time left. rich's own
    columns freeze once a task reaches its total, and every stage does; this one never stops."""

    def render(self, task) -> Text:
        now = time.monotonic()
        shown = clock(now - task.fields.get("started", now))
        left = task.fields.get("left")
        if left is not None:
            shown += f"  ~{clock(max(left - (now - task.fields['updated']), 0))} left"
        return Text(shown, style="yellow")


class StageProgress:
    """The `progress(stage, done, total)` callback of one file's bar: names the stage from the
    first moment and estimates the time left from the stage's own pace."""

    def __init__(self, bar: Progress, task, name: str):
        self.bar, self.task, self.name = bar, task, name
        self.stage, self.since, self.from_ = "", time.monotonic(), 0.0
        bar.update(task, started=self.since)

    def __call__(self, stage: str, done: float, total: float) -> None:
        now = time.monotonic()
        if stage != self.stage:
            self.stage, self.since, self.from_ = stage, now, done
        pace = (done - self.from_) / (now - self.since) if now > self.since else 0
        left = (total - done) / pace if pace > 0 else None
        self.bar.update(self.task, description=f"{self.name} · {stage}", completed=done,
                        total=total or None, pace=pace, left=left, updated=now)


def _progress_bar(quiet: bool) -> Progress:
    return Progress(
        TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(), SpeedColumn(),
        ClockColumn(), console=err, disable=quiet, transient=True,
    )


JOBS_HELP = ("Each runs in a worker process with its own models (about 1.5 GB each); "
             "0: one per CPU core, at most 4.")

# Pipeline settings shared by `process` and `evaluate` (typer reads these defaults afresh).
EngineOption = typer.Option("faster-whisper", help="faster-whisper or openai-whisper.")
ModelOption = typer.Option(
    None, help="Model: 'base' (embedded, default), a local model folder, or a size name "
    "(openai-whisper: a checkpoint file).")
LanguageOption = typer.Option("nl", help="Spoken language; 'auto' detects it.")
DeviceOption = typer.Option("auto", help="auto, cpu or cuda.")
ComputeTypeOption = typer.Option(
    "default", help="CTranslate2 compute type: default (int8 on a CPU, the model's own on a GPU), "
    "int8, float32, float16, ...")
BeamSizeOption = typer.Option(5, min=1, help="Beam size for decoding.")
TranslateOption = typer.Option(True, "--translate/--no-translate",
                               help="Add English to every segment.")
TargetLanguageOption = typer.Option("en", help="Language to translate into (en).")
TranslatorOption = typer.Option(
    "whisper", help="whisper (speech translation, offline) or transformers (--mt-model).")
MtModelOption = typer.Option(
    None, help="Seq2seq translation model for --translator transformers: a folder, or a "
    "name in the local Hugging Face cache (e.g. Helsinki-NLP/opus-mt-nl-en).")
ChaptersOption = typer.Option(
    None, "--chapters", min=1, help="Force this many chapters [default: from the content].")
NoChaptersOption = typer.Option(False, "--no-chapters", help="Skip chapters.")
EmbedderOption = typer.Option(
    "auto", help="Topic embeddings: auto (e5 if installed, else lexical), e5, lexical, "
    "or a sentence-transformers model name or folder.")
ForceOption = typer.Option(False, "--force", help="Redo every stage, even if up to date.")


def pipeline_settings(
    engine: str, model: str | None, language: str, device: str, compute_type: str,
    beam_size: int, translate: bool, target_language: str, translator: str,
    mt_model: str | None, chapters: int | None, no_chapters: bool, embedder: str, force: bool,
    allow_truncated: bool = False,
) -> Settings:
    return Settings(
        engine=engine, model=model, force=force, allow_truncated=allow_truncated,
        chapters=chapters, no_chapters=no_chapters, embedder=embedder,
        asr=AsrOptions(language=None if language == "auto" else language, beam_size=beam_size,
                       device=device, compute_type=compute_type),
        translate=TranslateOptions(enabled=translate, target_language=target_language,
                                   translator=translator, mt_model=mt_model),
    )


@app.command()
def process(
    paths: list[Path] = typer.Argument(..., help="Audio files or folders of audio files."),
    library: Path | None = LibraryOption,
    engine: str = EngineOption,
    model: str | None = ModelOption,
    language: str = LanguageOption,
    device: str = DeviceOption,
    compute_type: str = ComputeTypeOption,
    beam_size: int = BeamSizeOption,
    translate: bool = TranslateOption,
    target_language: str = TargetLanguageOption,
    translator: str = TranslatorOption,
    mt_model: str | None = MtModelOption,
    chapters: int | None = ChaptersOption,
    no_chapters: bool = NoChaptersOption,
    embedder: str = EmbedderOption,
    force: bool = ForceOption,
    allow_truncated: bool = typer.Option(
        False, "--allow-truncated", help="Transcribe what decodes of a truncated or damaged "
        "file, with a warning recorded in the episode, instead of refusing it."),
    jobs: int = typer.Option(1, min=0, help=f"Files processed at once. {JOBS_HELP}"),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar or summary."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON line per file."),
) -> None:
    """Transcribe episodes into the library; re-running skips what is up to date."""
    settings = pipeline_settings(
        engine, model, language, device, compute_type, beam_size, translate, target_language,
        translator, mt_model, chapters, no_chapters, embedder, force, allow_truncated,
    )
    lib = library_path(library)
    try:
        check_settings(settings)
        prepare_library(lib)
    except ReportageError as exc:
        fail(str(exc))
    inputs = collect_inputs(paths)
    files = [item for item in inputs if not isinstance(item, ReportageError)]
    jobs = jobs or auto_jobs(len(files))
    if jobs > 1 and len(files) > 1:
        failures = _process_side_by_side(inputs, lib, settings, jobs, quiet or as_json, as_json)
    else:
        engines = Engines(settings)
        failures = sum(not _process_one(item, lib, settings, engines, quiet or as_json, as_json)
                       for item in inputs)
    if failures:
        raise typer.Exit(1)


def _process_one(item, lib: Path, settings: Settings, engines: Engines, quiet: bool,
                 as_json: bool) -> bool:
    if isinstance(item, ReportageError):
        return _report(item, item, quiet, as_json)
    with _progress_bar(quiet) as bar:
        progress = StageProgress(bar, bar.add_task(item.name, total=None), item.name)
        try:
            outcome = process_file(item, lib, settings, engines, progress)
        except (ReportageError, OSError) as exc:
            outcome = exc
    return _report(item, outcome, quiet, as_json)


def _process_side_by_side(inputs: list, lib: Path, settings: Settings, jobs: int, quiet: bool,
                          as_json: bool) -> int:
    """Files in `jobs` worker processes, each reported as it finishes; returns the failures."""
    failures = sum(not _report(item, item, quiet, as_json)
                   for item in inputs if isinstance(item, ReportageError))
    files = [item for item in inputs if not isinstance(item, ReportageError)]
    columns = TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn()
    with Progress(*columns, TimeElapsedColumn(), console=err, disable=quiet,
                  transient=True) as bar:
        task = bar.add_task(f"{jobs} files at a time", total=len(files))
        try:
            for n, outcome in process_many([(f, lib) for f in files], settings, jobs):
                bar.advance(task)
                failures += not _report(files[n], outcome, quiet, as_json)
        except ReportageError as exc:  # a worker died: the files left are not done
            fail(str(exc))
    return failures


def _report(item: Path | ReportageError, outcome, quiet: bool, as_json: bool) -> bool:
    """Say how one file went: its result, or one error line; True when it was processed."""
    if isinstance(outcome, ReportageError):
        say(str(outcome), "error")
        return False
    if isinstance(outcome, OSError):
        say(f"{item}: {outcome.strerror or outcome}", "error")
        return False
    result = outcome
    if result.warning:
        say(f"{item.name}: {result.warning}", "warning")
    if result.segments == 0:
        say(f"{item.name}: no speech found", "warning")
    if as_json:
        print(json.dumps({"slug": result.slug, "folder": str(result.folder),
                          "duration_s": result.duration_s, "segments": result.segments,
                          "ran": result.ran, "skipped": result.skipped, "warning": result.warning,
                          "elapsed_s": round(result.elapsed_s, 2)}))
    elif not quiet:
        rtf = result.duration_s / result.elapsed_s if result.elapsed_s else 0
        skipped = f", up to date: {', '.join(result.skipped)}" if result.skipped else ""
        say(f"{item.name} → {result.folder}  {result.segments} segments, "
            f"{clock(result.duration_s)} in {result.elapsed_s:.1f} s "
            f"({rtf:.1f}× real time{skipped})", "✓")
    return True


@app.command(name="publish")
def publish_cmd(
    slugs: list[str] = typer.Argument(None, help="Episodes to republish [default: all]."),
    library: Path | None = LibraryOption,
) -> None:
    """Rebuild every derived file of episodes from their episode.json, without any model."""
    from pipeline.document import Episode
    from pipeline.library import episode_slugs, find_episode, locked
    from pipeline.publish import publish

    lib = library_path(library)
    try:
        for slug in slugs or list(episode_slugs(lib)):
            folder = find_episode(lib, slug)
            with locked(folder):
                written = publish(folder, Episode.load(folder))
            say(f"{slug}: {len(written)} files", "✓")
    except ReportageError as exc:
        fail(str(exc))


EVALUATE_HELP = (
    "Process a dataset into a scratch library and score it against its references.\n\n"
    "DATASET holds clips/<id>.<audio> with <id>.nl.txt [+ <id>.en.txt] and/or "
    "episodes/<id>.<audio> with <id>.json (utterances, topic_boundaries_s). Reports WER/CER, "
    "BLEU/chrF where English references and translations exist, Pk/WindowDiff of chapters "
    "next to an even split, and the real-time factor (RTF: processing seconds per audio second) "
    "of each stage. Re-running resumes: items already processed with the same settings are "
    "only re-scored.\n\n"
)


@app.command(help=EVALUATE_HELP + NORMALISER_DOC)
def evaluate(
    dataset: Path = typer.Argument(..., help="Dataset folder (clips/ and/or episodes/)."),
    engine: str = EngineOption,
    model: str | None = ModelOption,
    language: str = LanguageOption,
    device: str = DeviceOption,
    compute_type: str = ComputeTypeOption,
    beam_size: int = BeamSizeOption,
    translate: bool = TranslateOption,
    target_language: str = TargetLanguageOption,
    translator: str = TranslatorOption,
    mt_model: str | None = MtModelOption,
    chapters: int | None = ChaptersOption,
    no_chapters: bool = NoChaptersOption,
    embedder: str = EmbedderOption,
    force: bool = ForceOption,
    part: str = typer.Option("all", help="Evaluate all, clips or episodes."),
    limit: int | None = typer.Option(
        None, min=1, help="At most N items of each part, spread evenly over the sorted ids."),
    work: Path | None = typer.Option(
        None, help="Folder for the scratch library <DATASET>-eval/ (default: a temp folder)."),
    jobs: int = typer.Option(0, min=0, help=f"Items processed at once. {JOBS_HELP}"),
    json_out: Path | None = typer.Option(
        None, "--json", help="Write the report as JSON to this file ('-': stdout); "
        "keys are documented in pipeline/evaluate.py."),
    html_out: Path | None = typer.Option(None, "--html", help="Write a one-page HTML report."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar or tables."),
) -> None:
    from pipeline import evaluate as ev

    if part not in ("all", *ev.PARTS):
        fail(f"unknown part {part!r}: choose all, clips or episodes")
    settings = pipeline_settings(
        engine, model, language, device, compute_type, beam_size, translate, target_language,
        translator, mt_model, chapters, no_chapters, embedder, force,
    )
    try:
        with _progress_bar(quiet) as bar:
            report = ev.evaluate(
                dataset, settings, work=work, limit=limit, jobs=jobs or None,
                parts=ev.PARTS if part == "all" else (part,),
                progress=_item_progress(bar), warn=_warn,
            )
        _write_reports(report, json_out, html_out)
    except ReportageError as exc:
        fail(str(exc))
    if not quiet:
        _show_report(report)
    if report["errors"]:
        raise typer.Exit(1)


def _warn(message: str) -> None:
    say(message, "warning")


def _item_progress(bar: Progress):
    task = bar.add_task("evaluate", total=None)

    def start(item_id: str, n: int, count: int):
        on_stage = StageProgress(bar, task, f"{n + 1}/{count} {item_id}")
        on_stage("starting", 0, 0)
        return on_stage

    return start


def _write_reports(report: dict, json_out: Path | None, html_out: Path | None) -> None:
    from pipeline.atomic import write_atomic
    from pipeline.report_html import write_html

    try:
        if json_out == Path("-"):
            print(json.dumps(report, ensure_ascii=False, indent=1))
        elif json_out:
            write_atomic(json_out, json.dumps(report, ensure_ascii=False, indent=1) + "\n")
        if html_out:
            write_html(report, html_out)
    except OSError as exc:
        raise ReportageError(f"cannot write the report: {exc.strerror or exc}") from None


def _show_report(report: dict) -> None:
    from rich.table import Table

    from pipeline import evaluate as ev

    # Piped to a file, rich would squeeze the tables into 80 columns; give them room.
    out = Console(stderr=True, width=None if err.is_terminal else 160)
    tables = [("summary", ev.summary_table(report)), ("cost", ev.cost_table(report))]
    if any(r["part"] == "episodes" for r in report["items"]):
        tables.insert(1, ("episodes", ev.item_table(report, "episodes")))
    for title, (head, rows) in tables:
        table = Table(title=title, title_justify="left")
        for h in head:
            table.add_column(h, justify="right" if h not in ("part", "id", "stage") else "left")
        for row in rows:
            table.add_row(*row)
        out.print(table)
    cost = report["cost"]
    out.print(f"wall time {cost['wall_s']:.1f} s, CPU time {cost['cpu_s']:.1f} s, "
              f"peak RSS {cost['peak_rss_mb']:.0f} MB, "
              f"library {report['library']}", highlight=False)
@app.command()
def serve(
    library: Path | None = typer.Argument(None, help="Library folder "
                                          "[default: $REPORTAGE_LIBRARY or transcripts/]"),
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, min=1, max=65535, help="Port to listen on."),
    allowed_host: list[str] = typer.Option(
        [], "--allowed-host", metavar="NAME", help="Also answer requests addressed to this "
        "name (repeatable); besides it only the --host address and localhost are answered."),
) -> None:
    """Serve the library: listener pages, search, and the editor (?edit=1, needs the token)."""
    from pipeline.web.server import serve as run_server

    try:
        run_server(library_path(library), host, port, allowed_host)
    except ReportageError as exc:
        fail(str(exc))


@app.command()
def history(
    slug: str = typer.Argument(..., help="The episode."),
    segment: str | None = typer.Argument(None, help="Only this segment's edits."),
    library: Path | None = LibraryOption,
    as_json: bool = typer.Option(False, "--json", help="One JSON line per edit."),
) -> None:
    """List the human edits of an episode, oldest first."""
    from dataclasses import asdict

    from pipeline.edits import history as edit_history

    try:
        found = edit_history(library_path(library), slug, segment)
    except ReportageError as exc:
        fail(str(exc))
    for e in found:
        if as_json:
            print(json.dumps(asdict(e), ensure_ascii=False))
            continue
        note = f" (revert of {e.revert_of})" if e.revert_of else ""
        print(f"{e.id:>4}  {e.time}  {e.editor}  {e.segment} {e.field} rev {e.rev}{note}\n"
              f"      - {e.before or ''}\n      + {e.after or ''}")


@app.command()
def revert(
    slug: str = typer.Argument(..., help="The episode."),
    edit_id: int = typer.Argument(..., help="The edit to undo (see `reportage history`)."),
    library: Path | None = LibraryOption,
) -> None:
    """Restore the text an edit replaced; the revert is logged as an edit of its own."""
    from pipeline.edits import revert as revert_edit

    try:
        done = revert_edit(library_path(library), slug, edit_id, _user())
    except ReportageError as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"could not save the revert: {exc.strerror or exc}")
    if not done:
        say(f"edit {edit_id}: the text is already what it was before; nothing to do")
    for e in done:
        say(f"{slug} {e.segment} {e.field} restored (edit {e.id})", "✓")


def _user() -> str:
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (containers)
        return "cli"


@app.command()
def check(
    path: Path = typer.Argument(..., help="An .srt or .vtt subtitle file."),
    profile: str = typer.Option("netflix-nl", help="Norms: netflix-nl or podcast."),
    max_cps: float | None = typer.Option(None, min=1, help="Most characters a second."),
    max_chars: int | None = typer.Option(None, min=1, help="Most characters a line."),
    max_lines: int | None = typer.Option(None, min=1, help="Most lines a cue."),
) -> None:
    """Report where subtitles break the norms; exit 1 on a broken hard limit, 2 if unreadable."""
    from pipeline.conformance import check_file
    from pipeline.subtitles import profile_norms

    try:
        report = check_file(path, profile_norms(profile, max_cps, max_chars, max_lines))
    except ReportageError as exc:
        fail(str(exc), code=2)
    for line in report.lines():
        print(line)
    if report.hard:
        raise typer.Exit(1)


@app.command(name="search")
def search_cmd(
    query: str = typer.Argument(..., help='Words, "a phrase", or a prefix*.'),
    library: Path | None = LibraryOption,
    lang: str = typer.Option("both", help="Search the nl text, the en text, or both."),
    episode: str | None = typer.Option(None, help="Only this episode (its slug)."),
    limit: int = typer.Option(20, min=1, help="At most this many hits."),
    as_json: bool = typer.Option(False, "--json", help="Print the hits as a JSON list."),
) -> None:
    """Find the moments in every episode where something was said, best first."""
    from pipeline.search import search
    from pipeline.searchview import hit_lines

    lib = library_path(library)
    try:
        hits = search(lib, query, lang=lang, episode=episode, limit=limit)
    except ReportageError as exc:
        fail(str(exc))
    if as_json:
        print(json.dumps([h.to_dict() for h in hits], ensure_ascii=False, indent=1))
    elif not hits:
        say(f"no matches for {query!r}")
    elif hits[0].partial:
        say(f"no segment holds every word of {query!r}: these hold some of them")
    for line in [] if as_json else hit_lines(hits, lib):
        Console(highlight=False, soft_wrap=True).print(line)


@app.command(name="index")
def index_cmd(
    rebuild: bool = typer.Option(False, "--rebuild", help="Recreate it from the episode folders."),
    library: Path | None = LibraryOption,
) -> None:
    """The search index: show what it holds, or --rebuild it."""
    from pipeline import searchindex

    lib = library_path(library)
    try:
        if rebuild:
            report = searchindex.rebuild(lib)
            for line in report.skipped:
                say(line, "skipped")
        else:
            report = searchindex.summary(lib)
    except ReportageError as exc:
        fail(str(exc))
    say(f"{searchindex.index_path(lib)}: {report.episodes} episodes, "
        f"{report.segments} segments", "✓")


models_app = typer.Typer(help="Speech models usable offline.", invoke_without_command=True)
app.add_typer(models_app, name="models")


@models_app.callback()
def models_list(ctx: typer.Context) -> None:
    """List the engines and the models they can use here without a network."""
    if ctx.invoked_subcommand:
        return
    from pipeline.catalog import offline_models

    for engine, model, where in offline_models():
        print(f"{engine:15} {model:28} {where}")


@models_app.command("export-openai")
def export_openai_cmd(
    path: Path = typer.Argument(..., help="Checkpoint file to write, e.g. whisper-base.pt."),
) -> None:
    """Write the embedded Whisper base as an openai-whisper checkpoint (same weights)."""
    from pipeline.asr.export_openai import export_openai
    from pipeline.models import embedded_model_dir

    try:
        dims = export_openai(embedded_model_dir(), path)
    except ReportageError as exc:
        fail(str(exc))
    layers = f"{dims['n_audio_layer']}+{dims['n_text_layer']} layers"
    say(f"{path}: Whisper base, {layers}; load it with --engine openai-whisper --model {path}",
        "✓")


def main() -> None:
    try:
        code = app(prog_name="reportage", standalone_mode=False)
    except NoArgsIsHelpError as exc:
        print(exc.ctx.get_help())
        code = 0
    except UsageError as exc:  # one line, like every other user error
        command = exc.ctx.command_path if exc.ctx else "reportage"
        say(f"{exc.format_message()} (see {command} --help)", "error")
        code = 2
    except Abort:
        code = 130
    if code == 130:
        say("interrupted: finished stages are saved; run again to resume")
    sys.exit(code if isinstance(code, int) else 0)
