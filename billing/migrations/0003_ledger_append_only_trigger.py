"""The database itself refuses UPDATE and DELETE on the ledger (rule 6), whatever the code.

TRUNCATE (test database flushes) is not a row operation and stays possible.
"""

from django.db import migrations

TABLES = ["billing_ledgerentry", "billing_creditmovement"]

CREATE_FUNCTION = """
CREATE OR REPLACE FUNCTION billing_refuse_ledger_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql
"""


def create_triggers(apps, schema_editor):
    # params=None: the % in RAISE are PL/pgSQL's, not query placeholders.
    schema_editor.execute(CREATE_FUNCTION, params=None)
    for table in TABLES:
        schema_editor.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION billing_refuse_ledger_change()"
        )


def drop_triggers(apps, schema_editor):
    for table in TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
    schema_editor.execute("DROP FUNCTION IF EXISTS billing_refuse_ledger_change()")


class Migration(migrations.Migration):
    dependencies = [("billing", "0002_plans_packs_and_addons")]

    operations = [migrations.RunPython(create_triggers, drop_triggers)]
