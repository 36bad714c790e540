"""a user's latest audit events, to trace a repeated sensitive reading once

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01 15:40:00
"""
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Every page that shows sensitive data first looks for the same reading by the same user in the last minutes.
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.create_index('ix_audit_event_user_at', ['user_id', 'at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_event_user_at')
