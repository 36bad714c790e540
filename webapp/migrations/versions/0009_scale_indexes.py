"""indexes for the screens at scale: today's team, the feed's absences, the alerts inbox, a person's notes by date

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 13:05:00
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Today: the day's assignments of a structure's teams (instead of every structure's assignments that day).
    op.create_index('ix_assignment_structure_day', 'assignment', ['structure_id', 'day', 'team_id'], unique=False)
    # The counsellor's feed: a structure's absences and lateness since a date.
    op.create_index('ix_attendance_structure_status_day', 'attendance', ['structure_id', 'status', 'day'],
                    unique=False)
    # The inbox: a structure's open alerts, and its resolved ones newest first.
    op.create_index('ix_alert_inbox', 'alert', ['structure_id', 'status', 'resolved_at'], unique=False)
    # A person's notes newest first (timeline, Today's "last observation", the feed): the observation's dates
    # copied onto each link, so that one index walk finds them.
    with op.batch_alter_table('observation_employee', schema=None) as batch_op:
        batch_op.add_column(sa.Column('observed_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    op.execute("UPDATE observation_employee SET "
               "observed_on = (SELECT o.observed_on FROM observation o WHERE o.id = observation_employee.observation_id), "
               "created_at = (SELECT o.created_at FROM observation o WHERE o.id = observation_employee.observation_id)")
    with op.batch_alter_table('observation_employee', schema=None) as batch_op:
        batch_op.alter_column('observed_on', existing_type=sa.Date(), nullable=False)
        batch_op.alter_column('created_at', existing_type=sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False)
        batch_op.create_index('ix_observation_employee_day', ['employee_id', 'observed_on', 'observation_id'],
                              unique=False)
        batch_op.create_index('ix_observation_employee_created', ['employee_id', 'created_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('observation_employee', schema=None) as batch_op:
        batch_op.drop_index('ix_observation_employee_created')
        batch_op.drop_index('ix_observation_employee_day')
        batch_op.drop_column('created_at')
        batch_op.drop_column('observed_on')
    op.drop_index('ix_alert_inbox', table_name='alert')
    op.drop_index('ix_attendance_structure_status_day', table_name='attendance')
    op.drop_index('ix_assignment_structure_day', table_name='assignment')
