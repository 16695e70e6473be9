"""prioritised screening: each reviewer's own queue ranks, and what they were computed from

New tables only (derived data, recomputed when missing or stale).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('reviewer_queue_ranks',
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('reviewer_id', sa.Integer(), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_reviewer_queue_ranks_project_id_projects'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['record_id'], ['records.id'], name=op.f('fk_reviewer_queue_ranks_record_id_records'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reviewer_id'], ['users.id'], name=op.f('fk_reviewer_queue_ranks_reviewer_id_users')),
    sa.PrimaryKeyConstraint('project_id', 'reviewer_id', 'record_id', name=op.f('pk_reviewer_queue_ranks'))
    )
    with op.batch_alter_table('reviewer_queue_ranks', schema=None) as batch_op:
        batch_op.create_index('ix_reviewer_queue_ranks_queue', ['project_id', 'reviewer_id', 'rank'], unique=False)

    op.create_table('reviewer_queue_models',
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('reviewer_id', sa.Integer(), nullable=False),
    sa.Column('records_fingerprint', sa.String(length=64), nullable=False),
    sa.Column('last_event_id', sa.Integer(), nullable=False),
    sa.Column('last_resolution_id', sa.Integer(), nullable=False),
    sa.Column('labels', sa.Integer(), nullable=False),
    sa.Column('includes', sa.Integer(), nullable=False),
    sa.Column('ranked', sa.Integer(), nullable=False),
    sa.Column('ranked_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('seconds', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_reviewer_queue_models_project_id_projects'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reviewer_id'], ['users.id'], name=op.f('fk_reviewer_queue_models_reviewer_id_users')),
    sa.PrimaryKeyConstraint('project_id', 'reviewer_id', name=op.f('pk_reviewer_queue_models'))
    )


def downgrade() -> None:
    op.drop_table('reviewer_queue_models')
    with op.batch_alter_table('reviewer_queue_ranks', schema=None) as batch_op:
        batch_op.drop_index('ix_reviewer_queue_ranks_queue')

    op.drop_table('reviewer_queue_ranks')
