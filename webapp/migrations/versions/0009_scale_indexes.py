"""indexes for the screens at scale: today's team, the feed's absences, the alerts inbox

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 13:05:00
"""
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


def downgrade() -> None:
    op.drop_index('ix_alert_inbox', table_name='alert')
    op.drop_index('ix_attendance_structure_status_day', table_name='attendance')
    op.drop_index('ix_assignment_structure_day', table_name='assignment')
