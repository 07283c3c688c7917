"""Who is acting and in which request: read by the audit hook and the logs."""

from __future__ import annotations

from contextvars import ContextVar

request_id: ContextVar[str] = ContextVar("request_id", default="")
actor: ContextVar[str] = ContextVar("actor", default="system")
