"""the most sensitive answers, results and crisis details encrypted at rest

`answers.answer_enc`: a sensitive item's option ids and skip reason (the items of the
instrument's sensitive blocks: mental health, substance use, safety); `option_ids` is then
empty and `skip_reason` NULL. `domain_results.result_enc`: positive, complete and score of a
domain that scores such an item (`complete` may now be NULL). `flags.details_enc`: every flag's
reason (the crisis kind) and step (`reason` may now be NULL). The crisis support a person is in
moves from `screenings.state["crisis"]` to `state["crisis_enc"]`, encrypted.

Existing rows are encrypted here with ENCRYPTION_KEY (newest key first); the downgrade
decrypts them back into the clear columns. Either way the key is needed only when there are
rows to change (a database with no sensitive answer, result, flag or crisis state needs none).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 17:00:00
"""
import os

from alembic import context, op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def _cipher():
    """The cipher from the caller (screening.records.migrate) or from ENCRYPTION_KEY."""
    from screening.config import load_settings
    from screening.crypto import TextCipher

    key = context.config.attributes.get("encryption_key") or os.environ.get("ENCRYPTION_KEY") \
        or load_settings().encryption_key
    return TextCipher(key)


def _any(bind, sql: str, **params) -> bool:
    return bind.execute(sa.text(sql).bindparams(**params)).first() is not None


def _in_crisis(marker: str) -> str:
    return f"SELECT 1 FROM screenings WHERE CAST(state AS TEXT) LIKE '%\"{marker}\"%' LIMIT 1"


def _anything_to_seal(bind) -> bool:
    from screening.records.sealing import default_sensitivity

    sensitive = default_sensitivity()
    items = sa.bindparam("items", sorted(sensitive.items), expanding=True)
    domains = sa.bindparam("domains", sorted(sensitive.domains), expanding=True)
    return (bind.execute(sa.text("SELECT 1 FROM answers WHERE item_id IN :items LIMIT 1")
                         .bindparams(items)).first() is not None
            or bind.execute(sa.text("SELECT 1 FROM domain_results WHERE domain IN :domains LIMIT 1")
                            .bindparams(domains)).first() is not None
            or _any(bind, "SELECT 1 FROM flags LIMIT 1")
            or _any(bind, _in_crisis("crisis")))


def _anything_to_open(bind) -> bool:
    return (_any(bind, "SELECT 1 FROM answers WHERE answer_enc IS NOT NULL LIMIT 1")
            or _any(bind, "SELECT 1 FROM domain_results WHERE result_enc IS NOT NULL LIMIT 1")
            or _any(bind, "SELECT 1 FROM flags WHERE details_enc IS NOT NULL LIMIT 1")
            or _any(bind, _in_crisis("crisis_enc")))


def upgrade() -> None:
    op.add_column('answers', sa.Column('answer_enc', sa.LargeBinary(), nullable=True))
    op.add_column('domain_results', sa.Column('result_enc', sa.LargeBinary(), nullable=True))
    op.add_column('flags', sa.Column('details_enc', sa.LargeBinary(), nullable=True))
    with op.batch_alter_table('domain_results') as batch_op:
        batch_op.alter_column('complete', existing_type=sa.Boolean(), nullable=True)
    with op.batch_alter_table('flags') as batch_op:
        batch_op.alter_column('reason', existing_type=sa.String(length=32), nullable=True)
    bind = op.get_bind()
    if _anything_to_seal(bind):
        from screening.records.resealing import seal_clear_rows
        from screening.records.sealing import default_sensitivity

        seal_clear_rows(bind, _cipher(), default_sensitivity())


def downgrade() -> None:
    bind = op.get_bind()
    if _anything_to_open(bind):
        from screening.records.resealing import open_sealed_rows

        open_sealed_rows(bind, _cipher())
    with op.batch_alter_table('flags') as batch_op:
        batch_op.alter_column('reason', existing_type=sa.String(length=32), nullable=False)
        batch_op.drop_column('details_enc')
    with op.batch_alter_table('domain_results') as batch_op:
        batch_op.alter_column('complete', existing_type=sa.Boolean(), nullable=False)
        batch_op.drop_column('result_enc')
    # Plain ALTER TABLE ... DROP COLUMN (SQLite 3.35+ and PostgreSQL): no copy of the answers table.
    op.execute("ALTER TABLE answers DROP COLUMN answer_enc")
