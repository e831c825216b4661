"""The engine's inputs, read from the database for many projects at once.

The one read that spans projects of every workspace (the batch sweep): it uses a fixed number
of queries per batch, so a sweep's query count grows with the number of batches, never with the
number of respondents. Pages read through `scoring.selectors` instead.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import NamedTuple

from django.db import IntegrityError, OperationalError, connection, transaction

from readiness import selectors as readiness_selectors
from readiness.models import (
    EvidenceChange,
    ItemKind,
    Project,
    ProjectStatus,
    ResponseStatus,
)
from scoring import engine, suppression
from scoring.models import ResponseSummary, ScoringModel
from usage.metrics import usage_window_figures

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ProjectEvidence:
    """One project's engine input, with what the snapshot records beside it."""

    project_id: int
    workspace_id: int
    assessment_id: int | None
    inputs: engine.ScoreInput
    fingerprint: str
    # False when some of the round's responses could not be summarised (`_tallies`).
    complete: bool = True


# --- Usage --------------------------------------------------------------------------------


def usage_figures_for_projects(project_ids: Sequence[int]) -> dict[int, engine.UsageFigures]:
    """Return each project's usage in its 30-day window; projects without usage are absent.

    A project without usage data is left out, so its usage component is missing and the score
    re-weights over the others.
    """
    return {
        pk: engine.UsageFigures(
            active_users=window.monthly_active_users,
            licensed_seats=window.licensed_seats,
            features_used=len(window.features_used),
            features_tracked=len(window.tracked_features),
            stickiness=window.dau_mau,
            window_start=window.window_start.isoformat(),
            window_end=window.window_end.isoformat(),
        )
        for pk, window in usage_window_figures(project_ids=project_ids, with_data_only=True).items()
        if window.has_data
    }


def _current_models(workspace_ids: Iterable[int]) -> dict[int, ScoringModel]:
    ids = sorted(set(workspace_ids))
    if not ids:
        return {}
    # Hand-written: the ORM statement with its subquery cost more to compile than to run.
    table = ScoringModel._meta.db_table
    models = ScoringModel.objects.raw(
        f"""
        SELECT m.* FROM {table} m
        WHERE m.workspace_id IN ({_placeholders(ids)})
        AND m.version = (SELECT MAX(v.version) FROM {table} v WHERE v.workspace_id = m.workspace_id)
        """,
        ids,
    )
    return {model.workspace_id: model for model in models}


def _placeholders(values: Sequence[object]) -> str:
    return ", ".join(["%s"] * len(values))


def _fetch(sql: str, params: Sequence[object]) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _json(stored: object) -> object:
    """Return a JSON column's value from a hand-written statement's row (text, or decoded)."""
    return json.loads(stored) if isinstance(stored, str | bytes) else stored


# --- Engine inputs ------------------------------------------------------------------------


DEPARTMENT_SPLIT = engine.DEPARTMENT_SPLIT
# Attribute splits are named apart from department and role, whatever the list called them.
ATTRIBUTE_SPLIT_PREFIX = "attribute:"


@dataclass(frozen=True)
class _Round:
    """One assessment of a project, with what choosing its evidence needs."""

    assessment_id: int
    invited: int
    submitted: int
    shown: int


def _rounds(project_ids: Sequence[int]) -> dict[int, list[_Round]]:
    """Return each project's assessments with submitted responses, newest first (one query).

    Each comes with its invitations (not withdrawn), its submitted responses and the most
    responses a stored snapshot of it has shown. Hand-written: three ORM statements before,
    each compiled at every call.
    """
    if not project_ids:
        return {}
    rows = _fetch(
        f"""
        SELECT a.project_id, a.id,
            (SELECT COUNT(*) FROM readiness_invitation v
             WHERE v.assessment_id = a.id AND v.withdrawn_at IS NULL),
            (SELECT COUNT(*) FROM readiness_response r
             WHERE r.assessment_id = a.id AND r.status = %s),
            (SELECT MAX(s.responses) FROM scoring_scoresnapshot s WHERE s.assessment_id = a.id)
        FROM readiness_assessment a
        WHERE a.project_id IN ({_placeholders(project_ids)})
        ORDER BY a.project_id, a.opens_on DESC, a.id DESC
        """,
        [ResponseStatus.SUBMITTED, *project_ids],
    )
    rounds: dict[int, list[_Round]] = defaultdict(list)
    for project_id, assessment_id, invited, submitted, shown in rows:
        rounds[project_id].append(_Round(assessment_id, invited or 0, submitted or 0, shown or 0))
    return rounds


def _scored_round(rounds: Sequence[_Round], minimum: int) -> _Round | None:
    """Return the newest round with enough submitted responses to show.

    A round with fewer responses than the minimum group size shows nothing, so the one before
    it stays the project's evidence.
    """
    for candidate in rounds:
        if candidate.submitted > 0 and candidate.submitted >= minimum:
            return candidate
    return None


def _summaries_fill(assessment_ids: Sequence[int]) -> None:
    """Summarise the submitted responses of the assessments that have no summary yet.

    One statement: each response's answers summed per Likert measure and its NPS answer
    (`ResponseSummary`). A response is summarised once, by the first recalculation that
    reads it, so a recalculation sums only the answers submitted since the one before. Two
    recalculations that summarise the same responses at once insert them in the same order
    (by id, so neither waits for a row the other holds while holding one it wants), and the
    second skips what the first inserted (`ON CONFLICT DO NOTHING`). If the statement fails
    all the same (a response deleted meanwhile), each assessment is tried on its own; what
    is still missing leaves its project out of this pass (`_tallies`).
    """
    if not assessment_ids:
        return
    try:
        _summaries_insert(assessment_ids)
    except (IntegrityError, OperationalError):
        logger.warning(
            "Summarising the responses of %s rounds failed; one at a time now.",
            len(assessment_ids),
            exc_info=True,
        )
        for assessment_id in assessment_ids:
            try:
                _summaries_insert([assessment_id])
            except (IntegrityError, OperationalError):
                logger.warning(
                    "Summarising the responses of round %s failed.", assessment_id, exc_info=True
                )


def _summaries_insert(assessment_ids: Sequence[int]) -> None:
    """The statement of `_summaries_fill`, in a transaction of its own."""
    params: list[object] = []
    columns = []
    for measure in engine.LIKERT_MEASURES:
        likert = "i.kind = %s AND i.dimension = %s AND a.value BETWEEN 1 AND 5"
        params.extend([ItemKind.LIKERT, measure, ItemKind.LIKERT, measure])
        columns.append(f"COALESCE(SUM(a.value) FILTER (WHERE {likert}), 0)")
        columns.append(f"COUNT(a.value) FILTER (WHERE {likert})")
    # The answer to the template's first NPS item: item id x 16 + answer, smallest first.
    columns.append("MIN(a.item_id * 16 + a.value) FILTER (WHERE i.kind = %s) %% 16")
    params.append(ItemKind.NPS)
    params.extend([*assessment_ids, ResponseStatus.SUBMITTED])
    names = [f"{measure}_{part}" for measure in engine.LIKERT_MEASURES for part in _SUMMARY_PARTS]
    table = ResponseSummary._meta.db_table
    answered = "NOT a.dont_know AND a.value IS NOT NULL"
    if connection.vendor == "postgresql":
        # Each response's answers through the (response, item) index (`LATERAL`): with tens of
        # millions of answers the planner otherwise judged a hash join over the whole table
        # cheaper (docs/scoring.md, Performance).
        source = f"""
            SELECT r.id, r.assessment_id, r.invitation_id, r.submitted_at, x.*
            FROM readiness_response r
            CROSS JOIN LATERAL (
                SELECT {", ".join(columns)}
                FROM readiness_answer a JOIN readiness_templateitem i ON i.id = a.item_id
                WHERE a.response_id = r.id AND {answered}
            ) x
        """
        grouped = ""
    else:
        # SQLite has no `LATERAL`: the answers joined and grouped by response.
        source = f"""
            SELECT r.id, r.assessment_id, r.invitation_id, r.submitted_at, {", ".join(columns)}
            FROM readiness_response r
            LEFT JOIN readiness_answer a ON a.response_id = r.id AND {answered}
            LEFT JOIN readiness_templateitem i ON i.id = a.item_id
        """
        grouped = "GROUP BY r.id, r.assessment_id, r.invitation_id, r.submitted_at"
    sql = f"""
        INSERT INTO {table} (
            response_id, assessment_id, invitation_id, submitted_at, {", ".join(names)}, nps
        )
        {source}
        WHERE r.assessment_id IN ({_placeholders(assessment_ids)}) AND r.status = %s
            AND NOT EXISTS (SELECT 1 FROM {table} s WHERE s.response_id = r.id)
        {grouped}
        ORDER BY r.id
        ON CONFLICT (response_id) DO NOTHING
    """
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


_SUMMARY_PARTS = ("total", "answered")


class _Limit(NamedTuple):
    """What `_tallies` reads of one assessment: its first `shown` responses of `submitted`,
    with barrier points under `barrier_max`."""

    shown: int
    submitted: int
    barrier_max: float


def _tallies(limits: Mapping[int, _Limit]) -> tuple[dict[int, engine.Tallies], set[int]]:
    """Return the respondents of each assessment counted as the engine counts them, and the
    assessments whose submitted responses could not all be summarised (their projects wait
    for the next pass: a count from part of a round could show fewer people apart than a
    group may hold).

    `limits` says how many of each assessment's responses may be shown
    (`suppression.disclosed_count`): always the first ones submitted, so that a later state
    adds people to an earlier one and never swaps them.

    Hand-written SQL, on purpose: this is most of a recalculation's reading. One statement
    reads the first responses' summaries (`ResponseSummary`, in order from its index) and
    returns each respondent's figures as small integer codes, which Python counts into
    `engine.People` (respondents alike in role, segments, barrier point, NPS answer and
    answered measures) and `engine.Sums` (alike in the total and number of their answers to a
    measure). So no Python runs per respondent but `Counter`'s, in C (docs/scoring.md,
    Performance).

    The same statement counts each assessment's summaries: when some submitted responses have
    none yet, they are summarised (`_summaries_fill`) and the statement runs again.
    """
    if not limits:
        return {}, set()
    tallies, summarised = _tallies_read(limits)
    missing = [pk for pk, limit in limits.items() if summarised.get(pk, 0) < limit.submitted]
    if missing:
        _summaries_fill(missing)
        tallies, summarised = _tallies_read(limits)
    incomplete = {pk for pk, limit in limits.items() if summarised.get(pk, 0) < limit.submitted}
    return tallies, incomplete


def _tallies_read(
    limits: Mapping[int, _Limit],
) -> tuple[dict[int, engine.Tallies], dict[int, int]]:
    """Return `_tallies` as summarised so far, and how many summaries each assessment has.

    The statement returns one row per role, department and attributes of a round, with each
    respondent's figures as a list of small integer codes per kind of figure (`_PEOPLE_CODE`,
    `_SUMS_CODE`); Python counts the codes (`Counter`, in C) and decodes each distinct one.
    Grouping in the database once per kind of figure cost twice as much (docs/scoring.md,
    Performance).
    """
    params: list[object] = []
    for assessment_id, limit in limits.items():
        # The engine's comparison, `mean <= barrier_max + TOLERANCE`, on the same doubles.
        params.extend([assessment_id, limit.shown, limit.barrier_max + engine.TOLERANCE])
    values = ", ".join(["(%s, %s, %s)"] * len(limits))
    table = ResponseSummary._meta.db_table
    if connection.vendor == "postgresql":
        # Each round's first responses straight from the index, in order (`LATERAL`).
        first = f"""
            limits l CROSS JOIN LATERAL (
                SELECT * FROM {table} x WHERE x.assessment_id = l.assessment_id
                ORDER BY x.submitted_at, x.response_id LIMIT l.shown
            ) s
        """
        concat = "string_agg"
    else:
        # SQLite has no `LATERAL`: the responses numbered in order, the first ones kept.
        first = f"""
            (
                SELECT x.*, ROW_NUMBER() OVER (
                    PARTITION BY x.assessment_id
                    ORDER BY x.submitted_at IS NULL, x.submitted_at, x.response_id
                ) AS position
                FROM {table} x WHERE x.assessment_id IN ({_placeholders(list(limits))})
            ) s
            JOIN limits l ON l.assessment_id = s.assessment_id AND s.position <= l.shown
        """
        params.extend(limits)
        concat = "group_concat"
    params.extend(limits)

    def codes(expression: str) -> str:
        return f"{concat}(CAST({expression} AS TEXT), ',')"

    # NULLIF: a dimension nobody answered has no mean (NULL), and no division by zero.
    barrier = " ".join(
        f"WHEN CAST(s.{dimension}_total AS DOUBLE PRECISION)"
        f" / NULLIF(s.{dimension}_answered, 0) <= l.barrier THEN {number}"
        for number, dimension in enumerate(engine.ADKAR)
    )
    answered = " + ".join(
        f"(CASE WHEN s.{measure}_answered > 0 THEN {1 << bit} ELSE 0 END)"
        for bit, measure in enumerate(engine.LIKERT_MEASURES)
    )
    people = (
        f"((CASE {barrier} ELSE {len(engine.ADKAR)} END) * {_NO_NPS + 1}"
        f" + COALESCE(s.nps, {_NO_NPS})) * {_ANSWERED_CODES} + {answered}"
    )
    sums = [
        f"s.{measure}_answered * {_TOTAL_CODES} + s.{measure}_total"
        for measure in engine.LIKERT_MEASURES
    ]
    no_codes = ", ".join(["NULL"] * len(sums))
    sql = f"""
        WITH limits (assessment_id, shown, barrier) AS (VALUES {values})
        SELECT 1, l.assessment_id, v.role, v.department, v.attributes, {codes(people)},
            {", ".join(codes(expression) for expression in sums)}
        FROM {first}
        JOIN readiness_invitation v ON v.id = s.invitation_id
        GROUP BY l.assessment_id, v.role, v.department, v.attributes
        UNION ALL
        -- How many responses of each round are summarised so far.
        SELECT 0, assessment_id, NULL, NULL, NULL, CAST(COUNT(*) AS TEXT), {no_codes}
        FROM {table} WHERE assessment_id IN ({_placeholders(list(limits))})
        GROUP BY assessment_id
    """
    tallied_people: dict[int, dict[tuple, int]] = defaultdict(dict)
    tallied_sums: dict[int, dict[tuple, int]] = defaultdict(dict)
    summarised: dict[int, int] = {}
    for kind, assessment_id, role, department, attributes, people_codes, *sums_codes in _fetch(
        sql, params
    ):
        if not kind:
            summarised[assessment_id] = int(people_codes)
            continue
        segments = tuple(sorted(respondent_segments(department, _attributes(attributes)).items()))
        # Department and attributes that differ only in blanks are the same segments: their
        # counts add up.
        found = tallied_people[assessment_id]
        for code, count in Counter(people_codes.split(",")).items():
            key = (role, segments, *_people_figures(int(code)))
            found[key] = found.get(key, 0) + count
        found = tallied_sums[assessment_id]
        for measure, measure_codes in zip(engine.LIKERT_MEASURES, sums_codes, strict=True):
            for code, count in Counter(measure_codes.split(",")).items():
                answers, total = divmod(int(code), _TOTAL_CODES)
                if answers:
                    key = (role, segments, measure, total, answers)
                    found[key] = found.get(key, 0) + count
    tallies = {
        pk: engine.Tallies(
            people=tuple(engine.People(*key, n) for key, n in tallied_people[pk].items()),
            sums=tuple(engine.Sums(*key, n) for key, n in tallied_sums[pk].items()),
            barrier_max=limit.barrier_max,
        )
        for pk, limit in limits.items()
    }
    return tallies, summarised


# A respondent's figures besides the Likert sums, as one integer: its barrier point (its number
# in `engine.BARRIER_POINTS`), its NPS answer (0–10, `_NO_NPS` for none) and the Likert
# measures it answered (one bit each, in the order of `engine.LIKERT_MEASURES`).
_NO_NPS = 11
_ANSWERED_CODES = 1 << len(engine.LIKERT_MEASURES)
# A respondent's answers to one measure as one integer: answers x `_TOTAL_CODES` + their total
# (at most 60 answers of at most 5).
_TOTAL_CODES = 512


@functools.lru_cache(maxsize=4096)
def _people_figures(code: int) -> tuple[str, int | None, frozenset[str]]:
    """Return the barrier point, NPS answer and answered measures that `code` holds."""
    rest, answered = divmod(code, _ANSWERED_CODES)
    barrier, nps = divmod(rest, _NO_NPS + 1)
    return (
        engine.BARRIER_POINTS[barrier],
        None if nps == _NO_NPS else nps,
        _answered_measures(answered),
    )


@functools.lru_cache(maxsize=128)
def _answered_measures(mask: int) -> frozenset[str]:
    """Return the Likert measures whose bit `_tallies` set in `mask`."""
    return frozenset(
        measure for bit, measure in enumerate(engine.LIKERT_MEASURES) if mask & (1 << bit)
    )


def _attributes(stored: str | dict | None) -> dict | None:
    """Return an invitation's attributes from the raw row (JSON text, or already decoded)."""
    if not stored or stored == "{}":
        return None
    return json.loads(stored) if isinstance(stored, str) else stored


def respondent_segments(department: str, attributes: dict | None) -> dict[str, str]:
    """Return the respondent's splits besides role: department, then the list's attributes."""
    segments = {
        f"{ATTRIBUTE_SPLIT_PREFIX}{name}": str(value).strip()
        for name, value in (attributes or {}).items()
        if str(value).strip()
    }
    if department := (department or "").strip():
        segments[DEPARTMENT_SPLIT] = department
    return segments


def fingerprint(
    *, inputs: engine.ScoreInput, assessment_id: int | None, model_id: int | None
) -> str:
    """Return a SHA-256 of everything the calculation depends on, independent of row order.

    The respondents enter as the engine counts them (`engine.Tallies`): whatever does not
    change a count changes no figure.
    """
    tallies = inputs.counted()
    people = sorted(
        (p.role, p.segments, p.barrier, -1 if p.nps is None else p.nps, sorted(p.answered), p.count)
        for p in tallies.people
    )
    sums = sorted(
        (s.role, s.segments, s.measure, s.total, s.answered, s.count) for s in tallies.sums
    )
    payload = {
        "people": people,
        "sums": sums,
        "invitations": inputs.invitations,
        "usage": asdict(inputs.usage) if inputs.usage is not None else None,
        "live": inputs.project_live,
        "model": model_id,
        "assessment": assessment_id,
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


@dataclass(frozen=True)
class LatestState:
    """What a project's latest snapshot said: to tell what a new one changes."""

    fingerprint: str
    score: float | None
    band: str
    flags: tuple[str, ...]


@dataclass(frozen=True)
class ProjectRow:
    """A project as a recalculation reads it, with its latest snapshot's state if any."""

    project_id: int
    workspace_id: int
    evidence_version: int
    evidence_counted: int
    live: bool
    latest: LatestState | None
    # The ids of its evidence changes (`readiness.EvidenceChange`), read with the versions.
    changes: frozenset[int] = frozenset()


def project_rows(project_ids: Sequence[int]) -> list[ProjectRow]:
    """Return the existing projects of `project_ids` in id order, in one query.

    Each with its evidence version, its evidence changes, whether it is live, and its latest
    snapshot's fingerprint, score, band and flags. Hand-written, as the other reads of a
    recalculation: compiling ORM statements with subqueries cost more than running them.
    """
    if not project_ids:
        return []
    rows = _fetch(
        f"""
        SELECT p.id, p.workspace_id, p.evidence_version, p.evidence_counted, p.status,
            s.fingerprint, s.score, s.band, s.flags, {change_ids_column("p.id")}
        FROM readiness_project p
        LEFT JOIN scoring_scoresnapshot s ON s.id = (
            SELECT l.id FROM scoring_scoresnapshot l WHERE l.project_id = p.id
            ORDER BY l.created_at DESC, l.id DESC LIMIT 1
        )
        WHERE p.id IN ({_placeholders(project_ids)})
        ORDER BY p.id
        """,
        list(project_ids),
    )
    return [
        ProjectRow(
            project_id=pk,
            workspace_id=workspace_id,
            evidence_version=version,
            evidence_counted=counted,
            live=status == ProjectStatus.LIVE,
            latest=LatestState(latest_fingerprint, score, band, tuple(_json(flags) or ()))
            if latest_fingerprint is not None
            else None,
            changes=change_ids(changes),
        )
        for (
            pk,
            workspace_id,
            version,
            counted,
            status,
            latest_fingerprint,
            score,
            band,
            flags,
            changes,
        ) in rows
    ]


def change_ids_column(project: str) -> str:
    """Return a column of the ids of the evidence changes of `project` (a column reference),
    as text: read with the project's row, they cost no query of their own (`change_ids`)."""
    concat = "string_agg" if connection.vendor == "postgresql" else "group_concat"
    return (
        f"(SELECT {concat}(CAST(c.id AS TEXT), ',') FROM {EvidenceChange._meta.db_table} c"
        f" WHERE c.project_id = {project})"
    )


def change_ids(column: str | None) -> frozenset[int]:
    """Return the ids that `change_ids_column` read."""
    return frozenset(map(int, column.split(","))) if column else frozenset()


def evidence_for_projects(
    project_ids: Sequence[int],
    *,
    models: dict[int, ScoringModel],
    assessment_overrides: dict[int, int] | None = None,
    projects: Sequence[ProjectRow] | None = None,
) -> dict[int, ProjectEvidence]:
    """Return the engine input of each project, read in a fixed number of queries.

    `models` maps workspace id to the scoring model in force; `assessment_overrides` pins a
    project to one assessment (the demo data uses it to record earlier rounds). `projects`
    are the projects' rows when the caller has read them already (`project_rows`).
    """
    if projects is None:
        projects = project_rows(project_ids)
    rounds = _rounds([project.project_id for project in projects])
    chosen: dict[int, _Round] = {}
    for project in projects:
        pinned = (assessment_overrides or {}).get(project.project_id)
        candidates = rounds.get(project.project_id, ())
        if pinned is not None:
            found = next((r for r in candidates if r.assessment_id == pinned), None)
            chosen[project.project_id] = found or _pinned_round(pinned)
        elif (scored := _scored_round(candidates, _minimum(models, project))) is not None:
            chosen[project.project_id] = scored
    parameters = {workspace_id: model.parameters() for workspace_id, model in models.items()}
    limits = {
        scored.assessment_id: _Limit(
            shown=suppression.disclosed_count(
                submitted=scored.submitted,
                previous=scored.shown,
                min_group_size=_minimum(models, project),
            ),
            submitted=scored.submitted,
            barrier_max=parameters[project.workspace_id].barrier_max,
        )
        for project in projects
        if (scored := chosen.get(project.project_id)) is not None
    }
    tallies, incomplete = _tallies({pk: limit for pk, limit in limits.items() if limit.shown})
    usage = usage_figures_for_projects([project.project_id for project in projects])
    evidence = {}
    for project in projects:
        model = models[project.workspace_id]
        scored = chosen.get(project.project_id)
        assessment_id = scored.assessment_id if scored is not None else None
        model_parameters = parameters[project.workspace_id]
        inputs = engine.ScoreInput(
            respondents=(),
            invitations=scored.invited if scored is not None else 0,
            usage=usage.get(project.project_id),
            project_live=project.live,
            model=model_parameters,
            tallies=tallies.get(assessment_id)
            or engine.Tallies((), (), barrier_max=model_parameters.barrier_max),
        )
        evidence[project.project_id] = ProjectEvidence(
            project_id=project.project_id,
            workspace_id=project.workspace_id,
            assessment_id=assessment_id,
            inputs=inputs,
            fingerprint=fingerprint(inputs=inputs, assessment_id=assessment_id, model_id=model.pk),
            complete=assessment_id not in incomplete,
        )
    return evidence


def _minimum(models: Mapping[int, ScoringModel], project: ProjectRow) -> int:
    return models[project.workspace_id].min_group_size


def _pinned_round(assessment_id: int) -> _Round:
    """Return a pinned assessment of another project (`assessment_overrides`), read apart."""
    invited, submitted, shown = _fetch(
        """
        SELECT
            (SELECT COUNT(*) FROM readiness_invitation v
             WHERE v.assessment_id = a.id AND v.withdrawn_at IS NULL),
            (SELECT COUNT(*) FROM readiness_response r
             WHERE r.assessment_id = a.id AND r.status = %s),
            (SELECT MAX(s.responses) FROM scoring_scoresnapshot s WHERE s.assessment_id = a.id)
        FROM readiness_assessment a WHERE a.id = %s
        """,
        [ResponseStatus.SUBMITTED, assessment_id],
    )[0]
    return _Round(assessment_id, invited or 0, submitted or 0, shown or 0)


def current_models(workspace_ids: Iterable[int]) -> dict[int, ScoringModel]:
    """Return the scoring model in force for each of the workspaces."""
    return _current_models(workspace_ids)


def latest_states(project_ids: Sequence[int]) -> dict[int, LatestState]:
    """Return the fingerprint, score, band and flags of each project's latest snapshot."""
    return {
        project.project_id: project.latest
        for project in project_rows(project_ids)
        if project.latest is not None
    }


def dirty_project_ids() -> list[int]:
    """Return every project marked for recalculation, in every workspace (the sweep's work)."""
    return readiness_selectors.project_ids_needing_recalculation()


def open_project_ids() -> list[int]:
    """Return every project that is not closed, in every workspace (the nightly run's work)."""
    return list(
        Project.objects.exclude(status=ProjectStatus.CLOSED)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
