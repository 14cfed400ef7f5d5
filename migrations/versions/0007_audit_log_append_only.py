"""audit log append-only in the database

The hash chain makes any edit or deletion of audit events detectable; these
triggers also refuse them, so the app's own connection (or a query slipped
through it) cannot rewrite history. Only someone who can drop or disable
triggers (the database owner) could, and the chain still shows it.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24 06:00:00
"""
from alembic import op


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

MESSAGE = "audit events are append-only"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"""
            CREATE FUNCTION refuse_audit_change() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION '{MESSAGE}';
            END $$""")
        op.execute("CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events "
                   "FOR EACH ROW EXECUTE FUNCTION refuse_audit_change()")
        op.execute("CREATE TRIGGER audit_head_kept BEFORE DELETE ON audit_head "
                   "FOR EACH ROW EXECUTE FUNCTION refuse_audit_change()")
    else:
        for name, event, table in (("audit_events_no_update", "UPDATE", "audit_events"),
                                   ("audit_events_no_delete", "DELETE", "audit_events"),
                                   ("audit_head_kept", "DELETE", "audit_head")):
            op.execute(f"CREATE TRIGGER {name} BEFORE {event} ON {table} "
                       f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_head_kept ON audit_head")
        op.execute("DROP TRIGGER audit_events_append_only ON audit_events")
        op.execute("DROP FUNCTION refuse_audit_change()")
    else:
        for name in ("audit_events_no_update", "audit_events_no_delete", "audit_head_kept"):
            op.execute(f"DROP TRIGGER {name}")
