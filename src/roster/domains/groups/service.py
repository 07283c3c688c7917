"""Groups of users with a marker colour (FCC-51, OKI-30)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from roster.core.errors import FieldError, Problem, conflict, invalid, not_found
from roster.domains.groups import repository as repo
from roster.domains.groups import rules
from roster.domains.groups.models import Group, GroupMember
from roster.domains.groups.schemas import GroupCreate, GroupUpdate
from roster.domains.users.models import User


async def create_group(db: AsyncSession, *, tenant_id: int, data: GroupCreate) -> Group:
    """Add a group to the catalogue."""
    errors = rules.check_color(data.color)
    if errors:
        raise invalid(*errors)
    if await repo.name_taken(db, tenant_id, data.name, None):
        raise conflict("name", "group_exists", "This group exists already.")
    group = Group(tenant_id=tenant_id, name=data.name, color=rules.canonical_color(data.color),
                  description=data.description)
    db.add(group)
    await db.flush()
    return group


async def update_group(db: AsyncSession, *, group: Group, data: GroupUpdate) -> Group:
    values = data.model_dump(exclude_unset=True)
    errors = []
    for key in ("name", "color"):
        if key in values and values[key] is None:
            errors.append(FieldError(key, "required", "This field cannot be null."))
    if values.get("color") is not None:
        errors += rules.check_color(values["color"])
        values["color"] = rules.canonical_color(values["color"])
    if errors:
        raise invalid(*errors)
    name = values.get("name")
    if name is not None and await repo.name_taken(db, group.tenant_id, name, group.id):
        raise conflict("name", "group_exists", "This group exists already.")
    for key, value in values.items():
        setattr(group, key, value)
    await db.flush()
    return group


async def delete_group(db: AsyncSession, *, group: Group) -> None:
    await db.delete(group)
    await db.flush()


async def add_member(db: AsyncSession, *, group: Group, user: User) -> None:
    """Add a user to a group."""
    if await repo.member(db, group.id, user.id) is not None:
        raise Problem(409, "Conflict", "The user is already a member.",
                      [FieldError("user_id", "already_member", "The user is already a member.")],
                      code="already_member")
    db.add(GroupMember(group_id=group.id, user_id=user.id, tenant_id=group.tenant_id))
    await db.flush()


async def remove_member(db: AsyncSession, *, group: Group, user_id: int) -> None:
    row = await repo.member(db, group.id, user_id)
    if row is None:
        raise not_found("member")
    await db.delete(row)
    await db.flush()
