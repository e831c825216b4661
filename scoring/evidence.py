"""The engine's inputs, read from the database for many projects at once.

The one read that spans projects of every workspace (the batch sweep): it uses a fixed number
of queries per batch, so a sweep's query count grows with the number of batches, never with the
number of respondents. Pages read through `scoring.selectors` instead.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from operator import itemgetter
from typing import NamedTuple

from django.db import connection

from readiness import selectors as readiness_selectors
from readiness.models import (
    ADKAR_DIMENSIONS,
    Dimension,
    ItemKind,
    Project,
    ProjectStatus,
    ResponseStatus,
)
from scoring import engine, suppression
from scoring.models import ScoringModel
from usage.metrics import usage_window_figures

LIKERT_DIMENSIONS = (*ADKAR_DIMENSIONS, Dimension.LEADERSHIP)


@dataclass(frozen=True)
class ProjectEvidence:
    """One project's engine input, with what the snapshot records beside it."""

    project_id: int
    workspace_id: int
    assessment_id: int | None
    inputs: engine.ScoreInput
    fingerprint: str


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
        for pk, window in usage_window_figures(project_ids=project_ids).items()
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
    template_id: int
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
        SELECT a.project_id, a.id, a.template_id,
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
    for project_id, assessment_id, template_id, invited, submitted, shown in rows:
        rounds[project_id].append(
            _Round(assessment_id, template_id, invited or 0, submitted or 0, shown or 0)
        )
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


def _respondents(limits: dict[int, int], template_ids: Iterable[int]) -> dict[int, list[_Read]]:
    """Return the first submitted respondents of each assessment, in order of response id,
    each with what the fingerprint records of it (`_Read`).

    `limits` maps an assessment to how many of its responses may be shown
    (`suppression.disclosed_count`): always the first ones submitted, so that a later state
    adds people to an earlier one and never swaps them. Two queries whatever the number of
    respondents: the items of the assessments' templates, then one row per response
    (`_respondent_rows`).
    """
    assessment_ids = list(limits)
    if not assessment_ids:
        return {}
    templates = sorted(set(template_ids))
    items = _fetch(
        f"""
        SELECT i.id, i.kind, i.dimension FROM readiness_templateitem i
        WHERE i.template_id IN ({_placeholders(templates)}) AND i.kind IN (%s, %s)
        """,
        [*templates, ItemKind.LIKERT, ItemKind.NPS],
    )
    likert_items: dict[str, list[int]] = {dimension: [] for dimension in _DIMENSIONS_BY_NAME}
    nps_items: list[int] = []
    for pk, kind, dimension in items:
        if kind == ItemKind.NPS:
            nps_items.append(pk)
        elif dimension in likert_items:
            likert_items[dimension].append(pk)
    shown: dict[int, int] = defaultdict(int)
    by_assessment: dict[int, list[tuple[int, engine.Respondent, tuple, str]]] = defaultdict(list)
    segments_of: dict[tuple, tuple[dict[str, str], tuple, str]] = {}
    for row in _respondent_rows(assessment_ids, likert_items, nps_items):
        response_id, assessment_id, role, department, attributes, nps_code, *codes = row
        if shown[assessment_id] >= limits[assessment_id]:
            continue
        shown[assessment_id] += 1
        decoded = [_dimension_answers(number, code) for number, code in enumerate(codes) if code]
        likert = tuple([pair for pair, _ in decoded])
        nps = nps_code & _NPS_MASK if nps_code is not None else None
        # Many respondents share a department and attributes: each pair is decoded once.
        # (Attributes come as JSON text; a backend that decodes them is not cached.)
        stored = (department, attributes) if isinstance(attributes, str | None) else None
        if stored is None or (known := segments_of.get(stored)) is None:
            segments = respondent_segments(department, _attributes(attributes))
            items = tuple(sorted(segments.items()))
            known = (segments, items, repr(items))
            if stored is not None:
                segments_of[stored] = known
        segments, segment_items, segments_text = known
        texts = [text for _, text in decoded]
        likert_text = f"({texts[0]},)" if len(texts) == 1 else f"({', '.join(texts)})"
        by_assessment[assessment_id].append(
            (
                response_id,
                engine.Respondent(role=role, likert=dict(likert), nps=nps, segments=segments),
                (role, likert, -1 if nps is None else nps, segment_items),
                f"({role!r}, {likert_text}, {nps!r}, {segments_text})",
            )
        )
    return {
        assessment_id: [
            _Read(respondent, key, text) for _, respondent, key, text in sorted(rows, key=_first)
        ]
        for assessment_id, rows in by_assessment.items()
    }


_first = itemgetter(0)


class _Read(NamedTuple):
    """A respondent as read, with what the fingerprint records of it (`_respondent_entry`)."""

    respondent: engine.Respondent
    order: tuple
    text: str


# The engine's Likert dimensions in the order of their names: a respondent's `likert` mapping
# is built in this order, as it always was.
_DIMENSIONS_BY_NAME: tuple[str, ...] = tuple(sorted(str(d) for d in LIKERT_DIMENSIONS))
# A response's answers to one dimension travel as one integer: bits 6(v-1) to 6v-1 count its
# answers of value v (1-5). A template holds at most 60 items, so a count never reaches 64.
_COUNT_BITS, _COUNT_MASK = 6, 0b111111
# The NPS answer travels as item id x 16 + answer (0-10): the answer to the first NPS item.
_NPS_MASK = 0b1111


def _respondent_rows(
    assessment_ids: Sequence[int], likert_items: dict[str, list[int]], nps_items: list[int]
) -> list[tuple]:
    """Return each submitted response of the assessments in order of submission, as
    (id, assessment id, role, department, attributes as stored, NPS code, Likert codes...).

    Hand-written SQL, on purpose: this is most of a recalculation's reading. Moving every
    answer row into Python and grouping it there cost several times one SQL aggregate over the
    same answers (docs/scoring.md, Performance); here the database sums each response's answers
    per dimension into one integer (`_COUNT_BITS`), so one row per respondent comes back and
    Python only decodes a few distinct integers (`_likert_values`, cached). PostgreSQL reads
    each response's answers by index (`LATERAL`); SQLite, which has no `LATERAL`, groups them
    in a subquery — the same sums either way, and the test suite runs on both.
    """
    params: list[object] = []

    def in_list(values: Sequence[int]) -> str:
        params.extend(values)
        return ", ".join(["%s"] * len(values))

    # Placeholders are filled in the order they appear in the statement, so it is built in
    # that order.
    columns = [
        f"MIN(a.item_id * 16 + a.value) FILTER (WHERE a.item_id IN ({in_list(nps_items)})) AS nps"
        if nps_items
        else "NULL AS nps"
    ]
    for number, dimension in enumerate(_DIMENSIONS_BY_NAME):
        items = likert_items[dimension]
        columns.append(
            f"SUM(1 << ({_COUNT_BITS} * (a.value - 1))) FILTER (WHERE a.item_id IN "
            f"({in_list(items)}) AND a.value BETWEEN 1 AND 5) AS c{number}"
            if items
            else f"NULL AS c{number}"
        )
    codes = ", ".join(f"counted.c{number}" for number in range(len(_DIMENSIONS_BY_NAME)))
    if connection.vendor == "postgresql":
        # Each response's answers through the (response, item) index: with tens of millions
        # of answers the planner otherwise judged a hash join over the whole table cheaper
        # than the index, and a sweep batch read it all (docs/scoring.md, Performance).
        answers = f"""
            LEFT JOIN LATERAL (
                SELECT {", ".join(columns)}
                FROM readiness_answer a
                WHERE a.response_id = r.id AND NOT a.dont_know AND a.value IS NOT NULL
            ) counted ON TRUE
        """
    else:
        answers = f"""
            LEFT JOIN (
                SELECT a.response_id, {", ".join(columns)}
                FROM readiness_answer a
                WHERE a.response_id IN (
                    SELECT id FROM readiness_response
                    WHERE assessment_id IN ({in_list(assessment_ids)}) AND status = %s
                )
                AND NOT a.dont_know AND a.value IS NOT NULL
                GROUP BY a.response_id
            ) counted ON counted.response_id = r.id
        """
        params.append(ResponseStatus.SUBMITTED)
    chosen = in_list(assessment_ids)
    params.append(ResponseStatus.SUBMITTED)
    # LEFT JOIN: a response whose every answer is "Don't know" still counts.
    sql = f"""
        SELECT r.id, r.assessment_id, i.role, i.department, i.attributes, counted.nps, {codes}
        FROM readiness_response r
        JOIN readiness_invitation i ON i.id = r.invitation_id
        {answers}
        WHERE r.assessment_id IN ({chosen}) AND r.status = %s
        ORDER BY r.assessment_id, r.submitted_at IS NULL, r.submitted_at, r.id
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


@functools.lru_cache(maxsize=4096)
def _dimension_answers(number: int, code: int) -> tuple[tuple[str, tuple[int, ...]], str]:
    """Return (dimension, answers) for the `number`th dimension by name and its `code`, with
    its repr() for the fingerprint."""
    pair = (_DIMENSIONS_BY_NAME[number], _likert_values(code))
    return pair, repr(pair)


@functools.lru_cache(maxsize=4096)
def _likert_values(code: int) -> tuple[int, ...]:
    """Return the answers, sorted, that a dimension's `code` counts (`_respondent_rows`)."""
    values: list[int] = []
    for value in range(1, 6):
        values.extend([value] * ((code >> (_COUNT_BITS * (value - 1))) & _COUNT_MASK))
    return tuple(values)


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
    """Return a SHA-256 of everything the calculation depends on, independent of row order."""
    return _fingerprint(
        [_respondent_entry(respondent) for respondent in inputs.respondents],
        inputs=inputs,
        assessment_id=assessment_id,
        model_id=model_id,
    )


def _respondent_entry(respondent: engine.Respondent) -> tuple[tuple, str]:
    """Return a respondent's place in the fingerprint's order and what it records of it.

    It records repr((role, sorted Likert answers by dimension, NPS, sorted segments)); the
    order is that of those tuples, with a missing NPS before every answer (comparing None
    with a number would fail).
    """
    key = (
        respondent.role,
        tuple(sorted(respondent.likert.items())),
        respondent.nps,
        tuple(sorted(respondent.segments.items())),
    )
    nps = -1 if respondent.nps is None else respondent.nps
    return (key[0], key[1], nps, key[3]), repr(key)


def _fingerprint(
    entries: list[tuple[tuple, str]],
    *,
    inputs: engine.ScoreInput,
    assessment_id: int | None,
    model_id: int | None,
) -> str:
    """Return the fingerprint from the respondents' entries (`_respondent_entry`) and the rest.

    `_respondents` makes the entries as it reads the rows, from the same decoded values and
    repr() of the same parts, so the fingerprint of unchanged evidence stays what it was:
    the SHA-256 of a JSON payload whose `respondents` is the repr() of the sorted list of
    respondent tuples.
    """
    entries.sort(key=_first)
    payload = {
        "respondents": f"[{', '.join([text for _, text in entries])}]",
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


def project_rows(project_ids: Sequence[int]) -> list[ProjectRow]:
    """Return the existing projects of `project_ids` in id order, in one query.

    Each with its evidence version, whether it is live, and its latest snapshot's
    fingerprint, score, band and flags. Hand-written, as the other reads of a recalculation:
    compiling ORM statements with subqueries cost more than running them.
    """
    if not project_ids:
        return []
    rows = _fetch(
        f"""
        SELECT p.id, p.workspace_id, p.evidence_version, p.evidence_counted, p.status,
            s.fingerprint, s.score, s.band, s.flags
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
        )
        for pk, workspace_id, version, counted, status, latest_fingerprint, score, band, flags in rows
    ]


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
    limits = {
        scored.assessment_id: suppression.disclosed_count(
            submitted=scored.submitted,
            previous=scored.shown,
            min_group_size=_minimum(models, project),
        )
        for project in projects
        if (scored := chosen.get(project.project_id)) is not None
    }
    respondents = _respondents(limits, (scored.template_id for scored in chosen.values()))
    usage = usage_figures_for_projects([project.project_id for project in projects])
    evidence = {}
    for project in projects:
        model = models[project.workspace_id]
        scored = chosen.get(project.project_id)
        assessment_id = scored.assessment_id if scored is not None else None
        read = respondents.get(assessment_id, []) if assessment_id is not None else []
        inputs = engine.ScoreInput(
            respondents=tuple(entry.respondent for entry in read),
            invitations=scored.invited if scored is not None else 0,
            usage=usage.get(project.project_id),
            project_live=project.live,
            model=model.parameters(),
        )
        evidence[project.project_id] = ProjectEvidence(
            project_id=project.project_id,
            workspace_id=project.workspace_id,
            assessment_id=assessment_id,
            inputs=inputs,
            fingerprint=_fingerprint(
                [(entry.order, entry.text) for entry in read],
                inputs=inputs,
                assessment_id=assessment_id,
                model_id=model.pk,
            ),
        )
    return evidence


def _minimum(models: Mapping[int, ScoringModel], project: ProjectRow) -> int:
    return models[project.workspace_id].min_group_size


def _pinned_round(assessment_id: int) -> _Round:
    """Return a pinned assessment of another project (`assessment_overrides`), read apart."""
    invited, submitted, shown, template_id = _fetch(
        """
        SELECT
            (SELECT COUNT(*) FROM readiness_invitation v
             WHERE v.assessment_id = a.id AND v.withdrawn_at IS NULL),
            (SELECT COUNT(*) FROM readiness_response r
             WHERE r.assessment_id = a.id AND r.status = %s),
            (SELECT MAX(s.responses) FROM scoring_scoresnapshot s WHERE s.assessment_id = a.id),
            a.template_id
        FROM readiness_assessment a WHERE a.id = %s
        """,
        [ResponseStatus.SUBMITTED, assessment_id],
    )[0]
    return _Round(assessment_id, template_id, invited or 0, submitted or 0, shown or 0)


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
