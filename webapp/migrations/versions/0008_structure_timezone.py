"""structure time zone; sensitivity of existing freins and objectives by their wording

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

# The words of webapp/domain/followup/sensitivity.py at this revision (justice, disability, invalidity).
SENSITIVE_WORDS = ("juridi", "judiciaire", "justice", "mdph", "rqth", "handicap", "invalidit")


def upgrade() -> None:
    # Existing structures are in metropolitan France: the server default fills their rows. Plain ALTER TABLE
    # (SQLite 3.35+ has ADD and DROP COLUMN): a batch copy of `structure` would trip every foreign key to it.
    op.add_column('structure', sa.Column('timezone', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False,
                                         server_default='Europe/Paris'))
    # Freins and objectives written before the wording rule widened become sensitive where their words say so.
    barrier = sa.table('barrier', sa.column('id', sa.Integer), sa.column('situation', sa.String),
                       sa.column('sensitive', sa.Boolean))
    goal = sa.table('goal', sa.column('text', sa.String), sa.column('barrier_id', sa.Integer),
                    sa.column('sensitive', sa.Boolean))
    op.execute(barrier.update().where(sa.or_(*(sa.func.lower(barrier.c.situation).like(f'%{word}%')
                                               for word in SENSITIVE_WORDS))).values(sensitive=True))
    op.execute(goal.update().where(sa.or_(
        *(sa.func.lower(goal.c.text).like(f'%{word}%') for word in SENSITIVE_WORDS),
        goal.c.barrier_id.in_(sa.select(barrier.c.id).where(barrier.c.sensitive.is_(True))),
    )).values(sensitive=True))


def downgrade() -> None:
    # The widened sensitivity is kept: hiding less again would be a privacy regression.
    op.drop_column('structure', 'timezone')
