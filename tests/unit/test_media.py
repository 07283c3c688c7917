"""FCC-15/16: uploads are judged by content, re-encoded without metadata."""

from __future__ import annotations

import io
import struct
import wave

from PIL import Image

from roster.domains.users import media


def png_with_exif() -> bytes:
    img = Image.new("RGB", (1200, 800), (200, 10, 10))
    exif = Image.Exif()
    exif[0x010E] = "secret location"  # ImageDescription
    out = io.BytesIO()
    img.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def wav_bytes() -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(struct.pack("<800h", *([0] * 800)))
    return out.getvalue()


def test_fcc16_avatar_reencoded_as_png_without_metadata_and_resized():
    clean, errs = media.clean_avatar(png_with_exif(), max_bytes=10**7, max_side=512)
    assert errs == []
    img = Image.open(io.BytesIO(clean))
    assert img.format == "PNG"
    assert max(img.size) == 512
    assert not img.getexif()
    assert b"secret location" not in clean


def test_fcc16_avatar_named_png_but_not_an_image_refused():
    clean, errs = media.clean_avatar(b"<?php echo 1; ?>" * 10, max_bytes=10**7, max_side=512)
    assert clean is None and errs[0].code == "not_an_image"


def test_fcc16_avatar_too_large():
    _, errs = media.clean_avatar(b"x" * 101, max_bytes=100, max_side=512)
    assert errs[0].code == "file_too_large"


def test_fcc15_greeting_wav_and_mp3_accepted():
    assert media.check_greeting(wav_bytes(), max_bytes=10**6) == ("audio/wav", [])
    # MPEG-1 layer III, 128 kbit/s, 44.1 kHz frame header after an ID3v2 tag
    mp3 = b"ID3\x03\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x64" + b"\x00" * 400
    assert media.check_greeting(mp3, max_bytes=10**6) == ("audio/mpeg", [])


def test_fcc15_greeting_other_content_refused():
    png = io.BytesIO()
    Image.new("RGB", (4, 4)).save(png, format="PNG")
    for data in (png.getvalue(), b"RIFF\x00\x00\x00\x00WAVEjunk", b"\x00" * 100):
        content_type, errs = media.check_greeting(data, max_bytes=10**6)
        assert content_type is None and errs[0].code == "not_audio"
