"""The figures of a live workshop's presenter view, read in a fixed number of queries.

The room sees its own readiness: only the answers submitted through this workshop count. Each
figure goes through the scoring engine's group calculation, and is shown only once its group
reaches the workspace's minimum group size — "all" included, unlike the report, because
everyone in the room watches the screen while people submit one by one.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, Q

from readiness import selectors as readiness_selectors
from readiness.models import (
    ADKAR_DIMENSIONS,
    Answer,
    Dimension,
    Invitation,
    ItemKind,
    ResponseStatus,
    Workshop,
)
from scoring import engine
from scoring import selectors as scoring_selectors
from workspaces.models import Workspace

LIKERT_DIMENSIONS = (*ADKAR_DIMENSIONS, Dimension.LEADERSHIP)
GROUPS = (engine.GROUP_ALL, engine.GROUP_LEADERSHIP, engine.GROUP_END_USERS)
TOO_FEW = "too_few"
SECONDARY = "secondary"


@dataclass(frozen=True)
class Element:
    dimension: str
    label: str
    mean: float | None
    is_barrier: bool
    # Position of the mean on the 1–5 axis, 0–100, for the bar.
    position: float


@dataclass(frozen=True)
class BarrierShare:
    point: str
    label: str
    share: float
    is_top: bool


@dataclass(frozen=True)
class PresenterGroup:
    key: str
    label: str
    responses: int
    hidden: str | None  # None when shown, else TOO_FEW or SECONDARY
    elements: tuple[Element, ...] = ()
    barriers: tuple[BarrierShare, ...] = ()
    nps: float | None = None
    nps_counts: dict[str, int] | None = None


@dataclass(frozen=True)
class PresenterFigures:
    joined: int
    submitted: int
    min_group_size: int
    barrier_max: float
    groups: tuple[PresenterGroup, ...]
    concerns: tuple[str, ...] | None  # None while too few people wrote one
    top_barrier: str | None
    top_barrier_label: str
    prompts: tuple[str, ...]

    @property
    def everyone(self) -> PresenterGroup:
        return self.groups[0]

    @property
    def any_secondary(self) -> bool:
        return any(group.hidden == SECONDARY for group in self.groups)


def _model(workspace: Workspace) -> engine.ModelParameters:
    model = scoring_selectors.scoring_model_current(workspace=workspace)
    return model.parameters() if model is not None else engine.ModelParameters()


def _respondents(workshop: Workshop) -> tuple[list[engine.Respondent], list[str]]:
    """Return the workshop's submitted respondents and their free-text concerns (one query)."""
    rows = (
        Answer.objects.filter(
            response__invitation__workshop=workshop, response__status=ResponseStatus.SUBMITTED
        )
        .order_by()
        .values_list(
            "response_id",
            "response__invitation__role",
            "item__kind",
            "item__dimension",
            "value",
            "dont_know",
            "text",
        )
    )
    roles: dict[int, str] = {}
    likert: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    nps: dict[int, int] = {}
    concerns: list[str] = []
    for response_id, role, kind, dimension, value, dont_know, text in rows:
        roles[response_id] = role
        if kind == ItemKind.TEXT:
            if text.strip() and dimension == Dimension.COMMENT:
                concerns.append(text.strip())
        elif dont_know or value is None:
            continue
        elif kind == ItemKind.NPS:
            nps[response_id] = value
        elif dimension in LIKERT_DIMENSIONS and 1 <= value <= 5:
            likert[response_id][dimension].append(value)
    respondents = [
        engine.Respondent(
            role=role,
            likert={d: tuple(sorted(v)) for d, v in sorted(likert[response_id].items())},
            nps=nps.get(response_id),
        )
        for response_id, role in sorted(roles.items())
    ]
    return respondents, concerns


def _shown_group(
    key: str, figures: engine.GroupFigures, model: engine.ModelParameters
) -> PresenterGroup:
    means = figures.element_means or {}
    distribution = figures.barrier_distribution or {}
    # The most frequent barrier point proper ("no barrier" aside): the one to discuss first;
    # on a tie, the earlier element, since ADKAR's elements build on each other.
    top = max(
        ((point, distribution.get(point, 0.0)) for point in engine.ADKAR),
        key=lambda item: item[1],
        default=(None, 0.0),
    )
    return PresenterGroup(
        key=key,
        label=engine.GROUP_LABELS[key],
        responses=figures.responses,
        hidden=None,
        elements=tuple(
            Element(
                dimension=dimension,
                label=engine.DIMENSION_LABELS[dimension],
                mean=mean,
                is_barrier=mean is not None and mean <= model.barrier_max + engine.TOLERANCE,
                position=(mean - 1.0) / 4.0 * 100.0 if mean is not None else 0.0,
            )
            for dimension in engine.ADKAR
            for mean in (means.get(dimension),)
        ),
        barriers=tuple(
            BarrierShare(
                point=point,
                label=engine.DIMENSION_LABELS.get(point, "No barrier"),
                share=distribution.get(point, 0.0),
                is_top=point == top[0] and top[1] > 0,
            )
            for point in engine.BARRIER_POINTS
        ),
        nps=figures.nps,
        nps_counts=dict(figures.nps_counts) if figures.nps_counts is not None else None,
    )


def _suppress(counts: dict[str, int], minimum: int) -> dict[str, str | None]:
    """Return why each group is hidden (None when shown).

    Primary: fewer submitted responses than the minimum group size. Secondary (SPEC §11):
    leadership and end users split "all" in two, so when one of them is hidden while it has
    respondents, the other one shown beside "all" would give it away by subtraction — hide it
    too. (Issue 13's `scoring.suppression` generalizes this; it had not landed when this was
    written.)
    """
    hidden: dict[str, str | None] = {
        key: TOO_FEW if counts[key] < minimum else None for key in GROUPS
    }
    if hidden[engine.GROUP_ALL] is None:
        parts = (engine.GROUP_LEADERSHIP, engine.GROUP_END_USERS)
        for part, other in (parts, parts[::-1]):
            if hidden[part] == TOO_FEW and counts[part] > 0 and hidden[other] is None:
                hidden[other] = SECONDARY
    return hidden


def presenter_figures(*, workspace: Workspace, workshop: Workshop) -> PresenterFigures:
    """Return what the presenter view shows now for `workshop`, in four queries."""
    counts = Invitation.objects.filter(workshop=workshop).aggregate(
        joined=Count("pk"), submitted=Count("pk", filter=Q(submitted_at__isnull=False))
    )
    model = _model(workspace)
    respondents, concerns = _respondents(workshop)
    members = {
        engine.GROUP_ALL: respondents,
        engine.GROUP_LEADERSHIP: [r for r in respondents if r.role in engine.LEADERSHIP_ROLES],
        engine.GROUP_END_USERS: [r for r in respondents if r.role in engine.END_USER_ROLES],
    }
    minimum = max(model.min_group_size, 1)
    hidden = _suppress({key: len(group) for key, group in members.items()}, minimum)
    groups = []
    for key in GROUPS:
        if hidden[key] is not None:
            groups.append(
                PresenterGroup(
                    key=key,
                    label=engine.GROUP_LABELS[key],
                    responses=len(members[key]),
                    hidden=hidden[key],
                )
            )
        else:
            groups.append(_shown_group(key, engine.group_figures(key, members[key], model), model))
    everyone = groups[0]
    top = next((share for share in everyone.barriers if share.is_top), None)
    top_barrier = top.point if top is not None else None
    # Read on every update, barrier or not, so that an update's query count never varies.
    texts = readiness_selectors.workshop_prompts(workspace=workspace)
    product = workshop.assessment.project.product_name
    prompts = tuple(
        text.replace("{product}", product) for text in texts.get(top_barrier or "", [])[:3]
    )
    # Free text only once enough people wrote some, in an order that does not follow
    # submission (alphabetical, so the list does not jump on every update).
    shown_concerns = None
    if everyone.hidden is None and len(concerns) >= minimum:
        shown_concerns = tuple(sorted(concerns, key=str.casefold))
    return PresenterFigures(
        joined=counts["joined"],
        submitted=counts["submitted"],
        min_group_size=minimum,
        barrier_max=model.barrier_max,
        groups=tuple(groups),
        concerns=shown_concerns,
        top_barrier=top_barrier,
        top_barrier_label=engine.DIMENSION_LABELS.get(top_barrier or "", ""),
        prompts=prompts,
    )
