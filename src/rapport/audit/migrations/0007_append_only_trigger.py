"""On PostgreSQL, the database itself refuses to change or remove a committed audit row.

The application never updates or deletes one (AuditEvent's queryset, save() and delete()
refuse), but the database role it connects with could, and so could anyone holding its
password: a trigger now refuses an UPDATE or DELETE of a row, whoever sends it, with two
exceptions that change no history:

* the one change Django makes when a user account is deleted: the row's ``actor_id`` set to
  NULL (the ``on_delete=SET_NULL`` of ``AuditEvent.actor``), every other column as it was:
  the row keeps ``actor_label``, the account's email, so it still says who acted;
* a row written by the same transaction, not committed yet: nobody else has seen it, and
  a transaction that is rolled back keeps nothing (a database test moves a row it has just
  written back in time, to test what a page shows of old reads).

TRUNCATE is not refused: Django's test runner empties every table with it between tests
(``flush`` on PostgreSQL), and a row trigger never sees it; an operator who empties the table
is a matter for the database's grants (docs/operations.md). The trigger guards against the
app's own role changing history row by row; the table's owner can still drop the trigger.

On SQLite nothing is done (one process, one file, the operator's own): the app's refusal
is the guard there. Reversible: backwards, the trigger and its function are dropped.
"""

from django.db import migrations

FUNCTION = "audit_auditevent_append_only"
TRIGGER = "audit_auditevent_append_only"


def _table(apps) -> str:
    return apps.get_model("audit", "AuditEvent")._meta.db_table


def create_trigger(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    table = schema_editor.quote_name(_table(apps))
    schema_editor.execute(
        f"""
        CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
            inserted text;
        BEGIN
            -- A user account deleted: Django sets actor_id to NULL on its rows, nothing else.
            IF TG_OP = 'UPDATE' AND OLD.actor_id IS NOT NULL AND NEW.actor_id IS NULL
               AND (to_jsonb(NEW) - 'actor_id') = (to_jsonb(OLD) - 'actor_id') THEN
                RETURN NEW;
            END IF;
            -- A row this very transaction wrote, not committed yet (nobody else can touch
            -- or see one: a row another transaction is still writing is invisible here).
            -- Only what was committed is history. An xid too old to tell, or one from an
            -- earlier epoch, reads as NULL: refused.
            BEGIN
                inserted := pg_xact_status(
                    (((pg_current_xact_id()::text::bigint >> 32) << 32)
                     | OLD.xmin::text::bigint)::text::xid8
                );
            EXCEPTION WHEN OTHERS THEN
                inserted := NULL;
            END;
            IF inserted = 'in progress' THEN
                IF TG_OP = 'DELETE' THEN
                    RETURN OLD;
                END IF;
                RETURN NEW;
            END IF;
            RAISE EXCEPTION 'the audit log is append-only: % of row % refused', TG_OP, OLD.id
                USING ERRCODE = 'insufficient_privilege';
        END
        $$;
        """,
        None,  # no parameters: the % above are PL/pgSQL's, not placeholders
    )
    schema_editor.execute(
        f"""
        CREATE TRIGGER {TRIGGER} BEFORE UPDATE OR DELETE ON {table}
        FOR EACH ROW EXECUTE FUNCTION {FUNCTION}();
        """,
        None,
    )


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    table = schema_editor.quote_name(_table(apps))
    schema_editor.execute(f"DROP TRIGGER IF EXISTS {TRIGGER} ON {table}")
    schema_editor.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}()")


class Migration(migrations.Migration):
    dependencies = [
        # After every migration that rewrites audit rows (0004 fills in clinic_id).
        ("audit", "0006_auditevent_target_changed_index"),
    ]

    operations = [
        migrations.RunPython(create_trigger, drop_trigger, elidable=False),
    ]
