"""accounts: enrolment codes, disabled accounts, a separate audit key

`console_accounts.disabled_at`: an administrator turned the account off.
`console_accounts.enrolment_code_hash`, `enrolment_expires_at`: the one-time code an
administrator issues to set up the second factor (SHA-256 only; cleared once used).
`audit_events.key_id`: which AUDIT_KEY signed the event. Events already in the log were
signed with SECRET_KEY; `audit_head.legacy_events` records how many, so they keep
verifying and no later event can pass as one of them.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 16:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('console_accounts', sa.Column('disabled_at', sa.DateTime(), nullable=True))
    op.add_column('console_accounts', sa.Column('enrolment_code_hash', sa.String(length=64), nullable=True))
    op.add_column('console_accounts', sa.Column('enrolment_expires_at', sa.DateTime(), nullable=True))
    op.add_column('audit_events', sa.Column('key_id', sa.String(length=16), nullable=True))
    op.add_column('audit_head', sa.Column('legacy_events', sa.Integer(), nullable=False, server_default='0'))
    op.execute("UPDATE audit_head SET legacy_events = count")


def downgrade() -> None:
    # Events signed with AUDIT_KEY would no longer verify under the old code: refuse to lose them.
    bind = op.get_bind()
    keyed = bind.exec_driver_sql("SELECT COUNT(*) FROM audit_events WHERE key_id IS NOT NULL").scalar()
    if keyed:
        raise RuntimeError(f"{keyed} audit events are signed with AUDIT_KEY; downgrading below 0011 "
                           "would leave them unverifiable. Keep this revision.")
    # Plain ALTER TABLE ... DROP COLUMN (SQLite 3.35+ and PostgreSQL): a batch copy would
    # recreate the audit tables and lose their append-only triggers.
    for table, column in (('audit_head', 'legacy_events'), ('audit_events', 'key_id'),
                          ('console_accounts', 'enrolment_expires_at'),
                          ('console_accounts', 'enrolment_code_hash'), ('console_accounts', 'disabled_at')):
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
