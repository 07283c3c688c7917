"""One transaction per request, committed at the edge, with side effects run after commit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request, Response
from fastapi.routing import APIRoute
from sqlalchemy.ext.asyncio import AsyncSession

from roster.core import events


class TransactionalRoute(APIRoute):
    """Opens the request's session, commits it when the handler answered below 400, then runs the
    effects queued with :func:`roster.core.events.after_commit`. Anything else rolls back, then
    commits what was queued with :func:`roster.core.events.record_even_if_refused`."""

    def get_route_handler(self) -> Callable:
        handler = super().get_route_handler()

        async def run(request: Request) -> Response:
            sessionmaker = request.app.state.sessionmaker
            async with sessionmaker() as session:
                request.state.db = session
                try:
                    response = await handler(request)
                except BaseException:
                    await _refuse(session, sessionmaker)
                    raise
                if response.status_code < 400:
                    await session.commit()
                    await events.run_after_commit(session)
                else:
                    await _refuse(session, sessionmaker)
                return response

        return run


async def _refuse(session: AsyncSession, sessionmaker) -> None:
    events.discard(session)
    await session.rollback()
    await events.run_refusal_records(session, sessionmaker)


def get_db(request: Request) -> AsyncSession:
    return request.state.db


DB = Annotated[AsyncSession, Depends(get_db)]
