"""Usage models move to the usage app; workspace keys point to workspaces (state only)."""

import django.db.models.deletion
from django.db import migrations, models



class Migration(migrations.Migration):

    dependencies = [
        ("scoring", "0005_usage_import_day_range"),
        ("usage", "0001_initial"),
        ("workspaces", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                    migrations.RemoveField(
                        model_name='usageimport',
                        name='project',
                    ),
                    migrations.RemoveField(
                        model_name='usageimport',
                        name='projects',
                    ),
                    migrations.RemoveField(
                        model_name='usageimport',
                        name='uploaded_by',
                    ),
                    migrations.RemoveField(
                        model_name='usageimport',
                        name='workspace',
                    ),
                    migrations.AlterField(
                        model_name='scoresnapshot',
                        name='workspace',
                        field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='workspaces.workspace'),
                    ),
                    migrations.AlterField(
                        model_name='scoringmodel',
                        name='workspace',
                        field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='workspaces.workspace'),
                    ),
                    migrations.DeleteModel(
                        name='UsageEvent',
                    ),
                    migrations.DeleteModel(
                        name='UsageImport',
                    ),
            ],
        ),
    ]
