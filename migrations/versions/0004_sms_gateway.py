"""sms gateway: conversations, inbox, outbox, delivery statuses

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 05:10:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('sms_conversations',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('phone_hash', sa.String(length=64), nullable=False),
    sa.Column('phone_enc', sa.LargeBinary(), nullable=False),
    sa.Column('opted_out', sa.Boolean(), nullable=False),
    sa.Column('opted_out_at', sa.DateTime(), nullable=True),
    sa.Column('lease_owner', sa.String(length=36), nullable=True),
    sa.Column('lease_until', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sms_conversations')),
    sa.UniqueConstraint('phone_hash', name=op.f('uq_sms_conversations_phone_hash'))
    )
    op.create_table('sms_delivery_statuses',
    sa.Column('message_sid', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('error_code', sa.String(length=16), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('message_sid', name=op.f('pk_sms_delivery_statuses'))
    )
    op.create_table('sms_inbox',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('message_sid', sa.String(length=64), nullable=False),
    sa.Column('conversation_id', sa.Integer(), nullable=False),
    sa.Column('body_enc', sa.LargeBinary(), nullable=False),
    sa.Column('num_media', sa.Integer(), nullable=False),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('outcome', sa.String(length=24), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(), nullable=True),
    sa.Column('last_error', sa.String(length=64), nullable=True),
    sa.Column('processed_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['conversation_id'], ['sms_conversations.id'], name=op.f('fk_sms_inbox_conversation_id_sms_conversations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sms_inbox')),
    sa.UniqueConstraint('message_sid', name=op.f('uq_sms_inbox_message_sid'))
    )
    op.create_index('ix_sms_inbox_conversation_status', 'sms_inbox', ['conversation_id', 'status', 'id'], unique=False)
    op.create_table('sms_outbox',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('conversation_id', sa.Integer(), nullable=False),
    sa.Column('inbox_id', sa.Integer(), nullable=True),
    sa.Column('body_enc', sa.LargeBinary(), nullable=False),
    sa.Column('encoding', sa.String(length=8), nullable=False),
    sa.Column('segments', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(), nullable=True),
    sa.Column('sending_since', sa.DateTime(), nullable=True),
    sa.Column('last_error', sa.String(length=64), nullable=True),
    sa.Column('twilio_sid', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['conversation_id'], ['sms_conversations.id'], name=op.f('fk_sms_outbox_conversation_id_sms_conversations')),
    sa.ForeignKeyConstraint(['inbox_id'], ['sms_inbox.id'], name=op.f('fk_sms_outbox_inbox_id_sms_inbox')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sms_outbox')),
    sa.UniqueConstraint('twilio_sid', name=op.f('uq_sms_outbox_twilio_sid'))
    )
    op.create_index('ix_sms_outbox_conversation_status', 'sms_outbox', ['conversation_id', 'status', 'id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_sms_outbox_conversation_status', table_name='sms_outbox')
    op.drop_table('sms_outbox')
    op.drop_index('ix_sms_inbox_conversation_status', table_name='sms_inbox')
    op.drop_table('sms_inbox')
    op.drop_table('sms_delivery_statuses')
    op.drop_table('sms_conversations')
