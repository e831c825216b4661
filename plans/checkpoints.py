"""The assessment rounds a project proposes from its dates (SPEC §10): pure Python, no Django."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

BASELINE, PRE_GOLIVE, POST_30, POST_90 = "baseline", "pre_golive", "post_30", "post_90"
CHECKPOINT_NAMES: dict[str, str] = {
    BASELINE: "Kick-off baseline",
    PRE_GOLIVE: "Pre go-live",
    POST_30: "30 days after go-live",
    POST_90: "90 days after go-live",
}
# How long a proposed round stays open.
ROUND_DAYS = 14


@dataclass(frozen=True)
class Checkpoint:
    code: str
    name: str
    opens_on: datetime.date

    @property
    def closes_on(self) -> datetime.date:
        return self.opens_on + datetime.timedelta(days=ROUND_DAYS)


def proposed_checkpoints(
    kickoff: datetime.date | None, golive: datetime.date | None
) -> tuple[Checkpoint, ...]:
    """Return the rounds the project's dates propose, in date order; none without the dates.

    Kick-off baseline on the kick-off date; pre go-live two weeks before go-live; then 30 and
    90 days after go-live.
    """
    dates: dict[str, datetime.date] = {}
    if kickoff is not None:
        dates[BASELINE] = kickoff
    if golive is not None:
        dates[PRE_GOLIVE] = golive - datetime.timedelta(days=14)
        dates[POST_30] = golive + datetime.timedelta(days=30)
        dates[POST_90] = golive + datetime.timedelta(days=90)
    return tuple(
        Checkpoint(code, CHECKPOINT_NAMES[code], day)
        for code, day in sorted(
            dates.items(), key=lambda item: (item[1], list(CHECKPOINT_NAMES).index(item[0]))
        )
    )
