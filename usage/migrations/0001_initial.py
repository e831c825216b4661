"""Usage imports and events move here from scoring; their tables keep their names.

State only: `scoring_usageimport`, `scoring_usageimport_projects` and `scoring_usageevent`
(with its identity column and BRIN index from scoring 0003–0004) stay as they are.
"""

import django.db.models.deletion
import django.utils.timezone
import usage.models
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
        ("scoring", "0005_usage_import_day_range"),
        ("readiness", "0002_workspace_keys_point_to_workspaces"),
        ("workspaces", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                    migrations.CreateModel(
                        name='UsageImport',
                        fields=[
                            ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                            ('file_name', models.CharField(max_length=255)),
                            ('file', models.FileField(blank=True, max_length=255, upload_to='usage_imports/')),
                            ('file_size', models.PositiveBigIntegerField(default=0)),
                            ('sha256', models.CharField(max_length=64, verbose_name='SHA-256')),
                            ('column_mapping', models.JSONField(blank=True, default=dict)),
                            ('header', models.JSONField(blank=True, default=list)),
                            ('state', models.CharField(choices=[('pending', 'Pending'), ('processing', 'Processing'), ('done', 'Done'), ('failed', 'Failed')], default='pending', max_length=12)),
                            ('progress', models.PositiveSmallIntegerField(default=0)),
                            ('total_rows', models.PositiveIntegerField(default=0)),
                            ('imported_rows', models.PositiveIntegerField(default=0)),
                            ('project_count', models.PositiveIntegerField(default=0)),
                            ('first_day', models.DateField(blank=True, null=True)),
                            ('last_day', models.DateField(blank=True, null=True)),
                            ('error_count', models.PositiveIntegerField(default=0)),
                            ('errors', models.JSONField(blank=True, default=list)),
                            ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                            ('queued_at', models.DateTimeField(blank=True, null=True)),
                            ('started_at', models.DateTimeField(blank=True, null=True)),
                            ('finished_at', models.DateTimeField(blank=True, null=True)),
                            ('project', models.ForeignKey(blank=True, help_text='Empty for a workspace-wide file, routed row by row with its account column.', null=True, on_delete=django.db.models.deletion.CASCADE, related_name='usage_imports', to='readiness.project')),
                            ('projects', models.ManyToManyField(blank=True, db_table='scoring_usageimport_projects', related_name='+', to='readiness.project')),
                            ('uploaded_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                            ('workspace', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='workspaces.workspace')),
                        ],
                        options={
                            'db_table': 'scoring_usageimport',
                            'ordering': ['-created_at', '-id'],
                        },
                    ),
                    migrations.CreateModel(
                        name='UsageEvent',
                        fields=[
                            ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                            ('day', models.DateField()),
                            ('count', models.PositiveIntegerField(default=1)),
                            ('user_key', models.BigIntegerField()),
                            ('feature', models.CharField(blank=True, max_length=100)),
                            ('project', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='usage_events', to='readiness.project')),
                            ('workspace', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='workspaces.workspace')),
                            ('usage_import', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='events', to='usage.usageimport')),
                        ],
                        options={
                            'db_table': 'scoring_usageevent',
                            'ordering': ['project', 'day'],
                        },
                    ),
                    migrations.AddConstraint(
                        model_name='usageimport',
                        constraint=models.UniqueConstraint(condition=models.Q(('project__isnull', False), models.Q(('state', 'failed'), _negated=True)), fields=('project', 'sha256'), name='usage_import_unique_file_per_project'),
                    ),
                    migrations.AddConstraint(
                        model_name='usageimport',
                        constraint=models.UniqueConstraint(condition=models.Q(('project__isnull', True), models.Q(('state', 'failed'), _negated=True)), fields=('workspace', 'sha256'), name='usage_import_unique_file_per_workspace'),
                    ),
                    migrations.AddConstraint(
                        model_name='usageimport',
                        constraint=models.CheckConstraint(condition=models.Q(('progress__lte', 100)), name='usage_import_progress_percent'),
                    ),
                    migrations.AddIndex(
                        model_name='usageevent',
                        index=usage.models.EventsBrinIndex(autosummarize=True, fields=['project', 'day', 'usage_import'], name='usage_event_brin'),
                    ),
                    migrations.AddConstraint(
                        model_name='usageevent',
                        constraint=models.CheckConstraint(condition=models.Q(('count__gte', 1)), name='usage_event_count_positive'),
                    ),
            ],
        ),
        move_content_types("usage", "scoring", ("usageimport", "usageevent")),
    ]
