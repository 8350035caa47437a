"""The suppression's linear algebra (indicators.suppression) against a plain rank test."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from indicators.suppression import _in_row_space


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 6), st.integers(1, 8), st.integers(1, 4))
def test_a_vector_lies_in_the_row_space_exactly_when_it_adds_no_rank(seed, n_rows, n_distinct, copies):
    """0/1 totals over cells many of which the same totals hold (a column repeated, as the cells of many
    institutions under one municipality total), and targets: a target lies in the row space iff appending it to
    the rows keeps their rank."""
    rng = np.random.default_rng(seed)
    repeat = rng.integers(1, copies + 1, n_distinct)
    order = rng.permutation(int(repeat.sum()))
    rows = np.repeat(rng.integers(0, 2, (n_rows, n_distinct)), repeat, axis=1)[:, order].astype(float)
    vectors = np.vstack(
        [
            rows,  # each row: inside
            rows[rng.integers(0, n_rows, 3)] - rows[rng.integers(0, n_rows, 3)],  # a difference of rows: inside
            np.repeat(rng.integers(0, 2, (6, n_distinct)), repeat, axis=1)[:, order],  # alike on the repeated columns
            rng.integers(0, 2, (6, rows.shape[1])),  # anything
        ]
    ).astype(float)
    rank = np.linalg.matrix_rank(rows)
    expected = [np.linalg.matrix_rank(np.vstack([rows, v])) == rank for v in vectors]
    assert _in_row_space(vectors, rows).tolist() == expected
