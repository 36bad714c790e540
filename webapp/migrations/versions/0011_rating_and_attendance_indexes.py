"""latest rating per (employee, skill) read from an index in rating order; attendance rates from an index alone

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30 16:00:00
"""
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The window query of Today and the matrix ranks each (employee, skill code) by rated_at, id: with these in
    # the index, no sort of a busy person's history.
    with op.batch_alter_table('skill_rating', schema=None) as batch_op:
        batch_op.drop_index('ix_skill_rating_employee_code')
        batch_op.create_index('ix_skill_rating_employee_code', ['employee_id', 'skill_code', 'rated_at', 'id'],
                              unique=False)
    # The rate "since entry" of the timeline and the bilans counts statuses per day without reading the rows.
    with op.batch_alter_table('attendance', schema=None) as batch_op:
        batch_op.create_index('ix_attendance_employee_day_status', ['employee_id', 'day', 'status', 'late_minutes'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('attendance', schema=None) as batch_op:
        batch_op.drop_index('ix_attendance_employee_day_status')
    with op.batch_alter_table('skill_rating', schema=None) as batch_op:
        batch_op.drop_index('ix_skill_rating_employee_code')
        batch_op.create_index('ix_skill_rating_employee_code', ['employee_id', 'skill_code'], unique=False)
