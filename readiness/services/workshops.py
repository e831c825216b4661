"""Writes of live workshops: start, join, end, and the facilitation prompts."""

from __future__ import annotations

import datetime
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from readiness.default_prompts import DEFAULT_PROMPTS  # noqa: F401 (public)
from readiness.models import (
    ADKAR_DIMENSIONS,
    WORKSHOP_CODE_ALPHABET,
    WORKSHOP_CODE_LENGTH,
    Assessment,
    Invitation,
    RespondentRole,
    Workshop,
    WorkshopPrompt,
)
from readiness.services._common import _now, _save
from readiness.services.assessments import SurveyUnavailable, _locked_assessment, survey_state
from readiness.survey import tokens
from workspaces.models import Workspace

MAX_DEPARTMENTS = 30
MAX_PROMPTS_PER_DIMENSION = 3
MAX_PROMPT_LENGTH = 300

# --- Workshops ----------------------------------------------------------------------------


def new_code() -> str:
    """Return a random join code (6 characters of 31: about 887 million codes)."""
    return "".join(secrets.choice(WORKSHOP_CODE_ALPHABET) for _ in range(WORKSHOP_CODE_LENGTH))


def normalize_code(raw: str) -> str:
    """Return `raw` as typed on a phone (any case, spaces or dashes) in the stored form."""
    return "".join(raw.split()).replace("-", "").upper()


def _clean_departments(departments: Sequence[str]) -> list[str]:
    cleaned: list[str] = []
    for raw in departments:
        name = " ".join(raw.split())
        if not name:
            continue
        if len(name) > 200 or not name.isprintable():
            raise ValidationError(
                {"departments": "Write each department on its own line, in under 200 characters."}
            )
        if name.casefold() not in {known.casefold() for known in cleaned}:
            cleaned.append(name)
    if len(cleaned) > MAX_DEPARTMENTS:
        raise ValidationError({"departments": f"List at most {MAX_DEPARTMENTS} departments."})
    return cleaned


@transaction.atomic
def workshop_start(
    *,
    assessment: Assessment,
    started_by: object | None = None,
    departments: Sequence[str] = (),
    now: datetime.datetime | None = None,
) -> Workshop:
    """Start a live workshop on an open assessment, with a fresh unambiguous join code."""
    now = _now(now)
    assessment = _locked_assessment(assessment)
    if survey_state(assessment=assessment, today=timezone.localdate(now)) != "open":
        raise ValidationError(
            "Open the assessment (and make sure its dates include today) before starting a "
            "workshop: participants answer the assessment's survey."
        )
    if Workshop.objects.filter(assessment=assessment, ended_at__isnull=True).exists():
        raise ValidationError(
            "A workshop is already running on this assessment: present it, or end it first."
        )
    cleaned = _clean_departments(departments)
    for _attempt in range(10):
        code = new_code()
        if Workshop.objects.filter(code=code).exists():
            continue
        try:
            with transaction.atomic():
                return _save(
                    Workshop(workspace_id=assessment.workspace_id, assessment=assessment),
                    {
                        "code": code,
                        "departments": cleaned,
                        "started_by": started_by,
                        "started_at": now,
                    },
                )
        except IntegrityError:  # the same code drawn at the same moment elsewhere
            continue
    raise RuntimeError("Could not draw a free workshop code in ten attempts.")


@transaction.atomic
def workshop_end(*, workshop: Workshop, now: datetime.datetime | None = None) -> Workshop:
    """End the workshop: nobody can join any more. Ending it twice changes nothing."""
    Workshop.objects.filter(pk=workshop.pk, ended_at__isnull=True).update(ended_at=_now(now))
    workshop.refresh_from_db(fields=["ended_at"])
    return workshop


@dataclass(frozen=True)
class Participant:
    invitation: Invitation
    token: str


def workshop_join(
    *,
    workshop: Workshop,
    role: str,
    department: str = "",
    now: datetime.datetime | None = None,
) -> Participant:
    """Add an anonymous participant (role and department only) and return its survey token.

    Raise SurveyUnavailable when the workshop has ended or the assessment does not take answers,
    and a ValidationError keyed by field for a role or department that is not offered.
    """
    now = _now(now)
    if workshop.ended_at is not None:
        raise SurveyUnavailable("This workshop has ended, so it no longer takes participants.")
    if survey_state(assessment=workshop.assessment, today=timezone.localdate(now)) != "open":
        raise SurveyUnavailable("This survey is closed, so it no longer takes answers.")
    errors: dict[str, str] = {}
    if role not in RespondentRole.values:
        errors["role"] = "Choose the role that fits you best."
    department = " ".join((department or "").split())
    if workshop.departments and department not in workshop.departments:
        errors["department"] = "Choose your department from the list."
    elif not workshop.departments:
        department = ""
    if errors:
        raise ValidationError(errors)
    salt = tokens.new_salt()
    token = tokens.token_for_salt(salt)
    # Every field is ours or checked above; full_clean() would add four queries (two foreign
    # keys, two unique checks) to each of a room's joins arriving in the same minute.
    # "Sent" and "opened" at joining: the link reached the person in the room, so invitation
    # e-mails skip participants, and the assessment page shows them as opened.
    invitation = Invitation.objects.create(
        workspace_id=workshop.workspace_id,
        assessment_id=workshop.assessment_id,
        workshop=workshop,
        role=role,
        department=department,
        token_salt=salt,
        token_hash=tokens.hash_token(token),
        sent_at=now,
        opened_at=now,
        created_at=now,
    )
    invitation.assessment = workshop.assessment
    return Participant(invitation=invitation, token=token)


# --- Facilitation prompts -----------------------------------------------------------------


@transaction.atomic
def workshop_prompts_set(*, workspace: Workspace, prompts: dict[str, Sequence[str]]) -> None:
    """Replace the workspace's discussion prompts per ADKAR dimension (at most three each)."""
    errors: dict[str, str] = {}
    cleaned: dict[str, list[str]] = {}
    for dimension in ADKAR_DIMENSIONS:
        texts = [" ".join(t.split()) for t in prompts.get(dimension, ())]
        texts = [t for t in texts if t]
        if len(texts) > MAX_PROMPTS_PER_DIMENSION:
            errors[dimension] = f"Write at most {MAX_PROMPTS_PER_DIMENSION} prompts, one a line."
        elif any(len(t) > MAX_PROMPT_LENGTH or not t.isprintable() for t in texts):
            errors[dimension] = (
                f"Keep each prompt on one line, under {MAX_PROMPT_LENGTH} characters."
            )
        cleaned[dimension] = texts
    if errors:
        raise ValidationError(errors)
    WorkshopPrompt.objects.filter(workspace=workspace).delete()
    WorkshopPrompt.objects.bulk_create(
        WorkshopPrompt(workspace=workspace, dimension=dimension, position=position, text=text)
        for dimension, texts in cleaned.items()
        for position, text in enumerate(texts)
    )
