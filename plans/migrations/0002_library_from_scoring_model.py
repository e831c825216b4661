"""Fill every workspace's action library: the defaults, and the scoring model's own texts.

Each workspace's current scoring model holds five per-dimension recommendation texts. A text
that differs from the built-in one (a workspace edited it) becomes the first entry of its
dimension, word for word, so nothing written there is lost. The defaults are copied here as they
were when this migration was written, so running it later gives the same result.
"""

from __future__ import annotations

from django.db import migrations

from plans.library import DEFAULT_ENTRIES, title_from_text
from scoring.engine import ADKAR


def fill_libraries(apps, schema_editor) -> None:
    Workspace = apps.get_model("workspaces", "Workspace")
    ScoringModel = apps.get_model("scoring", "ScoringModel")
    Entry = apps.get_model("plans", "ActionLibraryEntry")
    for workspace in Workspace.objects.order_by("pk"):
        if Entry.objects.filter(workspace=workspace).exists():
            continue
        model = ScoringModel.objects.filter(workspace=workspace).order_by("-version").first()
        entries = []
        taken = set()
        for dimension in ADKAR:
            text = (getattr(model, f"action_{dimension}", "") or "").strip() if model else ""
            builtin = next(e for e in DEFAULT_ENTRIES if e.target == dimension)
            if not text or text == builtin.guidance:
                continue
            title = title_from_text(text)[:180]
            entries.append(
                Entry(
                    workspace=workspace,
                    target=dimension,
                    kind="action",
                    title=title,
                    guidance=text,
                    suggested_duration_days=30,
                    position=0,
                )
            )
            taken.add((dimension, "action", title))
        for position, entry in enumerate(DEFAULT_ENTRIES, start=1):
            title = entry.title
            if (entry.target, entry.kind, title) in taken:
                title = f"{title} (built-in)"
            entries.append(
                Entry(
                    workspace=workspace,
                    target=entry.target,
                    kind=entry.kind,
                    title=title,
                    guidance=entry.guidance,
                    suggested_duration_days=entry.suggested_duration_days,
                    position=position,
                )
            )
        Entry.objects.bulk_create(entries)


class Migration(migrations.Migration):
    dependencies = [
        ("plans", "0001_action_library_and_plans"),
        ("scoring", "0006_usage_models_moved_out"),
        ("workspaces", "0001_initial"),
    ]

    operations = [migrations.RunPython(fill_libraries, migrations.RunPython.noop)]
