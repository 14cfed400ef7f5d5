"""screeners talk back: holds, who wrote each line, unread messages, the web chat's outbox

`conversation_holds`: one row while a screener holds a screening's conversation (the
assistant stays quiet); its primary key allows one holder at a time.
`web_outbox`: what a screener or the assistant says to a person who chats on the web,
until their widget fetches it (once).
`participants.sender_enc`: the channel's id for the person, encrypted, so a reply can
find its way back.
`messages.author_id`, `to_staff`, `staff_read_at`: which screener wrote a line; a
person's message sent while held, and when a screener first read it.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-26 09:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('conversation_holds',
    sa.Column('screening_id', sa.String(length=36), nullable=False),
    sa.Column('held_by', sa.Integer(), nullable=False),
    sa.Column('held_at', sa.DateTime(), nullable=False),
    sa.Column('touched_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['held_by'], ['console_accounts.id'],
                            name=op.f('fk_conversation_holds_held_by_console_accounts')),
    sa.ForeignKeyConstraint(['screening_id'], ['screenings.id'],
                            name=op.f('fk_conversation_holds_screening_id_screenings')),
    sa.PrimaryKeyConstraint('screening_id', name=op.f('pk_conversation_holds'))
    )
    op.create_index(op.f('ix_conversation_holds_held_by'), 'conversation_holds', ['held_by'], unique=False)
    op.create_table('web_outbox',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('screening_id', sa.String(length=36), nullable=False),
    sa.Column('sender', sa.String(length=16), nullable=False),
    sa.Column('body_enc', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('delivered_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['screening_id'], ['screenings.id'],
                            name=op.f('fk_web_outbox_screening_id_screenings')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_web_outbox'))
    )
    op.create_index(op.f('ix_web_outbox_screening_id'), 'web_outbox', ['screening_id'], unique=False)
    op.add_column('participants', sa.Column('sender_enc', sa.LargeBinary(), nullable=True))
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('author_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('to_staff', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('staff_read_at', sa.DateTime(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_messages_author_id_console_accounts'),
                                    'console_accounts', ['author_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_messages_author_id_console_accounts'), type_='foreignkey')
        batch_op.drop_column('staff_read_at')
        batch_op.drop_column('to_staff')
        batch_op.drop_column('author_id')
    if op.get_bind().dialect.name == 'sqlite':
        # Not a batch (a copy of the table): other tables point at participants, and SQLite
        # (3.35+) drops a plain column in place.
        op.execute('ALTER TABLE participants DROP COLUMN sender_enc')
    else:
        op.drop_column('participants', 'sender_enc')
    op.drop_index(op.f('ix_web_outbox_screening_id'), table_name='web_outbox')
    op.drop_table('web_outbox')
    op.drop_index(op.f('ix_conversation_holds_held_by'), table_name='conversation_holds')
    op.drop_table('conversation_holds')
