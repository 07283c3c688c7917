"""Imports every model so the metadata is complete (Alembic, tests), and the audit hook."""

import roster.core.audit  # noqa: F401 - registers the audit hook
from roster.core.outbox import OutboxMessage
from roster.core.throttle import Throttle
from roster.db import Base
from roster.domains.access.models import (
    CallVisibility,
    PermissionOverride,
    Role,
    RoleGrant,
    SupervisedQueue,
    SupervisorAssignment,
)
from roster.domains.audit.models import AuditEntry
from roster.domains.auth.models import AddressFailures, AuthToken, LoginLock, Operator
from roster.domains.devices.models import Device, TenantIce, UserNat
from roster.domains.groups.models import Group, GroupMember
from roster.domains.invitations.models import AccessKey
from roster.domains.numbers.models import Number
from roster.domains.phone_signin.models import PhoneSignin
from roster.domains.projects.models import Project, ProjectMember
from roster.domains.queues.models import Queue, QueueMember, QueueOffer
from roster.domains.sip.models import SipLock
from roster.domains.skills.models import Skill, UserSkill
from roster.domains.stations.models import AgentState, AgentStateChange, Station
from roster.domains.tenants.models import Tenant
from roster.domains.users.models import User, UserRole

__all__ = ["Base", "AuditEntry", "AuthToken", "Operator", "Group", "GroupMember", "Number",
           "Skill", "UserSkill", "Tenant", "User", "UserRole", "AccessKey", "AddressFailures", "LoginLock",
           "CallVisibility", "PermissionOverride", "Role", "RoleGrant", "SupervisorAssignment",
           "Project", "ProjectMember", "Device", "TenantIce", "UserNat", "AgentState",
           "AgentStateChange", "Station", "Queue", "QueueMember", "SupervisedQueue", "QueueOffer",
           "SipLock", "PhoneSignin", "OutboxMessage", "Throttle"]
