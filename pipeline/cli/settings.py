"""The pipeline's settings as options, shared by `process` and `evaluate`: a command decorated
with `with_settings` gets every option and receives them as one `settings` argument."""

from __future__ import annotations

import functools
import inspect
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:  # the runner and its models load when a command runs, not for --help
    from pipeline.runner import Settings

JOBS_HELP = ("Each runs in a worker process of a local Dask cluster, with its own models "
             "(about 2.2 GB each, 1.5 GB without chapters), never more than the files; 0: one "
             "per CPU core, at most 4.")

OPTIONS = {  # name: (type, option)
    "engine": (str, typer.Option("faster-whisper", metavar="ENGINE",
                                 help="faster-whisper or openai-whisper.")),
    "model": (str | None, typer.Option(
        None, metavar="MODEL", help="Model: 'base' (embedded, default), a local model folder, "
        "or a size name (openai-whisper: a checkpoint file).")),
    "language": (str, typer.Option("nl", metavar="LANG",
                                   help="Spoken language; 'auto' detects it.")),
    "device": (str, typer.Option("auto", metavar="DEVICE", help="auto, cpu or cuda.")),
    "compute_type": (str, typer.Option(
        "default", metavar="TYPE", help="CTranslate2 compute type: default (int8 on a CPU, the "
        "model's own on a GPU), int8, float32, float16, ...")),
    "beam_size": (int, typer.Option(5, min=1, max=20, metavar="N",
                                    help="Beam size for decoding.")),
    "translate": (bool, typer.Option(True, "--translate/--no-translate",
                                     help="Add English to every segment.")),
    "target_language": (str, typer.Option("en", metavar="LANG",
                                          help="Language to translate into (en).")),
    "translator": (str, typer.Option(
        "whisper", metavar="TRANSLATOR",
        help="whisper (speech translation, offline) or transformers (--mt-model).")),
    "mt_model": (str | None, typer.Option(
        None, metavar="MODEL", help="Seq2seq translation model for --translator transformers: "
        "a folder, or a name in the local Hugging Face cache (e.g. Helsinki-NLP/opus-mt-nl-en).")),
    "chapters": (int | None, typer.Option(
        None, "--chapters", min=1, metavar="N",
        help="Force this many chapters [default: from the content].")),
    "no_chapters": (bool, typer.Option(False, "--no-chapters", help="Skip chapters.")),
    "speakers": (int | None, typer.Option(
        None, "--speakers", min=1, max=8, metavar="N", help="The number of speakers when you "
        "know it [default: estimated from the voices, 1 to 8].")),
    "no_speakers": (bool, typer.Option(False, "--no-speakers", help="Skip speaker labels.")),
    "embedder": (str, typer.Option(
        "auto", metavar="EMBEDDER", help="Topic embeddings: auto (e5 if installed, else "
        "lexical), e5, lexical, or a sentence-transformers model name or folder.")),
    "force": (bool, typer.Option(False, "--force", help="Redo every stage, even if up to date.")),
    "allow_truncated": (bool, typer.Option(
        False, "--allow-truncated", help="Transcribe what decodes of a truncated or damaged "
        "file, with a warning recorded in the episode, instead of refusing it.")),
}


def pipeline_settings(
    engine: str = "faster-whisper", model: str | None = None, language: str = "nl",
    device: str = "auto", compute_type: str = "default", beam_size: int = 5,
    translate: bool = True, target_language: str = "en", translator: str = "whisper",
    mt_model: str | None = None, chapters: int | None = None, no_chapters: bool = False,
    embedder: str = "auto", force: bool = False, allow_truncated: bool = False,
    speakers: int | None = None, no_speakers: bool = False,
) -> Settings:
    from pipeline.asr import AsrOptions
    from pipeline.runner import Settings
    from pipeline.translators import TranslateOptions

    return Settings(
        engine=engine, model=model, force=force, allow_truncated=allow_truncated,
        speakers=speakers, no_speakers=no_speakers,
        chapters=chapters, no_chapters=no_chapters, embedder=embedder,
        asr=AsrOptions(language=None if language == "auto" else language, beam_size=beam_size,
                       device=device, compute_type=compute_type),
        translate=TranslateOptions(enabled=translate, target_language=target_language,
                                   translator=translator, mt_model=mt_model),
    )


def with_settings(command):
    """`command(settings, ...)` as a typer command with every pipeline option."""
    own = [p.replace(annotation=eval(p.annotation, command.__globals__))  # noqa: S307 (its own)
           if isinstance(p.annotation, str) else p
           for p in inspect.signature(command).parameters.values() if p.name != "settings"]
    added = [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=option,
                               annotation=kind) for name, (kind, option) in OPTIONS.items()]

    @functools.wraps(command)
    def wrapper(**kwargs):
        values = {name: kwargs.pop(name) for name in OPTIONS}
        return command(settings=pipeline_settings(**values), **kwargs)

    wrapper.__signature__ = inspect.Signature(own + added)
    wrapper.__annotations__ = {p.name: p.annotation for p in own + added}
    return wrapper
