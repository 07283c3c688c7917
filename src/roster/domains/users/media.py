"""Uploads of the user form (FCC-15 greeting, FCC-16 avatar), judged by content, not by name.

Checking is pure (bytes in, cleaned bytes or field errors out); storing happens after commit so a
refused or rolled-back request leaves no file behind.
"""

from __future__ import annotations

import io
import wave
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from roster.core.errors import FieldError

IMAGE_FORMATS = {"PNG", "JPEG", "GIF", "WEBP"}
MAX_PIXELS = 40_000_000
# MPEG-1/2 layer III: bitrate index 1-14 and sample-rate index 0-2 are the valid ones.
_MP3_LAYER3 = 0b01


def clean_avatar(data: bytes, *, max_bytes: int, max_side: int
                 ) -> tuple[bytes | None, list[FieldError]]:
    """An image re-encoded as PNG, at most max_side pixels a side, with no metadata."""
    if len(data) > max_bytes:
        return None, [FieldError("file", "file_too_large", f"At most {max_bytes} bytes.")]
    try:
        with Image.open(io.BytesIO(data)) as probe:
            fmt = probe.format
            if fmt not in IMAGE_FORMATS:
                raise UnidentifiedImageError(fmt)
            if probe.width * probe.height > MAX_PIXELS:
                return None, [FieldError("file", "image_too_large", "The image is too large.")]
            probe.verify()
        with Image.open(io.BytesIO(data)) as img:
            img.load()
            img = img.convert("RGBA")
            img.thumbnail((max_side, max_side))
            clean = Image.new("RGBA", img.size)
            clean.paste(img)
            out = io.BytesIO()
            clean.save(out, format="PNG", optimize=True)
            return out.getvalue(), []
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return None, [FieldError("file", "not_an_image",
                                 "The file is not a PNG, JPEG, GIF or WebP image.")]


def _is_wav(data: bytes) -> bool:
    if data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        return False
    try:
        with wave.open(io.BytesIO(data)) as w:
            return w.getnframes() > 0 and w.getframerate() > 0
    except (wave.Error, EOFError):
        return False


def _mp3_frame_at(data: bytes, i: int) -> bool:
    if i + 4 > len(data) or data[i] != 0xFF or (data[i + 1] & 0xE0) != 0xE0:
        return False
    version = (data[i + 1] >> 3) & 0b11
    layer = (data[i + 1] >> 1) & 0b11
    bitrate = data[i + 2] >> 4
    rate = (data[i + 2] >> 2) & 0b11
    return version != 0b01 and layer == _MP3_LAYER3 and 0 < bitrate < 15 and rate != 3


def _is_mp3(data: bytes) -> bool:
    start = 0
    if data[:3] == b"ID3" and len(data) > 10:
        size = 0
        for b in data[6:10]:
            size = (size << 7) | (b & 0x7F)
        start = 10 + size
    return any(_mp3_frame_at(data, i) for i in range(start, min(start + 4096, len(data))))


def check_greeting(data: bytes, *, max_bytes: int) -> tuple[str | None, list[FieldError]]:
    """The content type of a WAV or MP3 announcement, or why it is refused."""
    if len(data) > max_bytes:
        return None, [FieldError("file", "file_too_large", f"At most {max_bytes} bytes.")]
    if _is_wav(data):
        return "audio/wav", []
    if _is_mp3(data):
        return "audio/mpeg", []
    return None, [FieldError("file", "not_audio", "The file is not a WAV or MP3 recording.")]


def media_path(data_dir: Path, tenant_id: int, user_id: int, kind: str) -> Path:
    return data_dir / "media" / str(tenant_id) / str(user_id) / kind


def write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)
