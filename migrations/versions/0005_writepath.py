"""write path: roles as rows, case-insensitive logins and e-mails, outbox, throttles, ids never reused

Revision ID: 0005_writepath
Revises: 0005_telephony
Create Date: 2026-11-24 10:00:00

* ``user_roles`` (user_id, role, tenant_id) replaces the comma-separated ``users.roles``; the
  existing strings are copied into rows. Indexed on (tenant_id, role, user_id): "users of tenant T
  with role R, in id order" is one index range scan.
* Logins and e-mail addresses are unique per tenant ignoring case: unique indexes on
  ``lower(login)`` and ``lower(email)`` replace the case-sensitive constraints. Existing rows that
  differ only by case stop the upgrade with the list of them (rename one of each pair first).
* ``outbox``: side effects (mail, webhooks) delivered after commit by the dispatcher.
* ``throttles``: refusals counted per subject in a window (FCC-13 password refusals per actor).
* SQLite: every table keyed by an integer is rebuilt with AUTOINCREMENT, so the id of a deleted
  row is never handed out again (PostgreSQL's sequences never did). The rebuild runs with
  foreign keys off (migrations/env.py), the views are set aside meanwhile, and it ends with a
  foreign key check. A downgrade keeps AUTOINCREMENT: no behaviour of the older code depends
  on it.
"""

from __future__ import annotations

import warnings

import sqlalchemy as sa
from alembic import op

revision = "0005_writepath"
down_revision = "0005_telephony"
branch_labels = None
depends_on = None

ROLES = ("administrator", "supervisor", "agent", "pbx_user", "uc_user")
# Kamailio's own tables (its stock schema, written by Kamailio) and Alembic's are left alone.
NOT_OURS = {"version", "location", "location_attrs", "alembic_version"}


def _sqlite_views() -> list[tuple[str, str]]:
    """(name, CREATE VIEW ...) of every view: a rebuilt table is renamed into place, and SQLite
    checks the views naming it then, so they are dropped during the rebuild and made again."""
    return [(n, sql) for n, sql in op.get_bind().execute(sa.text(
        "SELECT name, sql FROM sqlite_master WHERE type = 'view' ORDER BY name")).all()]


def _sqlite_tables_reusing_ids() -> list[str]:
    """Tables keyed by one INTEGER column declared without AUTOINCREMENT."""
    bind = op.get_bind()
    out = []
    for name, sql in bind.execute(sa.text(
            "SELECT name, sql FROM sqlite_master WHERE type = 'table' "
            "AND name NOT LIKE 'sqlite_%' ORDER BY name")).all():
        if name in NOT_OURS or "AUTOINCREMENT" in (sql or "").upper():
            continue
        keys = [r for r in bind.execute(sa.text(f'PRAGMA table_info("{name}")')).all() if r[5]]
        if len(keys) == 1 and (keys[0][2] or "").upper() == "INTEGER":
            out.append(name)
    return out


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def _refuse_case_duplicates() -> None:
    bind = op.get_bind()
    for column in ("login", "email"):
        clashes = bind.execute(sa.text(
            f"SELECT tenant_id, lower({column}) FROM users WHERE {column} IS NOT NULL "
            f"GROUP BY tenant_id, lower({column}) HAVING count(*) > 1")).all()
        if clashes:
            listed = ", ".join(f"tenant {t}: {v}" for t, v in clashes[:20])
            raise RuntimeError(f"users differ only by the case of their {column}: {listed}. "
                               f"Change one of each before upgrading.")


def upgrade() -> None:
    sqlite = _sqlite()
    _refuse_case_duplicates()
    op.create_table(
        "user_roles",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.CheckConstraint("role IN (" + ", ".join(f"'{r}'" for r in ROLES) + ")",
                           name=op.f("ck_user_roles_known_role")),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"],
                                name=op.f("fk_user_roles_tenant_id_tenants"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name=op.f("fk_user_roles_user_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", "role", name=op.f("pk_user_roles")),
    )
    op.create_index(op.f("ix_user_roles_tenant_id_role_user_id"), "user_roles",
                    ["tenant_id", "role", "user_id"], unique=False)
    for role in ROLES:
        op.execute(sa.text(
            "INSERT INTO user_roles (user_id, role, tenant_id) "
            "SELECT id, :role, tenant_id FROM users "
            "WHERE ',' || roles || ',' LIKE :pattern").bindparams(role=role,
                                                                  pattern=f"%,{role},%"))

    views = _sqlite_views() if sqlite else []
    for name, _ in views:
        op.execute(f'DROP VIEW "{name}"')
    with op.batch_alter_table("users", recreate="always" if sqlite else "auto",
                              table_kwargs={"sqlite_autoincrement": True}) as batch_op:
        batch_op.drop_constraint("uq_users_tenant_id_login", type_="unique")
        batch_op.drop_constraint("uq_users_tenant_id_email", type_="unique")
        batch_op.drop_column("roles")
    op.create_index("uq_users_tenant_id_login_ci", "users",
                    ["tenant_id", sa.text("lower(login)")], unique=True)
    op.create_index("uq_users_tenant_id_email_ci", "users",
                    ["tenant_id", sa.text("lower(email)")], unique=True)

    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("available_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_outbox_status_available_at"), "outbox",
                    ["status", "available_at"], unique=False)
    op.create_table(
        "throttles",
        sa.Column("subject", sa.String(length=64), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("subject", name=op.f("pk_throttles")),
    )

    if sqlite:
        with warnings.catch_warnings():
            # Reflecting a table reflects those it refers to: users' expression indexes cannot be
            # reflected on SQLite (and need not be: users is not rebuilt again).
            warnings.filterwarnings("ignore", message=".*expression-based index")
            for table in _sqlite_tables_reusing_ids():
                with op.batch_alter_table(table, recreate="always",
                                          table_kwargs={"sqlite_autoincrement": True}):
                    pass
        for _, sql in views:
            op.execute(sql)
        broken = op.get_bind().execute(sa.text("PRAGMA foreign_key_check")).all()
        if broken:
            raise RuntimeError(f"foreign keys broken by the rebuild: {broken[:10]}")


def downgrade() -> None:
    sqlite = _sqlite()
    bind = op.get_bind()
    held: dict[int, set[str]] = {}
    for user_id, role in bind.execute(sa.text("SELECT user_id, role FROM user_roles")):
        held.setdefault(user_id, set()).add(role)
    op.drop_table("throttles")
    op.drop_index(op.f("ix_outbox_status_available_at"), table_name="outbox")
    op.drop_table("outbox")
    op.drop_index("uq_users_tenant_id_email_ci", table_name="users")
    op.drop_index("uq_users_tenant_id_login_ci", table_name="users")
    views = _sqlite_views() if sqlite else []
    for name, _ in views:
        op.execute(f'DROP VIEW "{name}"')
    with op.batch_alter_table("users") as batch_op:
        batch_op.add_column(sa.Column("roles", sa.String(length=120), nullable=False,
                                      server_default=""))
        batch_op.create_unique_constraint("uq_users_tenant_id_email", ["tenant_id", "email"])
        batch_op.create_unique_constraint("uq_users_tenant_id_login", ["tenant_id", "login"])
    rows = [{"id": uid, "roles": ",".join(r for r in ROLES if r in roles)}
            for uid, roles in held.items()]
    if rows:
        bind.execute(sa.text("UPDATE users SET roles = :roles WHERE id = :id"), rows)
    with op.batch_alter_table("users") as batch_op:
        batch_op.alter_column("roles", server_default=None)
    for _, sql in views:
        op.execute(sql)
    op.drop_index(op.f("ix_user_roles_tenant_id_role_user_id"), table_name="user_roles")
    op.drop_table("user_roles")
