"""Write a CTranslate2 Whisper model as an openai-whisper checkpoint, so both engines share weights.

The checkpoint is what `whisper.load_model(path)` reads: `{"dims": ..., "model_state_dict": ...}`,
plus `alignment_heads` (openai-whisper's gzip+base85 mask, which `load_model` cannot take from a
file; the openai engine applies it after loading).
"""

from __future__ import annotations

import base64
import gzip
import io
import json
import re
import zipfile
from pathlib import Path

import numpy as np

from pipeline.asr.ct2_binary import read_ct2_model
from pipeline.atomic import check_writable, write_atomic
from pipeline.errors import ReportageError

# CT2 names a parameter gamma/beta in layer norms; openai-whisper uses torch's weight/bias.
_PARAM = {"weight": "weight", "bias": "bias", "gamma": "weight", "beta": "bias"}
# Whole-model modules, CT2 prefix -> openai-whisper prefix.
_MODULES = {
    "encoder/conv1": "encoder.conv1",
    "encoder/conv2": "encoder.conv2",
    "encoder/layer_norm": "encoder.ln_post",
    "decoder/layer_norm": "decoder.ln",
}
_ARRAYS = {
    "encoder/position_encodings/encodings": "encoder.positional_embedding",
    "decoder/position_encodings/encodings": "decoder.positional_embedding",
    "decoder/embeddings/weight": "decoder.token_embedding.weight",
}
# Inside a residual block, CT2 sub-module -> openai-whisper sub-module(s). A tuple means the CT2
# matrix holds several projections stacked along its output dimension.
_BLOCK = {
    "self_attention/linear_0": ("attn.query", "attn.key", "attn.value"),
    "self_attention/linear_1": "attn.out",
    "self_attention/layer_norm": "attn_ln",
    "attention/linear_0": "cross_attn.query",
    "attention/linear_1": ("cross_attn.key", "cross_attn.value"),
    "attention/linear_2": "cross_attn.out",
    "attention/layer_norm": "cross_attn_ln",
    "ffn/linear_0": "mlp.0",
    "ffn/linear_1": "mlp.2",
    "ffn/layer_norm": "mlp_ln",
}
_BLOCK_NAME = re.compile(r"(encoder|decoder)/layer_(\d+)/(.+)/(\w+)")
# The output projection is tied to the token embedding in openai-whisper.
_TIED = "decoder/projection/weight"


def export_openai(model_dir: str | Path, out: str | Path) -> dict[str, int]:
    """Convert `model_dir` (model.bin + config.json) into a checkpoint at `out`; returns dims."""
    try:
        import torch
    except ImportError:
        raise ReportageError("export-openai needs torch: pip install 'reportage[openai]'") from None

    model_dir, out = Path(model_dir), Path(out)
    # A document, a glossary, a text named *.pt: never replaced (torch saves zip archives).
    if out.is_file() and (out.suffix != ".pt" or not zipfile.is_zipfile(out)):
        raise ReportageError(f"{out}: exists and is no .pt checkpoint; give a new file name")
    check_writable(out)
    model = read_ct2_model(model_dir / "model.bin")
    if model.spec != "WhisperSpec":
        raise ReportageError(f"{model_dir}: a {model.spec} model, not Whisper")
    state = openai_state_dict(model.variables)
    dims = openai_dims(model.variables)
    heads = _alignment_heads(model_dir / "config.json", dims)
    checkpoint = {
        "dims": dims,
        "model_state_dict": {name: torch.from_numpy(array) for name, array in state.items()},
        "alignment_heads": heads,
    }
    buffer = io.BytesIO()
    torch.save(checkpoint, buffer)
    try:
        write_atomic(out, buffer.getvalue())
    except OSError as exc:
        raise ReportageError(f"cannot write {out}: {exc.strerror}") from exc
    return dims


def openai_state_dict(variables: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Rename CT2 Whisper variables to openai-whisper's state-dict keys (arrays are copied)."""
    state: dict[str, np.ndarray] = {}
    for name, array in variables.items():
        if array.ndim == 0:  # spec metadata (activation, num_heads, flags), not weights
            continue
        if name == _TIED:
            if array is not variables["decoder/embeddings/weight"]:
                raise ReportageError("the output projection is not tied to the token embedding")
            continue
        state.update(_rename(name, array))
    return state


def _rename(name: str, array: np.ndarray) -> dict[str, np.ndarray]:
    if name in _ARRAYS:
        return {_ARRAYS[name]: np.array(array)}
    module, _, param = name.rpartition("/")
    if module in _MODULES and param in _PARAM:
        return {f"{_MODULES[module]}.{_PARAM[param]}": np.array(array)}
    match = _BLOCK_NAME.fullmatch(name)
    target = _BLOCK.get(match.group(3)) if match else None
    if target is None or match.group(4) not in _PARAM:
        raise ReportageError(f"unknown variable {name} in the CTranslate2 Whisper model")
    side, index, _, param = match.groups()
    prefix = f"{side}.blocks.{index}."
    param = _PARAM[param]
    if isinstance(target, str):
        return {f"{prefix}{target}.{param}": np.array(array)}
    return _split_fused(prefix, target, param, array)


def _split_fused(
    prefix: str, targets: tuple[str, ...], param: str, array: np.ndarray
) -> dict[str, np.ndarray]:
    parts = np.split(array, len(targets), axis=0)
    out = {}
    for target, part in zip(targets, parts, strict=True):
        # openai-whisper's key projections have no bias; CT2 stores zeros in their place.
        if target.endswith(".key") and param == "bias":
            if part.any():
                raise ReportageError(f"{prefix}{target} has a non-zero bias; cannot convert")
            continue
        out[f"{prefix}{target}.{param}"] = np.array(part)
    return out


def openai_dims(variables: dict[str, np.ndarray]) -> dict[str, int]:
    """openai-whisper's ModelDimensions, read off the array shapes, as a plain dict."""
    audio_ctx, audio_state = variables["encoder/position_encodings/encodings"].shape
    text_ctx, text_state = variables["decoder/position_encodings/encodings"].shape
    return {
        "n_mels": int(variables["encoder/conv1/weight"].shape[1]),
        "n_audio_ctx": int(audio_ctx),
        "n_audio_state": int(audio_state),
        "n_audio_head": int(variables["encoder/num_heads"]),
        "n_audio_layer": _count_layers(variables, "encoder"),
        "n_vocab": int(variables["decoder/embeddings/weight"].shape[0]),
        "n_text_ctx": int(text_ctx),
        "n_text_state": int(text_state),
        "n_text_head": int(variables["decoder/num_heads"]),
        "n_text_layer": _count_layers(variables, "decoder"),
    }


def _count_layers(variables: dict[str, np.ndarray], side: str) -> int:
    pattern = re.compile(rf"{side}/layer_(\d+)/")
    return len({m.group(1) for name in variables if (m := pattern.match(name))})


def _alignment_heads(config_path: Path, dims: dict[str, int]) -> bytes:
    """The (layer, head) pairs from CT2's config.json in openai-whisper's serialized form."""
    try:
        pairs = json.loads(config_path.read_text())["alignment_heads"]
    except (OSError, ValueError, KeyError) as exc:
        raise ReportageError(f"{config_path}: no alignment_heads ({exc})") from exc
    mask = np.zeros((dims["n_text_layer"], dims["n_text_head"]), dtype=bool)
    for layer, head in pairs:
        mask[layer, head] = True
    return encode_alignment_heads(mask)


def encode_alignment_heads(mask: np.ndarray) -> bytes:
    """The inverse of openai-whisper's `Whisper.set_alignment_heads` (mtime 0: reproducible)."""
    return base64.b85encode(gzip.compress(mask.astype(bool).tobytes(), mtime=0))
