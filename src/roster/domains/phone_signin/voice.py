"""The robot's voice: one clip per digit and language, spoken by espeak-ng at first use and
cached in ``<data_dir>/voice/<lang>/<digit>.wav`` (8 kHz mono 16-bit, what G.711 carries)."""

from __future__ import annotations

import subprocess
import wave
from pathlib import Path

from roster.config import Settings
from roster.domains.phone_signin.rules import LANGUAGES

RATE = 8000
_ESPEAK_VOICE = {"pl": "pl", "en": "en", "de": "de", "ru": "ru", "uk": "uk"}


def clip_dir(settings: Settings, language: str) -> Path:
    return (settings.data_dir / "voice" / language).resolve()


def _frames(path: Path) -> bytes:
    with wave.open(str(path), "rb") as w:
        if (w.getframerate(), w.getnchannels(), w.getsampwidth()) != (RATE, 1, 2):
            raise ValueError(f"{path}: not 8 kHz mono 16-bit")
        return w.readframes(w.getnframes())


def clips(settings: Settings, language: str) -> dict[str, Path]:
    """The ten digit clips of a language, made with espeak-ng and sox when missing."""
    if language not in LANGUAGES:
        raise ValueError(f"no voice for {language!r}")
    folder = clip_dir(settings, language)
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for digit in "0123456789":
        path = folder / f"{digit}.wav"
        if not path.exists():
            raw = folder / f"{digit}.raw.wav"
            subprocess.run([settings.espeak_binary, "-v", _ESPEAK_VOICE[language], "-s", "140",
                            "-w", str(raw), digit], check=True, capture_output=True, timeout=30)
            # trim the synthesiser's leading and trailing silence, resample for the line
            subprocess.run(["sox", str(raw), "-r", str(RATE), "-c", "1", "-b", "16",
                            str(path), "silence", "1", "0.02", "1%", "reverse", "silence", "1",
                            "0.02", "1%", "reverse"], check=True, capture_output=True, timeout=30)
            raw.unlink()
        out[digit] = path
    return out


def message(settings: Settings, language: str, code: str, path: Path,
            repeat: int = 2, hold_s: float = 90.0) -> Path:
    """The call's audio: the code digit by digit (0.5 s apart), twice, then silence while the
    person types it (the call ends when the audio does)."""
    digit_clips = {d: _frames(p) for d, p in clips(settings, language).items()}
    gap, pause = b"\0\0" * int(RATE * 0.5), b"\0\0" * int(RATE * 1.5)
    body = b"\0\0" * int(RATE * 0.8)  # the line settles before the first digit
    for _ in range(repeat):
        for digit in code:
            body += digit_clips[digit] + gap
        body += pause
    body += b"\0\0" * int(RATE * hold_s)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(body)
    path.chmod(0o600)
    return path
