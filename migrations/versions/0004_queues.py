"""queues and campaigns (OKI-30..32) and the queues a supervisor is assigned (FCC-22, DAK-10)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 18:22:41.270619

* ``queues`` holds both kinds (``kind`` 'queue' | 'campaign'); names are unique per tenant and kind.
* ``queue_members``: a user's priority 0-100 in a queue or campaign (OKI-32).
* ``supervised_queues``: the queues and campaigns a supervisor sees and manages.
Kamailio's own tables (location, location_attrs, version) are not ORM models and are left alone.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('queues',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('scenario', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('queue', 'campaign')", name=op.f('ck_queues_kind')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_queues_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_queues')),
    sa.UniqueConstraint('tenant_id', 'kind', 'name', name=op.f('uq_queues_tenant_id_kind_name'))
    )
    op.create_table('queue_members',
    sa.Column('queue_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('priority', sa.Integer(), nullable=False),
    sa.CheckConstraint('priority BETWEEN 0 AND 100', name=op.f('ck_queue_members_priority_range')),
    sa.ForeignKeyConstraint(['queue_id'], ['queues.id'], name=op.f('fk_queue_members_queue_id_queues'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_queue_members_tenant_id_tenants'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_queue_members_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('queue_id', 'user_id', name=op.f('pk_queue_members'))
    )
    with op.batch_alter_table('queue_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_queue_members_user_id'), ['user_id'], unique=False)

    op.create_table('supervised_queues',
    sa.Column('supervisor_id', sa.Integer(), nullable=False),
    sa.Column('queue_id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['queue_id'], ['queues.id'], name=op.f('fk_supervised_queues_queue_id_queues'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['supervisor_id'], ['users.id'], name=op.f('fk_supervised_queues_supervisor_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_supervised_queues_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('supervisor_id', 'queue_id', name=op.f('pk_supervised_queues'))
    )
    with op.batch_alter_table('supervised_queues', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_supervised_queues_queue_id'), ['queue_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('supervised_queues', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_supervised_queues_queue_id'))

    op.drop_table('supervised_queues')
    with op.batch_alter_table('queue_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_queue_members_user_id'))

    op.drop_table('queue_members')
    op.drop_table('queues')
