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

Speed: the file is read a block of lines at a time; each line is decoded with msgspec into a
record of only the keys its format needs (the others are skipped, not built), and the block's
records are mapped by column, with no Python code per event. A block where any line is blank,
not JSON, or not plainly an event of its format (a missing key, a number for a name…) is
mapped event by event instead: each line that the records can read is mapped as they map it,
any other with the rules above, so that the same lines give the same cells either way and
each problem is named.
"""

from __future__ import annotations

import datetime
import functools
import gzip
import operator
import re
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from itertools import compress, repeat
from typing import IO, Any

import msgspec
import orjson

HEADER = ["date", "user", "feature", "count"]
GZIP_MAGIC = b"\x1f\x8b"
SUFFIXES = (".jsonl", ".ndjson", ".json", ".jsonl.gz", ".ndjson.gz", ".json.gz", ".gz")
MAX_LINE_BYTES = 1024 * 1024
# A block of lines is read, decoded and mapped by column in one go: a quarter of a megabyte
# (about 2,500 events) keeps its records in the processor's cache, which made reading a million
# events a third quicker than blocks of 4 MB.
READ_BYTES = 256 * 1024
MAX_ERRORS = 100

NOT_JSON = "Line {line} is not a JSON event ({reason}). Export the events again as JSON lines."
NOT_AN_EVENT = "Line {line} is not a {label} event: {reason}."
UNKNOWN_FORMAT = (
    "The file holds JSON lines, but not events of Segment (track), Mixpanel (raw export) or "
    "Amplitude (export). Upload one of those exports, or a CSV with date, user, feature, count."
)
NOT_GZIP = "The file could not be decompressed as gzip. Upload the export as it was downloaded."
LINE_TOO_LONG = "Line {line} is longer than a megabyte, which no analytics event is."
NUL_CHARACTER = "it holds a NUL character (\\u0000), which no event name, identifier or time has"
# A gzip file that expands this much more than its own size, past the first bytes, is not an
# export (JSON lines compress 10 to 30 times): a "zip bomb" would keep the import busy for hours.
GZIP_MAX_RATIO = 200
GZIP_RATIO_FROM_BYTES = 64 * 1024 * 1024
GZIP_BOMB = (
    "The file expands to far more than an export of events does (it may be a “zip bomb”). "
    "Upload the export as it was downloaded."
)
# Mixpanel times above this are milliseconds: as seconds they would be after the year 5000.
_MILLISECONDS_FROM = 100_000_000_000


# A block of events by column: line numbers, dates, users, features.
Columns = tuple[Sequence[int], list[str], list[str], list[str]]


@dataclass(frozen=True)
class Connector:
    name: str
    label: str
    # Return the event's (date, user, feature) text, or raise _NotAnEvent with a reason.
    cells: Callable[[dict[str, Any]], tuple[str, str, str] | None]
    # Read a line as a record of the few keys `columns` needs (the others are skipped, not
    # built), or raise msgspec's errors when a value is not of the usual type.
    decoder: msgspec.json.Decoder
    # Return a block of records (and their line numbers) by column, exactly as `cells` maps
    # each event, or None when any of them needs `cells` itself.
    columns: Callable[[list[Any], Sequence[int]], Columns | None]


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
    return _utc_day_number(int(seconds // 86400))


def _utc_day_number(number: int) -> str:
    """Return the ISO date of the `number`th day after 1970-01-01 (raise if it has none)."""
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
    seconds = when / 1000 if when > _MILLISECONDS_FROM else when
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


# --- By column: the same mappings for a whole block, without Python code per event ---------


class _SegmentRecord(msgspec.Struct, gc=False):
    type: str = "track"
    event: str | None = None
    timestamp: str | None = None
    originalTimestamp: str | None = None  # Segment's own key names, in camel case
    sentAt: str | None = None
    receivedAt: str | None = None
    userId: str | None = None
    anonymousId: str | None = None


# Keys that every event of a format has are required: a line without one is mapped by `cells`,
# which names what is missing.


class _MixpanelProperties(msgspec.Struct, gc=False):
    time: int
    distinct_id: str | None = None
    user_id: str | None = msgspec.field(default=None, name="$user_id")


class _MixpanelRecord(msgspec.Struct, gc=False):
    event: str
    properties: _MixpanelProperties


class _AmplitudeRecord(msgspec.Struct, gc=False):
    event_type: str
    event_time: str
    user_id: str | None = None
    device_id: str | None = None


def _plain(values: list[str | None]) -> bool:
    """Return whether every value (a string or None) is a non-empty string, which `a or b`
    keeps as it is."""
    return all(values)


def _or_else(values: list[str | None], others: Callable[[], list[str | None]]) -> list[str | None]:
    """Return each value, or else the other one (as `a or b`)."""
    if _plain(values):
        return values
    return [value or other for value, other in zip(values, others(), strict=True)]


def _days(timestamps: list[str]) -> list[str]:
    """Return `_day` of each timestamp (strings), matching each distinct one once."""
    pattern = _timestamp()
    day_of = {value: value[:10] if pattern.match(value) else value for value in set(timestamps)}
    return list(map(day_of.__getitem__, timestamps))


def _segment_columns(records: list[_SegmentRecord], numbers: Sequence[int]) -> Columns | None:
    kinds = [record.type for record in records]
    if set(kinds) != {"track"}:
        kept = list(map(operator.eq, kinds, repeat("track")))
        records, numbers = list(compress(records, kept)), list(compress(numbers, kept))
        if not records:
            return [], [], [], []
    names = [record.event for record in records]
    timestamps = [record.timestamp for record in records]
    for key in ("originalTimestamp", "sentAt", "receivedAt"):
        if _plain(timestamps):
            break
        timestamps = _or_else(timestamps, lambda key=key: [getattr(r, key) for r in records])
    users = _or_else(
        [record.userId for record in records], lambda: [r.anonymousId for r in records]
    )
    if None in names or not _plain(timestamps) or not _plain(users):
        return None
    return numbers, _days(timestamps), users, names


def _mixpanel_columns(records: list[_MixpanelRecord], numbers: Sequence[int]) -> Columns | None:
    names = [record.event for record in records]
    properties = [record.properties for record in records]
    times = [item.time for item in properties]
    # Whole numbers: floor division gives the day that `_mixpanel`'s float division gives.
    if min(times) > _MILLISECONDS_FROM:
        day_numbers = list(map(operator.floordiv, times, repeat(86_400_000)))
    elif max(times) <= _MILLISECONDS_FROM:
        day_numbers = list(map(operator.floordiv, times, repeat(86400)))
    else:
        day_numbers = [
            time // 86_400_000 if time > _MILLISECONDS_FROM else time // 86400 for time in times
        ]
    try:
        day_of = {number: _utc_day_number(number) for number in set(day_numbers)}
    except (OverflowError, OSError, ValueError):
        return None
    users = _or_else(
        [item.distinct_id for item in properties], lambda: [item.user_id for item in properties]
    )
    if not _plain(users):
        return None
    return numbers, list(map(day_of.__getitem__, day_numbers)), users, names


def _amplitude_columns(records: list[_AmplitudeRecord], numbers: Sequence[int]) -> Columns | None:
    names = [record.event_type for record in records]
    timestamps = [record.event_time for record in records]
    users = _or_else([record.user_id for record in records], lambda: [r.device_id for r in records])
    if not _plain(users):
        return None
    return numbers, _days(timestamps), users, names


def _decoder(record: type) -> msgspec.json.Decoder:
    return msgspec.json.Decoder(record)


SEGMENT = Connector(
    "segment", "Segment track events", _segment, _decoder(_SegmentRecord), _segment_columns
)
MIXPANEL = Connector(
    "mixpanel", "Mixpanel raw export", _mixpanel, _decoder(_MixpanelRecord), _mixpanel_columns
)
AMPLITUDE = Connector(
    "amplitude", "Amplitude export", _amplitude, _decoder(_AmplitudeRecord), _amplitude_columns
)
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


class _Lines:
    """A block of consecutive lines of the file, blank ones included, as they were read."""

    def __init__(self, first: int, lines: list[bytes], text: bytes) -> None:
        self.first = first
        self.lines = lines
        # Only a block of UTF-8 text without `\u0000` (maybe not a NUL: `\\u0000` is a
        # backslash and "u0000") is mapped by column: the records skip the keys they do not
        # need without reading their text, and event by event each cell is checked for NUL.
        self.by_column = b"\\u0000" not in text and _is_utf8(text)

    def numbered(self) -> Iterator[tuple[int, bytes]]:
        """Yield the non-blank lines with their numbers."""
        for number, line in enumerate(self.lines, self.first):
            if line.strip():
                yield number, line


def _line_blocks(raw: IO[bytes], read_bytes: int = READ_BYTES) -> Iterator[_Lines]:
    """Yield the file's lines, `read_bytes` (a few megabytes) at a time.

    A line longer than MAX_LINE_BYTES refuses the file, and so does a gzip file that expands
    far beyond its size (GZIP_MAX_RATIO).
    """
    stream = open_text(raw)
    gzipped = stream is not raw
    expanded = 0
    number, rest = 1, b""
    try:
        while chunk := stream.read(read_bytes):
            expanded += len(chunk)
            if (
                gzipped
                and expanded > GZIP_RATIO_FROM_BYTES
                and expanded > GZIP_MAX_RATIO * raw.tell()
            ):
                raise Refused([(None, GZIP_BOMB)])
            data = rest + chunk
            cut = data.rfind(b"\n")
            if cut < 0:
                rest = data
                _refuse_long([rest], number)
                continue
            rest = data[cut + 1 :]
            lines = data[:cut].split(b"\n")
            _refuse_long(lines, number)
            yield _Lines(number, lines, data[:cut])
            number += len(lines)
    except (gzip.BadGzipFile, EOFError, zlib.error):
        raise Refused([(None, NOT_GZIP)]) from None
    if rest.strip():
        _refuse_long([rest], number)
        yield _Lines(number, [rest], rest)


def _is_utf8(text: bytes) -> bool:
    if text.isascii():
        return True
    try:
        text.decode()
    except UnicodeDecodeError:
        return False
    return True


def _refuse_long(lines: list[bytes], first: int) -> None:
    if lines and max(map(len, lines)) > MAX_LINE_BYTES:
        at = first + next(i for i, line in enumerate(lines) if len(line) > MAX_LINE_BYTES)
        raise Refused([(at, LINE_TOO_LONG.format(line=at))])


# The first event and the preview need a few lines, not megabytes.
_HEAD_READ_BYTES = 64 * 1024


def _lines(raw: IO[bytes]) -> Iterator[tuple[int, bytes]]:
    for block in _line_blocks(raw, _HEAD_READ_BYTES):
        yield from block.numbered()


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
            mapped = _line_cells(connector, number, line)
        except (Refused, _NotAnEvent):
            continue
        if mapped is not None:
            shown.append([*mapped, "1"])
    return shown


def blocks(raw: IO[bytes], connector: Connector) -> Iterator[Columns]:
    """Yield the file's events a block at a time, by column: line numbers, dates, users,
    features.

    Malformed lines are collected (up to a hundred, with the count of all) and refuse the file
    once it is read to the end, so that one upload shows every problem to correct.
    """
    problems: list[tuple[int | None, str]] = []
    count = 0
    for block in _line_blocks(raw):
        mapped = _by_column(connector, block) if block.by_column else None
        if mapped is None:
            found, mapped = _event_by_event(connector, block)
            if found:
                count += len(found)
                found.sort(key=lambda problem: problem[0] or 0)
                problems.extend(found[: MAX_ERRORS - len(problems)])
        if mapped[0] and not problems:
            yield mapped
    if problems:
        raise Refused(problems, count)


def _by_column(connector: Connector, block: _Lines) -> Columns | None:
    """Return the block's events by column, or None when a line needs `_event_by_event`."""
    try:
        records = list(map(connector.decoder.decode, block.lines))
    except (msgspec.DecodeError, RecursionError):
        return None  # a blank line, one that is not JSON, or a value of an unusual type
    return connector.columns(records, range(block.first, block.first + len(block.lines)))


def _event_by_event(
    connector: Connector, block: _Lines
) -> tuple[list[tuple[int | None, str]], Columns]:
    """Map the block's events one at a time: its problems, and its events by column."""
    found: list[tuple[int | None, str]] = []
    numbers: list[int] = []
    dates: list[str] = []
    users: list[str] = []
    features: list[str] = []
    for number, line in block.numbered():
        try:
            mapped = _line_cells(connector, number, line)
        except Refused as refused:
            found.extend(refused.errors)
            continue
        except _NotAnEvent as not_event:
            reason = NOT_AN_EVENT.format(line=number, label=connector.label, reason=not_event)
            found.append((number, reason))
            continue
        if mapped is not None:
            numbers.append(number)
            dates.append(mapped[0])
            users.append(mapped[1])
            features.append(mapped[2])
    return found, (numbers, dates, users, features)


def _line_cells(connector: Connector, number: int, line: bytes) -> tuple[str, str, str] | None:
    """Return the cells of one line as `_by_column` would map it, else by `Connector.cells`.

    A line that `_by_column` reads is read the same here, so that a block's events do not
    depend on whether another line of it is unusual. Raise Refused or _NotAnEvent.
    """
    if not _is_utf8(line):
        raise Refused([(number, NOT_JSON.format(line=number, reason="not UTF-8 text"))])
    try:
        record = connector.decoder.decode(line)
    except msgspec.ValidationError:
        record = None  # a value of an unusual type: read as `cells` reads it
    except (msgspec.DecodeError, RecursionError):
        _parse(number, line)  # refuses the line with the reason
        raise Refused([(number, NOT_JSON.format(line=number, reason="invalid JSON"))]) from None
    if record is not None:
        mapped = connector.columns([record], [number])
        if mapped is not None:
            cells = None if not mapped[0] else (mapped[1][0], mapped[2][0], mapped[3][0])
            return _without_nul(cells)
    return _without_nul(connector.cells(_parse(number, line)))


def _without_nul(cells: tuple[str, str, str] | None) -> tuple[str, str, str] | None:
    if cells is not None and any("\x00" in cell for cell in cells):
        raise _NotAnEvent(NUL_CHARACTER)
    return cells
