"""Readiness models' workspace keys point to workspaces.Workspace (state only: same table)."""

import django.db.models.deletion
from django.db import migrations, models



class Migration(migrations.Migration):

    dependencies = [
        ("readiness", "0001_initial"),
        ("workspaces", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                    migrations.AlterField(
                        model_name='assessment',
                        name='workspace',
                        field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='workspaces.workspace'),
                    ),
                    migrations.AlterField(
                        model_name='surveytemplate',
                        name='workspace',
                        field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='workspaces.workspace'),
                    ),
                    migrations.AlterField(
                        model_name='invitation',
                        name='workspace',
                        field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='workspaces.workspace'),
                    ),
                    migrations.AlterField(
                        model_name='project',
                        name='workspace',
                        field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='workspaces.workspace'),
                    ),
                    migrations.AlterField(
                        model_name='account',
                        name='workspace',
                        field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='workspaces.workspace'),
                    ),
                    migrations.AlterField(
                        model_name='response',
                        name='workspace',
                        field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='workspaces.workspace'),
                    ),
            ],
        ),
    ]
