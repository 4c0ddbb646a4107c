"""Re-translation of a segment whose Dutch an editor corrected, inside the server.

Only text translators follow a corrected Dutch text: English from Whisper's speech translation
comes from the audio, which an edit does not change, so that English is left marked stale
(`Segment.en_stale`) for the editor to correct by hand. The new English keeps the library
glossary's terms, as the translate stage's does.
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path

from pipeline import glossary
from pipeline.document import Episode
from pipeline.errors import ReportageError
from pipeline.glossary.fixes import fix_english
from pipeline.stages.translate import translate_segments
from pipeline.translators import Translator


class Retranslator:
    """Holds the text translators episodes were translated with, each loaded once."""

    def __init__(self, library: Path) -> None:
        self._library = library
        self._loaded: dict[str, Translator] = {}
        self._lock = threading.Lock()  # one load and one generation at a time

    def __call__(self, episode: Episode, ids: list[str]) -> None:
        model = self.text_model(episode)
        if model is None:
            return
        try:
            with self._lock:
                translate_segments(episode, ids, self._translator(model))
        except (ReportageError, OSError, RuntimeError) as exc:
            # The corrected Dutch is saved regardless; its English stays marked stale.
            print(f"warning: no re-translation for {episode.slug}: {exc}", file=sys.stderr)
            return
        try:
            terms = glossary.load(self._library)
        except ReportageError as exc:  # a glossary being edited by hand: English as translated
            print(f"warning: glossary not applied to the new English: {exc}", file=sys.stderr)
            return
        wanted = set(ids)
        fix_english([s for s in episode.segments if s.id in wanted], terms)

    def prepare(self, episode: Episode) -> None:
        """Load the episode's translator ahead of the first save."""
        model = self.text_model(episode)
        if model is not None:
            try:
                with self._lock:
                    self._translator(model)
            except (ReportageError, OSError, RuntimeError):
                pass  # reported when a save needs it

    @staticmethod
    def text_model(episode: Episode) -> str | None:
        """The MT model the episode's English came from; None for speech translation."""
        settings = episode.provenance.get("translate", {}).get("settings") or {}
        if settings.get("translator") != "transformers":
            return None
        return settings.get("model") or ""

    def _translator(self, model: str) -> Translator:
        if model not in self._loaded:
            from pipeline.translators.seq2seq import Seq2SeqTranslator

            self._loaded[model] = Seq2SeqTranslator(model or None)
        return self._loaded[model]
