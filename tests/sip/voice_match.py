"""Recognise the digits the call-back robot spoke, from what a test phone recorded: split the
audio where it falls silent and match each stretch against the robot's digit clips by
normalised cross-correlation (numpy)."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np

RATE = 8000


def pcm(path: Path) -> np.ndarray:
    """16-bit mono samples of a WAV still being written (its header may not know its length)."""
    data = path.read_bytes()[44:]
    return np.frombuffer(data[: len(data) // 2 * 2], dtype="<i2").astype(np.float64)


def clip(path: Path) -> np.ndarray:
    with wave.open(str(path), "rb") as w:
        return np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float64)


def segments(x: np.ndarray, *, frame: int = 160, min_gap_s: float = 0.25,
             min_len_s: float = 0.08) -> list[np.ndarray]:
    """Stretches of sound separated by at least ``min_gap_s`` of silence."""
    n = len(x) // frame
    if n == 0:
        return []
    rms = np.sqrt((x[: n * frame].reshape(n, frame) ** 2).mean(axis=1))
    loud = rms > max(rms.max() * 0.05, 30.0)
    out, start, quiet = [], None, 0
    gap = int(min_gap_s * RATE / frame)
    for i, on in enumerate(loud):
        if on:
            if start is None:
                start = i
            quiet = 0
        elif start is not None:
            quiet += 1
            if quiet >= gap:
                out.append((start, i - quiet + 1))
                start, quiet = None, 0
    if start is not None:
        out.append((start, n))
    return [x[a * frame:b * frame] for a, b in out if (b - a) * frame >= min_len_s * RATE]


def score(segment: np.ndarray, reference: np.ndarray) -> float:
    """Peak normalised cross-correlation of two signals (1.0: the same waveform)."""
    size = len(segment) + len(reference) - 1
    n = 1 << (size - 1).bit_length()
    corr = np.fft.irfft(np.fft.rfft(segment, n) * np.conj(np.fft.rfft(reference, n)), n)
    denom = np.linalg.norm(segment) * np.linalg.norm(reference)
    return float(np.abs(corr).max() / denom) if denom else 0.0


def recognise(recording: np.ndarray, clips: dict[str, Path], count: int) -> tuple[str, list]:
    """The first ``count`` digits spoken, and each one's scores (for a failing assertion)."""
    refs = {d: clip(p) for d, p in clips.items()}
    digits, detail = "", []
    for seg in segments(recording)[:count]:
        scores = {d: score(seg, ref) for d, ref in refs.items()}
        best = max(scores, key=scores.get)
        digits += best
        detail.append((best, round(scores[best], 3)))
    return digits, detail
