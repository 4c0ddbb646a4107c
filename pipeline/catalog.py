"""What `reportage models` lists: engines and the models they can load without a network."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

from pipeline import models


def offline_models() -> list[tuple[str, str, str]]:
    rows = [("faster-whisper", "base (embedded)", str(models.embedded_model_dir()))]
    hub = Path(os.environ.get("HF_HUB_CACHE") or Path.home() / ".cache/huggingface/hub")
    for folder in sorted(hub.glob("models--*faster-whisper*")):
        rows.append(("faster-whisper", folder.name.split("--")[-1], str(folder)))
    if importlib.util.find_spec("whisper"):
        whisper_cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "whisper"
        for pt in sorted([*whisper_cache.glob("*.pt"), *models.cache_dir().glob("*.pt")]):
            rows.append(("openai-whisper", pt.stem, str(pt)))
    else:
        rows.append(("openai-whisper", "(not installed)", "pip install 'reportage[openai]'"))
    return rows
