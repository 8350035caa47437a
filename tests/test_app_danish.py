"""Danish number and date formatting (core.danish), as pages and reports show them."""

import math

import pandas as pd
import plotly.graph_objects as go
import pytest

from core import danish


@pytest.mark.parametrize(
    ("share", "decimals", "expected"),
    [
        (0.783, 1, "78,3 %"),
        (0.0, 1, "0,0 %"),
        (1.0, 0, "100 %"),
        (12.345, 1, "1.234,5 %"),  # a share above 1 still gets a thousands separator
        (None, 1, "–"),
        (math.nan, 1, "–"),
    ],
)
def test_pct(share, decimals, expected):
    assert danish.pct(share, decimals) == expected


def test_num_and_integer():
    assert danish.num(3.9) == "3,9"
    assert danish.num(3.94, 2) == "3,94"
    assert danish.num(1234.5) == "1.234,5"
    assert danish.integer(1234) == "1.234"
    assert danish.integer(1234567.6) == "1.234.568"
    assert danish.integer(None) == "–"
    assert danish.integer(pd.NA) == "–"


def test_value_by_unit_and_change():
    assert danish.value(0.5, "share") == "50,0 %"
    assert danish.value(3.86, "scale5") == "3,9"  # one decimal, as the ministry shows it
    assert danish.value(52.25, "score") == "52,2"  # half-even rounding, as Babel does
    # 0.812 - 0.79 = 0.022 -> 2,2 percentage points
    assert danish.change(0.812 - 0.79, "share") == "+2,2 procentpoint"
    assert danish.change(-0.2, "scale5") == "-0,2"
    assert danish.change(1.5, "grade") == "+1,5"
    assert danish.change(None, "share") == "–"


def test_style_figure_sets_danish_separators():
    fig = danish.style_figure(go.Figure())
    assert fig.layout.separators == ",."


def test_a_change_that_rounds_to_nothing_has_no_sign():
    from core import danish

    assert danish.change(-0.0001, "share") == "0,0 procentpoint"
    assert danish.change(-0.0213, "share") == "-2,1 procentpoint"


def test_dates_are_danish_on_every_page_and_report():
    import datetime as dt

    moment = pd.Timestamp("2026-03-04 09:07:05")  # DuckDB hands timestamps to pandas like this
    assert danish.date(dt.date(2026, 3, 4)) == danish.date(moment) == "04.03.2026"
    assert danish.timestamp(moment) == "04.03.2026 09.07"
    assert danish.timestamp(moment, seconds=True) == "04.03.2026 09.07.05"
    assert danish.date(pd.NaT) == danish.timestamp(None) == "–"
