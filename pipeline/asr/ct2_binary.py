"""Reader for CTranslate2's `model.bin`: a flat list of named arrays, read without ctranslate2.

Layout (little endian): u32 binary version, string spec name, u32 spec revision, u32 count, then
per variable: string name, u8 rank, u32 dims..., u8 dtype id, u32 byte count, raw bytes; then
u32 alias count and (alias, target) string pairs. A string is a u16 length (counting a trailing
NUL), the UTF-8 bytes and the NUL.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pipeline.errors import ReportageError

# Order of CTranslate2's DataType enum; bfloat16 has no numpy type and Whisper models lack it.
_DTYPES = (np.float32, np.int8, np.int16, np.int32, np.float16)
_SUPPORTED_VERSIONS = range(5, 7)


@dataclass
class Ct2Model:
    spec: str
    revision: int
    variables: dict[str, np.ndarray]


class _Cursor:
    def __init__(self, buffer: np.ndarray) -> None:
        self.buffer = buffer
        self.offset = 0

    def unpack(self, fmt: str) -> int:
        size = struct.calcsize(fmt)
        (value,) = struct.unpack_from(fmt, self.buffer, self.offset)
        self.offset += size
        return value

    def string(self) -> str:
        length = self.unpack("<H")
        raw = self.buffer[self.offset : self.offset + length - 1].tobytes()
        self.offset += length
        return raw.decode("utf-8")

    def array(self, dtype: type, shape: tuple[int, ...], nbytes: int) -> np.ndarray:
        view = self.buffer[self.offset : self.offset + nbytes]
        self.offset += nbytes
        return view.view(dtype).reshape(shape)


def read_ct2_model(path: str | Path) -> Ct2Model:
    """Map `model.bin` read-only; the arrays are views into the file, not copies."""
    path = Path(path)
    try:
        buffer = np.memmap(path, dtype=np.uint8, mode="r")
        cursor = _Cursor(buffer)
        version = cursor.unpack("<I")
        if version not in _SUPPORTED_VERSIONS:
            raise ReportageError(f"{path}: unsupported CTranslate2 model version {version}")
        spec = cursor.string()
        revision = cursor.unpack("<I")
        variables = _read_variables(cursor)
        for _ in range(cursor.unpack("<I")):
            alias, target = cursor.string(), cursor.string()
            variables[alias] = variables[target]
    except (OSError, struct.error, ValueError, IndexError) as exc:
        raise ReportageError(f"{path}: not a readable CTranslate2 model ({exc})") from exc
    if cursor.offset != len(buffer):
        raise ReportageError(f"{path}: {len(buffer) - cursor.offset} trailing bytes; file damaged")
    return Ct2Model(spec, revision, variables)


def _read_variables(cursor: _Cursor) -> dict[str, np.ndarray]:
    variables = {}
    for _ in range(cursor.unpack("<I")):
        name = cursor.string()
        shape = tuple(cursor.unpack("<I") for _ in range(cursor.unpack("<B")))
        dtype_id = cursor.unpack("<B")
        nbytes = cursor.unpack("<I")
        if dtype_id >= len(_DTYPES):
            raise ValueError(f"variable {name} has unsupported dtype id {dtype_id}")
        variables[name] = cursor.array(_DTYPES[dtype_id], shape, nbytes)
    return variables
