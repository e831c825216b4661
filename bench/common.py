"""What every benchmark does before it times anything (docs/performance.md, "Hygiene").

- `vacuum_analyze(tables)`: autovacuum may be off on the benchmark's PostgreSQL, and a previous
  run's dead rows once made index look-ups five times slower; so each benchmark vacuums and
  analyzes the tables it reads and writes after loading its data and before timing.
- `machine_line()`: the load average and core count, printed at the start of every run, so a
  figure taken while something else was running can be recognised as such.
- `alternate(rounds, *phases)`: baseline and subject run in turn, so that whatever else the
  machine does meanwhile weighs on both alike.

Django must be set up before `vacuum_analyze` is called.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable


def vacuum_analyze(tables: Iterable[str], *, using: str = "default") -> None:
    """Run VACUUM ANALYZE on each table, outside any transaction (PostgreSQL refuses it inside)."""
    from django.db import connections

    connection = connections[using]
    if connection.vendor != "postgresql":
        return
    if connection.in_atomic_block:
        raise RuntimeError("VACUUM cannot run inside a transaction: commit the data first.")
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"VACUUM ANALYZE {connection.ops.quote_name(table)}")


def machine_line() -> str:
    """One line naming the machine's load: '2 CPUs, load average 0.84 / 0.91 / 1.02 (1/5/15 min)'."""
    one, five, fifteen = os.getloadavg()
    return (
        f"{os.cpu_count()} CPUs, load average {one:.2f} / {five:.2f} / {fifteen:.2f} (1/5/15 min)"
    )


def alternate(rounds: int, *phases: Callable[[int], None]) -> None:
    """Call each phase in turn, `rounds` times: baseline, subject, baseline, subject, …"""
    for round_number in range(rounds):
        for phase in phases:
            phase(round_number)
