"""Background work for assessments: thin tasks that take ids and call a service."""

from __future__ import annotations

from celery import shared_task

from readiness import services


@shared_task
def send_invitations(
    assessment_id: int, invitation_ids: list[int] | None = None, resend: bool = False
) -> int:
    """E-mail personal links to the assessment's invitees who have not been sent one."""
    return services.assessment_send_recorded(
        services.invitations_send,
        assessment_id=assessment_id,
        invitation_ids=invitation_ids,
        resend=resend,
    )


@shared_task
def send_reminders(assessment_id: int) -> int:
    """Remind the assessment's invitees who are due a reminder."""
    return services.assessment_send_recorded(services.reminders_send, assessment_id=assessment_id)


@shared_task
def send_due_reminders() -> int:
    """Remind the due invitees of every open assessment (scheduled)."""
    return services.reminders_send_due()


@shared_task
def close_overdue_assessments() -> int:
    """Close every open assessment whose closing date has passed (scheduled)."""
    return services.assessment_close_overdue()
