"""Usage imports, the scoring model and score snapshots."""

from __future__ import annotations
