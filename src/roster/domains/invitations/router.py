from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import Form, Request
from fastapi.responses import RedirectResponse

from roster.core.permissions import Actor, Public, Requires
from roster.core.routing import TENANT_PATH, Id, api_router
from roster.core.uow import DB
from roster.domains.invitations import service
from roster.domains.invitations.schemas import Accepted, InvitationSent, PasswordSet, RecoveryIn
from roster.domains.users import service as users_service

router = api_router("", ["invitations"])

@router.get("/auth/invitations/{key}", status_code=307,
            responses={307: {"description": "to the panel's page that sets the password"}})
async def invitation_page(key: str,
                          _: Annotated[None, Public("the e-mailed link is the credential")]
                          ) -> RedirectResponse:
    """OKI-40, FCC-14: links point at the panel's page (/set-password/<key>), in the panel's
    look and the user's language; this address forwards there."""
    return RedirectResponse(f"/set-password/{quote(key, safe='')}", status_code=307,
                            headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"})


@router.post("/auth/invitations/{key}", response_model=PasswordSet,
             responses={410: {"description": "used, replaced, expired or unknown link"},
                        422: {"description": "the password breaks the policy (FCC-13)"}})
async def set_password(key: str, password: Annotated[str, Form(max_length=256)], db: DB,
                       _: Annotated[None, Public("the e-mailed link is the credential")]
                       ) -> PasswordSet:
    """Set the password with a single-use key; a second use answers 410."""
    await service.set_password(db, plain=key, password=password)
    return PasswordSet()


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
