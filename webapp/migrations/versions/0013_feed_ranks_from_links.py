"""the feed ranks a counsellor's recent notes from the links' index; unacknowledged consignes from theirs;
the parcours' indexes carry the id (PostgreSQL reads them alone)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 00:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The note's tone copied onto each link, as its dates are (0009): « préoccupante » first, then newest first,
    # sorted from the (employee, time) index without reading each note of the period.
    with op.batch_alter_table('observation_employee', schema=None) as batch_op:
        batch_op.add_column(sa.Column('tone', sa.String(length=20), nullable=True))
    op.execute("UPDATE observation_employee SET "
               "tone = (SELECT o.tone FROM observation o WHERE o.id = observation_employee.observation_id)")
    with op.batch_alter_table('observation_employee', schema=None) as batch_op:
        batch_op.alter_column('tone', existing_type=sa.String(length=20), nullable=False)
        batch_op.drop_index('ix_observation_employee_created')
        batch_op.create_index('ix_observation_employee_created', ['employee_id', 'created_at', 'observation_id', 'tone'],
                              unique=False)
    # The parcours sorts a person's attendance, ratings and alerts from these indexes (0012); with the id in them,
    # PostgreSQL no longer visits the table for each row of the history (SQLite's indexes carry the id already).
    _recreate('attendance', 'ix_attendance_employee_day_status',
              ['employee_id', 'day', 'status', 'late_minutes', 'structure_id', 'id'])
    _recreate('skill_rating', 'ix_skill_rating_employee_rated', ['employee_id', 'structure_id', 'rated_at', 'id'])
    _recreate('alert', 'ix_alert_employee_raised', ['employee_id', 'structure_id', 'raised_at', 'raised_by_id', 'id'])
    # A person's consignes not yet acknowledged (acknowledged_at IS NULL) found in the index.
    with op.batch_alter_table('instruction_ack', schema=None) as batch_op:
        batch_op.drop_index('ix_instruction_ack_employee')
        batch_op.create_index('ix_instruction_ack_employee',
                              ['employee_id', 'acknowledged_at', 'instruction_id', 'structure_id'], unique=False)


def _recreate(table: str, name: str, columns: list[str]) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.drop_index(name)
        batch_op.create_index(name, columns, unique=False)


def downgrade() -> None:
    _recreate('alert', 'ix_alert_employee_raised', ['employee_id', 'structure_id', 'raised_at', 'raised_by_id'])
    _recreate('skill_rating', 'ix_skill_rating_employee_rated', ['employee_id', 'structure_id', 'rated_at'])
    _recreate('attendance', 'ix_attendance_employee_day_status',
              ['employee_id', 'day', 'status', 'late_minutes', 'structure_id'])
    with op.batch_alter_table('instruction_ack', schema=None) as batch_op:
        batch_op.drop_index('ix_instruction_ack_employee')
        batch_op.create_index('ix_instruction_ack_employee', ['employee_id'], unique=False)
    with op.batch_alter_table('observation_employee', schema=None) as batch_op:
        batch_op.drop_index('ix_observation_employee_created')
        batch_op.create_index('ix_observation_employee_created', ['employee_id', 'created_at'], unique=False)
        batch_op.drop_column('tone')
