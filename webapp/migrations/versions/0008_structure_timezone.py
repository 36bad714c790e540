"""structure time zone

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 10:00:00
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Existing structures are in metropolitan France: the server default fills their rows.
    with op.batch_alter_table('structure', schema=None) as batch_op:
        batch_op.add_column(sa.Column('timezone', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False,
                                      server_default='Europe/Paris'))


def downgrade() -> None:
    with op.batch_alter_table('structure', schema=None) as batch_op:
        batch_op.drop_column('timezone')
