"""The invitation and reminder e-mails: the default text in the respondent's language, or the
consultant's own text for the assessment, with its placeholders checked."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import formats, translation
from django.utils.html import escape, linebreaks

from readiness.models import Assessment
from readiness.services._common import _save
from workspaces.models import SURVEY_LANGUAGE_CODES

KINDS = ("invitation", "reminder")
PLACEHOLDERS = ("{name}", "{customer}", "{product}", "{assessment}", "{closes_on}", "{link}")
BRACED = re.compile(r"\{[^{}]*\}")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
MAX_SUBJECT = 200
MAX_BODY = 5000


@dataclass(frozen=True)
class EmailText:
    """One e-mail before its placeholders are filled: a subject and a plain-text body."""

    subject: str
    body: str


@dataclass(frozen=True)
class Filled:
    """One e-mail ready to send: subject, plain text and HTML."""

    subject: str
    text: str
    html: str


def _default(kind: str, language: str) -> EmailText:
    """Return the built-in text of `kind` in `language`, with placeholders where values go."""
    context = {
        "reminder": kind == "reminder",
        "name": "{name}",
        "account": "{customer}",
        "product": "{product}",
        "assessment": "{assessment}",
        "closes_text": "{closes_on}",
        "link": "{link}",
    }
    with translation.override(language):
        subject = render_to_string("readiness/email/survey_subject.txt", context)
        body = render_to_string("readiness/email/survey.txt", context)
    return EmailText(subject=" ".join(subject.split()), body=body.strip() + "\n")


def email_text(*, assessment: Assessment, kind: str, language: str) -> tuple[EmailText, bool]:
    """Return the e-mail of `kind` in `language` and whether it is the assessment's own."""
    own = (assessment.email_texts or {}).get(kind, {}).get(language)
    if own:
        return EmailText(subject=own["subject"], body=own["body"]), True
    return _default(kind, language), False


def placeholder_problems(text: str, what: str) -> list[str]:
    """Return what is wrong with the placeholders of `text` (empty when nothing is)."""
    problems = []
    for braced in BRACED.findall(text):
        if braced not in PLACEHOLDERS:
            problems.append(
                f"“{braced}” in the {what} is not a placeholder: use {', '.join(PLACEHOLDERS)}."
            )
    rest = BRACED.sub("", text)
    if "{" in rest or "}" in rest:
        problems.append(f"A brace in the {what} is not closed: write placeholders like {{name}}.")
    return problems


@transaction.atomic
def assessment_set_email(
    *, assessment: Assessment, kind: str, language: str, subject: str, body: str
) -> Assessment:
    """Store the assessment's own e-mail of `kind` in `language`; a blank subject and body
    return to the built-in text."""
    if kind not in KINDS:
        raise ValidationError(f"“{kind}” is not an e-mail: use invitation or reminder.")
    if language not in SURVEY_LANGUAGE_CODES:
        raise ValidationError(f"“{language}” is not a survey language: use en, de, fr or es.")
    assessment = Assessment.objects.select_for_update().get(pk=assessment.pk)
    texts = {k: dict(v) for k, v in (assessment.email_texts or {}).items()}
    subject, body = " ".join(subject.split()), body.strip()
    if not subject and not body:
        texts.get(kind, {}).pop(language, None)
        return _save(assessment, {"email_texts": texts})
    problems = []
    if not subject:
        problems.append("Write the subject.")
    if len(subject) > MAX_SUBJECT:
        problems.append(f"Keep the subject under {MAX_SUBJECT} characters.")
    if len(body) > MAX_BODY:
        problems.append(f"Keep the text under {MAX_BODY} characters.")
    if CONTROL.search(subject + body.replace("\t", " ")):
        problems.append("Remove the control characters (pasted from another program?).")
    problems += placeholder_problems(subject, "subject") + placeholder_problems(body, "text")
    if "{link}" not in body:
        problems.append("Put {link} in the text: it is the respondent's personal survey link.")
    if problems:
        raise ValidationError(problems)
    texts.setdefault(kind, {})[language] = {"subject": subject, "body": body + "\n"}
    return _save(assessment, {"email_texts": texts})


def email_fill(
    *,
    assessment: Assessment,
    kind: str,
    language: str,
    name: str,
    link: str,
    text: EmailText | None = None,
) -> Filled:
    """Return the e-mail of `kind` for one respondent, its placeholders filled in."""
    if text is None:
        text, own = email_text(assessment=assessment, kind=kind, language=language)
    else:
        own = True
    project = assessment.project
    with translation.override(language):
        closes = (
            formats.date_format(assessment.closes_on, "DATE_FORMAT") if assessment.closes_on else ""
        )
        if not own:
            context = {
                "reminder": kind == "reminder",
                "name": name,
                "account": project.account.name,
                "product": project.product_name,
                "assessment": assessment.name,
                "closes_text": closes,
                "link": link,
            }
            subject = render_to_string("readiness/email/survey_subject.txt", context)
            return Filled(
                subject=" ".join(subject.split()),
                text=render_to_string("readiness/email/survey.txt", context),
                html=render_to_string("readiness/email/survey.html", context),
            )
    values = {
        "{name}": name,
        "{customer}": project.account.name,
        "{product}": project.product_name,
        "{assessment}": assessment.name,
        "{closes_on}": closes,
        "{link}": link,
    }

    def fill(template: str) -> str:
        # One pass, so that a value holding "{name}" is never filled in again.
        return BRACED.sub(lambda match: values.get(match.group(0), match.group(0)), template)

    body = fill(text.body)
    html_body = linebreaks(
        BRACED.sub(
            lambda match: escape(values.get(match.group(0), match.group(0))),
            escape(text.body),
        )
    )
    html = (
        f'<!doctype html>\n<html lang="{language}">\n<head><meta charset="utf-8"></head>\n'
        f'<body style="font-family: system-ui, sans-serif; line-height: 1.5; max-width: 36rem;">'
        f"{html_body}</body>\n</html>\n"
    )
    return Filled(subject=" ".join(fill(text.subject).split()), text=body, html=html)
