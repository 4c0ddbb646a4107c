"""Speaker embeddings of short stretches of speech, from Resemblyzer's pretrained GE2E encoder.

Only Resemblyzer's weights file is used, loaded into the same network (3-layer LSTM over 40 mel
bands, 256-d output). Importing the `resemblyzer` package would import webrtcvad, whose
`import pkg_resources` fails with setuptools >= 81, and librosa, both for `preprocess_wav`
alone. That function lifts quiet audio to -30 dBFS and cuts long silences out; we do both on
the mel frames instead (`pipeline.audio.mel_frames`), keeping each frame's time.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

import numpy as np
from scipy.ndimage import maximum_filter1d

from pipeline.audio import FRAMES_PER_S, HOP, N_MELS

WINDOW_FRAMES = 160  # one "partial utterance" of Resemblyzer: 1.6 s of speech
TARGET_DBFS = -30.0  # Resemblyzer's audio_norm_target_dBFS
SPEECH_DB = 30.0  # frames this far below the speech's loud level are silence...
KEEP_FRAMES = 10  # ...unless within 0.1 s of a louder one: pauses between words stay
BATCH = 64


def normalise_volume(mel: np.ndarray, audio: np.ndarray, frames: np.ndarray) -> None:
    """Scale `mel` (power) in place as if the audio had been lifted so that its speech `frames`
    reach -30 dBFS, as Resemblyzer's normalize_volume(increase_only=True) does to a waveform."""
    blocks = audio[:len(audio) // HOP * HOP].reshape(-1, HOP)
    energy = np.einsum("ij,ij->i", blocks, blocks)  # per 10 ms, without squaring a copy
    frames = frames[frames < len(energy)]
    power = float(energy[frames].mean()) / HOP if len(frames) else 0.0
    target = 10 ** (TARGET_DBFS / 10)  # dBFS as Resemblyzer counts it: mean square re 1
    if 0 < power < target:
        mel *= np.float32(target / power)


def speech_frames(mel: np.ndarray, spans: list[tuple[float, float]]) -> list[np.ndarray]:
    """For each (start, end) span in seconds, the indices of its frames that hold speech (all
    its frames if none is loud enough; at least one frame, inside the audio)."""
    power = mel.sum(1)
    ranges = []
    for start, end in spans:
        first = min(int(start * FRAMES_PER_S), len(mel) - 1)
        ranges.append((first, max(first + 1, min(int(end * FRAMES_PER_S), len(mel)))))
    loud_level = np.percentile(np.concatenate([power[a:b] for a, b in ranges]), 95)
    out = []
    for a, b in ranges:
        loud = (power[a:b] >= loud_level * 10 ** (-SPEECH_DB / 10)).astype(np.uint8)
        frames = np.flatnonzero(maximum_filter1d(loud, 2 * KEEP_FRAMES + 1)) + a
        out.append(frames if len(frames) else np.arange(a, b))
    return out


@lru_cache(maxsize=1)
def load_encoder():
    """Resemblyzer's VoiceEncoder network with its pretrained weights, on the CPU; loaded once."""
    import torch
    from torch import nn

    class VoiceEncoder(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(N_MELS, 256, 3, batch_first=True)
            self.linear = nn.Linear(256, 256)

        def forward(self, mels):
            _, (hidden, _) = self.lstm(mels)
            raw = torch.relu(self.linear(hidden[-1]))
            return nn.functional.normalize(raw, dim=1)

    spec = importlib.util.find_spec("resemblyzer")  # finds the package without importing it
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("speaker labels need the resemblyzer package (pip install resemblyzer)")
    path = Path(spec.submodule_search_locations[0]) / "pretrained.pt"
    state = torch.load(path, map_location="cpu", weights_only=True)["model_state"]
    model = VoiceEncoder()
    # The checkpoint also holds GE2E's training-only similarity scale and bias.
    model.load_state_dict({k: v for k, v in state.items() if k.startswith(("lstm.", "linear."))})
    return model.eval()


def embed(mel: np.ndarray, windows: list[np.ndarray],
          done: Callable[[float], None] = lambda share: None) -> np.ndarray:
    """Unit-length 256-d embeddings of `windows`, each the indices of at most 160 mel frames.

    Like Resemblyzer's embed_utterance(return_partials=True), the mel is computed once and
    each window is a slice of it. A window shorter than 1.6 s is repeated to fill one: the
    encoder, trained on 1.6 s, puts short inputs of different voices too close together.
    `done` hears the share of windows embedded after each batch (most of the stage's time).
    """
    import torch

    model = load_encoder()
    out = [np.zeros((0, 256), np.float32)]
    with torch.inference_mode():
        for i in range(0, len(windows), BATCH):
            batch = np.stack([mel[np.resize(w, WINDOW_FRAMES)] for w in windows[i:i + BATCH]])
            out.append(model(torch.from_numpy(batch)).numpy())
            done(min(i + BATCH, len(windows)) / len(windows))
    return np.concatenate(out)
