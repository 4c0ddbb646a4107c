"""`reportage serve`: the app on a local port, with the editor token shown once at start."""

from __future__ import annotations

import os
import secrets
import socket
import sys
from collections.abc import Iterable
from pathlib import Path

import uvicorn

from pipeline.errors import ReportageError
from pipeline.web.app import LOCAL_HOSTS, create_app, split_host

WILDCARDS = {"0.0.0.0", "::"}


def editor_token() -> tuple[str, bool]:
    """The token from REPORTAGE_EDITOR_TOKEN, or a fresh one (and whether it was generated)."""
    given = os.environ.get("REPORTAGE_EDITOR_TOKEN", "").strip()
    return (given, False) if given else (secrets.token_urlsafe(24), True)


def host_names(host: str, extra: Iterable[str] = ()) -> set[str]:
    """The names requests may be addressed to: local ones, the bound address, and `extra`."""
    names = set(LOCAL_HOSTS) | {host.lower()}
    if host in WILDCARDS:  # every address of this machine: its own name too
        names.add(socket.gethostname().lower())
    for raw in extra:
        bare = raw.strip()
        bare_ipv6 = bare.count(":") > 1 and not bare.startswith("[")
        parsed = split_host(f"[{bare}]" if bare_ipv6 else bare)
        if parsed is None:
            raise ReportageError(f"--allowed-host {raw!r} is not a host name or address")
        names.add(parsed[0])
    return names


def serve(library: Path, host: str, port: int, allowed_hosts: Iterable[str] = ()) -> None:
    if not library.is_dir():
        raise ReportageError(f"no library folder at {library}: run `reportage process` first")
    names = host_names(host, allowed_hosts)
    listener = _listen(host, port)
    token, generated = editor_token()
    base = f"http://{'[' + host + ']' if ':' in host else host}:{port}/"
    print(f"reportage: serving {library} at {base}", file=sys.stderr)
    print(f"answering requests for: {', '.join(sorted(names))} "
          "(add names with --allowed-host NAME)", file=sys.stderr)
    shown = token if generated else "(from REPORTAGE_EDITOR_TOKEN)"
    print(f"editor token: {shown}", file=sys.stderr)
    if generated:
        # The token rides in the fragment: browsers never send it to the server (so no access
        # log or Referer carries it), and editor.js takes it out of the address bar at once.
        print(f"editor link:  {base}?edit=1#token={token}", file=sys.stderr)
    if host not in LOCAL_HOSTS:
        print("warning: listening beyond this machine over plain HTTP; the token travels "
              "unencrypted", file=sys.stderr)
    # No access log: request lines are not worth keeping, and nothing in them should be logged.
    config = uvicorn.Config(create_app(library, token, names), log_level="warning",
                            access_log=False)
    uvicorn.Server(config).run(sockets=[listener])


def _listen(host: str, port: int) -> socket.socket:
    """Bind before anything is printed, so a taken port is one clear error."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        return socket.create_server((host, port), family=family)
    except OSError as exc:
        raise ReportageError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
