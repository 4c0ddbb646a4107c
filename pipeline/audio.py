"""Audio ingest: anything ffmpeg reads, decoded by PyAV into 16 kHz mono float32; its pieces
for transcription; and its mel spectrum, for voices (speakers) and sound (chapters).

No system ffmpeg is needed: PyAV ships its own libraries.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np

from pipeline.errors import ReportageError

SAMPLE_RATE = 16000
# Mel frames as librosa's defaults when Resemblyzer calls them: what its voice encoder was
# trained on, and a coarse spectrum of how speech sounds for the chapters' signals.
N_FFT = 400  # 25 ms Hann window
HOP = 160  # 10 ms: one mel frame
FRAMES_PER_S = SAMPLE_RATE // HOP
N_MELS = 40
MIN_DURATION_S = 0.5
# Below this share of the duration the container announces, the file was cut short.
TRUNCATION_RATIO = 0.9
# A duration within this share of the file's size at the codec's bitrate was reckoned from the
# size (less the ID3v2 tag at its start, as the demuxer reckons it).
SIZE_SLACK = 0.02
AUDIO_SUFFIXES = {
    ".wav", ".mp3", ".m4a", ".aac", ".ogg", ".oga", ".opus", ".flac", ".mp4", ".mkv",
    ".webm", ".mka", ".wma", ".aif", ".aiff", ".mov",
}


@dataclass
class AudioInfo:
    path: Path
    sha256: str
    duration_s: float
    sample_rate: int
    title: str = ""  # the file's own title tag (ID3 TIT2, an m4a's ©nam, a Vorbis TITLE), if any
    sound: str = ""  # sound_digest: the same for a file whose tags alone changed


# The endings a container is known by, its usual one first (by its demuxer's first name): an
# audio copy is named by what it holds, not by the name it came with (a WAV called .mp3 is no
# MP3 to a podcast app that trusts the feed's type).
CONTAINER_SUFFIXES = {
    "wav": (".wav",), "mp3": (".mp3",), "mov": (".m4a", ".mp4", ".mov"), "aac": (".aac",),
    "ogg": (".ogg", ".oga", ".opus"), "flac": (".flac",), "matroska": (".mka", ".mkv", ".webm"),
    "aiff": (".aiff", ".aif"), "asf": (".wma",),
}


def stored_suffix(path: Path) -> str:
    """The ending for a copy of `path`: its own where that names its container, else the
    container's usual one."""
    own = path.suffix.lower()
    with _open(path) as container:
        known = CONTAINER_SUFFIXES.get(container.format.name.split(",")[0])
    return own if known is None or own in known else known[0]


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def probe(path: str | Path) -> AudioInfo:
    """Hash the file and read its duration and native sample rate, without decoding it."""
    path = Path(path)
    with _open(path) as container:
        stream = container.streams.audio[0]
        rate = stream.rate or stream.codec_context.sample_rate or 0
        announced = _announced_duration(path, container, stream)
        # Ogg keeps its Vorbis comments on the stream; elsewhere a stream's title is a track's
        # name ("Stereo"), not the recording's.
        tags = [container.metadata]
        if "ogg" in container.format.name:
            tags.append(stream.metadata)
        title = next((t["title"] for t in tags if t.get("title")), "")
        sound, coded_s = sound_digest(container, stream)
    return AudioInfo(path=path, sha256=sha256_file(path), duration_s=announced or coded_s,
                     sample_rate=rate, title=title, sound=sound)


def sound_digest(container, stream) -> tuple[str, float]:
    """SHA-256 of the coded audio (its codec, parameters and packets), not of the file: a
    producer who fixed a title tag re-runs in seconds, not the whole transcription; and how
    long its packets last. Demuxing without decoding takes ~0.3 s an hour of mp3."""
    codec = stream.codec_context
    digest = hashlib.sha256(repr((codec.name, codec.sample_rate, codec.channels,
                                  stream.start_time, stream.time_base)).encode())
    digest.update(codec.extradata or b"")
    ends = []  # each packet's end, in the stream's time base
    try:
        for packet in container.demux(stream):
            if packet.size:
                digest.update(bytes(packet))
                if (at := packet.pts if packet.pts is not None else packet.dts) is not None:
                    ends.append(at + (packet.duration or 0))
    except (av.FFmpegError, OSError):
        return "", 0.0  # damaged: decoding says how; no digest, so nothing is the same
    start = stream.start_time or 0
    coded_s = float((max(ends) - start) * stream.time_base) if ends and stream.time_base else 0.0
    return digest.hexdigest(), max(coded_s, 0.0)


def decode(path: str | Path) -> np.ndarray:
    """The whole file as 16 kHz mono float32 in [-1, 1]; a truncated or damaged file is refused."""
    return decode_with_warning(path)[0]


def decode_with_warning(
    path: str | Path, allow_truncated: bool = False
) -> tuple[np.ndarray, str | None]:
    """The file as 16 kHz mono float32 in [-1, 1], and None; or, for a truncated or damaged file
    when `allow_truncated`, the audio up to where it breaks and a warning saying how much that is.
    (Decoding stops at the damage: skipping it would shift every later time in the transcript.)

    Frames are written into one preallocated buffer sized from the announced duration,
    so a long episode is held in memory once, not once per frame list plus once joined.
    """
    path = Path(path)
    damage = None
    with _open(path) as container:
        stream = container.streams.audio[0]
        announced = _announced_duration(path, container, stream)
        expected = announced or _container_duration(container, stream) or 60
        buffer = np.empty(int(expected * SAMPLE_RATE) + SAMPLE_RATE, dtype=np.float32)
        filled = 0
        resampler = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE)
        try:
            for frame in container.decode(stream):
                for out in resampler.resample(frame):
                    buffer, filled = _append(buffer, filled, out.to_ndarray().reshape(-1))
        except av.FFmpegError as exc:
            damage = f"audio is damaged ({_reason(exc)})"
        for out in resampler.resample(None):
            buffer, filled = _append(buffer, filled, out.to_ndarray().reshape(-1))
    decoded_s = filled / SAMPLE_RATE
    if damage is None and announced and decoded_s < TRUNCATION_RATIO * announced:
        damage = f"file is truncated ({decoded_s:.1f} s decoded of {announced:.1f} s announced)"
    if damage and not allow_truncated:
        raise ReportageError(f"{path}: {damage}; --allow-truncated keeps what decodes")
    _check_length(path, decoded_s)
    of = f" of {announced:.1f} s" if announced else ""
    warning = f"decoded {decoded_s:.1f} s{of}: the file is truncated or damaged" if damage else None
    return buffer[:filled], warning


def _append(buffer: np.ndarray, filled: int, chunk: np.ndarray) -> tuple[np.ndarray, int]:
    end = filled + len(chunk)
    if end > len(buffer):
        # The announced duration was short (rare: VBR without header); grow by half.
        buffer = np.resize(buffer, max(end, len(buffer) * 3 // 2))
    buffer[filled:end] = chunk
    return buffer, end


def _check_length(path: Path, decoded_s: float) -> None:
    if decoded_s == 0:
        raise ReportageError(f"{path}: no audio could be decoded")
    if decoded_s < MIN_DURATION_S:
        raise ReportageError(
            f"{path}: only {decoded_s:.2f} s of audio; at least {MIN_DURATION_S} s is needed"
        )


def _open(path: Path):
    if not path.exists():
        raise ReportageError(f"{path}: no such file")
    if path.is_dir():
        raise ReportageError(f"{path}: is a folder, not an audio file")
    if path.stat().st_size == 0:
        raise ReportageError(f"{path}: file is empty")
    try:
        container = av.open(str(path), metadata_errors="ignore")
    except (av.FFmpegError, UnicodeDecodeError) as exc:
        raise ReportageError(f"{path}: not a readable audio file ({_reason(exc)})") from None
    if not container.streams.audio:
        container.close()
        raise ReportageError(f"{path}: has no audio track")
    return container


def _wav_duration(path: Path) -> float | None:
    """A WAV file's duration as its header announces it: its data chunk's size over its byte
    rate. (ffmpeg reckons a WAV's duration from the file's size, so a cut-off one would pass as
    whole.) None for another format, or a header that announces none (a stream's)."""
    if path.suffix.lower() != ".wav":
        return None
    with open(path, "rb") as f:
        if f.read(4) != b"RIFF" or len(f.read(4)) < 4 or f.read(4) != b"WAVE":
            return None
        byte_rate = 0
        while len(header := f.read(8)) == 8:
            kind, size = header[:4], int.from_bytes(header[4:], "little")
            if kind == b"data":  # 0 or near 4 GB: a stream's placeholder, no length
                return size / byte_rate if byte_rate and 0 < size < 0x7FFF0000 else None
            body = f.read(size + size % 2)  # chunks are padded to an even length
            if kind == b"fmt " and len(body) >= 12:
                byte_rate = int.from_bytes(body[8:12], "little")
    return None


def _announced_duration(path: Path, container, stream) -> float | None:
    """How long the file says it is, for the truncation check: a WAV's header, else the
    container's duration; None where the demuxer only reckoned that from the file's size at the
    codec's bitrate (an mp3 without a frame count, ADTS aac): a cut-off file passes as whole
    then anyway, and tags at its end (an APEv2 cover) would count as audio."""
    if (wav := _wav_duration(path)) is not None:
        return wav
    duration, bitrate = _container_duration(container, stream), stream.codec_context.bit_rate
    if container.format.name in ("mp3", "aac") and duration and bitrate:
        reckoned = (path.stat().st_size - _id3v2_bytes(path)) * 8 / bitrate
        if abs(reckoned - duration) <= SIZE_SLACK * duration:
            return None
    return duration


def _id3v2_bytes(path: Path) -> int:
    """The size of the ID3v2 tag an mp3 or aac file starts with (0: none), which the demuxer
    leaves out of its reckoning, as it holds no audio (a cover, often)."""
    with open(path, "rb") as f:
        head = f.read(10)
    if len(head) < 10 or head[:3] != b"ID3":
        return 0
    size = sum((b & 0x7F) << s for b, s in zip(head[6:10], (21, 14, 7, 0), strict=True))
    return 10 + size + (10 if head[5] & 0x10 else 0)  # header, tag, footer


def _container_duration(container, stream) -> float | None:
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return container.duration / av.time_base
    return None


def _reason(exc: Exception) -> str:
    return getattr(exc, "strerror", None) or str(exc).splitlines()[0]


def is_audio_path(path: Path) -> bool:
    return path.suffix.lower() in AUDIO_SUFFIXES


# faster-whisper computes VAD and log-mel features of its whole input at once: for an hour that
# peaked at 3 GB. Ten-minute pieces, cut in the quietest half second near each mark, bound it,
# and a killed run resumes from its last finished piece.
PIECE_S = 600
SEARCH_S = 30


def pieces(samples: np.ndarray) -> Iterator[tuple[int, int]]:
    """(start, end) sample ranges of at most PIECE_S + SEARCH_S seconds covering the audio."""
    step, search = PIECE_S * SAMPLE_RATE, SEARCH_S * SAMPLE_RATE
    start = 0
    while len(samples) - start > step + search:
        cut = quietest(samples, start + step - search, start + step + search)
        yield start, cut
        start = cut
    yield start, len(samples)


def quietest(samples: np.ndarray, lo: int, hi: int) -> int:
    """The middle of the half second with the least energy in samples[lo:hi]."""
    window = SAMPLE_RATE // 2
    frames = samples[lo : lo + (hi - lo) // window * window].reshape(-1, window)
    return lo + int(np.argmin(np.square(frames).mean(axis=1))) * window + window // 2


def mel_basis() -> np.ndarray:
    """librosa.filters.mel(sr=16000, n_fft=400, n_mels=40): Slaney scale and area norm."""
    def to_mel(hz):
        return np.where(hz < 1000, hz * 3 / 200, 15 + 27 * np.log(np.maximum(hz, 1) / 1000)
                        / np.log(6.4))

    def to_hz(mel):
        return np.where(mel < 15, mel * 200 / 3, 1000 * np.exp((mel - 15) * np.log(6.4) / 27))

    edges = to_hz(np.linspace(0, to_mel(np.float64(SAMPLE_RATE / 2)), N_MELS + 2))
    bins = np.linspace(0, SAMPLE_RATE / 2, N_FFT // 2 + 1)
    rising = (bins - edges[:-2, None]) / np.diff(edges)[:-1, None]
    falling = (edges[2:, None] - bins) / np.diff(edges)[1:, None]
    area = 2 / (edges[2:] - edges[:-2])
    return (np.maximum(0, np.minimum(rising, falling)) * area[:, None]).astype(np.float32)


def mel_frames(audio: np.ndarray, block: int = 4096) -> np.ndarray:
    """(1 + len // 160, 40) power mel frames, frame t centred on sample 160 t, as librosa's
    (zeros beyond the ends). Done in blocks, so no copy of the whole audio is made."""
    window = np.hanning(N_FFT + 1)[:-1].astype(np.float32)  # periodic Hann
    basis = mel_basis().T
    out = np.empty((1 + len(audio) // HOP, N_MELS), dtype=np.float32)
    for first in range(0, len(out), block):
        last = min(len(out), first + block)
        lo, hi = first * HOP - N_FFT // 2, (last - 1) * HOP + N_FFT // 2
        chunk = audio[max(lo, 0):hi].astype(np.float32, copy=False)
        chunk = np.pad(chunk, (max(0, -lo), hi - max(lo, 0) - len(chunk)))
        frames = np.lib.stride_tricks.sliding_window_view(chunk, N_FFT)[::HOP]
        spectrum = np.fft.rfft(frames * window)
        out[first:last] = (spectrum.real**2 + spectrum.imag**2) @ basis
    return out
