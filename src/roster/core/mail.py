"""E-mail over SMTP, sent only after the transaction that asked for it commits."""

from __future__ import annotations

import logging
from email.message import EmailMessage

import aiosmtplib
from sqlalchemy.ext.asyncio import AsyncSession

from roster.config import get_settings
from roster.core import events

log = logging.getLogger("roster.mail")


def message(*, to: str, subject: str, body: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = get_settings().smtp_sender
    msg["To"] = to
    msg["Subject"] = subject
    msg.set_content(body)
    return msg


async def send(msg: EmailMessage) -> None:
    settings = get_settings()
    if settings.mail_mode == "console":
        # Development: the whole message on the console, so its links can be followed.
        headers = "".join(f"{k}: {v}\n" for k, v in msg.items() if k in ("From", "To", "Subject"))
        log.warning("mail (console mode, not sent)\n%s\n%s", headers, msg.get_content())
        return
    await aiosmtplib.send(msg, hostname=settings.smtp_host, port=settings.smtp_port, timeout=15)


def send_after_commit(db: AsyncSession, *, to: str, subject: str, body: str) -> None:
    """Queue a mail: it leaves only if the transaction commits (and never twice)."""
    msg = message(to=to, subject=subject, body=body)

    async def _send() -> None:
        try:
            await send(msg)
        except (aiosmtplib.SMTPException, OSError) as exc:
            # The change is committed; an unreachable mail server is an operations problem
            # (resend is available), reported in one line rather than a traceback.
            settings = get_settings()
            log.warning("mail to %s not sent (%s:%s): %s", to, settings.smtp_host,
                        settings.smtp_port, exc)
            return
        log.info("mail sent to %s: %s", to, subject)

    events.after_commit(db, _send)
