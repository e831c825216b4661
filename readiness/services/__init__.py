"""Every write of readiness, one module per entity (as Zulip's `zerver/actions`).

Callers use `from readiness import services` and `services.<entity>_<action>(...)`; the names
below are the package's public surface.
"""

from __future__ import annotations

from readiness.services.assessments import (
    AlreadySubmitted,
    SurveyUnavailable,
    assessment_close,
    assessment_close_overdue,
    assessment_create,
    assessment_open,
    assessment_update,
    survey_state,
)
from readiness.services.invitations import (
    invitation_add_list,
    invitation_create,
    invitation_link,
    invitation_rekey,
    invitations_due_reminder,
    invitations_send,
    reminders_send,
    reminders_send_due,
)
from readiness.services.projects import (
    account_active_project,
    account_create,
    account_update,
    project_create,
    project_mark_for_recalculation,
    project_update,
)
from readiness.services.responses import (
    AnswerValue,
    ImportResult,
    answer_clean,
    invitation_mark_opened,
    response_save_draft,
    response_submit,
    responses_import,
)
from readiness.services.templates import default_template_ensure, template_revise

__all__ = [
    "AlreadySubmitted",
    "AnswerValue",
    "ImportResult",
    "SurveyUnavailable",
    "account_active_project",
    "account_create",
    "account_update",
    "answer_clean",
    "assessment_close",
    "assessment_close_overdue",
    "assessment_create",
    "assessment_open",
    "assessment_update",
    "default_template_ensure",
    "invitation_add_list",
    "invitation_create",
    "invitation_link",
    "invitation_rekey",
    "invitation_mark_opened",
    "invitations_due_reminder",
    "invitations_send",
    "project_create",
    "project_mark_for_recalculation",
    "project_update",
    "reminders_send",
    "reminders_send_due",
    "response_save_draft",
    "response_submit",
    "responses_import",
    "survey_state",
    "template_revise",
]
