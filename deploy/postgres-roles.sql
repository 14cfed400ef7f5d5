-- Least privilege on PostgreSQL: the app, the action server and Rasa connect as
-- `screening_app`, which reads and writes rows but owns none of the tables, so it cannot
-- drop or disable the audit log's append-only triggers, alter the schema, or TRUNCATE.
-- The tables belong to the role that runs `screening db upgrade` (the owner); run this as
-- that owner after every upgrade (it is idempotent). tests/deploy/test_postgres_roles.py
-- runs this very file against a real PostgreSQL and checks each refusal.
--
-- Once, as an administrator:  CREATE ROLE screening_app LOGIN PASSWORD '...';
--                             GRANT CONNECT ON DATABASE screening TO screening_app;

GRANT USAGE ON SCHEMA public TO screening_app;
-- Rasa creates its own `events` table (its tracker store) on its first start.
GRANT CREATE ON SCHEMA public TO screening_app;

-- Rows only: no TRUNCATE (it skips row triggers), no REFERENCES, no TRIGGER.
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO screening_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO screening_app;

-- The audit log: events are only ever added; the head only moves forward.
REVOKE UPDATE, DELETE ON audit_events FROM screening_app;
REVOKE DELETE ON audit_head FROM screening_app;

-- Tables a later migration adds get the same rights.
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO screening_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO screening_app;
