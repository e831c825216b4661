"""Product-analytics exports as usage files: Segment, Mixpanel and Amplitude JSON lines.

Each line of such a file is one event. The format is told by the first event's keys, named on
the preview, and every line is mapped to the columns of a usage file, so the rows then go
through the same checks, pseudonymisation and loading as a CSV's:

| format | date | user | feature | count |
| --- | --- | --- | --- | --- |
| Segment `track` events | `timestamp` (else `originalTimestamp`, `sentAt`, `receivedAt`) | `userId`, else `anonymousId` | `event` | 1 |
| Mixpanel raw export | `properties.time` (Unix seconds or milliseconds, UTC day) | `properties.distinct_id` | `event` | 1 |
| Amplitude export | `event_time` | `user_id`, else `device_id` | `event_type` | 1 |

Lines of a Segment file that are not `track` calls (identify, page, …) carry no feature use
and are left out. Amplitude's exports may be gzip-compressed; any of these files may be.
A line that is not a JSON object of its format refuses the file with its line number and the
reason, and nothing is stored.
"""

from __future__ import annotations

import datetime
import gzip
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO, Any

import orjson

HEADER = ["date", "user", "feature", "count"]
GZIP_MAGIC = b"\x1f\x8b"
SUFFIXES = (".jsonl", ".ndjson", ".json", ".jsonl.gz", ".ndjson.gz", ".json.gz", ".gz")
MAX_LINE_BYTES = 1024 * 1024
MAX_ERRORS = 100

NOT_JSON = "Line {line} is not a JSON event ({reason}). Export the events again as JSON lines."
NOT_AN_EVENT = "Line {line} is not a {label} event: {reason}."
UNKNOWN_FORMAT = (
    "The file holds JSON lines, but not events of Segment (track), Mixpanel (raw export) or "
    "Amplitude (export). Upload one of those exports, or a CSV with date, user, feature, count."
)
NOT_GZIP = "The file could not be decompressed as gzip. Upload the export as it was downloaded."
LINE_TOO_LONG = "Line {line} is longer than a megabyte, which no analytics event is."


@dataclass(frozen=True)
class Connector:
    name: str
    label: str
    # Return the event's (date, user, feature) text, or raise _NotAnEvent with a reason.
    cells: Callable[[dict[str, Any]], tuple[str, str, str] | None]


class _NotAnEvent(Exception):
    pass


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    return value if isinstance(value, str) else str(value)


def _segment(event: dict[str, Any]) -> tuple[str, str, str] | None:
    kind = event.get("type")
    if kind is not None and kind != "track":
        return None  # identify, page, group…: no feature was used
    if not isinstance(event.get("event"), str):
        raise _NotAnEvent("it has no “event” name")
    when = next(
        (
            event[key]
            for key in ("timestamp", "originalTimestamp", "sentAt", "receivedAt")
            if event.get(key)
        ),
        "",
    )
    user = event.get("userId") or event.get("anonymousId")
    return _text(when), _text(user), event["event"]


def _mixpanel(event: dict[str, Any]) -> tuple[str, str, str]:
    properties = event.get("properties")
    if not isinstance(properties, dict) or not isinstance(event.get("event"), str):
        raise _NotAnEvent("it needs an “event” name and “properties”")
    when = properties.get("time")
    if isinstance(when, bool) or not isinstance(when, int | float):
        raise _NotAnEvent("“properties.time” is not a Unix time")
    # Newer exports give milliseconds; a second count this large would be after the year 5000.
    seconds = when / 1000 if when > 100_000_000_000 else when
    try:
        day = datetime.datetime.fromtimestamp(seconds, tz=datetime.UTC).date().isoformat()
    except (OverflowError, OSError, ValueError):
        raise _NotAnEvent("“properties.time” is not a Unix time") from None
    user = properties.get("distinct_id") or properties.get("$user_id")
    return day, _text(user), event["event"]


def _amplitude(event: dict[str, Any]) -> tuple[str, str, str]:
    if not isinstance(event.get("event_type"), str):
        raise _NotAnEvent("it has no “event_type”")
    user = event.get("user_id") or event.get("device_id")
    return _text(event.get("event_time")), _text(user), event["event_type"]


SEGMENT = Connector("segment", "Segment track events", _segment)
MIXPANEL = Connector("mixpanel", "Mixpanel raw export", _mixpanel)
AMPLITUDE = Connector("amplitude", "Amplitude export", _amplitude)
CONNECTORS = {connector.name: connector for connector in (SEGMENT, MIXPANEL, AMPLITUDE)}


def looks_like_json_lines(name: str, head: bytes) -> bool:
    """Return whether a file is JSON lines (maybe gzipped) by its name or first bytes."""
    return name.lower().endswith(SUFFIXES) or head.startswith((GZIP_MAGIC, b"{"))


def detect(event: dict[str, Any]) -> Connector | None:
    """Return the format whose events look like `event`, or None."""
    if "event_type" in event and ("event_time" in event or "amplitude_id" in event):
        return AMPLITUDE
    properties = event.get("properties")
    if (
        "event" in event
        and isinstance(properties, dict)
        and ("distinct_id" in properties or "time" in properties)
        and "type" not in event
        and "timestamp" not in event
    ):
        return MIXPANEL
    if event.get("type") in ("track", "identify", "page", "screen", "group", "alias") or (
        "event" in event and ("userId" in event or "anonymousId" in event)
    ):
        return SEGMENT
    return None


class Refused(Exception):
    """The file cannot be read; `errors` are (line, message) pairs, `count` how many."""

    def __init__(self, errors: list[tuple[int | None, str]], count: int | None = None) -> None:
        super().__init__(errors[0][1] if errors else "refused")
        self.errors = errors[:MAX_ERRORS]
        self.count = len(errors) if count is None else count


def open_text(raw: IO[bytes]) -> IO[bytes]:
    """Return the file's bytes, decompressed when it is gzip (read as it goes)."""
    head = raw.read(2)
    raw.seek(0)
    if head == GZIP_MAGIC:
        return gzip.GzipFile(fileobj=raw, mode="rb")
    return raw


def _lines(raw: IO[bytes]) -> Iterator[tuple[int, bytes]]:
    """Yield (line number, bytes) of every non-blank line, refusing endless lines."""
    stream = open_text(raw)
    number = 0
    try:
        while line := stream.readline(MAX_LINE_BYTES + 1):
            number += 1
            if len(line) > MAX_LINE_BYTES and not line.endswith(b"\n"):
                raise Refused([(number, LINE_TOO_LONG.format(line=number))])
            if line.strip():
                yield number, line
    except (gzip.BadGzipFile, EOFError, zlib.error):
        raise Refused([(None, NOT_GZIP)]) from None


def _parse(number: int, line: bytes) -> dict[str, Any]:
    try:
        event = orjson.loads(line)
    except orjson.JSONDecodeError as error:
        raise Refused([(number, NOT_JSON.format(line=number, reason=_reason(error)))]) from None
    if not isinstance(event, dict):
        kind = {list: "an array", str: "a string", bool: "true or false"}.get(
            type(event), "a number" if isinstance(event, int | float) else "null"
        )
        raise Refused([(number, NOT_JSON.format(line=number, reason=f"{kind}, not an object"))])
    return event


def _reason(error: orjson.JSONDecodeError) -> str:
    return str(error.msg).split(":")[0].rstrip(".").lower() or "invalid JSON"


def first_event(raw: IO[bytes]) -> Connector:
    """Return the format of a JSON-lines file from its first event, or refuse the file."""
    for number, line in _lines(raw):
        connector = detect(_parse(number, line))
        if connector is None:
            raise Refused([(number, UNKNOWN_FORMAT)])
        return connector
    raise Refused([(None, UNKNOWN_FORMAT)])


def rows(raw: IO[bytes], connector: Connector) -> Iterator[tuple[int, list[str]]]:
    """Yield (line number, [date, user, feature, count]) of every event of the file.

    Malformed lines are collected (up to a hundred, with the count of all) and refuse the file
    once it is read to the end, so that one upload shows every problem to correct.
    """
    problems: list[tuple[int | None, str]] = []
    count = 0
    for number, line in _lines(raw):
        try:
            event = _parse(number, line)
            cells = connector.cells(event)
        except Refused as refused:
            count += 1
            if len(problems) < MAX_ERRORS:
                problems.extend(refused.errors)
            continue
        except _NotAnEvent as not_event:
            count += 1
            if len(problems) < MAX_ERRORS:
                problems.append(
                    (
                        number,
                        NOT_AN_EVENT.format(line=number, label=connector.label, reason=not_event),
                    )
                )
            continue
        if cells is not None and not problems:
            yield number, [*cells, "1"]
    if problems:
        raise Refused(problems, count)
