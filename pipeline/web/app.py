"""The FastAPI app behind `reportage serve`: library and episode pages, audio, the edit API.

Reading is open; editing needs the editor token as `Authorization: Bearer <token>` (a header a
cross-site page cannot make a browser send, so no CSRF), and a browser's write must come from
this server's own origin. Only requests for the allowed host names are answered, so a page whose
name was rebound to this machine's address (DNS rebinding) cannot read the library. Names from
URLs are validated before they touch the disk, and audio is served only from inside the library.
"""

from __future__ import annotations

import contextlib
import hmac
import logging
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import asdict
from pathlib import Path
from typing import Literal
from urllib.parse import unquote

from fastapi import Depends, FastAPI, Header, HTTPException, Query, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import (
    FileResponse,
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    Response,
)
from fastapi.staticfiles import StaticFiles
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
)
from starlette.exceptions import HTTPException as StarletteHTTPException

from pipeline import edits, search
from pipeline.document import FILENAME, Episode
from pipeline.edits import chapters as chapter_edits
from pipeline.edits.log import MACHINE
from pipeline.errors import ReportageError
from pipeline.formats import page
from pipeline.formats.chapters import chapter_spans
from pipeline.formats.files import BY_NAME, DOWNLOADS
from pipeline.library import valid_slug
from pipeline.search.query import MAX_CHARS as MAX_QUERY
from pipeline.stages import publish
from pipeline.web import history, listing, title
from pipeline.web.clip import clip_download, served_audio
from pipeline.web.retranslate import Retranslator
from pipeline.web.review import add_routes, edit_saved, segment_json, warned

SEARCH_LIMIT = 50
log = logging.getLogger("uvicorn.error")  # the server's console, as uvicorn's own lines
MAX_BODY = 64 * 1024  # bytes: an edit is a segment's text, never more
SEGMENT_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
EDITOR_NAME = re.compile(r"[^\w .@-]")
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
# A Host header or an Origin's host part: a name or IPv4 address, or an IPv6 one in brackets.
HOST = re.compile(r"(?:\[(?P<ip6>[0-9a-f:.]+)\]|(?P<name>[a-z0-9_.-]+))(?::(?P<port>\d{1,5}))?")
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
READS = ["GET", "HEAD"]  # what a page, a file or the audio answers (link checkers send HEAD)
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; media-src 'self'; "
       "img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; "
       "frame-ancestors 'none'")


class SegmentPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rev: StrictInt
    nl: StrictStr | None = None
    en: StrictStr | None = None
    speaker: StrictStr | None = None  # another speaker's id, or "new"


class SpeakerPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rev: StrictInt  # the episode's speakers_rev the editor saw
    name: StrictStr
    swap: StrictBool = False  # a name another speaker has: exchange the two names


class ChapterPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rev: StrictInt  # the episode's chapters_rev the editor saw
    title: StrictStr | None = None
    title_en: StrictStr | None = None


class ChapterAction(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rev: StrictInt
    action: Literal["move", "split", "merge"]
    at: StrictFloat | None = None  # move: the new start; split: where the new chapter starts


class ChapterStart(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rev: StrictInt
    at: StrictFloat  # a spoken segment's start: a chapter begins there


class ChapterUndo(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rev: StrictInt  # the chapters_rev the edit left
    edits: list[StrictInt] = Field(max_length=10)  # the ids the edit's reply gave


def create_app(library: Path, token: str,
               allowed_hosts: Iterable[str] = LOCAL_HOSTS) -> FastAPI:
    """`allowed_hosts`: the names (no port; IPv6 without brackets) requests may be addressed to."""
    library = Path(library).resolve()
    allowed = {name.lower() for name in allowed_hosts}
    shelf = listing.Shelf(library)
    retranslate = Retranslator(library)
    prepared: set[str] = set()  # episodes whose editing was made ready
    app = FastAPI(title="reportage", docs_url=None, redoc_url=None, openapi_url=None,
                  max_body_size=MAX_BODY)
    app.mount("/static", StaticFiles(directory=page.STATIC), name="static")

    @app.middleware("http")
    async def guard(request: Request, call_next):
        # A rebound name still arrives as `Host: evil.example`: answer only our own names.
        host = split_host(request.headers.get("host", ""))
        if host is None or host[0] not in allowed:
            response = PlainTextResponse("unknown host: see reportage serve --allowed-host", 400)
        elif (request.method in WRITES or request.url.path.endswith("/clip")) and cross_site(
                request, host[1], allowed):  # a clip is minutes of work: not for other sites
            what = "write" if request.method in WRITES else "clip"
            response = PlainTextResponse(f"cross-site {what} refused", 403)
        else:
            response = await call_next(request)
        if request.url.path.startswith("/api/"):  # what a program reads is never kept
            response.headers.setdefault("Cache-Control", "no-store")
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["Content-Security-Policy"] = CSP
        return response

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        # FastAPI's own answer echoes the input, and NaN or Infinity in the JSON body cannot be
        # written back as JSON: a 500. The field and the reason are enough.
        detail = [{"loc": list(e.get("loc", ())), "msg": e.get("msg", "invalid")}
                  for e in exc.errors()]
        return JSONResponse(status_code=422, content={"detail": detail})

    @app.exception_handler(StarletteHTTPException)
    async def refused(request: Request, exc: StarletteHTTPException) -> Response:
        if request.url.path.startswith("/api/"):  # a program reads the JSON
            return await http_exception_handler(request, exc)
        return HTMLResponse(page.render("error.html", status=exc.status_code, detail=exc.detail,
                                        links=page.Links(audio="", library="/",
                                                         assets="/static")),
                            status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(ReportageError)
    async def unreadable(request: Request, exc: ReportageError) -> Response:
        # A damaged episode document: a page for a listener, JSON for a program; and a line
        # in the server's console for whoever runs it.
        log.warning("%s %s: %s", request.method, request.url.path, exc)
        said = str(exc).replace(f"{library}/", "")  # where the library is stays on the server
        return await refused(request, StarletteHTTPException(500, said))

    def prepare_edits(episode: Episode) -> None:
        publish.warm(episode)
        retranslate.prepare(episode)

    def folder_of(slug: str) -> Path:
        folder = library / slug
        if not valid_slug(slug) or not (folder / FILENAME).is_file():
            raise HTTPException(404, "no such episode")
        return folder

    def editor(authorization: str = Header("")) -> None:
        scheme, _, given = authorization.partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.encode(), token.encode()):
            raise HTTPException(401, "editing needs the editor token",
                                headers={"WWW-Authenticate": "Bearer"})

    @app.api_route("/", methods=READS, response_class=HTMLResponse)
    def library_page(q: str = "", edit: bool = False, speaker: str = "",
                     mode: str = "hybrid") -> HTMLResponse:
        hits, error = [], None
        if q or speaker.strip():  # blank words, or a speaker alone: search says what to type
            try:
                hits = search.search(library, q, limit=SEARCH_LIMIT, speaker=speaker or None,
                                     mode=mode)
            except ReportageError as exc:
                error = str(exc)
        episodes = shelf.summaries()
        english = {e.slug: e.title_en for e in episodes if e.title_en}
        html = page.render(
            "library.html", episodes=episodes, q=q, speaker=speaker, edit=edit,
            error=error, mode=mode, max_query=MAX_QUERY, limit=SEARCH_LIMIT,
            # An English line's hit names its episode in English, as it does its chapter.
            hits=[(h, page.marked(h.snippet, h.marks),
                   *((english[h.episode], "en") if h.lang == "en" and h.episode in english
                     else (h.title, "nl"))) for h in hits],
            links=page.Links(audio="", library="/", assets="/static"),
        )
        return HTMLResponse(html, status_code=400 if error else 200)  # as the JSON API

    @app.api_route("/episodes/{slug}", methods=READS, response_class=HTMLResponse)
    def episode_page(slug: str, edit: bool = False) -> str:
        folder = folder_of(slug)
        episode = edits.documents.load(folder)
        if edit and slug not in prepared:  # an editor will save soon: get ready now, off the
            prepared.add(slug)  # save's clock; once (anyone may open ?edit=1)
            threading.Thread(target=prepare_edits, args=(episode,), daemon=True).start()
        links = page.Links(audio=f"/episodes/{slug}/audio", library="/", assets="/static",
                           files=f"/episodes/{slug}/files/")
        published = [d.name for d in DOWNLOADS if (folder / d.name).is_file()]
        return page.episode_page(episode, links, edit=edit, files=published)

    @app.api_route("/episodes/{slug}/files/{name}", methods=READS)
    def published_file(slug: str, name: str) -> FileResponse:
        path = folder_of(slug) / name
        # Only the listed files, never others, nor a link leading out of the library.
        if name not in BY_NAME or not path.is_file() \
                or not path.resolve().is_relative_to(library):
            raise HTTPException(404, "no such file")
        return FileResponse(path, media_type=BY_NAME[name].media_type)

    @app.api_route("/episodes/{slug}/audio", methods=READS)
    def audio(slug: str) -> FileResponse:
        folder = folder_of(slug)
        summary = shelf.summary(slug)
        return FileResponse(served_audio(library, folder, summary.audio if summary else ""))

    @app.get("/api/episodes/{slug}")
    def episode_json(slug: str) -> dict:
        """The document, without what is this machine's own: the recording's path on it and
        the stages' provenance."""
        document = edits.documents.load(folder_of(slug)).to_dict()
        document.pop("provenance")
        document["source"].pop("path")
        return document

    @app.get("/api/episodes/{slug}/clip")
    def clip(slug: str, start: float, end: float,
             lang: str = Query("both", pattern="^(nl|en|both)$"),
             format: str = Query("mp3", pattern="^(mp3|m4a|zip)$")):  # noqa: A002 (the query's name)
        folder = folder_of(slug)
        return clip_download(library, folder, edits.documents.load(folder), start, end,
                             lang, format)

    @app.get("/api/search")
    def search_json(q: str, speaker: str | None = None,
                    mode: str = Query("hybrid", pattern="^(hybrid|exact|semantic)$"),
                    episode: str | None = None, lang: str = "both",
                    limit: int = Query(SEARCH_LIMIT, ge=1, le=SEARCH_LIMIT)) -> list[dict]:
        """The CLI's search: the same filters, at most SEARCH_LIMIT hits."""
        if speaker is not None and not speaker.strip():  # not silently every speaker
            raise HTTPException(400, "speaker needs a name")
        try:
            hits = search.search(library, q, lang=lang, episode=episode, limit=limit,
                                 speaker=speaker, mode=mode)
            # The moment's page on this server (the CLI's link is the published file's).
            return [h.to_dict() | {"link": f"/episodes/{h.episode}{h.moment}",
                                   "title_en": _title_en(h.episode)} for h in hits]
        except ReportageError as exc:
            raise HTTPException(400, str(exc)) from None

    def _title_en(slug: str) -> str | None:
        summary = shelf.summary(slug)
        return summary.title_en if summary else None

    @app.patch("/api/episodes/{slug}/segments/{segment_id}", dependencies=[Depends(editor)])
    def save_segment(slug: str, segment_id: str, patch: SegmentPatch,
                     x_editor: str = Header("editor")):
        folder = folder_of(slug)
        if not SEGMENT_ID.match(segment_id):
            raise HTTPException(404, "no such segment")
        changes = patch.model_dump(exclude={"rev"}, exclude_none=True)

        def apply() -> list[edits.Edit]:
            edits.edit_segment(library, slug, segment_id, patch.rev, changes,
                               editor_name(x_editor), retranslate)
            return []  # the reply is the segment as saved, and its edits from the log

        try:
            _, warning = edit_saved(folder, apply)
        except edits.StaleRevision as stale:
            # Who last changed, since this editor's rev, what this save would change: the
            # conflict names them (one who changed another part was merged, not in the way).
            since = [e for e in edits.history(library, slug, segment_id)
                     if e.rev > patch.rev and e.editor != MACHINE]  # not the English it took
            clashing = [e for e in since if e.field in changes] or since
            return JSONResponse(status_code=409, content={
                "detail": "this segment was changed since you loaded it",
                "segment": segment_json(stale.segment), "rev": stale.segment.rev,
                "by": clashing[-1].editor if clashing else None})
        except edits.UnknownSegment:
            raise HTTPException(404, "no such segment") from None
        except ReportageError as exc:  # what was sent cannot be saved
            raise HTTPException(422, str(exc)) from None
        except OSError as exc:  # the disk refused: nothing was saved, the editor keeps the text
            raise HTTPException(507, f"could not save: {exc.strerror or exc}") from None
        seg = edits.documents.load(folder).segment(segment_id)
        logged = edits.history(library, slug, segment_id)
        # What another editor saved since this editor's rev, kept beside this save.
        merged = sorted({e.field for e in logged if patch.rev < e.rev < seg.rev})
        # The edits this save made: the page's Undo sends them to /api/episodes/{slug}/undo.
        mine = [e.id for e in logged if e.rev == seg.rev]
        return ({"segment": segment_json(seg), "rev": seg.rev, "edits": mine}
                | ({"merged": merged} if merged else {}) | warned(warning))

    @app.patch("/api/episodes/{slug}/speakers/{speaker_id}", dependencies=[Depends(editor)])
    def rename_speaker(slug: str, speaker_id: str, patch: SpeakerPatch,
                       x_editor: str = Header("editor")):
        folder = folder_of(slug)
        if not SEGMENT_ID.match(speaker_id):
            raise HTTPException(404, "no such speaker")
        try:
            _, warning = edit_saved(folder, lambda: edits.rename_speaker(
                library, slug, speaker_id, patch.name, editor_name(x_editor), patch.rev,
                patch.swap))
        except edits.NameTaken as taken:  # the page offers the swap
            return JSONResponse(status_code=422, content={"detail": str(taken),
                                                          "holder": taken.holder})
        except edits.StaleSpeakers as stale:
            return JSONResponse(status_code=409, content={
                "detail": "the speakers were renamed since you loaded them",
                "speakers": stale.episode.speakers, "rev": stale.episode.speakers_rev})
        except edits.UnknownSpeaker:
            raise HTTPException(404, "no such speaker") from None
        except ReportageError as exc:  # what was sent cannot be saved
            raise HTTPException(422, str(exc)) from None
        except OSError as exc:
            raise HTTPException(507, f"could not save: {exc.strerror or exc}") from None
        episode = edits.documents.load(folder)
        return {"speakers": episode.speakers, "rev": episode.speakers_rev} | warned(warning)

    @app.get("/api/episodes/{slug}/chapters")
    def chapters_json(slug: str) -> dict:
        return chapters_of(edits.documents.load(folder_of(slug)))

    @app.patch("/api/episodes/{slug}/chapters/{chapter_id}", dependencies=[Depends(editor)])
    def rename_chapter(slug: str, chapter_id: str, patch: ChapterPatch,
                       x_editor: str = Header("editor")):
        return chapter_edit(slug, lambda: chapter_edits.rename(
            library, slug, chapter_id, patch.rev, editor_name(x_editor), patch.title,
            patch.title_en), chapter_id)

    @app.post("/api/episodes/{slug}/chapters", dependencies=[Depends(editor)])
    def add_chapter(slug: str, body: ChapterStart, x_editor: str = Header("editor")):
        return chapter_edit(slug, lambda: chapter_edits.add(
            library, slug, body.at, body.rev, editor_name(x_editor)))

    # Before the route below, which would take "undo" for a chapter's id.
    @app.post("/api/episodes/{slug}/chapters/undo", dependencies=[Depends(editor)])
    def undo_chapters(slug: str, body: ChapterUndo, x_editor: str = Header("editor")):
        return chapter_edit(slug, lambda: chapter_edits.undo(
            library, slug, body.edits, body.rev, editor_name(x_editor)))

    @app.post("/api/episodes/{slug}/chapters/{chapter_id}", dependencies=[Depends(editor)])
    def change_chapters(slug: str, chapter_id: str, body: ChapterAction,
                        x_editor: str = Header("editor")):
        who = editor_name(x_editor)
        if body.action == "merge":
            if body.at is not None:  # a merge elsewhere than asked would be worse than none
                raise HTTPException(422, "merge takes no `at`: it joins the chapter to the "
                                    "one before it")
            return chapter_edit(slug, lambda: chapter_edits.merge(
                library, slug, chapter_id, body.rev, who), chapter_id)
        if body.at is None:
            raise HTTPException(422, f"{body.action} needs `at`: a segment's start in seconds")
        change = chapter_edits.move if body.action == "move" else chapter_edits.split
        return chapter_edit(slug, lambda: change(
            library, slug, chapter_id, body.at, body.rev, who), chapter_id)

    def chapter_edit(slug: str, apply: Callable[[], list[edits.Edit]],
                     chapter_id: str | None = None) -> JSONResponse:
        """Run a chapter edit (on `chapter_id`, where the URL names one) and answer with the
        chapters and the edits made, or the error."""
        folder = folder_of(slug)
        if chapter_id is not None and not SEGMENT_ID.match(chapter_id):
            raise HTTPException(404, "no such chapter")
        try:
            made, warning = edit_saved(folder, apply)
        except chapter_edits.StaleChapters as stale:
            return JSONResponse(status_code=409, content={
                "detail": "the chapters were changed since you loaded them",
                **chapters_of(stale.episode)})
        except chapter_edits.UnknownChapter:
            raise HTTPException(404, "no such chapter") from None
        except ReportageError as exc:
            raise HTTPException(422, str(exc)) from None
        except OSError as exc:
            raise HTTPException(507, f"could not save: {exc.strerror or exc}") from None
        # The edits made: what an undo names.
        return JSONResponse(chapters_of(edits.documents.load(folder))
                            | {"edits": [e.id for e in made]} | warned(warning))

    add_routes(app, library, editor, retranslate, editor_name, folder_of)
    history.add_routes(app, library, editor, editor_name, folder_of)
    title.add_routes(app, library, editor, editor_name, folder_of)
    return app


def chapters_of(episode: Episode) -> dict:
    """The chapters as the published files have them: the last runs to the audio's end."""
    return {"rev": episode.chapters_rev,
            "chapters": [asdict(c) | {"end": end} for c, _, end in chapter_spans(episode)]}


def split_host(value: str) -> tuple[str, str] | None:
    """A Host header as (name, port), lower case, IPv6 without brackets; None if malformed."""
    found = HOST.fullmatch(value.lower())
    return (found["ip6"] or found["name"], found["port"] or "80") if found else None


def cross_site(request: Request, port: str, allowed: set[str]) -> bool:
    """Whether a browser sent this write from another origin (valid token or not).

    Browsers name the sending page in Origin on every write; a client with no Origin (curl,
    httpx) is not a page a listener visits, and still needs the token."""
    if request.headers.get("sec-fetch-site") == "cross-site":
        return True
    origin = request.headers.get("origin")
    if origin is None:
        return False
    scheme, _, rest = origin.partition("://")
    theirs = split_host(rest)
    return scheme != "http" or not theirs or theirs[0] not in allowed or theirs[1] != port


def editor_name(raw: str) -> str:
    """Who saved, as the log records it: short, printable, never empty. The page sends the
    name percent-encoded (UTF-8), which a name typed by hand never is; a client that sends
    UTF-8 as it is arrives decoded as Latin-1 (HTTP's default): read back as UTF-8."""
    with contextlib.suppress(UnicodeError):
        raw = raw.encode("latin-1").decode("utf-8")
    return chapter_edits.person(EDITOR_NAME.sub("", unquote(raw)).strip()[:40] or "editor")
