"""What higher layers ask to run when snapshots are stored (they register in AppConfig.ready).

The change-plan app records the measured effect of actions with each new snapshot this way,
inside the same transaction, so an effect is stored with the snapshot that measured it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

SnapshotListener = Callable[..., Any]

_snapshots_stored: list[SnapshotListener] = []


def register_snapshots_stored(listener: SnapshotListener) -> None:
    """Call `listener(snapshots=…)` with each batch of snapshots a recalculation stores."""
    if listener not in _snapshots_stored:
        _snapshots_stored.append(listener)


def snapshots_stored(*, snapshots: Sequence[Any]) -> None:
    """Run every registered listener for a batch of stored snapshots."""
    if not snapshots:
        return
    for listener in _snapshots_stored:
        listener(snapshots=snapshots)
