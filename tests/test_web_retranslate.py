"""A corrected Dutch segment gets new English from the text translator its episode was
translated with (a tiny random Marian model the test builds), through the edit API."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from tiny_marian import build

from pipeline import edits, glossary
from pipeline.document import Episode
from pipeline.glossary import Term
from pipeline.web.app import create_app
from pipeline.web.retranslate import Retranslator
from tests.web_fixtures import make_library

SEG = "s0000300"
OLD_EN = "The ships come in early."
AUTH = {"Authorization": "Bearer t"}


@pytest.fixture(scope="module")
def talker(tmp_path_factory):
    return build(tmp_path_factory.mktemp("talker"), eos_bias=-100.0)


def library_translated_with(tmp_path, settings: dict):
    library = make_library(tmp_path)
    folder = library / "haven"
    episode = Episode.load(folder)
    episode.provenance["translate"] = {"settings": settings}
    episode.save(folder)
    return library


def test_corrected_dutch_is_translated_again(tmp_path, talker):
    library = library_translated_with(
        tmp_path, {"translator": "transformers", "target": "en", "model": str(talker)})
    client = TestClient(create_app(library, "t", {"testserver"}))
    saved = client.patch(f"/api/episodes/haven/segments/{SEG}", headers=AUTH,
                         json={"rev": 0, "nl": "Rogier Creemers woont in Shenzhen."})
    assert saved.status_code == 200
    seg = saved.json()["segment"]
    assert seg["en"] and seg["en"] != OLD_EN and not seg["en_stale"]
    stored = Episode.load(library / "haven").segment(SEG)
    assert stored.en == seg["en"] and stored.en_for == "Rogier Creemers woont in Shenzhen."
    assert not stored.edited["en"]  # still the machine's English
    assert seg["en"].split()[0] in (library / "haven" / "en.srt").read_text()


def test_english_edited_by_hand_is_not_translated_over(tmp_path, talker):
    library = library_translated_with(
        tmp_path, {"translator": "transformers", "target": "en", "model": str(talker)})
    both = {"nl": "Andere boten.", "en": "Other boats."}
    seg = edits.edit_segment(library, "haven", SEG, 0, both, "ann", Retranslator(library))
    assert seg.en == "Other boats." and not seg.en_stale


@pytest.mark.parametrize("settings", [
    {"translator": "whisper", "target": "en", "model": "base"},  # English from the audio
    {"translator": "transformers", "target": "en", "model": "/nowhere/model"},  # cannot load
])
def test_otherwise_the_english_is_marked_stale_and_the_dutch_saved(tmp_path, settings, capsys):
    library = library_translated_with(tmp_path, settings)
    seg = edits.edit_segment(library, "haven", SEG, 0, {"nl": "Andere boten."}, "ann",
                             Retranslator(library))
    assert seg.nl == "Andere boten." and seg.en == OLD_EN and seg.en_stale
    assert Episode.load(library / "haven").segment(SEG).nl == "Andere boten."
    assert ("warning" in capsys.readouterr().err) == (settings["translator"] == "transformers")


def test_the_new_english_keeps_the_glossary_terms(tmp_path, talker):
    library = library_translated_with(
        tmp_path, {"translator": "transformers", "target": "en", "model": str(talker)})
    client = TestClient(create_app(library, "t", {"testserver"}))
    url, said = f"/api/episodes/haven/segments/{SEG}", "Rogier Creemers woont in Shenzhen."
    english = client.patch(url, headers=AUTH, json={"rev": 0, "nl": said}).json()["segment"]["en"]
    # The tiny model's English is random words: its longest, spelled one letter off, is the
    # term's given English, so the same English again must be put right.
    word = max(re.findall(r"[A-Za-z]+", english), key=len)
    given = word[:-1] + ("a" if word[-1] != "a" else "e")
    glossary.add(library, Term("Creemers", english=given))
    client.patch(url, headers=AUTH, json={"rev": 1, "nl": "Andere boten."})
    seg = client.patch(url, headers=AUTH, json={"rev": 2, "nl": said}).json()["segment"]
    assert given in seg["en"] and word not in seg["en"].split()
    stored = Episode.load(library / "haven").segment(SEG)
    assert {"lang": "en", "was": word, "now": given} in [
        {k: f[k] for k in ("lang", "was", "now")} for f in stored.fixes]
