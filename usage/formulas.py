"""The usage formulas of SPEC §4: license utilization, feature breadth and the usage index.

Pure functions with no Django import: the usage pages and the scoring engine both use them, so
each formula is written once. Ratios are 0–1 and the index 0–100, all unrounded.
"""

from __future__ import annotations


def license_utilization(active_users: int, licensed_seats: int | None) -> float | None:
    """Return min(MAU / licensed seats, 1), or None without licensed seats."""
    if not licensed_seats:
        return None
    return min(active_users / licensed_seats, 1.0)


def feature_breadth(features_used: int | None, features_tracked: int) -> float | None:
    """Return tracked features used / tracked features, or None when none are tracked."""
    if features_tracked <= 0 or features_used is None:
        return None
    return min(features_used / features_tracked, 1.0)


def usage_index(utilization: float | None, breadth: float | None) -> float | None:
    """Return 100 × (2U + F) / 3 when F is defined, else 100 × U; None without U."""
    if utilization is None:
        return None
    if breadth is None:
        return 100.0 * utilization
    return 100.0 * (2.0 * utilization + breadth) / 3.0
