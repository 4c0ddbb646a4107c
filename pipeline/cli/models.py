"""`reportage models`: the speech models usable offline, and the openai-whisper export."""

from __future__ import annotations

from pathlib import Path

import typer

from pipeline.cli.common import app, command_group, fail, say
from pipeline.errors import ReportageError

models_app = command_group(help="Speech models usable offline.", invoke_without_command=True)
app.add_typer(models_app, name="models")


@models_app.callback()
def models_list(ctx: typer.Context) -> None:
    """List the engines and the models they can use here without a network."""
    if ctx.invoked_subcommand:
        return
    from pipeline.models import offline_models

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
