"""PostgreSQL: usage events keep their `id` column but lose the primary key's unique B-tree.

Events are an append-only fact table: they are only ever read by (project, day) range through
the BRIN index and deleted by import, project or workspace, never looked up one at a time. The
B-tree cost an import about as much as PostgreSQL's whole COPY of the file (0.55 s per million
rows, docs/usage-imports.md). `id` stays Django's primary key and stays unique: the identity
column alone fills it and no code ever writes it. Its sequence hands out values in blocks of
1,000 per session instead of one at a time (ids of events may skip numbers).

Other databases (SQLite) keep the key: there it is the row id itself.
"""

from django.db import migrations

TABLE = "scoring_usageevent"


def drop_primary_key_index(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"ALTER TABLE {TABLE} DROP CONSTRAINT {TABLE}_pkey")
    schema_editor.execute(f"ALTER TABLE {TABLE} ALTER COLUMN id SET CACHE 1000")


def restore_primary_key_index(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"ALTER TABLE {TABLE} ALTER COLUMN id SET CACHE 1")
    schema_editor.execute(f"ALTER TABLE {TABLE} ADD CONSTRAINT {TABLE}_pkey PRIMARY KEY (id)")


class Migration(migrations.Migration):
    dependencies = [
        ("scoring", "0002_usage_import_projects"),
    ]

    operations = [
        migrations.RunPython(drop_primary_key_index, restore_primary_key_index, elidable=False),
    ]
