"""`reportage serve`: the app on a local port, with the editor token shown once at start."""

from __future__ import annotations

import os
import secrets
import socket
import sys
from pathlib import Path

import uvicorn

from pipeline.errors import ReportageError
from pipeline.web.app import create_app

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


def editor_token() -> tuple[str, bool]:
    """The token from REPORTAGE_EDITOR_TOKEN, or a fresh one (and whether it was generated)."""
    given = os.environ.get("REPORTAGE_EDITOR_TOKEN", "").strip()
    return (given, False) if given else (secrets.token_urlsafe(24), True)


def serve(library: Path, host: str, port: int) -> None:
    if not library.is_dir():
        raise ReportageError(f"no library folder at {library}: run `reportage process` first")
    listener = _listen(host, port)
    token, generated = editor_token()
    base = f"http://{'[' + host + ']' if ':' in host else host}:{port}/"
    print(f"reportage: serving {library} at {base}", file=sys.stderr)
    shown = token if generated else "(from REPORTAGE_EDITOR_TOKEN)"
    print(f"editor token: {shown}", file=sys.stderr)
    if generated:
        print(f"editor link:  {base}?edit=1#token={token}", file=sys.stderr)
    if host not in LOCAL_HOSTS:
        print("warning: listening beyond this machine over plain HTTP; the token travels "
              "unencrypted", file=sys.stderr)
    config = uvicorn.Config(create_app(library, token), log_level="warning")
    uvicorn.Server(config).run(sockets=[listener])


def _listen(host: str, port: int) -> socket.socket:
    """Bind before anything is printed, so a taken port is one clear error."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        return socket.create_server((host, port), family=family)
    except OSError as exc:
        raise ReportageError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None

