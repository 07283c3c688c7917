"""Test phones: baresip user agents (the same driver as the call-back robot) registered on the
test Kamailio, with what they hear recorded when asked."""

from __future__ import annotations

import contextlib
import tempfile
import wave
from collections.abc import AsyncIterator
from pathlib import Path

from roster.domains.sip.baresip import Account, Baresip


def silence(path: Path, seconds: float = 30.0) -> Path:
    """A quiet WAV for a phone's microphone (8 kHz mono 16 bit)."""
    if not path.exists():
        with wave.open(str(path), "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(8000)
            w.writeframes(b"\0\0" * int(8000 * seconds))
    return path


@contextlib.asynccontextmanager
async def phone(stack, user: str, domain: str, password: str, *, register: bool = True,
                record: bool = False) -> AsyncIterator[Baresip]:
    work = Path(tempfile.mkdtemp(prefix=f"phone-{user}-", dir=stack.work))
    ua = Baresip(work, Account(user, domain, password, f"sip:127.0.0.1:{stack.sip_port}",
                               register=register),
                 audio_source=silence(stack.work / "silence.wav"),
                 record_dir=work / "heard" if record else None)
    await ua.start()
    try:
        if register:
            await ua.registered()
        yield ua
    finally:
        await ua.hangup()
        await ua.stop()


@contextlib.asynccontextmanager
async def phones(stack, domain: str, lines: dict[str, str]) -> AsyncIterator[dict[str, Baresip]]:
    async with contextlib.AsyncExitStack() as stack_:
        out = {}
        for user, password in lines.items():
            out[user] = await stack_.enter_async_context(phone(stack, user, domain, password))
        yield out
