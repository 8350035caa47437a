"""Which values are withheld: small numbers, and every value that would give one back (docs/domain.md, rule 3).

**Primary** ("small"): a value whose ``n`` is below the threshold. Unknown
``n`` is never suppressed.

**Complementary**: a withheld value still counts in its totals, so a reader
who sees a total and its other parts could subtract them and get it back,
along any margin (classes within a grade, grades within ``all``, subjects
within ``all``, institutions within a district and the municipality) or by
combining margins. The reader is assumed to know every published value, every
count (as if every n were shown) and how the values add up. Each value is a sum
of cells (``lattice.Lattice.members``), so a withheld value is *disclosed*
when its sum of cells is a linear combination of published values: when it
lies in their row space. Values that are not computable are unknown to the
reader too.

The test is exact and cheap because most cells are pinned at once: a published
value whose cells are all known but one gives that one away ("peeling"; this
alone finds every plain subtraction). What is left, a few cells tied together
by published totals, is settled by linear algebra: whether it lies in the row
space of those totals (numpy SVD), per connected component.

While a small value is disclosed, one more published value is withheld, from a
margin that gives it away (one in which it is the only withheld value; else
one next to it, ring by ring): the value that leaves the fewest margins with a
single withheld value (so withheld values close up into rectangles instead of
spreading), then a part before a total, then the fewest pupils. Then, largest
first, each complementary value is shown again if the small ones stay
protected without it, and at the end every complementary value a reader could
still work out is shown again: it protected nothing (the published values' row
space is the same with it). So no withheld value at all can be worked out.

Groups (one municipality and school year) never share a cell, so each is
decided on its own, and only groups with a small value need any work. The
pattern depends on the data alone, not on who asks or what they filter: every
page, export and report shows the same value or withholds it.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from indicators.lattice import Lattice

SHOWN, SMALL, COMPLEMENTARY = 0, 1, 2
# Rounding tolerance of the linear algebra on 0/1 matrices.
_TOL = 1e-7
# Random weights that give each set of cells a fingerprint (two sums of random weights), so values summing
# the same cells are found without comparing sets one by one; a fixed seed: the same pattern every run.
_FINGERPRINT_SEED = 55
# Decisions already taken, by a digest of everything they depend on (``_Problem._key``): indicators built on the
# same counts (the five well-being indicators, the two absence ones, the three level shares) share most groups,
# and so does every call that asks for the same municipality again. Cleared when full.
_DECIDED: dict[bytes, np.ndarray] = {}
_DECIDED_SIZE = 20_000


class _Rows:
    """Rows of ids (compressed): row ``i`` holds ``ids[start[i]:start[i + 1]]``."""

    def __init__(self, start: np.ndarray, ids: np.ndarray):
        self.start, self.ids = start, ids

    @classmethod
    def of_pairs(cls, rows: np.ndarray, ids: np.ndarray, count: int) -> _Rows:
        order = np.argsort(rows, kind="stable")
        return cls(np.searchsorted(rows[order], np.arange(count + 1)), ids[order])

    def take(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The ids of several rows at once: (position in ``rows`` of each id, ids)."""
        lengths = self.start[rows + 1] - self.start[rows]
        seg = np.repeat(np.arange(len(rows)), lengths)
        first = np.repeat(self.start[rows] - (np.cumsum(lengths) - lengths), lengths)
        return seg, self.ids[first + np.arange(len(seg))]


def forget() -> None:
    """Forget the decisions kept between calls (``_DECIDED``), so that a benchmark times a cold start."""
    _DECIDED.clear()


def decide(lattice: Lattice, threshold: int) -> np.ndarray:
    """The reason each value of the lattice is withheld: ``SHOWN``, ``SMALL`` or ``COMPLEMENTARY``."""
    values = lattice.values
    reason = np.zeros(len(values), dtype=np.int8)
    n = pd.to_numeric(values["n"], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    small = ~np.isnan(n) & (n < threshold)
    reason[small] = SMALL
    if not small.any():
        return reason
    computable = values["value"].notna().to_numpy()
    group = _groups(lattice)
    problem = _Problem(lattice, np.isin(group, group[small]))
    rows = problem.rows
    unknown = small[rows] | ~computable[rows]
    withheld = problem.protect(unknown, small[rows], ~unknown)
    reason[rows[withheld & ~unknown]] = COMPLEMENTARY
    return reason


def for_reader(lattice: Lattice, reason: np.ndarray, visible: np.ndarray, own: np.ndarray, protect: np.ndarray):
    """Values to withhold from one reader beyond ``reason``: one who sees only the ``visible`` values and knows
    the cells of the ``own`` ones (a leader knows their own institutions' data), and must not work out a
    withheld value or a ``protect`` one (for test results, other institutions' values). Only visible values
    that mix own cells with others are withheld (the municipality's, mostly)."""
    extra = np.zeros(len(reason), dtype=bool)
    if not visible.any():
        return extra
    group = _groups(lattice)
    # What the reader sees, and what they must not work out: nothing else can help or be hurt.
    problem = _Problem(lattice, np.isin(group, group[visible]) & (visible | protect | (reason != SHOWN)))
    rows = problem.rows
    known = np.zeros(int(lattice.members.max()) + 1, dtype=bool)
    known[_Rows(lattice.offsets, lattice.members).take(np.flatnonzero(own))[1]] = True
    lengths = np.diff(problem.cells.start)
    seg = np.repeat(np.arange(len(rows)), lengths)
    all_known = np.bincount(seg, ~known[problem.cells.ids], len(rows)) == 0
    withheld = reason[rows] != SHOWN
    unknown = ~visible[rows] | withheld
    targets = (withheld | protect[rows]) & ~all_known
    if targets.any():
        extra[rows] = problem.protect(unknown, targets, ~unknown & ~all_known, known) & ~unknown
    return extra


def _groups(lattice: Lattice) -> np.ndarray:
    """Each value's group: its municipality and school year."""
    values = lattice.values
    key = values["mun"].to_numpy(dtype=np.int64) * 10_000 + values["school_year"].to_numpy(dtype=np.int64)
    return np.unique(key, return_inverse=True)[1]


class _Problem:
    """The values of some whole groups of a lattice, ready to decide which to withhold."""

    def __init__(self, lattice: Lattice, wanted: np.ndarray):
        self.rows = rows = np.flatnonzero(wanted)
        renumber = np.full(len(wanted) + 1, -1)
        renumber[rows] = np.arange(len(rows))
        self.lengths = lengths = np.diff(lattice.offsets)[rows]
        self.cells = _Rows(
            np.concatenate([[0], np.cumsum(lengths)]), _Rows(lattice.offsets, lattice.members).take(rows)[1]
        )
        self.group = _groups(lattice)[rows]
        # Values that sum the same cells are one value to a reader: decide once per distinct set of cells.
        self.rep = _same_cells(self.cells)
        self.parents = parents = [renumber[p[rows]] for p in lattice.parents]
        is_total = np.zeros(len(rows), dtype=bool)
        for parent in parents:
            is_total[parent[parent >= 0]] = True
        n = pd.to_numeric(lattice.values["n"], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)[rows]
        self.n = n
        self.margins = _Margins(self.rep, parents, n, np.bincount(self.rep, is_total, len(rows))[self.rep] > 0)

    def protect(
        self, unknown: np.ndarray, targets: np.ndarray, eligible: np.ndarray, known: np.ndarray | None = None
    ) -> np.ndarray:
        """Withhold ``eligible`` values (beyond the ``unknown`` ones) until no ``targets`` can be worked out from the
        values not unknown (and the ``known`` cells); returns every value then unknown."""
        count = len(self.rows)
        rep = self.rep
        # A value is published if any value with the same cells is; a target or eligible if any such is.
        withheld = np.bincount(rep, ~unknown, count) == 0
        fixed = withheld.copy()
        target = np.bincount(rep, targets, count) > 0
        may = np.bincount(rep, eligible, count) > 0
        by_group = np.argsort(self.group, kind="stable")
        bounds = np.searchsorted(self.group[by_group], np.arange(self.group.max() + 2))
        position = np.empty(count, dtype=np.int64)  # each row's place within its group
        position[by_group] = np.arange(count) - bounds[self.group[by_group]]
        decided = {}
        for g in np.unique(self.group[targets]):
            rows = by_group[bounds[g] : bounds[g + 1]]
            key = self._key(rows, position, unknown, targets, eligible, known)
            if key in _DECIDED:
                decided[g] = (rows, _DECIDED[key])
                continue
            members = rows[rep[rows] == rows]
            one = _Group(members, self.cells, known)
            local_targets = np.flatnonzero(target[members])
            while (t := one.disclosed(withheld[members], local_targets)) is not None:
                choice = self.margins.complement(members[t], withheld, may)
                if choice is None:  # nothing left to withhold beside it: withhold what may be
                    withheld[members[may[members]]] = True
                    break
                withheld[choice] = True
            one.show_needed_only(withheld, fixed[members], local_targets, self.n[members])
            if len(_DECIDED) >= _DECIDED_SIZE:
                _DECIDED.clear()
            _DECIDED[key] = withheld[rep[rows]] | unknown[rows]
        result = withheld[rep] | unknown
        for rows, known_result in decided.values():
            result[rows] = known_result
        return result

    def _key(self, rows, position, unknown, targets, eligible, known) -> bytes:
        """Everything the decision for one group depends on (its values in order: the cells each sums, n, the
        margins between them, what is unknown, targeted and eligible, the reader's own cells), as a digest."""
        _, cells = self.cells.take(rows)
        parts = [self.lengths[rows], cells - cells.min(), self.n[rows], unknown[rows], targets[rows]]
        parts += [eligible[rows], *(np.where(p[rows] >= 0, position[p[rows]], -1) for p in self.parents)]
        if known is not None:
            parts.append(known[cells])
        digest = hashlib.blake2b(digest_size=32)
        for part in parts:
            digest.update(np.ascontiguousarray(part).tobytes())
        return digest.digest()


def _distinct(ids: np.ndarray) -> np.ndarray:
    """The distinct ids, sorted (``np.unique`` for the small arrays of the inner loops, at a fraction of its cost)."""
    ids = np.sort(ids)
    return ids[np.concatenate(([True], ids[1:] != ids[:-1]))] if len(ids) else ids


def _same_cells(cells: _Rows) -> np.ndarray:
    """For each value, the first value that sums exactly the same cells (itself if none before it)."""
    rng = np.random.default_rng(_FINGERPRINT_SEED)
    lengths = np.diff(cells.start)
    seg = np.repeat(np.arange(len(lengths)), lengths)
    top = int(cells.ids.max()) + 1
    prints = [
        np.bincount(seg, rng.random(top)[cells.ids], minlength=len(lengths)),
        np.bincount(seg, rng.random(top)[cells.ids], minlength=len(lengths)),
    ]
    order = np.lexsort((np.arange(len(lengths)), *prints, lengths))
    key = np.stack([lengths, *prints])[:, order]
    new = np.concatenate([[True], (key[:, 1:] != key[:, :-1]).any(axis=0)])
    first = order[np.flatnonzero(new)][np.cumsum(new) - 1]
    rep = np.empty(len(lengths), dtype=np.int64)
    rep[order] = first
    return rep


class _Margins:
    """The margins (a total and its parts along one dimension) that each distinct value is in."""

    def __init__(self, rep: np.ndarray, parents: list[np.ndarray], n: np.ndarray, is_total: np.ndarray):
        count = len(rep)
        margin, value = [], []
        for dim, parent in enumerate(parents):
            part = np.flatnonzero(parent >= 0)
            part, total = rep[part], rep[parent[part]]
            keep = part != total
            margin += [total[keep] * len(parents) + dim] * 2
            value += [part[keep], total[keep]]
        pairs = np.unique(np.concatenate(margin) * count + np.concatenate(value))  # each (margin, value) once
        margin_of, value_of = np.divmod(pairs, count)
        _, margin_id = np.unique(margin_of, return_inverse=True)
        self.values = _Rows.of_pairs(margin_id, value_of, int(margin_id.max()) + 1 if len(margin_id) else 0)
        self.of = _Rows.of_pairs(value_of, margin_id, count)
        # a part before a total, then the fewest pupils (unknown last), then the first row
        self.rank = np.empty(count, dtype=np.int64)
        self.rank[np.lexsort((np.arange(count), np.nan_to_num(n, nan=np.inf), is_total))] = np.arange(count)

    def complement(self, value: int, withheld: np.ndarray, may: np.ndarray) -> int | None:
        """The published value to withhold so that ``value`` is not given away (see the module docstring), among
        those that ``may`` be withheld; None if there is none around."""
        seen = {value}
        frontier = np.array([value])
        around = []
        while len(frontier):
            margins = _distinct(self.of.take(frontier)[1])
            seg, inside = self.values.take(margins)
            hidden = withheld[inside]
            open_ = ~hidden & may[inside]
            giving = (np.bincount(seg, hidden, len(margins)) == 1)[seg] & open_
            if giving.any():
                return self._best(_distinct(inside[giving]), withheld)
            around.append(inside[open_])
            frontier = np.array([v for v in _distinct(inside[hidden]) if v not in seen], dtype=np.int64)
            seen.update(frontier.tolist())
        candidates = _distinct(np.concatenate(around)) if around else np.array([], dtype=np.int64)
        return self._best(candidates, withheld) if len(candidates) else None

    def _best(self, candidates: np.ndarray, withheld: np.ndarray) -> int:
        """The candidate that leaves the fewest margins with a single withheld value, then by preference."""
        seg, margins = self.of.take(candidates)
        inner, inside = self.values.take(margins)
        empty = np.bincount(inner, withheld[inside], len(margins)) == 0
        alone = np.bincount(seg, empty, len(candidates))
        return int(candidates[np.lexsort((self.rank[candidates], alone))[0]])


class _Group:
    """The distinct values of one group, as sums of the group's cells (renumbered 0..m-1)."""

    def __init__(self, values: np.ndarray, cells: _Rows, known: np.ndarray | None = None):
        self.values = values
        self.k = len(values)
        self.seg, flat = cells.take(values)
        self.cell = flat - flat.min()  # a group's cells are numbered without gaps (lattice.pool)
        self.m = int(self.cell.max()) + 1
        self.known = np.zeros(self.m, dtype=bool)
        if known is not None:
            self.known[self.cell] = known[flat]

    def disclosed(self, unknown: np.ndarray, targets: np.ndarray) -> int | None:
        """The first of ``targets`` (positions in the group) a reader can work out, or None."""
        found = self.workable(unknown, targets, first=True)
        return int(found[0]) if len(found) else None

    def show_needed_only(self, withheld: np.ndarray, given: np.ndarray, targets: np.ndarray, n: np.ndarray) -> None:
        """Show again each complementary value (the largest first) without which the small ones stay protected;
        then every one a reader can work out anyway (it protects nothing: the row space is the same with it).
        ``given``: values withheld for their own sake (small or not computable)."""
        unknown = withheld[self.values]
        extra = np.flatnonzero(unknown & ~given)
        for j in extra[np.argsort(-np.nan_to_num(n[extra], nan=-1), kind="stable")]:
            unknown[j] = False
            if self.disclosed(unknown, targets) is not None:
                unknown[j] = True
        extra = extra[unknown[extra]]
        if len(extra):
            unknown[self.workable(unknown, extra)] = False
        withheld[self.values] = unknown

    def workable(self, unknown: np.ndarray, targets: np.ndarray, first: bool = False) -> np.ndarray:
        """The targets whose sum of cells lies in the row space of the published values (``first``: stop at one)."""
        published = ~unknown
        pinned, left = self._peel(published)
        free_entry = ~pinned[self.cell]
        plain = np.bincount(self.seg[free_entry], minlength=self.k)[targets] == 0
        if (first and plain.any()) or plain.all():
            return targets[plain][:1] if first else targets[plain]
        # What peeling leaves: published totals with two or more unpinned cells. A target is worked out iff its
        # unpinned cells lie in their row space (by SVD, per connected component of cells).
        rest = targets[~plain]
        free = np.flatnonzero(~pinned)
        column = np.full(self.m, -1)
        column[free] = np.arange(len(free))
        rows = np.flatnonzero(published & (left >= 2))
        row_of = np.full(self.k, -1)
        row_of[rows] = np.arange(len(rows))
        take = free_entry & (row_of[self.seg] >= 0)
        matrix = np.zeros((len(rows), len(free)))
        matrix[row_of[self.seg[take]], column[self.cell[take]]] = 1.0
        target_of = np.full(self.k, -1)
        target_of[rest] = np.arange(len(rest))
        take = free_entry & (target_of[self.seg] >= 0)
        vectors = np.zeros((len(rest), len(free)))
        vectors[target_of[self.seg[take]], column[self.cell[take]]] = 1.0
        label = _components(matrix)
        inside = np.ones(len(rest), dtype=bool)
        for component in _distinct(label[vectors.any(axis=0)]):
            columns = label == component
            inside &= _in_row_space(vectors[:, columns], matrix[:, columns])
        hit = plain.copy()
        hit[~plain] = inside
        return targets[hit][:1] if first else targets[hit]

    def _peel(self, published: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Cells a reader can work out one by one (a published value with one unknown cell left gives it away):
        (pinned cells, how many unpinned cells each value has left)."""
        pinned = self.known.copy()
        entry_published = published[self.seg]
        while True:
            open_ = entry_published & ~pinned[self.cell]
            left = np.bincount(self.seg[open_], minlength=self.k)
            one = (left == 1) & published
            if not one.any():
                return pinned, left
            pinned[self.cell[open_ & one[self.seg]]] = True


def _components(matrix: np.ndarray) -> np.ndarray:
    """Component label of each column: columns joined by a row that holds both."""
    label = np.arange(matrix.shape[1])
    rows, cols = np.nonzero(matrix)
    while len(rows):
        low = np.full(matrix.shape[0], matrix.shape[1])
        np.minimum.at(low, rows, label[cols])
        new = label.copy()
        np.minimum.at(new, cols, low[rows])
        new = new[new]
        if np.array_equal(new, label):
            break
        label = new
    return label


def _in_row_space(vectors: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Which of ``vectors`` are combinations of ``rows``: they equal their projection on the row space (an
    orthonormal basis of it from a thin SVD, cheap however many columns)."""
    rows = rows[rows.any(axis=1)]
    if not len(rows):
        return np.logical_not(vectors.any(axis=1))
    # Columns alike in every row (cells that the same totals hold: often the cells of many institutions) are one
    # column to the row space: a vector lies in it iff it is alike on them too and, with each such set of
    # columns taken once, lies in the row space of the rows so taken (a few dozen columns instead of thousands).
    _, first, alike = np.unique(rows, axis=1, return_index=True, return_inverse=True)
    same = (vectors == vectors[:, first][:, alike]).all(axis=1)
    rows, vectors = rows[:, first], vectors[:, first]
    _, s, vt = np.linalg.svd(rows, full_matrices=False)
    basis = vt[s > _TOL]
    return same & np.logical_not((np.abs(vectors - (vectors @ basis.T) @ basis) > _TOL).any(axis=1))
