"""The editor's review tools behind the API: the glossary and its proposed terms (accept,
dismiss), replace everywhere in an episode, and undo of such a batch."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Literal

from fastapi import APIRouter, Depends, FastAPI, Header, HTTPException
from pydantic import BaseModel, ConfigDict, StrictInt, StrictStr

from pipeline import glossary
from pipeline.document import Segment
from pipeline.edits import replace
from pipeline.edits.log import Edit, documents, last_id, read_log
from pipeline.errors import IndexNotUpdated, ReportageError
from pipeline.glossary import proposals


class ProposalAction(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: StrictStr


class Replace(BaseModel):
    model_config = ConfigDict(extra="forbid")
    find: StrictStr
    replace: StrictStr


class Undo(BaseModel):
    model_config = ConfigDict(extra="forbid")
    edits: list[StrictInt]


def add_routes(app: FastAPI, library: Path, editor, retranslate, editor_name, folder_of) -> None:
    """`editor`: the dependency that checks the token; `editor_name`: who saved, cleaned;
    `folder_of`: an episode's folder, or 404."""
    router = APIRouter()

    @router.get("/api/glossary")
    def glossary_json() -> dict:
        return _glossary(library)

    @router.post("/api/glossary/proposed/{action}", dependencies=[Depends(editor)])
    def decide(action: Literal["accept", "dismiss"], body: ProposalAction) -> dict:
        try:
            (proposals.accept if action == "accept" else proposals.dismiss)(library, body.text)
        except proposals.UnknownProposal as exc:
            raise HTTPException(404, str(exc)) from None
        except ReportageError as exc:
            raise HTTPException(422, str(exc)) from None
        return _glossary(library)

    @router.post("/api/episodes/{slug}/replace", dependencies=[Depends(editor)])
    def replace_all(slug: str, body: Replace, x_editor: str = Header("editor")) -> dict:
        return _batch(folder_of(slug), lambda: replace.replace_everywhere(
            library, slug, body.find, body.replace, editor_name(x_editor), retranslate))

    @router.post("/api/episodes/{slug}/undo", dependencies=[Depends(editor)])
    def undo(slug: str, body: Undo, x_editor: str = Header("editor")) -> dict:
        kept: list[str] = []  # the lines corrected since, which keep their newer text

        def apply() -> list[Edit]:
            edits, kept[:] = replace.undo(library, slug, body.edits, editor_name(x_editor),
                                          retranslate)
            return edits

        reply = _batch(folder_of(slug), apply)
        if kept:  # shown as they are now: the page still holds the text undone
            episode = documents.load(folder_of(slug))
            reply["segments"] += [segment_json(s) for s in episode.segments if s.id in kept]
        return reply | {"kept": len(kept), "kept_lines": kept}

    app.include_router(router)


def _glossary(library: Path) -> dict:
    try:
        return {"terms": [asdict(t) for t in glossary.load(library)],
                "proposed": [asdict(p) for p in proposals.pending(library)]}
    except ReportageError as exc:
        raise HTTPException(500, str(exc)) from None


def _batch(folder: Path, apply: Callable[[], list[Edit]]) -> dict:
    """Run a batch edit; the edits made and every segment they changed, as now saved."""
    try:
        edits, warning = edit_saved(folder, apply)
    except ReportageError as exc:
        raise HTTPException(422, str(exc)) from None
    except OSError as exc:
        raise HTTPException(507, f"could not save: {exc.strerror or exc}") from None
    episode = documents.load(folder)
    changed = {e.segment for e in edits}
    return {"edits": [e.id for e in edits],
            "segments": [segment_json(s) for s in episode.segments if s.id in changed]
            } | warned(warning)


def edit_saved(folder: Path, apply: Callable[[], list[Edit]]) -> tuple[list[Edit], str | None]:
    """The edits `apply` made, and None; or, where they were saved but the search index could
    not follow, the edits logged meanwhile and what to tell the editor: a refusal would read
    as a lost edit, and a retry would be refused as stale."""
    before = last_id(folder)
    try:
        return apply(), None
    except IndexNotUpdated as exc:
        return [e for e in read_log(folder) if e.id > before], str(exc)


def warned(warning: str | None) -> dict:
    return {"warning": warning} if warning else {}


def segment_json(seg: Segment) -> dict:
    data = asdict(seg)
    del data["words"]
    return data | {"en_stale": seg.en_stale}
