"""`reportage evaluate`: a dataset through the pipeline, scored against its references."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.progress import (
    Progress,
)

from pipeline.cli.common import StageProgress, app, fail, given_path, progress_bar, say
from pipeline.cli.settings import JOBS_HELP, with_settings
from pipeline.errors import ReportageError
from pipeline.evaluate.metrics import NORMALISER_DOC

if TYPE_CHECKING:
    from pipeline.runner import Settings

EVALUATE_HELP = (
    "Process a dataset into a scratch library and score it against its references.\n\n"
    "DATASET holds clips/<id>.<audio> with <id>.nl.txt [+ <id>.en.txt] and/or "
    "episodes/<id>.<audio> with <id>.json (utterances, topic_boundaries_s). Reports WER/CER, "
    "BLEU/chrF where English references and translations exist, Pk/WindowDiff of chapters "
    "next to an even split, the speaker error where each utterance names its speaker, and the "
    "real-time factor (RTF: processing seconds per audio second) "
    "of each stage. Re-running resumes: items already processed with the same settings are "
    "only re-scored.\n\n"
)


@app.command(help=EVALUATE_HELP + NORMALISER_DOC)
@with_settings
def evaluate(
    settings: Settings,
    dataset: Path = typer.Argument(..., help="Dataset folder (clips/ and/or episodes/).",
                                   parser=given_path),
    part: str = typer.Option("all", help="Evaluate all, clips or episodes."),
    limit: int | None = typer.Option(
        None, min=1, help="At most N items of each part, spread evenly over the sorted ids."),
    work: Path | None = typer.Option(
        None, help="Folder for the scratch library <DATASET>-<hash>-eval/ (default: a temp "
        "folder)."),
    jobs: int = typer.Option(0, min=0, help=f"Items processed at once. {JOBS_HELP}"),
    json_out: Path | None = typer.Option(
        None, "--json", help="Write the report as JSON to this file ('-': stdout); "
        "keys are documented in pipeline/evaluate/__init__.py."),
    html_out: Path | None = typer.Option(None, "--html", help="Write a one-page HTML report."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar or tables."),
) -> None:
    from pipeline import evaluate as ev
    from pipeline.atomic import check_writable

    if part not in ("all", *ev.PARTS):
        fail(f"unknown part {part!r}: choose all, clips or episodes")
    try:
        for out in (json_out, html_out):  # before the hour of work whose report they hold
            if out is not None and out != Path("-"):
                check_writable(out)
        with progress_bar(quiet) as bar:
            report = ev.evaluate(
                dataset, settings, work=work, limit=limit, jobs=jobs or None,
                parts=ev.PARTS if part == "all" else (part,),
                progress=_item_progress(bar), warn=_warn,
            )
        _write_reports(report, json_out, html_out)
    except ReportageError as exc:
        fail(str(exc))
    if not quiet:  # on stdout, unless the JSON goes there
        _show_report(report, Console(stderr=json_out == Path("-")))
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
    from pipeline.evaluate.report_html import write_html

    try:
        if json_out == Path("-"):
            print(json.dumps(report, ensure_ascii=False, indent=1))
        elif json_out:
            write_atomic(json_out, json.dumps(report, ensure_ascii=False, indent=1) + "\n")
        if html_out:
            write_html(report, html_out)
    except OSError as exc:
        raise ReportageError(f"cannot write the report: {exc.strerror or exc}") from None


def _show_report(report: dict, out: Console) -> None:
    from rich.table import Table

    from pipeline.evaluate import tables as ev

    if not out.is_terminal:  # piped to a file, rich would squeeze them into 80 columns
        out.width = 160
    tables = [("summary", ev.summary_table(report)), ("cost", ev.cost_table(report))]
    if any(r["part"] == "episodes" for r in report["items"]):
        tables.insert(1, ("episodes", ev.item_table(report, "episodes")))
    for title, (head, rows) in tables:
        table = Table(title=title, title_justify="left")
        for h in head:
            name = h in ("part", "id", "stage")  # never cut: the figures' headings wrap instead
            table.add_column(h, justify="left" if name else "right", no_wrap=name)
        for row in rows:
            table.add_row(*row)
        out.print(table)
    cost = report["cost"]
    out.print(f"wall time {cost['wall_s']:.1f} s, CPU time {cost['cpu_s']:.1f} s, "
              f"peak RSS {cost['peak_rss_mb']:.0f} MB, "
              f"library {report['library']}", highlight=False)
    for note in ev.cost_notes(report):
        out.print(note, highlight=False)
