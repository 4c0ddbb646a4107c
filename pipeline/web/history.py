"""An episode's edit history for the editor, newest first, and the revert of any edit in it:
the `reportage history` and `revert` of the browser. It outlives a reload, and covers what the
page's own Undo buttons do not: a speaker's rename or move, and English confirmed as still right."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

from fastapi import APIRouter, Depends, FastAPI, Header, HTTPException
from pydantic import BaseModel, ConfigDict, StrictInt

from pipeline import edits
from pipeline.edits.chapter_log import outline, structure_change
from pipeline.edits.chapters import FIELDS as CHAPTER_FIELDS
from pipeline.edits.chapters import STRUCTURE
from pipeline.edits.log import documents, read_log
from pipeline.errors import ReportageError
from pipeline.web.review import edit_saved, segment_json, warned

SHOWN = 200  # the newest edits listed; older ones stay in `reportage history`


class Revert(BaseModel):
    model_config = ConfigDict(extra="forbid")
    edit: StrictInt


def add_routes(app: FastAPI, library: Path, editor, editor_name, folder_of) -> None:
    router = APIRouter()

    @router.get("/api/episodes/{slug}/history", dependencies=[Depends(editor)])
    def history(slug: str) -> dict:
        log = read_log(folder_of(slug))
        return {"edits": [_shown(e) for e in reversed(log[-SHOWN:])], "total": len(log)}

    @router.post("/api/episodes/{slug}/revert", dependencies=[Depends(editor)])
    def revert(slug: str, body: Revert, x_editor: str = Header("editor")) -> dict:
        folder = folder_of(slug)
        try:
            done, warning = edit_saved(folder, lambda: edits.revert(
                library, slug, body.edit, editor_name(x_editor)))
        except ReportageError as exc:  # changed since, or no such edit
            raise HTTPException(422, str(exc)) from None
        except OSError as exc:
            raise HTTPException(507, f"could not save: {exc.strerror or exc}") from None
        # What the edit is about, as it is now, even where nothing was left to undo (another
        # editor undid it first): the page may still show the edit's text.
        about = [*done, *(e for e in read_log(folder) if e.id == body.edit)]
        episode = documents.load(folder)
        return {"edits": [e.id for e in done],
                "segments": [segment_json(s) for s in episode.segments
                             if s.id in {e.segment for e in about}],
                "speakers": episode.speakers, "speakers_rev": episode.speakers_rev,
                "title": episode.title, "title_en": episode.title_en,
                "title_rev": episode.title_rev,
                "chapters": any(e.field in CHAPTER_FIELDS for e in about)} | warned(warning)

    app.include_router(router)


def _shown(edit) -> dict:
    """An edit as the page lists it: a move, split or merge (its before and after are JSON
    snapshots) told in words, with the chapters' outlines, "00:00 Haven · 01:40 Markt", as
    `history` prints them."""
    data = asdict(edit)
    if edit.field == STRUCTURE:
        data["change"] = structure_change(edit.before, edit.after)
        data["before"], data["after"] = outline(edit.before), outline(edit.after)
    return data
