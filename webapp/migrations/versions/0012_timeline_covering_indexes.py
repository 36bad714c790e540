"""the parcours reads a busy person's ratings, alerts and attendance rates from indexes alone

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30 20:00:00
"""
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The rate "since entry" also checks the structure: with it in the index, no row of the history is read.
    with op.batch_alter_table('attendance', schema=None) as batch_op:
        batch_op.drop_index('ix_attendance_employee_day_status')
        batch_op.create_index('ix_attendance_employee_day_status',
                              ['employee_id', 'day', 'status', 'late_minutes', 'structure_id'], unique=False)
    # The parcours sorts a person's ratings and alerts by day from these, then reads only the page's rows.
    with op.batch_alter_table('skill_rating', schema=None) as batch_op:
        batch_op.create_index('ix_skill_rating_employee_rated', ['employee_id', 'structure_id', 'rated_at'],
                              unique=False)
    with op.batch_alter_table('alert', schema=None) as batch_op:
        batch_op.create_index('ix_alert_employee_raised', ['employee_id', 'structure_id', 'raised_at', 'raised_by_id'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('alert', schema=None) as batch_op:
        batch_op.drop_index('ix_alert_employee_raised')
    with op.batch_alter_table('skill_rating', schema=None) as batch_op:
        batch_op.drop_index('ix_skill_rating_employee_rated')
    with op.batch_alter_table('attendance', schema=None) as batch_op:
        batch_op.drop_index('ix_attendance_employee_day_status')
        batch_op.create_index('ix_attendance_employee_day_status', ['employee_id', 'day', 'status', 'late_minutes'],
                              unique=False)
