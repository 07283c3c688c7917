"""/queues and /campaigns: the same routes over one service, each kind with its own
permissions (queues.* / campaigns.*) and schemas. Scoping is in the repository."""


from typing import Annotated

from fastapi import APIRouter, Response

from roster.core.errors import FieldError, found, invalid
from roster.core.pagination import Page, Paging, page_of
from roster.core.permissions import Actor, Requires
from roster.core.routing import Id, tenant_router
from roster.core.uow import DB
from roster.domains.groups import repository as groups_repo
from roster.domains.queues import repository as repo
from roster.domains.queues import service
from roster.domains.queues.schemas import (
    CampaignCreate,
    CampaignOut,
    CampaignUpdate,
    Distribution,
    DistributionSlot,
    FromGroupIn,
    FromGroupOut,
    PriorityIn,
    QueueCreate,
    QueueMemberIn,
    QueueMemberOut,
    QueueOut,
    QueueUpdate,
)
from roster.domains.sip import service as sip
from roster.domains.users import repository as users_repo
from roster.domains.users import service as users_service


def _build(kind: str, plural: str, create_model, update_model, out_model) -> APIRouter:
    router = tenant_router(f"/{plural}", [plural])
    read, manage = Requires(f"{plural}.read"), Requires(f"{plural}.manage")
    Reader = Annotated[Actor, read]  # noqa: N806
    Manager = Annotated[Actor, manage]  # noqa: N806

    async def _get(db, actor: Actor, queue_id: int):
        # scoped: outside the actor's scope is 404
        return found(await repo.get(db, actor, kind, queue_id), kind)

    def _location(actor: Actor, *parts) -> str:
        return "/".join([f"/api/v1/tenants/{actor.tenant.slug}/{plural}", *map(str, parts)])

    @router.post("", status_code=201, response_model=out_model, name=f"create_{kind}")
    async def create(body: create_model, db: DB, response: Response, actor: Manager):
        queue = await service.create(db, actor=actor, kind=kind, values=body.model_dump())
        response.headers["Location"] = _location(actor, queue.id)
        return out_model.model_validate(queue)

    @router.get("", response_model=Page[out_model], name=f"list_{plural}")
    async def list_all(db: DB, actor: Reader, page: Paging):
        rows, cursor = page_of(await repo.list_page(db, actor, kind, page), page)
        return Page[out_model](items=[out_model.model_validate(r) for r in rows],
                               next_cursor=cursor)

    @router.get("/{queue_id}", response_model=out_model, name=f"get_{kind}")
    async def get_one(queue_id: Id, db: DB, actor: Reader):
        return out_model.model_validate(await _get(db, actor, queue_id))

    @router.patch("/{queue_id}", response_model=out_model, name=f"update_{kind}")
    async def update(queue_id: Id, body: update_model, db: DB, actor: Manager):
        queue = await service.update(db, actor=actor, queue=await _get(db, actor, queue_id),
                                     values=body.model_dump(exclude_unset=True))
        return out_model.model_validate(queue)

    @router.delete("/{queue_id}", status_code=204, name=f"delete_{kind}")
    async def delete(queue_id: Id, db: DB, actor: Manager) -> Response:
        await service.delete(db, actor=actor, queue=await _get(db, actor, queue_id))
        return Response(status_code=204)

    @router.get("/{queue_id}/members", response_model=Page[QueueMemberOut],
                name=f"list_{kind}_members")
    async def list_members(queue_id: Id, db: DB, page: Paging, actor: Reader):
        queue = await _get(db, actor, queue_id)
        rows, cursor = page_of(await repo.members_page(db, queue.id, page), page,
                               key=lambda r: r[0])
        return Page[QueueMemberOut](
            items=[QueueMemberOut(user_id=i, full_name=n, login=lg, priority=p)
                   for i, n, lg, p in rows], next_cursor=cursor)

    @router.post("/{queue_id}/members", status_code=201, response_model=QueueMemberOut,
                 name=f"add_{kind}_member")
    async def add_member(queue_id: Id, body: QueueMemberIn, db: DB, response: Response,
                         actor: Manager):
        """OKI-32: add a user with a priority 0-100 (409 when already a member)."""
        queue = await _get(db, actor, queue_id)
        user = await users_repo.get(db, actor, body.user_id)  # within the actor's user scope
        if user is None:
            raise invalid(FieldError("user_id", "unknown_user", "No such user in this tenant."))
        await service.add_member(db, queue=queue, user=user, priority=body.priority)
        response.headers["Location"] = _location(actor, queue.id, "members", user.id)
        return QueueMemberOut(user_id=user.id, full_name=user.full_name, login=user.login,
                         priority=body.priority)

    @router.post("/{queue_id}/members/from-group", status_code=200, response_model=FromGroupOut,
                 name=f"add_group_to_{kind}")
    async def add_group(queue_id: Id, body: FromGroupIn, db: DB, actor: Manager):
        """OKI-30: add every member of a group not already in it, with one priority."""
        queue = await _get(db, actor, queue_id)
        group = await groups_repo.get(db, actor.tenant_id, body.group_id)
        if group is None:
            raise invalid(FieldError("group_id", "unknown_group",
                                     "No such group in this tenant."))
        added, skipped = await service.add_group(db, actor=actor, queue=queue, group=group,
                                                 priority=body.priority)
        return FromGroupOut(added=[QueueMemberOut(user_id=u.id, full_name=u.full_name,
                                             login=u.login, priority=body.priority)
                                   for u in added], skipped=skipped)

    @router.patch("/{queue_id}/members/{user_id:int}", response_model=QueueMemberOut,
                  name=f"set_{kind}_member_priority")
    async def set_priority(queue_id: Id, user_id: Id, body: PriorityIn, db: DB,
                           actor: Manager):
        queue = await _get(db, actor, queue_id)
        user = await users_service.get_user(db, actor=actor, user_id=user_id)  # in its scope
        row = await service.set_priority(db, queue=queue, user_id=user.id,
                                         priority=body.priority)
        return QueueMemberOut(user_id=row.user_id, full_name=user.full_name, login=user.login,
                         priority=row.priority)

    @router.delete("/{queue_id}/members/{user_id:int}", status_code=204,
                   name=f"remove_{kind}_member")
    async def remove_member(queue_id: Id, user_id: Id, db: DB, actor: Manager) -> Response:
        queue = await _get(db, actor, queue_id)
        user = await users_service.get_user(db, actor=actor, user_id=user_id)  # in its scope
        await service.remove_member(db, queue=queue, user_id=user.id)
        return Response(status_code=204)

    if kind == "queue":
        @router.get("/{queue_id}/distribution", response_model=Distribution,
                    name="queue_distribution")
        async def distribution(queue_id: Id, db: DB, actor: Reader):
            """OKI-32, X-7: who gets the next call, in order, and why the others do not; the
            same function routes the queue's calls."""
            queue = await _get(db, actor, queue_id)
            slots = await service.distribution(db, tenant=actor.tenant, queue=queue,
                                               presence=sip.presence())
            return Distribution(items=[DistributionSlot(**vars(s)) for s in slots])

    return router


queues = _build("queue", "queues", QueueCreate, QueueUpdate, QueueOut)
campaigns = _build("campaign", "campaigns", CampaignCreate, CampaignUpdate, CampaignOut)
