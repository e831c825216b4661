"""Helpers shared by the readiness services."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from django.utils import timezone


def _save(instance: Any, fields: Mapping[str, Any]) -> Any:
    """Set `fields` on `instance`, validate the whole object and save it."""
    for name, value in fields.items():
        setattr(instance, name, value)
    instance.full_clean()
    instance.save()
    return instance


def _now(now: datetime.datetime | None) -> datetime.datetime:
    return now or timezone.now()
