"""SMS outbox: which app process is sending a message

`sms_outbox.sending_owner`: the worker id (APP_WORKER_ID) of the process that marked the
message `sending`. A process restarted under the same id settles its predecessor's
interrupted sends at once (found at Twilio: sent; not found: sent again) instead of
waiting for them to go stale. Empty for sends of processes without a fixed id.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 17:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('sms_outbox', sa.Column('sending_owner', sa.String(length=36), nullable=True))


def downgrade() -> None:
    # Plain ALTER TABLE ... DROP COLUMN (SQLite 3.35+ and PostgreSQL).
    op.drop_column('sms_outbox', 'sending_owner')
