"""automation exclusions: the owner's "exclude the remaining unscreened records" events

Two new tables (the event and the records it covered) and a derived flag on screening_status,
added to the queue's index so that serving the next record skips the excluded records on it.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

QUEUE_INDEX = 'ix_screening_status_queue'


def upgrade() -> None:
    op.create_table('automation_exclusions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('stage', sa.String(length=20), nullable=False),
    sa.Column('rule', sa.String(length=100), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.Column('applied_by', sa.Integer(), nullable=False),
    sa.Column('applied_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('undone_by', sa.Integer(), nullable=True),
    sa.Column('undone_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['applied_by'], ['users.id'], name=op.f('fk_automation_exclusions_applied_by_users')),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_automation_exclusions_project_id_projects'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['undone_by'], ['users.id'], name=op.f('fk_automation_exclusions_undone_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_automation_exclusions'))
    )
    with op.batch_alter_table('automation_exclusions', schema=None) as batch_op:
        batch_op.create_index('ix_automation_exclusions_project', ['project_id', 'stage'], unique=False)

    op.create_table('automation_exclusion_records',
    sa.Column('exclusion_id', sa.Integer(), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['exclusion_id'], ['automation_exclusions.id'], name=op.f('fk_automation_exclusion_records_exclusion_id_automation_exclusions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_automation_exclusion_records_project_id_projects'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['record_id'], ['records.id'], name=op.f('fk_automation_exclusion_records_record_id_records'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('exclusion_id', 'record_id', name=op.f('pk_automation_exclusion_records'))
    )
    with op.batch_alter_table('automation_exclusion_records', schema=None) as batch_op:
        batch_op.create_index('ix_automation_exclusion_records_record', ['project_id', 'record_id'], unique=False)

    with op.batch_alter_table('screening_status', schema=None) as batch_op:
        batch_op.add_column(sa.Column('automation_excluded', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.drop_index(QUEUE_INDEX)
        batch_op.create_index(QUEUE_INDEX, ['project_id', 'stage', 'decided', 'automation_excluded', 'queue_rank', 'record_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('screening_status', schema=None) as batch_op:
        batch_op.drop_index(QUEUE_INDEX)
        batch_op.create_index(QUEUE_INDEX, ['project_id', 'stage', 'decided', 'queue_rank', 'record_id'], unique=False)
        batch_op.drop_column('automation_excluded')

    with op.batch_alter_table('automation_exclusion_records', schema=None) as batch_op:
        batch_op.drop_index('ix_automation_exclusion_records_record')
    op.drop_table('automation_exclusion_records')

    with op.batch_alter_table('automation_exclusions', schema=None) as batch_op:
        batch_op.drop_index('ix_automation_exclusions_project')
    op.drop_table('automation_exclusions')
