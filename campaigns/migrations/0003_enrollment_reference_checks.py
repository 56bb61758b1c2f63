import django.db.models.deletion
from django.db import migrations, models

# An enrollment's campaign and contact exist and are of its workspace. A foreign key checks that row by
# row (a query and a row lock per row and key: most of an import's time at a million rows); these
# triggers check each statement's rows at once. They take no row locks: every code path that writes
# enrollments or deletes contacts and campaigns holds the workspace's quota row lock (rule 12), and the
# delete triggers catch a path that deletes first. The keys are never updated: a trigger refuses that.
CHECK_ENROLLMENTS = """
CREATE FUNCTION enrollment_references_check() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Scalar subqueries, so that each row probes the index whatever the planner guesses of the rows.
    IF EXISTS (SELECT 1 FROM new_enrollments n WHERE (
                   SELECT l.id FROM leads_lead l WHERE l.workspace_id = n.workspace_id AND l.id = n.lead_id
               ) IS NULL) THEN
        RAISE foreign_key_violation USING MESSAGE =
            'enrollment_lead_in_workspace: an enrollment names a contact that is not of its workspace';
    END IF;
    IF EXISTS (SELECT 1 FROM (SELECT DISTINCT workspace_id, campaign_id FROM new_enrollments) n WHERE (
                   SELECT c.id FROM campaigns_campaign c WHERE c.workspace_id = n.workspace_id AND c.id = n.campaign_id
               ) IS NULL) THEN
        RAISE foreign_key_violation USING MESSAGE =
            'enrollment_campaign_in_workspace: an enrollment names a campaign that is not of its workspace';
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER enrollment_references_check AFTER INSERT ON campaigns_enrollment
    REFERENCING NEW TABLE AS new_enrollments FOR EACH STATEMENT EXECUTE FUNCTION enrollment_references_check();

CREATE FUNCTION enrollment_keys_unchanged() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE foreign_key_violation USING MESSAGE = TG_ARGV[0] || ': these columns are never changed';
END $$;
CREATE TRIGGER enrollment_keys_unchanged BEFORE UPDATE OF workspace_id, campaign_id, lead_id
    ON campaigns_enrollment FOR EACH ROW WHEN (
        (OLD.workspace_id, OLD.campaign_id, OLD.lead_id) IS DISTINCT FROM (NEW.workspace_id, NEW.campaign_id, NEW.lead_id))
    EXECUTE FUNCTION enrollment_keys_unchanged('enrollment_keys');
CREATE TRIGGER lead_keys_unchanged BEFORE UPDATE OF workspace_id, id ON leads_lead FOR EACH ROW
    WHEN ((OLD.workspace_id, OLD.id) IS DISTINCT FROM (NEW.workspace_id, NEW.id))
    EXECUTE FUNCTION enrollment_keys_unchanged('enrollment_lead_in_workspace');
CREATE TRIGGER campaign_keys_unchanged BEFORE UPDATE OF workspace_id, id ON campaigns_campaign FOR EACH ROW
    WHEN ((OLD.workspace_id, OLD.id) IS DISTINCT FROM (NEW.workspace_id, NEW.id))
    EXECUTE FUNCTION enrollment_keys_unchanged('enrollment_campaign_in_workspace');

CREATE FUNCTION enrolled_lead_delete_check() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM old_leads o JOIN campaigns_enrollment e
                   ON e.workspace_id = o.workspace_id AND e.lead_id = o.id) THEN
        RAISE foreign_key_violation USING MESSAGE =
            'enrollment_lead_in_workspace: a contact in a campaign is deleted before its enrollments';
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER enrolled_lead_delete_check AFTER DELETE ON leads_lead
    REFERENCING OLD TABLE AS old_leads FOR EACH STATEMENT EXECUTE FUNCTION enrolled_lead_delete_check();

CREATE FUNCTION enrolled_campaign_delete_check() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM old_campaigns o JOIN campaigns_enrollment e
                   ON e.workspace_id = o.workspace_id AND e.campaign_id = o.id) THEN
        RAISE foreign_key_violation USING MESSAGE =
            'enrollment_campaign_in_workspace: a campaign is deleted before its enrollments';
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER enrolled_campaign_delete_check AFTER DELETE ON campaigns_campaign
    REFERENCING OLD TABLE AS old_campaigns FOR EACH STATEMENT EXECUTE FUNCTION enrolled_campaign_delete_check();
"""
DROP_CHECKS = """
DROP TRIGGER IF EXISTS enrollment_references_check ON campaigns_enrollment;
DROP TRIGGER IF EXISTS enrollment_keys_unchanged ON campaigns_enrollment;
DROP TRIGGER IF EXISTS lead_keys_unchanged ON leads_lead;
DROP TRIGGER IF EXISTS campaign_keys_unchanged ON campaigns_campaign;
DROP TRIGGER IF EXISTS enrolled_lead_delete_check ON leads_lead;
DROP TRIGGER IF EXISTS enrolled_campaign_delete_check ON campaigns_campaign;
DROP FUNCTION IF EXISTS enrollment_references_check();
DROP FUNCTION IF EXISTS enrollment_keys_unchanged();
DROP FUNCTION IF EXISTS enrolled_lead_delete_check();
DROP FUNCTION IF EXISTS enrolled_campaign_delete_check();
"""


def add_reference_checks(apps, schema_editor):
    schema_editor.execute(CHECK_ENROLLMENTS)


def drop_reference_checks(apps, schema_editor):
    schema_editor.execute(DROP_CHECKS)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("campaigns", "0002_import_jobs"),
        ("leads", "0003_lead_search_without_index"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="campaign",
            name="campaign_workspace_newest",
        ),
        migrations.AlterField(
            model_name="enrollment",
            name="campaign",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="enrollments",
                to="campaigns.campaign",
            ),
        ),
        migrations.AlterField(
            model_name="enrollment",
            name="lead",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="enrollments",
                to="leads.lead",
            ),
        ),
        migrations.AlterField(
            model_name="enrollment",
            name="workspace",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="accounts.workspace",
            ),
        ),
        migrations.AddIndex(
            model_name="enrollment",
            index=models.Index(fields=["workspace", "lead"], name="enrollment_workspace_lead"),
        ),
        migrations.AddConstraint(
            model_name="campaign",
            constraint=models.UniqueConstraint(
                fields=("workspace", "id"), name="campaign_id_unique_per_workspace"
            ),
        ),
        migrations.RunPython(add_reference_checks, drop_reference_checks),
    ]
