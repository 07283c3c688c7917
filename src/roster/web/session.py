"""The panel's cookie session and its CSRF tokens.

One signed cookie carries the session token (the same kind of token the API issues, so sign-in,
sign-out, role switches and "sign out everywhere" are the auth service's, unchanged), the
language kept for the session, the tenant a platform operator works in, and a random nonce.
The CSRF token is an HMAC of that nonce: every unsafe request must echo it (form field or
X-CSRF-Token header), which a page of another site cannot read. Anonymous visitors get a nonce
too, so the sign-in, invitation and recovery forms are protected the same way.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import asdict, dataclass

from starlette.requests import Request
from starlette.responses import Response

from roster.config import get_settings

COOKIE = "roster_panel"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass
class PanelSession:
    nonce: str
    token: str | None = None
    lang: str | None = None
    tenant: str | None = None  # the tenant a platform operator acts in

    @classmethod
    def fresh(cls) -> PanelSession:
        return cls(nonce=secrets.token_urlsafe(16))


def _key(purpose: str) -> bytes:
    return hmac.new(get_settings().resolved_secret_key(), f"panel:{purpose}".encode(),
                    hashlib.sha256).digest()


def _sign(data: bytes) -> str:
    return base64.urlsafe_b64encode(hmac.new(_key("cookie"), data, hashlib.sha256).digest()
                                    ).decode().rstrip("=")


def encode(session: PanelSession) -> str:
    data = json.dumps(asdict(session), separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(data).decode().rstrip("=") + "." + _sign(data)


def decode(raw: str | None) -> PanelSession | None:
    if not raw or "." not in raw:
        return None
    body, signature = raw.rsplit(".", 1)
    try:
        data = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except ValueError:
        return None
    if not hmac.compare_digest(_sign(data), signature):
        return None
    try:
        values = json.loads(data)
        return PanelSession(**{k: values.get(k) for k in ("nonce", "token", "lang", "tenant")})
    except (ValueError, TypeError):
        return None


def load(request: Request) -> PanelSession:
    """The visitor's session, a fresh anonymous one when the cookie is missing or forged."""
    session = decode(request.cookies.get(COOKIE))
    if session is None or not session.nonce:
        session = PanelSession.fresh()
    return session


def csrf_token(session: PanelSession) -> str:
    return hmac.new(_key("csrf"), session.nonce.encode(), hashlib.sha256).hexdigest()


def csrf_valid(session: PanelSession, sent: str | None) -> bool:
    return bool(sent) and hmac.compare_digest(csrf_token(session), sent)


def save(request: Request, response: Response, session: PanelSession) -> None:
    """HttpOnly, SameSite=Lax, Secure when the panel is served over HTTPS."""
    response.set_cookie(COOKIE, encode(session), httponly=True, samesite="lax",
                        secure=request.url.scheme == "https", path="/",
                        max_age=get_settings().token_ttl_s)
