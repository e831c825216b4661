"""Fill the portfolio's figures stored on each project (readiness 0012 and 0013) from its snapshots.

The same reading as `scoring.services.project_standings_refresh`, written against the models
of this point in history; projects without a snapshot keep their nulls.
"""

from django.db import migrations
from django.db.models import (
    BooleanField,
    Case,
    DateField,
    ExpressionWrapper,
    F,
    FloatField,
    OuterRef,
    Q,
    Subquery,
    When,
)
from django.db.models.fields.json import KT
from django.db.models.functions import Cast

BATCH = 500
FLAGS = ("forced_adoption", "leadership_gap", "say_do_gap", "low_confidence")
FIELDS = {
    "latest_score": "standing_score",
    "latest_band": "standing_band",
    "latest_flags": "standing_flags",
    "latest_response_rate": "standing_rate",
    "latest_at": "standing_at",
    "previous_score": "standing_previous",
    "change": "standing_change",
    "model_changed": "standing_model_changed",
    "last_usage_on": "standing_usage",
}


def fill(apps, schema_editor):
    Project = apps.get_model("readiness", "Project")
    ScoreSnapshot = apps.get_model("scoring", "ScoreSnapshot")
    newest = ScoreSnapshot.objects.filter(project_id=OuterRef("pk")).order_by("-created_at", "-id")
    previous_round = (
        ScoreSnapshot.objects.filter(project_id=OuterRef("pk"), assessment__isnull=False)
        .exclude(assessment_id=OuterRef("standing_assessment"))
        .order_by("-created_at", "-id")
    )
    scored = Project.objects.filter(snapshots__isnull=False).distinct().order_by("pk")
    ids = list(scored.values_list("pk", flat=True))
    for start in range(0, len(ids), BATCH):
        rows = (
            Project.objects.filter(pk__in=ids[start : start + BATCH])
            .order_by()
            .annotate(
                standing_score=Subquery(newest.values("score")[:1]),
                standing_band=Subquery(newest.values("band")[:1]),
                standing_flags=Subquery(newest.values("flags")[:1]),
                standing_rate=Subquery(newest.values("response_rate")[:1]),
                standing_at=Subquery(newest.values("created_at")[:1]),
                standing_assessment=Subquery(newest.values("assessment_id")[:1]),
                standing_version=Subquery(newest.values("model_version")[:1]),
                standing_usage=Cast(
                    Subquery(
                        newest.annotate(day=KT("breakdown__usage__window_end")).values("day")[:1]
                    ),
                    DateField(),
                ),
            )
            .annotate(
                standing_previous=Subquery(previous_round.values("score")[:1]),
                standing_previous_version=Subquery(previous_round.values("model_version")[:1]),
            )
            .annotate(
                standing_change=Case(
                    When(
                        standing_previous_version=F("standing_version"),
                        then=ExpressionWrapper(
                            F("standing_score") - F("standing_previous"),
                            output_field=FloatField(),
                        ),
                    ),
                    default=None,
                    output_field=FloatField(),
                ),
                standing_model_changed=Case(
                    When(
                        Q(standing_previous_version__isnull=False)
                        & ~Q(standing_previous_version=F("standing_version")),
                        then=True,
                    ),
                    default=False,
                    output_field=BooleanField(),
                ),
            )
            .values_list("pk", *FIELDS.values())
        )
        projects = []
        for pk, *values in rows:
            project = Project(pk=pk, **dict(zip(FIELDS, values, strict=True)))
            for code in FLAGS:
                setattr(project, f"flag_{code}", code in (project.latest_flags or ()))
            projects.append(project)
        Project.objects.bulk_update(
            projects, fields=[*FIELDS, *(f"flag_{code}" for code in FLAGS)]
        )


class Migration(migrations.Migration):
    dependencies = [
        ("readiness", "0013_project_flag_columns"),
        ("scoring", "0006_usage_models_moved_out"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
