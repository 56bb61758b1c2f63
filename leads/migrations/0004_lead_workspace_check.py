import django.db.models.deletion
from django.db import migrations, models

# A contact's workspace exists: checked once per statement (its rows name one workspace, or a few),
# where a foreign key would query and lock the workspace row for every contact written. A workspace is
# not deleted while it has contacts, and a contact never changes workspace (campaigns migration 0003).
CHECK_WORKSPACES = """
CREATE FUNCTION lead_workspace_check() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM (SELECT DISTINCT workspace_id FROM new_leads) n
               WHERE (SELECT w.id FROM accounts_workspace w WHERE w.id = n.workspace_id) IS NULL) THEN
        RAISE foreign_key_violation USING MESSAGE = 'lead_workspace_check: a contact names no workspace';
    END IF;
    -- Held until commit, as a foreign key's check would: the workspace cannot be deleted meanwhile.
    PERFORM 1 FROM accounts_workspace w WHERE w.id IN (SELECT DISTINCT workspace_id FROM new_leads) FOR KEY SHARE;
    RETURN NULL;
END $$;
CREATE TRIGGER lead_workspace_check AFTER INSERT ON leads_lead
    REFERENCING NEW TABLE AS new_leads FOR EACH STATEMENT EXECUTE FUNCTION lead_workspace_check();

CREATE FUNCTION workspace_with_leads_delete_check() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM old_workspaces o
               WHERE EXISTS (SELECT 1 FROM leads_lead l WHERE l.workspace_id = o.id)) THEN
        RAISE foreign_key_violation USING MESSAGE =
            'lead_workspace_check: a workspace is deleted before its contacts';
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER workspace_with_leads_delete_check AFTER DELETE ON accounts_workspace
    REFERENCING OLD TABLE AS old_workspaces FOR EACH STATEMENT EXECUTE FUNCTION workspace_with_leads_delete_check();
"""
DROP_CHECKS = """
DROP TRIGGER IF EXISTS lead_workspace_check ON leads_lead;
DROP TRIGGER IF EXISTS workspace_with_leads_delete_check ON accounts_workspace;
DROP FUNCTION IF EXISTS lead_workspace_check();
DROP FUNCTION IF EXISTS workspace_with_leads_delete_check();
"""


def add_workspace_check(apps, schema_editor):
    schema_editor.execute(CHECK_WORKSPACES)


def drop_workspace_check(apps, schema_editor):
    schema_editor.execute(DROP_CHECKS)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("leads", "0003_lead_search_without_index"),
    ]

    operations = [
        migrations.AlterField(
            model_name="lead",
            name="workspace",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="accounts.workspace",
            ),
        ),
        migrations.RunPython(add_workspace_check, drop_workspace_check),
    ]
