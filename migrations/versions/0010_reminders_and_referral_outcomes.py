"""reminders and referral outcomes

`reminders`: the schedule of nudges to finish and check-ins after referrals, claimed by
the app's worker with a lease (no message text is stored).
`screenings.reminders_opt_in`: whether the person said yes to reminders (none: not asked).
`referrals.outcome`, `outcome_at`: what the person said at the check-in
(reached, not_reached, other_help).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 16:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('reminders',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('screening_id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('referral_id', sa.Integer(), nullable=True),
    sa.Column('due_at', sa.DateTime(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.String(length=32), nullable=True),
    sa.Column('lease_owner', sa.String(length=36), nullable=True),
    sa.Column('lease_until', sa.DateTime(), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=8), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.Column('settled_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['referral_id'], ['referrals.id'], name=op.f('fk_reminders_referral_id_referrals')),
    sa.ForeignKeyConstraint(['screening_id'], ['screenings.id'], name=op.f('fk_reminders_screening_id_screenings')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reminders'))
    )
    op.create_index(op.f('ix_reminders_screening_id'), 'reminders', ['screening_id'], unique=False)
    op.create_index('ix_reminders_status_due', 'reminders', ['status', 'due_at'], unique=False)
    # Plain ADD COLUMN (nullable, no default) works in place on SQLite and PostgreSQL: other
    # tables point at screenings and referrals, so no batch copy of either.
    op.add_column('screenings', sa.Column('reminders_opt_in', sa.Boolean(), nullable=True))
    op.add_column('referrals', sa.Column('outcome', sa.String(length=16), nullable=True))
    op.add_column('referrals', sa.Column('outcome_at', sa.DateTime(), nullable=True))


def downgrade() -> None:
    for table, column in (('referrals', 'outcome_at'), ('referrals', 'outcome'),
                          ('screenings', 'reminders_opt_in')):
        if op.get_bind().dialect.name == 'sqlite':
            # SQLite (3.35+) drops a plain column in place; a batch copy would trip on the
            # foreign keys that point at these tables.
            op.execute(f'ALTER TABLE {table} DROP COLUMN {column}')
        else:
            op.drop_column(table, column)
    op.drop_index('ix_reminders_status_due', table_name='reminders')
    op.drop_index(op.f('ix_reminders_screening_id'), table_name='reminders')
    op.drop_table('reminders')
