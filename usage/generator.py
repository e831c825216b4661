"""Realistic, deterministic usage files for demos, tests and benchmarks.

People join over the first months (an adoption ramp), use the product mostly on weekdays, less
in late December and in August, a few power users do most of the work, and each person has
favourite features.
"""

from __future__ import annotations

import csv
import datetime
import io
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

HEADER = ("date", "user", "feature", "count")
WEEKDAY_FACTOR = (1.0, 1.0, 1.0, 0.95, 0.85, 0.2, 0.1)


@dataclass(frozen=True)
class UsageProfile:
    """How a customer uses the product: `users` people over `days` days ending on `end`."""

    users: int
    days: int
    end: datetime.date
    features: tuple[str, ...] = ("reports", "dashboards", "alerts", "exports")
    power_user_share: float = 0.15
    light_user_share: float = 0.25
    seed: int = 1
    domain: str = "customer.example"
    account: str = ""


def _season(day: datetime.date) -> float:
    """Return the seasonal factor of a day: a gentle yearly wave, holidays lower."""
    wave = 1.0 + 0.1 * math.sin(2 * math.pi * day.timetuple().tm_yday / 365.0)
    if (day.month == 12 and day.day >= 22) or (day.month == 1 and day.day <= 2):
        return wave * 0.35
    if day.month == 8:
        return wave * 0.75
    return wave


def usage_rows(profile: UsageProfile, limit: int | None = None) -> Iterator[tuple[str, ...]]:
    """Yield rows (date, user, feature, count[, account]) in date order."""
    rng = random.Random(profile.seed)
    start = profile.end - datetime.timedelta(days=profile.days - 1)
    people = []
    for number in range(profile.users):
        draw = rng.random()
        if draw < profile.power_user_share:
            activity, breadth, intensity = 0.9, 3, 6.0
        elif draw < 1 - profile.light_user_share:
            activity, breadth, intensity = 0.55, 2, 3.0
        else:
            activity, breadth, intensity = 0.2, 1, 1.5
        # Earlier joiners are more likely; everyone has joined by two thirds of the period.
        joins = int(rng.random() ** 2 * profile.days * 0.66)
        weights = [rng.random() ** 2 + 0.05 for _ in profile.features]
        people.append(
            (f"user{number:05d}@{profile.domain}", activity, breadth, intensity, joins, weights)
        )
    emitted = 0
    for offset in range(profile.days):
        day = start + datetime.timedelta(days=offset)
        factor = WEEKDAY_FACTOR[day.weekday()] * _season(day)
        stamp = day.isoformat()
        for identifier, activity, breadth, intensity, joins, weights in people:
            if offset < joins or rng.random() >= activity * factor:
                continue
            chosen = set(rng.choices(profile.features, weights, k=rng.randint(1, breadth)))
            for feature in sorted(chosen):
                count = 1 + int(rng.expovariate(1 / intensity))
                row = (stamp, identifier, feature, str(count))
                yield (*row, profile.account) if profile.account else row
                emitted += 1
                if limit is not None and emitted >= limit:
                    return


def write_csv(rows: Iterator[tuple[str, ...]], target: IO[str], *, account: bool) -> int:
    """Write a header and `rows` as CSV; return how many rows were written."""
    writer = csv.writer(target, lineterminator="\n")
    writer.writerow((*HEADER, "account") if account else HEADER)
    written = 0
    for row in rows:
        writer.writerow(row)
        written += 1
    return written


def write_xlsx(rows: Iterator[tuple[str, ...]], path: str, *, account: bool) -> int:
    """Write a header and `rows` as a one-sheet workbook (streamed); return the row count."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Usage")
    sheet.append([*HEADER, "account"] if account else list(HEADER))
    written = 0
    for row in rows:
        sheet.append([datetime.date.fromisoformat(row[0]), row[1], row[2], int(row[3]), *row[4:]])
        written += 1
    workbook.save(path)
    return written


def csv_bytes(profile: UsageProfile) -> bytes:
    """Return a whole generated CSV file (for small files such as the demo's)."""
    text = io.StringIO()
    write_csv(usage_rows(profile), text, account=bool(profile.account))
    return text.getvalue().encode()
