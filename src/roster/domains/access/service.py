"""Resolves what a signed-in user may do, and changes it without escalation.

A principal's permissions come from its ACTIVE account kind only (FCC-20); for supervisors and
agents, roles granted (OKI-10) and per-person grants and revocations (FCC-22/23) are added.
Its data scope (which users it sees) is resolved here and applied by the repositories'
statements (users/repository.py ``scoped``), never by handlers.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from roster.core import audit
from roster.core.errors import FieldError, conflict, found, invalid, refuse_nulls
from roster.core.permissions import Actor, Principal
from roster.domains.access import policies, rules
from roster.domains.access import repository as repo
from roster.domains.access.models import (
    CallVisibility,
    PermissionOverride,
    Role,
    RoleGrant,
    SupervisedQueue,
    SupervisorAssignment,
)
from roster.domains.access.schemas import RoleCreate, RoleUpdate
from roster.domains.groups import repository as groups_repo
from roster.domains.projects import repository as projects_repo
from roster.domains.tenants.models import Tenant
from roster.domains.users import rules as user_rules
from roster.domains.users.models import User


@dataclass(frozen=True)
class Resolved:
    permissions: frozenset[str]
    user_scope: frozenset[int] | None
    call_extensions: tuple[str, ...]
    queue_scope: frozenset[int] | None = None


def _role_perms(grant: RoleGrant, role: Role | None) -> frozenset[str]:
    if role is not None:
        return frozenset(role.permissions or [])
    return rules.DEFAULTS.get(grant.builtin or "", frozenset())


async def resolve(db: AsyncSession, *, user: User, kind: str) -> Resolved:
    """The permissions and data scope of ``user`` acting as ``kind``."""
    granted: list[frozenset[str]] = []
    project_ids: set[int] = set()
    grants: set[str] = set()
    revokes: set[str] = set()
    if kind in rules.TAILORED_KINDS:
        for grant, role in await repo.grants_of(db, user.id):
            granted.append(_role_perms(grant, role))
            if grant.project_id is not None:
                project_ids.add(grant.project_id)
        grants, revokes = await repo.overrides_of(db, user.id)
    perms = rules.resolve_permissions(kind=kind, granted_roles=granted, grants=grants,
                                      revocations=revokes)
    scope: frozenset[int] | None
    if kind == "administrator":
        scope = None
    else:
        # Own data by default (SIPL-10); a supervisor adds the users assigned to it (FCC-22,
        # DAK-10); a role granted within a project (OKI-11) adds that project's people.
        ids = {user.id}
        if kind == "supervisor":
            ids |= await repo.supervised_user_ids(db, user.id)
        ids |= await repo.project_user_ids(db, project_ids)
        scope = frozenset(ids)
    queue_scope: frozenset[int] | None
    if kind == "administrator":
        queue_scope = None
    elif kind == "supervisor":
        # FCC-22, DAK-10: the queues and campaigns assigned to it, and no other.
        queue_scope = frozenset(await repo.supervised_queue_ids(db, user.id))
    else:
        # Everybody else sees (read-only, by their permissions) those they are a member of.
        queue_scope = frozenset(await repo.member_queue_ids(db, user.id))
    extensions, _ = await call_visibility(db, user=user)
    return Resolved(perms, scope, tuple(extensions), queue_scope)


async def call_visibility(db: AsyncSession, *, user: User) -> tuple[list[str], bool]:
    """SIPL-10/11: (extensions whose calls the user may see, whether that is the default)."""
    return rules.visible_extensions(await repo.call_extensions(db, user.id), user.extension)


async def principal_for_user(db: AsyncSession, *, token_id: int, kind: str, user_id: int | None,
                             tenant_id: int | None, active_role: str | None) -> Principal | None:
    """The principal behind a session or API token, or None when it may no longer act."""
    if user_id is None or active_role is None:
        return None
    user = await db.get(User, user_id)
    if user is None or not user.active or user.tenant_id != tenant_id:
        return None  # FCC-6: only an active user acts
    tenant = await db.get(Tenant, user.tenant_id)
    if tenant is None or not tenant.active:
        return None
    held = user.role_list
    if kind == "session":
        if active_role not in held or not user.panel_access:  # FCC-8, FCC-20
            return None
        resolved = await resolve(db, user=user, kind=active_role)
    elif kind == "api":
        resolved = await _resolve_api_role(db, user=user, role=active_role)
        if resolved is None:
            return None
    else:
        return None
    return Principal(
        "user" if kind == "session" else "api_token", user.id, user.tenant_id,
        resolved.permissions, active_role=active_role, roles=tuple(held), token_id=token_id,
        user_scope=resolved.user_scope, queue_scope=resolved.queue_scope,
        extra={"call_extensions": resolved.call_extensions},
    )


async def _resolve_api_role(db: AsyncSession, *, user: User, role: str) -> Resolved | None:
    """An API token acts with one chosen role: an account kind its owner holds, or a custom role
    (``role:<id>``) whose permissions its owner still holds."""
    if role in rules.ACCOUNT_KINDS:
        if role not in user.role_list:
            return None
        return await resolve(db, user=user, kind=role)
    if role.startswith("role:") and role[5:].isdigit():
        custom = await repo.get_role(db, user.tenant_id, int(role[5:]))
        if custom is None:
            return None
        kind = rules.default_active_role(user.role_list) or "pbx_user"
        owner = await resolve(db, user=user, kind=kind)
        perms = frozenset(custom.permissions or []) & owner.permissions
        return Resolved(perms, owner.user_scope, owner.call_extensions, owner.queue_scope)
    return None


async def effective_access(db: AsyncSession, *, user: User) -> dict:
    """Every account kind the user holds, resolved: permissions and data scope."""
    by_role = []
    for kind in user.role_list:
        r = await resolve(db, user=user, kind=kind)
        by_role.append({"role": kind, "permissions": sorted(r.permissions),
                        "user_scope": None if r.user_scope is None else sorted(r.user_scope),
                        "queue_scope": None if r.queue_scope is None else sorted(r.queue_scope),
                        "signs_in": kind in rules.SIGN_IN_ORDER})
    grants, revokes = await repo.overrides_of(db, user.id)
    users, groups = await repo.assignments_of(db, user.id)
    queues, campaigns = await repo.queue_assignments_of(db, user.id)
    granted = []
    for grant, role in await repo.grants_of(db, user.id):
        granted.append({"id": grant.id, "role": role.name if role else grant.builtin,
                        "role_id": grant.role_id, "project_id": grant.project_id})
    extensions, default = await call_visibility(db, user=user)
    return {
        "user_id": user.id, "roles": user.role_list,
        "default_role": rules.default_active_role(user.role_list),
        "by_role": by_role, "granted_roles": granted,
        "permission_grants": sorted(grants), "permission_revocations": sorted(revokes),
        "supervises": {"users": users, "groups": groups, "queues": queues,
                       "campaigns": campaigns},
        "call_extensions": extensions,
        "call_extensions_default": default,
        "projects": await projects_repo.projects_of_user(db, user.id),
    }


# --- custom roles (OKI-10) ------------------------------------------------------------------

def _check_role_perms(perms: list[str]) -> None:
    errors = rules.check_permissions(perms)
    if errors:
        raise invalid(*errors)


async def create_role(db: AsyncSession, *, actor: Actor, data: RoleCreate) -> Role:
    """A named set of permissions; nobody creates a role with more than they hold."""
    if data.name in rules.BUILTIN_ROLES:
        raise conflict("name", "role_exists", "A built-in role has this name.")
    _check_role_perms(data.permissions)
    policies.no_grant_beyond_held(actor, data.permissions)
    if await repo.role_by_name(db, actor.tenant_id, data.name) is not None:
        raise conflict("name", "role_exists", "This role exists already.")
    role = Role(tenant_id=actor.tenant_id, name=data.name, description=data.description,
                permissions=sorted(set(data.permissions)))
    db.add(role)
    await db.flush()
    return role


async def update_role(db: AsyncSession, *, actor: Actor, role: Role, data: RoleUpdate) -> Role:
    values = data.model_dump(exclude_unset=True)
    refuse_nulls(values, ("name",))
    if "name" in values:
        if values["name"] in rules.BUILTIN_ROLES:
            raise conflict("name", "role_exists", "A built-in role has this name.")
        other = await repo.role_by_name(db, role.tenant_id, values["name"])
        if other is not None and other.id != role.id:
            raise conflict("name", "role_exists", "This role exists already.")
    if "permissions" in values:
        perms = values["permissions"] or []
        _check_role_perms(perms)
        # Adding and removing both count: nobody reshapes a role beyond what they hold.
        policies.no_grant_beyond_held(actor, set(perms) ^ set(role.permissions or []))
        values["permissions"] = sorted(set(perms))
    for key, value in values.items():
        setattr(role, key, value)
    await db.flush()
    return role


async def delete_role(db: AsyncSession, *, actor: Actor, role: Role) -> None:
    policies.no_grant_beyond_held(actor, role.permissions or [])
    await db.delete(role)
    await db.flush()


# --- grants of roles, optionally within a project (OKI-10, OKI-11) --------------------------

async def grant_role(db: AsyncSession, *, actor: Actor, user: User, role: str | None,
                     role_id: int | None, project_id: int | None) -> RoleGrant:
    """Grant the built-in "operator" role or a custom role, optionally within one project."""
    if (role is None) == (role_id is None):
        raise invalid(FieldError("role", "one_role", "Give either role or role_id."))
    custom = None
    if role is not None:
        if role != rules.OPERATOR_ROLE:
            raise invalid(FieldError("role", "invalid_choice",
                                     "Account kinds are set in the user's roles; grant "
                                     "'operator' or a custom role_id here."))
        perms = rules.DEFAULTS[role]
    else:
        custom = await repo.get_role(db, actor.tenant_id, role_id)
        if custom is None:
            raise invalid(FieldError("role_id", "unknown_role", "No such role in this tenant."))
        perms = frozenset(custom.permissions or [])
    if project_id is not None and await projects_repo.get(db, actor.tenant_id,
                                                          project_id) is None:
        raise invalid(FieldError("project_id", "unknown_project",
                                 "No such project in this tenant."))
    policies.no_grant_beyond_held(actor, perms)
    policies.only_administrators_change_administrators(actor, user.role_list)
    policies.no_project_grant_beyond_scope(actor, project_id)
    if await repo.grant_exists(db, user_id=user.id, role_id=role_id, builtin=role,
                               project_id=project_id):
        raise conflict("role", "already_granted", "The user already has this role here.")
    grant = RoleGrant(tenant_id=user.tenant_id, user_id=user.id, role_id=role_id, builtin=role,
                      project_id=project_id)
    db.add(grant)
    await db.flush()
    return grant


async def revoke_grant(db: AsyncSession, *, actor: Actor, user: User, grant_id: int) -> None:
    grant = found(await repo.grant(db, user.id, grant_id), "grant")
    role = await repo.get_role(db, user.tenant_id, grant.role_id) if grant.role_id else None
    policies.no_grant_beyond_held(actor, _role_perms(grant, role))
    await db.delete(grant)
    await db.flush()


# --- per-person permissions (FCC-22/23, SIPL-10) --------------------------------------------

async def set_overrides(db: AsyncSession, *, actor: Actor, user: User, grant: list[str],
                        revoke: list[str]) -> None:
    """Replace the permissions granted to and revoked from one supervisor or agent."""
    errors = rules.check_permissions(grant, "grant") + rules.check_permissions(revoke, "revoke")
    both = sorted(set(grant) & set(revoke))
    if both:
        errors.append(FieldError("revoke", "granted_and_revoked",
                                 f"{both[0]} is both granted and revoked."))
    if not set(user.role_list) & rules.TAILORED_KINDS:
        errors.append(FieldError("user_id", "not_tailored",
                                 "Individual permissions apply to supervisors and agents."))
    if errors:
        raise invalid(*errors)
    old_grants, old_revokes = await repo.overrides_of(db, user.id)
    changed = (set(grant) ^ old_grants) | (set(revoke) ^ old_revokes)
    policies.no_grant_beyond_held(actor, changed)
    policies.only_administrators_change_administrators(actor, user.role_list)
    await repo.clear_overrides(db, user.id)
    for perm in sorted(set(grant)):
        db.add(PermissionOverride(user_id=user.id, tenant_id=user.tenant_id, permission=perm,
                                  effect="grant"))
    for perm in sorted(set(revoke)):
        db.add(PermissionOverride(user_id=user.id, tenant_id=user.tenant_id, permission=perm,
                                  effect="revoke"))
    await db.flush()
    await audit.record(db, action="permissions_set", entity="user", entity_id=user.id,
                       tenant_id=user.tenant_id,
                       before={"grant": sorted(old_grants), "revoke": sorted(old_revokes)},
                       after={"grant": sorted(set(grant)), "revoke": sorted(set(revoke))})


# --- supervisor assignments (FCC-22, DAK-10) ------------------------------------------------

async def set_supervision(db: AsyncSession, *, actor: Actor, user: User, user_ids: list[int],
                          group_ids: list[int], queue_ids: list[int] = (),
                          campaign_ids: list[int] = ()) -> None:
    """Replace the users, groups, queues and campaigns a supervisor sees and manages."""
    errors = []
    if "supervisor" not in user.role_list:
        errors.append(FieldError("user_id", "not_supervisor", "The user is not a supervisor."))
    known = await repo.users_in_tenant(db, user.tenant_id, set(user_ids))
    if actor.principal.user_scope is not None:
        known &= actor.principal.user_scope  # beyond the actor's scope is as good as unknown
    for uid in sorted(set(user_ids) - known):
        errors.append(FieldError("users", "unknown_user", f"No such user: {uid}."))
    for gid in sorted(set(group_ids)):
        if await groups_repo.get(db, user.tenant_id, gid) is None:
            errors.append(FieldError("groups", "unknown_group", f"No such group: {gid}."))
    for field, kind, ids in (("queues", "queue", queue_ids), ("campaigns", "campaign",
                                                              campaign_ids)):
        known = await repo.queues_in_tenant(db, user.tenant_id, kind, set(ids))
        for qid in sorted(set(ids) - known):
            errors.append(FieldError(field, f"unknown_{kind}", f"No such {kind}: {qid}."))
    if errors:
        raise invalid(*errors)
    policies.only_administrators_change_administrators(actor, user.role_list)
    await policies.supervision_within_own_scope(
        db, actor, users=user_ids, groups=group_ids,
        queues=set(queue_ids) | set(campaign_ids))
    await repo.clear_assignments(db, user.id)
    for uid in sorted(set(user_ids)):
        db.add(SupervisorAssignment(tenant_id=user.tenant_id, supervisor_id=user.id, user_id=uid))
    for gid in sorted(set(group_ids)):
        db.add(SupervisorAssignment(tenant_id=user.tenant_id, supervisor_id=user.id,
                                    group_id=gid))
    await repo.clear_queue_assignments(db, user.id)
    for qid in sorted(set(queue_ids) | set(campaign_ids)):
        db.add(SupervisedQueue(supervisor_id=user.id, queue_id=qid, tenant_id=user.tenant_id))
    await db.flush()


# --- SIPL-11: extensions whose calls a person may see and listen to --------------------------

async def set_call_visibility(db: AsyncSession, *, actor: Actor, user: User,
                              extensions: list[str]) -> None:
    errors = []
    for ext in extensions:
        errors += [FieldError("extensions", e.code, e.message)
                   for e in user_rules.check_extension(ext)]
    if errors:
        raise invalid(*errors)
    policies.only_administrators_change_administrators(actor, user.role_list)
    await repo.clear_call_extensions(db, user.id)
    for ext in sorted(set(extensions)):
        db.add(CallVisibility(user_id=user.id, extension=ext, tenant_id=user.tenant_id))
    await db.flush()
