"""Speaker labels for a transcript: offline, from a pretrained speaker-verification encoder.

    result = label_speakers(audio, segments, count=None)
    result.labels[i]  -> "S1", "S2", ... for segment i (its first word's speaker)
    result.splits     -> [Split(segment, word, speaker)]: where a new speaker starts mid-segment
"""

from pipeline.speakers.labels import Segment, SpeakerResult, Split, Word, label_speakers

__all__ = ["Segment", "SpeakerResult", "Split", "Word", "label_speakers"]
