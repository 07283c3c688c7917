from __future__ import annotations

import html
from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import HTMLResponse

from roster.core.permissions import Actor, Public, Requires
from roster.core.routing import TENANT_PATH, Id, api_router
from roster.core.uow import DB
from roster.domains.invitations import rules, service
from roster.domains.invitations.schemas import Accepted, InvitationSent, RecoveryIn
from roster.domains.users import service as users_service

router = api_router("", ["invitations"])

_STYLE = "body{font-family:sans-serif;max-width:28rem;margin:3rem auto}"


def _page(language: str, body: str) -> str:
    t = rules.page_texts(language)
    return (f'<!doctype html><html lang="{html.escape(language)}"><head><meta charset="utf-8">'
            f"<title>{html.escape(t['title'])}</title><style>{_STYLE}</style></head>"
            f"<body><h1>{html.escape(t['title'])}</h1>{body}</body></html>")


@router.get("/auth/invitations/{key}", response_class=HTMLResponse,
            responses={410: {"description": "used, replaced, expired or unknown link"}})
async def invitation_page(key: str, db: DB,
                          _: Annotated[None, Public("the e-mailed link is the credential")]
                          ) -> HTMLResponse:
    """OKI-40, FCC-14: the page with the form that sets the password."""
    _, user = await service.usable_key(db, key)
    t = rules.page_texts(user.language)
    form = (f'<form method="post"><label>{html.escape(t["password"])} '
            f'<input type="password" name="password" required autocomplete="new-password">'
            f'</label> <button type="submit">{html.escape(t["submit"])}</button></form>')
    return HTMLResponse(_page(user.language, form),
                        headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"})


@router.post("/auth/invitations/{key}", response_class=HTMLResponse,
             responses={410: {"description": "used, replaced, expired or unknown link"},
                        422: {"description": "the password breaks the policy (FCC-13)"}})
async def set_password(key: str, password: Annotated[str, Form(max_length=256)], db: DB,
                       _: Annotated[None, Public("the e-mailed link is the credential")]
                       ) -> HTMLResponse:
    """Set the password with a single-use key; a second use answers 410."""
    user = await service.set_password(db, plain=key, password=password)
    done = html.escape(rules.page_texts(user.language)["done"])
    return HTMLResponse(_page(user.language, f"<p>{done}</p>"),
                        headers={"Cache-Control": "no-store"})


@router.post("/auth/password-recovery", status_code=202, response_model=Accepted)
async def password_recovery(body: RecoveryIn, request: Request, db: DB,
                            _: Annotated[None, Public("a forgotten password is the reason")]
                            ) -> Accepted:
    """FCC-14: always 202, whether or not the address belongs to anyone."""
    await service.request_recovery(db, tenant_slug=body.tenant, email=body.email)
    return Accepted()


@router.post("/tenants/{tenant}/users/{user_id}/invitation", status_code=202,
             dependencies=[TENANT_PATH],
             response_model=InvitationSent)
async def resend_invitation(user_id: Id, db: DB,
                            actor: Annotated[Actor, Requires("users.create")]) -> InvitationSent:
    """Send the invitation again; the previous link stops working (OKI-40)."""
    user = await users_service.get_user(db, actor=actor, user_id=user_id)
    expires = await service.resend(db, actor=actor, user=user)
    return InvitationSent(expires_at=expires.isoformat())
