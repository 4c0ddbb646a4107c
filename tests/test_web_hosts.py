"""`reportage serve` against DNS rebinding and cross-site writes, on the wire: the real command
answers only its own host names, refuses writes from other origins even with the token, and
never logs the token."""

from __future__ import annotations

import http.client
import json
import os
import re
import socket
import subprocess
import sys
import time

import pytest
from conftest import ROOT
from typer.testing import CliRunner

from pipeline.cli import app as cli_app
from pipeline.document import Episode
from pipeline.web import server
from tests.web_fixtures import make_library

SEG = "s0000300"
NAME = "reportage.lan"  # given with --allowed-host


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """`reportage serve LIB --port P --allowed-host reportage.lan` in its own process."""
    root = tmp_path_factory.mktemp("hosts")
    library = make_library(root)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log = root / "stderr.txt"
    env = {k: v for k, v in os.environ.items() if k != "REPORTAGE_EDITOR_TOKEN"}
    with log.open("w") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "pipeline", "serve", str(library), "--port", str(port),
             "--allowed-host", NAME], env=env | {"PYTHONPATH": str(ROOT)}, cwd=ROOT,
            stdout=err, stderr=err)
    try:
        # The port is bound before the banner is printed: once it is, requests queue up.
        deadline = time.monotonic() + 60
        while "editor link:" not in log.read_text():
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"reportage serve did not start: {log.read_text()}")
            time.sleep(0.1)
        token = re.search(r"editor token: (\S+)", log.read_text())[1]
        yield library, port, token, log
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def send(port: int, method: str, path: str, host: str | None, headers=(), body=None):
    """One raw request with exactly this Host header (None: none at all)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
    if host is not None:
        conn.putheader("Host", host)
    for name, value in dict(headers).items():
        conn.putheader(name, value)
    if body is not None:
        conn.putheader("Content-Length", str(len(body)))
    conn.endheaders(body)
    response = conn.getresponse()
    text = response.read().decode()
    conn.close()
    return response.status, text


@pytest.mark.parametrize("host", [
    "evil.example", "evil.example:{port}", "localhost.evil.example:{port}", "", "a b", None,
    "127.0.0.1@evil.example", "[::1", "localhost:{port}:1",
])
@pytest.mark.parametrize("path", ["/", "/api/episodes/haven", "/episodes/haven/audio"])
def test_other_hosts_get_400(served, host, path):
    _, port, _, _ = served
    status, text = send(port, "GET", path, None if host is None else host.format(port=port))
    assert status == 400
    assert "haven" not in text and "Goedemorgen" not in text


@pytest.mark.parametrize("host", [
    "127.0.0.1:{port}", "localhost:{port}", "LocalHost:{port}", "[::1]:{port}", NAME + ":{port}",
    "localhost",
])
def test_own_hosts_are_answered(served, host):
    _, port, _, _ = served
    status, text = send(port, "GET", "/api/episodes/haven", host.format(port=port))
    assert status == 200 and json.loads(text)["slug"] == "haven"


def patch(served, host, extra=(), nl="Ingebroken."):
    """Save SEG at its current rev with the editor token, through `host`."""
    library, port, token, _ = served
    rev = Episode.load(library / "haven").segment(SEG).rev
    body = json.dumps({"rev": rev, "nl": nl}).encode()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    headers.update(extra)
    return send(port, "PATCH", f"/api/episodes/haven/segments/{SEG}", host, headers, body)


@pytest.mark.parametrize("origin,fetch_site", [
    ("http://evil.example", None), ("http://evil.example:{port}", None), ("null", None),
    ("https://127.0.0.1:{port}", None), ("http://127.0.0.1:1", None), ("http://127.0.0.1", None),
    (None, "cross-site"), ("http://127.0.0.1:{port}", "cross-site"),
])
def test_cross_site_writes_are_refused_even_with_the_token(served, origin, fetch_site):
    library, port, _, _ = served
    before = (library / "haven" / "episode.json").read_bytes()
    extra = {"Sec-Fetch-Site": fetch_site} if fetch_site else {}
    if origin:
        extra["Origin"] = origin.format(port=port)
    status, text = patch(served, f"127.0.0.1:{port}", extra)
    assert (status, text) == (403, "cross-site write refused")
    assert (library / "haven" / "episode.json").read_bytes() == before


@pytest.mark.parametrize("host,origin", [
    ("127.0.0.1:{port}", "http://127.0.0.1:{port}"),
    ("localhost:{port}", "http://localhost:{port}"),
    (NAME + ":{port}", f"http://{NAME}:{{port}}"),
    ("127.0.0.1:{port}", None),  # curl or httpx: no Origin, the token alone guards the write
])
def test_same_origin_writes_are_saved(served, host, origin):
    library, port, _, _ = served
    extra = {"Origin": origin.format(port=port), "Sec-Fetch-Site": "same-origin"} if origin else {}
    text = f"Gered via {host.split(':')[0]}."
    status, body = patch(served, host.format(port=port), extra, nl=text)
    assert status == 200, body
    assert Episode.load(library / "haven").segment(SEG).nl == text


def test_a_write_to_another_host_is_400_not_saved(served):
    library, _, _, _ = served
    before = (library / "haven" / "episode.json").read_bytes()
    status, _ = patch(served, "evil.example", {"Origin": "http://evil.example"})
    assert status == 400 and (library / "haven" / "episode.json").read_bytes() == before


def test_the_token_stays_out_of_urls_pages_and_logs(served):
    _, port, token, log = served
    auth = {"Authorization": f"Bearer {token}"}
    for path in ("/?edit=1", "/episodes/haven?edit=1"):
        status, page = send(port, "GET", path, f"127.0.0.1:{port}", auth)
        assert status == 200 and token not in page
    patch(served, f"127.0.0.1:{port}", nl="Gelogd?")
    patch(served, "evil.example")
    output = log.read_text()
    link = re.search(r"editor link: +(\S+)", output)[1]
    assert link == f"http://127.0.0.1:{port}/?edit=1#token={token}"  # a fragment: never sent
    assert output.count(token) == 2, output  # the start banner's token and link lines only
    assert "PATCH" not in output and "GET" not in output


def test_a_bad_allowed_host_is_one_line(tmp_path):
    (tmp_path / "library").mkdir()
    result = CliRunner().invoke(cli_app, ["serve", str(tmp_path / "library"),
                                          "--allowed-host", "a b"])
    assert result.exit_code == 1
    assert result.output.startswith("error: --allowed-host 'a b' is not a host name")
    assert result.output.count("\n") == 1


def test_allowed_host_names_are_normalised():
    names = server.host_names("0.0.0.0", ["[fe80::1]", "fe80::2", "Box.LAN:8000"])
    assert {"fe80::1", "fe80::2", "box.lan", "0.0.0.0", "localhost", "::1"} <= names
    assert socket.gethostname().lower() in names  # bound to every address: its own name too
    assert "0.0.0.0" not in server.host_names("127.0.0.1")
