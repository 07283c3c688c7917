"""Groups of users with a marker colour (FCC-51, OKI-30)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from roster.core.catalogue import update_entry
from roster.core.errors import already_member, conflict, found, invalid, null_errors
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
    errors = null_errors(values, ("name", "color"))
    if values.get("color") is not None:
        errors += rules.check_color(values["color"])
        values["color"] = rules.canonical_color(values["color"])
    if errors:
        raise invalid(*errors)
    return await update_entry(
        db, group, values, required=(),
        name_taken=lambda name: repo.name_taken(db, group.tenant_id, name, group.id),
        taken=("group_exists", "This group exists already."))


async def delete_group(db: AsyncSession, *, group: Group) -> None:
    await db.delete(group)
    await db.flush()


async def add_member(db: AsyncSession, *, group: Group, user: User) -> None:
    """Add a user to a group."""
    if await repo.member(db, group.id, user.id) is not None:
        raise already_member("user_id", "The user is already a member.")
    db.add(GroupMember(group_id=group.id, user_id=user.id, tenant_id=group.tenant_id))
    await db.flush()


async def remove_member(db: AsyncSession, *, group: Group, user_id: int) -> None:
    row = found(await repo.member(db, group.id, user_id), "member")
    await db.delete(row)
    await db.flush()
