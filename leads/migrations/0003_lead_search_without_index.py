import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("leads", "0002_lead_search_text"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="lead",
            name="lead_workspace_newest",
        ),
        migrations.AlterField(
            model_name="lead",
            name="workspace",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="accounts.workspace",
            ),
        ),
        migrations.AddConstraint(
            model_name="lead",
            constraint=models.UniqueConstraint(
                fields=("workspace", "id"), name="lead_id_unique_per_workspace"
            ),
        ),
        migrations.RemoveField(
            model_name="lead",
            name="search_text",
        ),
    ]
