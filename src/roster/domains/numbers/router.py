from __future__ import annotations

from typing import Annotated

from fastapi import Response, status

from roster.core.errors import found
from roster.core.pagination import Page, Paging, page_of
from roster.core.permissions import Actor, Requires
from roster.core.routing import Id, tenant_router
from roster.core.uow import DB
from roster.domains.numbers import repository as repo
from roster.domains.numbers import service
from roster.domains.numbers.schemas import NumberCreate, NumberOut

router = tenant_router("/numbers", ["numbers"])


def _out(n) -> NumberOut:
    return NumberOut(id=n.id, number=n.number, assigned_to=n.assigned_user_id)


@router.post("", status_code=201, response_model=NumberOut)
async def add_number(body: NumberCreate, db: DB, response: Response,
                     actor: Annotated[Actor, Requires("numbers.manage")]) -> NumberOut:
    row = await service.add_number(db, tenant=actor.tenant, number=body.number)
    response.headers["Location"] = f"/api/v1/tenants/{actor.tenant.slug}/numbers/{row.id}"
    return _out(row)


@router.get("", response_model=Page[NumberOut])
async def list_numbers(db: DB, actor: Annotated[Actor, Requires("numbers.read")],
                       page: Paging, free: bool | None = None) -> Page[NumberOut]:
    rows, cursor = page_of(await repo.list_page(db, actor.tenant_id, free, page), page)
    return Page(items=[_out(r) for r in rows], next_cursor=cursor)


@router.get("/{number_id}", response_model=NumberOut)
async def get_number(number_id: Id, db: DB,
                     actor: Annotated[Actor, Requires("numbers.read")]) -> NumberOut:
    row = found(await repo.get(db, actor.tenant_id, number_id), "number")
    return _out(row)


@router.delete("/{number_id}", status_code=status.HTTP_204_NO_CONTENT)
async def remove_number(number_id: Id, db: DB,
                        actor: Annotated[Actor, Requires("numbers.manage")]) -> Response:
    await service.remove_number(db, tenant=actor.tenant, number_id=number_id)
    return Response(status_code=204)
