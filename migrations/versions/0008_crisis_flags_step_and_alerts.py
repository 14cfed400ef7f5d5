"""crisis flags: the step the person was at, and the on-call alert

`step` is where in the screening the flag was raised (item:ahc_7, needs, ...).
`alerted_at` is when the on-call alert (CRISIS_ALERT_WEBHOOK_URL) was accepted;
`alert_attempts` and `alert_next_attempt_at` let app processes claim a flag for
one send at a time and retry a failed send with backoff.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25 09:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('flags', schema=None) as batch_op:
        batch_op.add_column(sa.Column('step', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('alerted_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('alert_attempts', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('alert_next_attempt_at', sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('flags', schema=None) as batch_op:
        batch_op.drop_column('alert_next_attempt_at')
        batch_op.drop_column('alert_attempts')
        batch_op.drop_column('alerted_at')
        batch_op.drop_column('step')
