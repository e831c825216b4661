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
import functools
import gzip
import re
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO, Any

import orjson

HEADER = ["date", "user", "feature", "count"]
GZIP_MAGIC = b"\x1f\x8b"
SUFFIXES = (".jsonl", ".ndjson", ".json", ".jsonl.gz", ".ndjson.gz", ".json.gz", ".gz")
MAX_LINE_BYTES = 1024 * 1024
READ_BYTES = 4 * 1024 * 1024
# Marks a line already reported as malformed within a block.
_FAILED = object()
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


@functools.cache
def _timestamp() -> re.Pattern[str]:
    """Return the pattern of a well-formed date or date-time: a CSV's date column's own."""
    from usage.files import DATE_PATTERN  # files reads these exports through this module

    return re.compile(DATE_PATTERN)


def _day(value: Any) -> str:
    """Return the date part of a well-formed ISO timestamp, else the value as it is.

    The date column then holds one value per day (checked once, as a CSV's dates are), and a
    malformed timestamp is passed whole, so the date rule refuses it with its usual message.
    """
    if type(value) is str and _timestamp().match(value):
        return value[:10]
    return _text(value)


def _segment(event: dict[str, Any]) -> tuple[str, str, str] | None:
    if event.get("type", "track") != "track":
        return None  # identify, page, group…: no feature was used
    name = event.get("event")
    if type(name) is not str:
        raise _NotAnEvent("it has no “event” name")
    when = (
        event.get("timestamp")
        or event.get("originalTimestamp")
        or event.get("sentAt")
        or event.get("receivedAt")
    )
    user = event.get("userId") or event.get("anonymousId")
    return _day(when), user if type(user) is str else _text(user), name


_UTC_DAYS: dict[int, str] = {}


def _utc_day(seconds: float) -> str:
    number = int(seconds // 86400)
    day = _UTC_DAYS.get(number)
    if day is None:
        day = datetime.datetime.fromtimestamp(number * 86400, tz=datetime.UTC).date().isoformat()
        if len(_UTC_DAYS) < 100_000:
            _UTC_DAYS[number] = day
    return day


def _mixpanel(event: dict[str, Any]) -> tuple[str, str, str]:
    properties = event.get("properties")
    name = event.get("event")
    if type(properties) is not dict or type(name) is not str:
        raise _NotAnEvent("it needs an “event” name and “properties”")
    when = properties.get("time")
    if type(when) not in (int, float):
        raise _NotAnEvent("“properties.time” is not a Unix time")
    # Newer exports give milliseconds; a second count this large would be after the year 5000.
    seconds = when / 1000 if when > 100_000_000_000 else when
    try:
        day = _utc_day(seconds)
    except (OverflowError, OSError, ValueError):
        raise _NotAnEvent("“properties.time” is not a Unix time") from None
    user = properties.get("distinct_id") or properties.get("$user_id")
    return day, user if type(user) is str else _text(user), name


def _amplitude(event: dict[str, Any]) -> tuple[str, str, str]:
    name = event.get("event_type")
    if type(name) is not str:
        raise _NotAnEvent("it has no “event_type”")
    user = event.get("user_id") or event.get("device_id")
    return _day(event.get("event_time")), user if type(user) is str else _text(user), name


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


def _line_blocks(raw: IO[bytes]) -> Iterator[list[tuple[int, bytes]]]:
    """Yield the file's non-blank lines with their numbers, a few megabytes at a time."""
    stream = open_text(raw)
    number, rest = 0, b""
    try:
        while chunk := stream.read(READ_BYTES):
            data = rest + chunk
            cut = data.rfind(b"\n")
            if cut < 0:
                rest = data
                if len(rest) > MAX_LINE_BYTES:
                    raise Refused([(number + 1, LINE_TOO_LONG.format(line=number + 1))])
                continue
            rest = data[cut + 1 :]
            block = []
            for line in data[:cut].split(b"\n"):
                number += 1
                if line.strip():
                    block.append((number, line))
            yield block
    except (gzip.BadGzipFile, EOFError, zlib.error):
        raise Refused([(None, NOT_GZIP)]) from None
    if rest.strip():
        yield [(number + 1, rest)]


def _lines(raw: IO[bytes]) -> Iterator[tuple[int, bytes]]:
    for block in _line_blocks(raw):
        yield from block


def _parse(number: int, line: bytes) -> dict[str, Any]:
    try:
        event = orjson.loads(line)
    except orjson.JSONDecodeError as error:
        raise Refused([(number, NOT_JSON.format(line=number, reason=_reason(error)))]) from None
    if not isinstance(event, dict):
        raise Refused([_not_an_object(number, event)])
    return event


def _not_an_object(number: int, value: Any) -> tuple[int, str]:
    kind = {list: "an array", str: "a string", bool: "true or false"}.get(
        type(value), "a number" if isinstance(value, int | float) else "null"
    )
    return number, NOT_JSON.format(line=number, reason=f"{kind}, not an object")


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


def preview(raw: IO[bytes], connector: Connector, count: int) -> list[list[str]]:
    """Return the first `count` events as rows of date, user, feature, count.

    Malformed lines are passed over here: the import itself reports each of them.
    """
    shown: list[list[str]] = []
    for number, line in _lines(raw):
        if len(shown) >= count:
            break
        try:
            mapped = connector.cells(_parse(number, line))
        except (Refused, _NotAnEvent):
            continue
        if mapped is not None:
            shown.append([*mapped, "1"])
    return shown


def blocks(
    raw: IO[bytes], connector: Connector
) -> Iterator[tuple[list[int], list[str], list[str], list[str]]]:
    """Yield the file's events a block at a time, by column: line numbers, dates, users,
    features.

    Malformed lines are collected (up to a hundred, with the count of all) and refuse the file
    once it is read to the end, so that one upload shows every problem to correct.
    """
    problems: list[tuple[int | None, str]] = []
    count = 0
    cells = connector.cells
    for block in _line_blocks(raw):
        found: list[tuple[int | None, str]] = []
        try:
            events = [orjson.loads(line) for _number, line in block]
        except orjson.JSONDecodeError:
            events = []
            for number, line in block:
                try:
                    events.append(_parse(number, line))
                except Refused as refused:
                    found.extend(refused.errors)
                    events.append(_FAILED)
        numbers: list[int] = []
        dates: list[str] = []
        users: list[str] = []
        features: list[str] = []
        for (number, _line), event in zip(block, events, strict=True):
            if event is _FAILED:
                continue
            if type(event) is not dict:
                found.append(_not_an_object(number, event))
                continue
            try:
                mapped = cells(event)
            except _NotAnEvent as not_event:
                reason = NOT_AN_EVENT.format(line=number, label=connector.label, reason=not_event)
                found.append((number, reason))
                continue
            if mapped is not None:
                numbers.append(number)
                dates.append(mapped[0])
                users.append(mapped[1])
                features.append(mapped[2])
        if found:
            count += len(found)
            found.sort(key=lambda problem: problem[0] or 0)
            problems.extend(found[: MAX_ERRORS - len(problems)])
        if numbers and not problems:
            yield numbers, dates, users, features
    if problems:
        raise Refused(problems, count)
