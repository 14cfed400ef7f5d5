"""web chat

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 05:10:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('web_conversations',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('resume_code_hash', sa.String(length=64), nullable=False),
    sa.Column('session_token_hash', sa.String(length=64), nullable=True),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('session_started_at', sa.DateTime(), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(), nullable=False),
    sa.Column('session_ended_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_web_conversations')),
    sa.UniqueConstraint('resume_code_hash', name=op.f('uq_web_conversations_resume_code_hash')),
    sa.UniqueConstraint('session_token_hash', name=op.f('uq_web_conversations_session_token_hash'))
    )


def downgrade() -> None:
    op.drop_table('web_conversations')
