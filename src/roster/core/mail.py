"""E-mail over SMTP, through the outbox: queued in the transaction that asks for it, sent by the
outbox dispatcher (retried with backoff while the server is unreachable)."""

from __future__ import annotations

import logging
from email.message import EmailMessage
from typing import Any

import aiosmtplib
from sqlalchemy.ext.asyncio import AsyncSession

from roster.config import get_settings
from roster.core import outbox

log = logging.getLogger("roster.mail")
KIND = "mail"


def payload(*, to: str, subject: str, body: str, about: dict[str, Any] | None = None
            ) -> dict[str, Any]:
    """A mail as an outbox message; ``about`` names what it concerns (for the audit log when
    it cannot be delivered), e.g. ``{"entity": "user", "entity_id": 12}``."""
    return {"to": to, "subject": subject, "body": body, "about": about or {}}


async def enqueue(db: AsyncSession, mails: list[dict[str, Any]], *,
                  tenant_id: int | None = None) -> None:
    """Queue mails: they leave only if the transaction commits (and then surely)."""
    await outbox.enqueue(db, KIND, mails, tenant_id=tenant_id)


def message(data: dict[str, Any], message_id: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = get_settings().smtp_sender
    msg["To"] = data["to"]
    msg["Subject"] = data["subject"]
    # One Message-ID per outbox message, the same on every attempt: a receiver can drop a mail
    # delivered again after a dispatcher died before recording the first delivery.
    msg["Message-ID"] = message_id
    msg.set_content(data["body"])
    return msg


async def deliver(item: outbox.Message) -> None:
    """The outbox handler of mails."""
    settings = get_settings()
    domain = settings.smtp_sender.rpartition("@")[2] or "roster"
    msg = message(item.payload, f"<outbox.{item.id}@{domain}>")
    if settings.mail_mode == "console":
        # Development: the whole message on the console, so its links can be followed.
        headers = "".join(f"{k}: {v}\n" for k, v in msg.items() if k in ("From", "To", "Subject"))
        log.warning("mail (console mode, not sent)\n%s\n%s", headers, msg.get_content())
        return
    try:
        await aiosmtplib.send(msg, hostname=settings.smtp_host, port=settings.smtp_port,
                              timeout=settings.smtp_timeout_s)
    except aiosmtplib.SMTPRecipientsRefused as exc:
        raise outbox.Permanent(f"recipient refused: {exc}") from exc
    except aiosmtplib.SMTPResponseException as exc:
        if 500 <= exc.code < 600:
            raise outbox.Permanent(f"{exc.code} {exc.message}") from exc
        raise
    log.info("mail sent to %s: %s", item.payload["to"], item.payload["subject"])
