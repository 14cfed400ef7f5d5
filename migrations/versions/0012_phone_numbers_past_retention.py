"""phone numbers past retention: an SMS conversation may keep its opt-out without the number

`sms_conversations.phone_enc` may be empty: once a conversation has had no message and no
retained screening for the retention period, `screening purge` deletes it, or, when the
person opted out (STOP must hold for good), keeps only the keyed hash and the opt-out and
erases the encrypted number. A person who texts again gives the number back with the text.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 16:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('sms_conversations') as batch_op:
        batch_op.alter_column('phone_enc', existing_type=sa.LargeBinary(), nullable=True)


def downgrade() -> None:
    # Conversations whose number was erased cannot get it back: they go (their opt-out with them).
    op.execute("DELETE FROM sms_conversations WHERE phone_enc IS NULL "
               "AND id NOT IN (SELECT conversation_id FROM sms_inbox) "
               "AND id NOT IN (SELECT conversation_id FROM sms_outbox)")
    with op.batch_alter_table('sms_conversations') as batch_op:
        batch_op.alter_column('phone_enc', existing_type=sa.LargeBinary(), nullable=False)
