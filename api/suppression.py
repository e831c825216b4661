"""The figures of a stored breakdown as the API may show them.

The pages show a snapshot's breakdown as the engine stored it, where a group under the minimum
group size is already marked `suppressed` with every figure None (scoring/engine.py). The API
goes through the same rule and, in case a stored breakdown predates it, empties any figure a
suppressed group would still carry, so no answer can hold one.
"""

from __future__ import annotations

from typing import Any

# The keys of a group that are not figures of its respondents.
GROUP_IDENTITY = ("group", "responses", "suppressed")


def shown_breakdown(breakdown: dict[str, Any] | None) -> dict[str, Any] | None:
    """Return the breakdown with every figure of a suppressed group set to None."""
    if not breakdown:
        return breakdown
    groups = {}
    for name, group in (breakdown.get("groups") or {}).items():
        if group.get("suppressed"):
            group = {
                key: (value if key in GROUP_IDENTITY else None) for key, value in group.items()
            }
        groups[name] = group
    return {**breakdown, "groups": groups}
