"""Workspaces and memberships move here from readiness; their tables keep their names.

State only: the tables `readiness_workspace` and `readiness_membership` stay as they are, so an
existing deployment copies no data. The content types (and permissions) follow the models.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models




def move_content_types(app_label: str, old_label: str, models: tuple[str, ...]):
    """Return a RunPython pair that moves content types (and so permissions) between apps."""

    def forwards(apps, schema_editor):
        content_type = apps.get_model("contenttypes", "ContentType")
        for model in models:
            if not content_type.objects.filter(app_label=app_label, model=model).exists():
                content_type.objects.filter(app_label=old_label, model=model).update(
                    app_label=app_label
                )

    def backwards(apps, schema_editor):
        content_type = apps.get_model("contenttypes", "ContentType")
        for model in models:
            if not content_type.objects.filter(app_label=old_label, model=model).exists():
                content_type.objects.filter(app_label=app_label, model=model).update(
                    app_label=old_label
                )

    return migrations.RunPython(forwards, backwards)


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("readiness", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                    migrations.CreateModel(
                        name='Workspace',
                        fields=[
                            ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                            ('name', models.CharField(max_length=200)),
                            ('slug', models.SlugField(max_length=60, unique=True)),
                            ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ],
                        options={
                            'db_table': 'readiness_workspace',
                            'ordering': ['name'],
                        },
                    ),
                    migrations.CreateModel(
                        name='Membership',
                        fields=[
                            ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                            ('role', models.CharField(choices=[('admin', 'Admin'), ('consultant', 'Consultant'), ('csm', 'Customer-success manager'), ('viewer', 'Viewer')], default='viewer', max_length=20)),
                            ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                            ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='memberships', to=settings.AUTH_USER_MODEL)),
                            ('workspace', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='memberships', to='workspaces.workspace')),
                        ],
                        options={
                            'db_table': 'readiness_membership',
                            'ordering': ['workspace__name', 'user__username'],
                            'constraints': [models.UniqueConstraint(fields=('user', 'workspace'), name='membership_unique_user')],
                        },
                    ),
            ],
        ),
        move_content_types("workspaces", "readiness", ("workspace", "membership")),
    ]
