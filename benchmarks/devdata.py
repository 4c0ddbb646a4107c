"""Where the benchmarks find the shared dev data: ../shared/data beside the repository."""

from __future__ import annotations

import sys
from pathlib import Path

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
NL_DEV_EPISODES = DATA / "nl-dev" / "episodes"


def need(path: Path, glob: str = "*") -> Path:
    """`path` when it exists and holds something matching `glob`; else exit with one line."""
    if not path.exists() or (path.is_dir() and not any(path.glob(glob))):
        sys.exit(f"error: no dev data at {path} (see ../shared/data/README.md, or pass --data)")
    return path
