"""Make test audio in any container/codec with PyAV, from numpy samples."""

from __future__ import annotations

import struct
import subprocess
from pathlib import Path

import av
import numpy as np

from pipeline import audio

CODECS = {
    ".wav": "pcm_s16le", ".mp3": "libmp3lame", ".flac": "flac", ".ogg": "libopus",
    ".opus": "libopus", ".m4a": "aac", ".mp4": "aac", ".mkv": "libopus", ".webm": "libopus",
}
DATA = Path(__file__).parent / "data"
CLIPS = ["vl04108", "vl12745", "vl00203", "vl09647", "vl14994"]


def write_audio(path: Path, samples: np.ndarray, rate: int = 16000, title: str | None = None,
                track: str | None = None) -> Path:
    """Encode 16 kHz samples into `path`, stored at `rate` (Opus always stores 48 kHz), with
    `title` as the file's title tag and `track` as its audio track's name."""
    codec = CODECS[path.suffix]
    out_rate = 48000 if codec == "libopus" else rate
    with av.open(str(path), "w") as container:
        if title is not None:
            container.metadata["title"] = title
        stream = container.add_stream(codec, rate=out_rate, layout="mono")
        if track is not None:
            stream.metadata["title"] = track
        resampler = av.AudioResampler(format=stream.format.name, layout="mono", rate=out_rate)
        frame_size = 1024
        pts = 0
        for i in range(0, len(samples), frame_size):
            chunk = (np.clip(samples[i:i + frame_size], -1, 1) * 32767).astype(np.int16)
            frame = av.AudioFrame.from_ndarray(chunk.reshape(1, -1), format="s16", layout="mono")
            frame.sample_rate, frame.pts = 16000, pts
            pts += len(chunk)
            for resampled in resampler.resample(frame):
                container.mux(stream.encode(resampled))
        for resampled in resampler.resample(None):
            container.mux(stream.encode(resampled))
        container.mux(stream.encode(None))
    return path


def retag(source: Path, target: Path, title: str) -> Path:
    """The same coded audio under another title tag, as a tag editor leaves a file."""
    with av.open(str(source)) as given, av.open(str(target), "w") as container:
        container.metadata["title"] = title
        stream = container.add_stream_from_template(given.streams.audio[0])
        for packet in given.demux(given.streams.audio[0]):
            if packet.dts is not None:
                packet.stream = stream
                container.mux(packet)
    return target


def with_covers(mp3: Path, front: int = 0, back: int = 0) -> Path:
    """Cover art of `front` bytes in an ID3v2 tag before the audio and of `back` bytes in an
    APEv2 tag after it, as taggers add them (0: no such tag)."""
    audio_bytes = mp3.read_bytes()
    head = tail = b""
    if front:
        art = b"\x00image/jpeg\x00\x03\x00" + bytes(front)
        frame = b"APIC" + struct.pack(">I", len(art)) + b"\x00\x00" + art
        size = bytes((len(frame) >> shift) & 0x7F for shift in (21, 14, 7, 0))  # synchsafe
        head = b"ID3\x03\x00\x00" + size + frame
    if back:
        value = b"cover.jpg\x00" + bytes(back)
        item = struct.pack("<II", len(value), 2) + b"Cover Art (Front)\x00" + value

        def frame_of(flags: int) -> bytes:
            return b"APETAGEX" + struct.pack("<IIII", 2000, len(item) + 32, 1, flags) + bytes(8)
        tail = frame_of(0xA0000000) + item + frame_of(0x80000000)
    mp3.write_bytes(head + audio_bytes + tail)
    return mp3


def silence(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * 16000), dtype=np.float32)


def noise(seconds: float, level: float = 0.1, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(int(seconds * 16000)) * level).astype(np.float32)


def tone(seconds: float, hz: float = 440.0) -> np.ndarray:
    t = np.arange(int(seconds * 16000)) / 16000
    return (0.3 * np.sin(2 * np.pi * hz * t)).astype(np.float32)


def clip(name: str) -> np.ndarray:
    return audio.decode(DATA / f"{name}.wav")


def reference(name: str) -> str:
    return (DATA / f"{name}.nl.txt").read_text(encoding="utf-8").strip()


def speech_episode(pause_s: float = 1.0) -> tuple[np.ndarray, str]:
    """The five CC0 sentences with pauses between them, and their joined reference."""
    parts = []
    for name in CLIPS:
        parts += [clip(name), silence(pause_s)]
    return np.concatenate(parts), " ".join(reference(n) for n in CLIPS)


# Two espeak-ng voices for speaker tests: GE2E similarity about 0.65, clearly two people.
VOICE_A, VOICE_B = ["-v", "nl"], ["-v", "nl+f3"]  # GE2E similarity about 0.65: two voices
SENTENCES = [
    "Goedemorgen en welkom bij deze aflevering over de stad.",
    "Dank je wel, ik ben blij dat ik hier mag zijn.",
    "Vertel eens, hoe ben je begonnen met fietsen?",
    "Ik reed als kind elke dag met mijn vader naar school.",
    "Dat klinkt als een mooie herinnering aan vroeger.",
    "Ja, en nu rijd ik nog steeds elke dag naar mijn werk.",
    "Wat vind je van de nieuwe fietspaden in het centrum?",
    "Die zijn veel breder en veiliger dan de oude paden.",
]


def speak(text: str, voice: list[str], tmp_path) -> np.ndarray:
    """espeak-ng's speech as 16 kHz samples, its leading and trailing silence cut."""
    path = tmp_path / "say.wav"
    subprocess.run(["espeak-ng", *voice, "-s", "150", "-w", str(path), text], check=True)
    samples = audio.decode(path)
    loud = np.flatnonzero(np.abs(samples) > 0.01)
    return samples[loud[0]:loud[-1] + 1]
