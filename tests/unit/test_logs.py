"""Secrets never reach the logs: invitation keys in URLs are redacted from access logs."""

from __future__ import annotations

import logging

from roster.core.logs import RedactSecrets


def test_access_log_redacts_invitation_key():
    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1,
                               '%s - "%s %s HTTP/%s" %d',
                               ("127.0.0.1:5000", "GET", "/api/v1/auth/invitations/s3cr3t-k3y?x=1",
                                "1.1", 200), None)
    assert RedactSecrets().filter(record)
    line = record.getMessage()
    assert "s3cr3t-k3y" not in line
    assert "/api/v1/auth/invitations/[redacted]?x=1" in line


def test_other_paths_untouched():
    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, "%s %s",
                               ("GET", "/api/v1/tenants/acme/users/7"), None)
    RedactSecrets().filter(record)
    assert record.getMessage() == "GET /api/v1/tenants/acme/users/7"
