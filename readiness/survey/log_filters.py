"""Keep personal survey tokens out of every log line."""

from __future__ import annotations

import logging
import re

# A survey path carries the respondent's secret; request logs (runserver, django.request) would
# otherwise write it to disk in plain text.
SURVEY_PATH = re.compile(r"/s/[^/\s\"'?]+")


def redact(text: str) -> str:
    """Return `text` with the token of every survey path replaced by a placeholder."""
    return SURVEY_PATH.sub("/s/[redacted]", text)


class RedactSurveyTokens(logging.Filter):
    """Rewrite a record's message so a survey link's token never reaches a handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        # django.server keeps the request on the record; its path would leak through formatters.
        request = getattr(record, "request", None)
        if request is not None and SURVEY_PATH.search(getattr(request, "path", "") or ""):
            record.request = None
        return True
