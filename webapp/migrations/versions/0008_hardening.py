"""hardening: delivery job claim token and Message-ID

Revision ID: 0008
Revises: 0006
Create Date: 2026-12-10 10:00:00
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0008'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('delivery_job', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lock_token', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('message_id', sqlmodel.sql.sqltypes.AutoString(length=250), nullable=False,
                                      server_default=''))


def downgrade() -> None:
    with op.batch_alter_table('delivery_job', schema=None) as batch_op:
        batch_op.drop_column('message_id')
        batch_op.drop_column('lock_token')
