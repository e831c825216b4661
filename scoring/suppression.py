"""Which segment figures may be shown: the one suppression rule of SPEC §11, pure Python.

Every output that shows figures derived from responses (pages, PDF, CSV, e-mails, API,
webhooks) asks `disclose()` which segments and cells it may show. Nothing here imports Django.

A figure of a segment — a mean, a count, a distribution share, an NPS count — is a sum over
the segment's respondents divided by a count that is itself a sum over them. Anyone who sees
the figures of some segments can add and subtract them, so a suppressed segment is safe only
when its respondent set is *not* a linear combination of the respondent sets shown. This module
checks exactly that, with exact fraction arithmetic, and hides more segments (secondary
suppression) until no suppressed segment can be derived, also across several splits shown
together.

Figures that not every respondent gives (a dimension answered "Don't know" throughout, an NPS
left blank) form *cells*: the respondents of a segment who gave a value for a measure. Cells
follow the same rule, measure by measure.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction

ALL = "all"
# A segment or cell is hidden either because it is too small, or because it would let a hidden
# one be computed from the figures shown.
TOO_SMALL, DERIVABLE = "too_small", "derivable"
HIDDEN_NOTE = "Some figures are hidden to protect the anonymity of small groups."

SegmentRef = tuple[str, str]
ALL_REF: SegmentRef = (ALL, ALL)


# --- Inputs -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Split:
    """One way of cutting the respondents, e.g. role or department: segment key → members."""

    name: str
    segments: Mapping[str, frozenset[Hashable]]


@dataclass(frozen=True)
class Population:
    """The respondents whose figures are shown together, and how they are cut.

    `answered` maps a measure (e.g. `awareness`, `nps`) to the respondents who gave a value
    for it; a measure not listed is taken as answered by everyone.
    """

    everyone: frozenset[Hashable]
    splits: tuple[Split, ...] = ()
    min_group_size: int = 3
    answered: Mapping[str, frozenset[Hashable]] = field(default_factory=dict)


# --- Result -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Disclosure:
    """What may be shown: hidden segments and hidden cells, each with its reason."""

    min_group_size: int
    hidden: Mapping[SegmentRef, str]
    hidden_cells: Mapping[tuple[SegmentRef, str], str]
    sizes: Mapping[SegmentRef, int]

    def shows(self, split: str, key: str) -> bool:
        """Return whether the segment's count and whole-segment figures may be shown."""
        return (split, key) not in self.hidden

    def shows_cell(self, split: str, key: str, measure: str) -> bool:
        """Return whether the segment's figure for `measure` may be shown."""
        return self.shows(split, key) and ((split, key), measure) not in self.hidden_cells

    def reason(self, split: str, key: str) -> str | None:
        """Return why the segment is hidden (`too_small` or `derivable`), or None."""
        return self.hidden.get((split, key))

    @property
    def figures_hidden(self) -> bool:
        """Return whether any figure of a non-empty segment is hidden (the page says so)."""
        return any(self.sizes.get(ref, 0) > 0 for ref in self.hidden) or bool(self.hidden_cells)


# --- The rule -----------------------------------------------------------------------------


def disclose(population: Population) -> Disclosure:
    """Return which segments and cells of the population may be shown.

    Primary suppression hides every segment (and cell) with fewer respondents than the minimum
    group size, "all" included. Secondary suppression then hides, while some hidden non-empty
    segment can still be computed from the shown ones, another segment: the smallest one of the
    same split whose hiding breaks that computation, else the smallest of that split, else the
    smallest of the other splits, and "all" last.
    """
    minimum = population.min_group_size
    if minimum < 1:
        raise ValueError("The minimum group size must be at least 1.")
    sets = _segment_sets(population)
    order = list(sets)
    hidden = _protect(sets, order, {}, minimum)
    hidden_cells: dict[tuple[SegmentRef, str], str] = {}
    for measure, answerers in population.answered.items():
        if answerers >= population.everyone:
            # Every cell equals its segment, already protected above: nothing more to hide.
            continue
        cell_sets = {ref: members & answerers for ref, members in sets.items()}
        layer = _protect(cell_sets, order, dict(hidden), minimum)
        for ref, reason in layer.items():
            # A cell nobody answered holds no figure: nothing is hidden there.
            if ref not in hidden and cell_sets[ref]:
                hidden_cells[(ref, measure)] = reason
    return Disclosure(
        min_group_size=minimum,
        hidden=hidden,
        hidden_cells=hidden_cells,
        sizes={ref: len(members) for ref, members in sets.items()},
    )


def _segment_sets(population: Population) -> dict[SegmentRef, frozenset[Hashable]]:
    sets: dict[SegmentRef, frozenset[Hashable]] = {ALL_REF: frozenset(population.everyone)}
    for split in population.splits:
        if split.name == ALL:
            raise ValueError(f"A split cannot be named {ALL!r}: that name is the whole group.")
        for key, members in split.segments.items():
            sets[(split.name, key)] = frozenset(members) & population.everyone
    return sets


def _protect(
    sets: Mapping[SegmentRef, frozenset[Hashable]],
    order: Sequence[SegmentRef],
    hidden: dict[SegmentRef, str],
    minimum: int,
) -> dict[SegmentRef, str]:
    """Return `hidden` completed with primary and secondary suppression over `sets`."""
    for ref in order:
        if ref not in hidden and len(sets[ref]) < minimum:
            hidden[ref] = TOO_SMALL
    vectors = _atom_vectors(sets)
    while True:
        shown = [ref for ref in order if ref not in hidden]
        exposed = _first_derivable(vectors, shown, [ref for ref in order if ref in hidden])
        if exposed is None:
            return hidden
        hidden[_next_to_hide(exposed, shown, sets, vectors)] = DERIVABLE


def _first_derivable(
    vectors: Mapping[SegmentRef, tuple[int, ...]],
    shown: Sequence[SegmentRef],
    hidden: Iterable[SegmentRef],
) -> SegmentRef | None:
    basis = _Basis()
    for ref in shown:
        basis.add(vectors[ref])
    for ref in hidden:
        if any(vectors[ref]) and basis.spans(vectors[ref]):
            return ref
    return None


def _next_to_hide(
    exposed: SegmentRef,
    shown: Sequence[SegmentRef],
    sets: Mapping[SegmentRef, frozenset[Hashable]],
    vectors: Mapping[SegmentRef, tuple[int, ...]],
) -> SegmentRef:
    def by_size(refs: Iterable[SegmentRef]) -> list[SegmentRef]:
        return sorted(refs, key=lambda ref: (len(sets[ref]), shown.index(ref)))

    same_split = by_size(r for r in shown if r[0] == exposed[0] and r != ALL_REF and sets[r])
    other_splits = by_size(r for r in shown if r[0] != exposed[0] and r != ALL_REF and sets[r])
    for candidate in (*same_split, *other_splits):
        basis = _Basis()
        for ref in shown:
            if ref != candidate:
                basis.add(vectors[ref])
        if not basis.spans(vectors[exposed]):
            return candidate
    # No single segment breaks the computation: hide one and look again. Shown empty segments
    # carry no figure, so hiding one would change nothing.
    for candidate in (*same_split, *other_splits):
        return candidate
    return ALL_REF if ALL_REF in shown else shown[0]


def _atom_vectors(sets: Mapping[SegmentRef, frozenset[Hashable]]) -> dict[SegmentRef, tuple]:
    """Return each set as a 0/1 vector over atoms (respondents that belong to the same sets).

    Respondents in the same sets are indistinguishable to any sum of segment figures, so the
    span relations over atoms are those over respondents, with far fewer coordinates.
    """
    refs = list(sets)
    # A signature is an integer with one bit per set, the first set's bit the highest: sorting
    # the integers orders the atoms as sorting their tuples of booleans would, and building
    # them walks each set once instead of testing every member against every set.
    bits = [1 << (len(refs) - 1 - position) for position in range(len(refs))]
    signatures: dict[Hashable, int] = {}
    for ref, bit in zip(refs, bits, strict=True):
        for member in sets[ref]:
            signatures[member] = signatures.get(member, 0) | bit
    atoms = sorted(set(signatures.values()))
    return {
        ref: tuple(1 if atom & bit else 0 for atom in atoms)
        for ref, bit in zip(refs, bits, strict=True)
    }


class _Basis:
    """An echelon basis over the rationals, to test whether a vector is in a span."""

    def __init__(self) -> None:
        self.rows: list[tuple[int, list[Fraction]]] = []

    def _reduce(self, vector: Sequence[int]) -> list[Fraction]:
        values = [Fraction(value) for value in vector]
        for pivot, row in self.rows:
            if values[pivot]:
                factor = values[pivot] / row[pivot]
                values = [value - factor * other for value, other in zip(values, row, strict=True)]
        return values

    def add(self, vector: Sequence[int]) -> None:
        reduced = self._reduce(vector)
        pivot = next((i for i, value in enumerate(reduced) if value), None)
        if pivot is not None:
            self.rows.append((pivot, reduced))

    def spans(self, vector: Sequence[int]) -> bool:
        return not any(self._reduce(vector))


# --- Over time ----------------------------------------------------------------------------


def disclosed_count(*, submitted: int, previous: int, min_group_size: int) -> int:
    """Return how many of a round's submitted responses (first submitted first) may be shown.

    A round shows nothing below the minimum group size, and each newly shown state adds at
    least that many responses to the previous one (`previous`, 0 when none was shown), so the
    difference between two states never isolates fewer people than a group may hold.
    """
    if 0 < previous <= submitted:
        return previous + (submitted - previous) // min_group_size * min_group_size
    # Nothing shown yet, or responses were withdrawn since: start over from the minimum.
    return submitted - submitted % min_group_size
