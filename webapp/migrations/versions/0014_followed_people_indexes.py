"""the people a counsellor or a supervisor follows, found by their referent

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 03:30:00
"""
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The feed, Today and the skills matrix start from the people the user follows: without these, each of their
    # queries read every employee of the structure (856 in the busiest generated one) to keep a few dozen.
    with op.batch_alter_table('employee', schema=None) as batch_op:
        batch_op.create_index('ix_employee_referent_cip', ['referent_cip_id', 'structure_id', 'active'], unique=False)
        batch_op.create_index('ix_employee_referent_eti', ['referent_eti_id', 'structure_id', 'active'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('employee', schema=None) as batch_op:
        batch_op.drop_index('ix_employee_referent_eti')
        batch_op.drop_index('ix_employee_referent_cip')
