"""The episode's title in the editor: `PATCH /api/episodes/{slug}/title` renames it and/or
sets its English, as `reportage title` does; a rename sent at a stale `title_rev` is a 409
naming who renamed it."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Depends, FastAPI, Header, HTTPException
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, StrictInt, StrictStr

from pipeline.edits import title as titles
from pipeline.edits.log import documents, read_log
from pipeline.errors import ReportageError
from pipeline.web.review import edit_saved, warned


class TitlePatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rev: StrictInt  # the episode's title_rev the editor saw
    title: StrictStr | None = None
    title_en: StrictStr | None = None  # "": no English title


def add_routes(app: FastAPI, library: Path, editor, editor_name, folder_of) -> None:
    router = APIRouter()

    @router.patch("/api/episodes/{slug}/title", dependencies=[Depends(editor)])
    def rename(slug: str, patch: TitlePatch, x_editor: str = Header("editor")):
        folder = folder_of(slug)
        try:
            done, warning = edit_saved(folder, lambda: titles.rename(
                library, slug, patch.title, editor_name(x_editor), patch.rev, patch.title_en))
        except titles.StaleTitle as stale:
            since = [e.editor for e in read_log(folder)
                     if titles.of_title(e) and e.rev > patch.rev]
            return JSONResponse(status_code=409, content={
                "detail": "the title was changed since you loaded it",
                "title": stale.episode.title, "title_en": stale.episode.title_en,
                "rev": stale.episode.title_rev,
                "by": since[-1] if since else None})
        except ReportageError as exc:  # what was sent cannot be a title
            raise HTTPException(422, str(exc)) from None
        except OSError as exc:
            raise HTTPException(507, f"could not save: {exc.strerror or exc}") from None
        episode = documents.load(folder)
        return {"title": episode.title, "title_en": episode.title_en, "rev": episode.title_rev,
                "edits": [e.id for e in done]} | warned(warning)

    app.include_router(router)
