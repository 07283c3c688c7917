"""Logging that never writes a secret: single-use keys travel in URLs, so access logs redact them."""

from __future__ import annotations

import logging
import re

_KEY_IN_PATH = re.compile(r"(/auth/invitations/|/set-password/)[^/?\s]+")


def redact(text: str) -> str:
    return _KEY_IN_PATH.sub(r"\1[redacted]", text)


class RedactSecrets(logging.Filter):
    """Rewrites access-log records so invitation and recovery keys never reach a log file."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.msg, str):
            record.msg = redact(record.msg)
        return True


def install() -> None:
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, RedactSecrets) for f in access.filters):
        access.addFilter(RedactSecrets())
