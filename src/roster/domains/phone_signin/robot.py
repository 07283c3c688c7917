"""The call-back robot (SIPL-20): a baresip user agent with its own account on Kamailio calls the
person's phone, plays the code (voice.message) and listens for RFC 2833 DTMF. One short-lived
baresip per call-back, so calls never share state; it runs in the process that committed the
request and reports through the service, in sessions of its own."""

from __future__ import annotations

import asyncio
import logging
import shutil
import tempfile
import time
from datetime import datetime
from pathlib import Path

from roster.config import get_settings
from roster.core import clock
from roster.domains.phone_signin import rules, service, voice
from roster.domains.sip import rules as sip_rules
from roster.domains.sip.baresip import Account, Baresip

log = logging.getLogger("roster.sip_callback")
_running: set[asyncio.Task] = set()


def place_call(sessionmaker, *, key_digest: str, extension: str, domain: str, language: str,
               code: str, expires_at: datetime) -> None:
    """Start the call in the background (after the request committed)."""
    task = asyncio.create_task(_call(sessionmaker, key_digest=key_digest, extension=extension,
                                     domain=domain, language=language, code=code,
                                     expires_at=expires_at))
    _running.add(task)
    task.add_done_callback(_running.discard)


async def _report(sessionmaker, fn, **kwargs):
    async with sessionmaker() as s:
        result = await fn(s, **kwargs)
        await s.commit()
        return result


async def _call(sessionmaker, *, key_digest: str, extension: str, domain: str, language: str,
                code: str, expires_at: datetime) -> None:
    settings = get_settings()
    started = time.monotonic()
    base = settings.data_dir / "robot"
    base.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="call-", dir=base))
    ua = None
    reason = "not_answered"
    try:
        audio = await asyncio.to_thread(voice.message, settings, language, code, work / "code.wav",
                                        hold_s=max(10.0, settings.sip_callback_code_ttl_s))
        secret = settings.resolved_sip_callback_secret()
        ua = Baresip(work, Account(sip_rules.ROBOT_USER, domain, sip_rules.robot_password(secret),
                                   _proxy(settings), register=False),
                     audio_source=audio, binary=settings.baresip_binary)
        await ua.start()
        await ua.dial(f"sip:{extension}@{domain}")
        left = lambda: (expires_at - clock.now()).total_seconds()  # noqa: E731
        event = await ua.event("CALL_ESTABLISHED", "CALL_CLOSED", timeout=max(1.0, left()))
        if event["type"] == "CALL_CLOSED":
            return
        reason = "hung_up"
        digits = ""
        while left() > 0:
            event = await ua.event("CALL_DTMF_START", "CALL_CLOSED", timeout=left())
            if event["type"] == "CALL_CLOSED":
                return
            digits += str(event.get("param", ""))[:1]
            if len(digits) < rules.CODE_DIGITS:
                continue
            status = await _report(sessionmaker, service.check_code, key_digest=key_digest,
                                   digits=digits)
            digits = ""
            if status != rules.CALLING:
                reason = status
                return
        reason = "expired"
    except TimeoutError:
        reason = "expired"
    except Exception:
        log.exception("call-back %s… failed", key_digest[:8])
        reason = "robot_error"
    finally:
        if ua is not None:
            await ua.hangup()
            await ua.stop()
        try:
            await _report(sessionmaker, service.end_call, key_digest=key_digest, reason=reason)
        except Exception:
            log.exception("call-back %s…: could not record the end", key_digest[:8])
        shutil.rmtree(work, ignore_errors=True)
        log.info("call-back %s… ended (%s) after %.0f s", key_digest[:8], reason,
                 time.monotonic() - started)


def _proxy(settings) -> str:
    """Kamailio's listener for phones, as the robot's outbound proxy."""
    entry = sip_rules.phone_listener(settings)
    suffix = "" if entry.proto == "udp" else f";transport={entry.proto}"
    return f"sip:{entry.host}:{entry.port}{suffix}"
