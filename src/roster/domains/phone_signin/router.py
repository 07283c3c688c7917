from __future__ import annotations

from typing import Annotated

from fastapi import Path, Request, Response

from roster.core.permissions import Public
from roster.core.routing import api_router
from roster.core.uow import DB
from roster.domains.phone_signin import service
from roster.domains.phone_signin.schemas import (
    SipCallbackIn,
    SipCallbackStarted,
    SipCallbackState,
)

router = api_router("/auth/sip-callback", ["auth"])


@router.post("", status_code=202, response_model=SipCallbackStarted,
             responses={429: {"description": "too many call-backs for this address or source"}})
async def start(body: SipCallbackIn, request: Request, db: DB, response: Response,
                _: Annotated[None, Public("sign-in by SIP call-back: the way to obtain "
                                          "credentials")]) -> SipCallbackStarted:
    """SIPL-20: Roster calls the phone registered for this SIP address; a robot reads out a
    6-digit code in the person's language, to be typed on the phone (DTMF). Poll the returned
    address until it says signed_in (the token comes with it, once), failed or expired."""
    source = (request.client.host if request.client else "unknown")[:64]
    key, row = await service.start(db, sip_address=body.sip_address, source=source,
                                   sessionmaker=request.app.state.sessionmaker)
    poll = f"/api/v1/auth/sip-callback/{key}"
    response.headers["Location"] = poll
    return SipCallbackStarted(id=key, status=row.status, poll=poll,
                              expires_in=int((row.expires_at - row.created_at).total_seconds()))


@router.get("/{key}", response_model=SipCallbackState)
async def poll(key: Annotated[str, Path(max_length=100)], db: DB,
               _: Annotated[None, Public("the poll key is the waiting client's secret")]
               ) -> SipCallbackState:
    """SIPL-20: calling, signed_in (with the session token, handed over once), claimed,
    failed or expired."""
    return await service.poll(db, key=key)
