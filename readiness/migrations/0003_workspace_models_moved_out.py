"""Forget Workspace and Membership here: they live in workspaces now (state only)."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("readiness", "0002_workspace_keys_point_to_workspaces"),
        ("scoring", "0006_usage_models_moved_out"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                    migrations.DeleteModel(
                        name='Membership',
                    ),
                    migrations.DeleteModel(
                        name='Workspace',
                    ),
            ],
        ),
    ]
