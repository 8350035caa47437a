"""Danish numbers and dates for pages, charts and reports (Babel, locale da_DK).

Missing values are shown as an en dash, never as zero.

>>> pct(0.783), num(3.9), integer(1234)
('78,3 %', '3,9', '1.234')
>>> import datetime as dt
>>> date(dt.date(2026, 11, 7)), timestamp(dt.datetime(2026, 11, 7, 14, 5, 9))
('07.11.2026', '07.11.2026 14.05')
>>> timestamp(dt.datetime(2026, 11, 7, 14, 5, 9), seconds=True), date(None)
('07.11.2026 14.05.09', '–')
"""

from __future__ import annotations

import pandas as pd
from babel.dates import format_date, format_time
from babel.lists import format_list
from babel.numbers import format_decimal, format_percent

LOCALE = "da_DK"
MISSING = "–"
# Plotly's layout.separators: decimal mark first, then the thousands separator.
PLOTLY_SEPARATORS = ",."


def _missing(value) -> bool:
    """None, NaN, pandas' NA and NaT are all missing."""
    return value is None or bool(pd.isna(value))


def _pattern(decimals: int) -> str:
    return "#,##0" + ("." + "0" * decimals if decimals > 0 else "")


def pct(share, decimals: int = 1) -> str:
    """A share 0..1 as a Danish percentage: ``0.783 -> '78,3 %'``."""
    if _missing(share):
        return MISSING
    return format_percent(share, format=_pattern(decimals) + " %", locale=LOCALE)


def num(value, decimals: int = 1) -> str:
    """A decimal number: ``3.9 -> '3,9'``, ``1234.5 -> '1.234,5'``."""
    if _missing(value):
        return MISSING
    return format_decimal(value, format=_pattern(decimals), locale=LOCALE)


def integer(value) -> str:
    """A whole number with a thousands separator: ``1234 -> '1.234'``."""
    if _missing(value):
        return MISSING
    return format_decimal(round(value), format="#,##0", locale=LOCALE)


# Well-being means are shown with one decimal, as the ministry shows them (changes at school level are
# rarely significant: more decimals would invite over-reading). Exports keep full precision.
_DECIMALS = {"scale5": 1}


def as_shown(x, unit: str) -> float:
    """The number a person reads for a value (shares in per cent), rounded as ``value`` shows it: values
    that read alike are equal (a rank's tie)."""
    return round(float(x) * 100, 1) if unit == "share" else round(float(x), _DECIMALS.get(unit, 1))


def value(x, unit: str) -> str:
    """An indicator value in its catalogue unit (share, score, scale5, grade)."""
    return pct(x) if unit == "share" else num(x, _DECIMALS.get(unit, 1))


def change(delta, unit: str) -> str:
    """A signed difference: shares in percentage points (``+2,1 procentpoint``), else ``+0,2``."""
    if _missing(delta):
        return MISSING
    decimals = 1 if unit == "share" else _DECIMALS.get(unit, 1)
    shown = round(float(delta) * (100 if unit == "share" else 1), decimals) + 0.0  # + 0.0: no "-0,0"
    text = f"{'+' if shown > 0 else ''}{num(shown, decimals)}"
    return f"{text} procentpoint" if unit == "share" else text


def listing(items) -> str:
    """Words joined as a Danish list: ``Dansk, læsning, Matematik og Engelsk``."""
    return format_list(list(items), locale=LOCALE)


def date(value) -> str:
    """A date as Danes write it: ``07.11.2026``."""
    return MISSING if _missing(value) else format_date(value, "short", locale=LOCALE)


def timestamp(value, *, seconds: bool = False) -> str:
    """A moment: ``07.11.2026 14.05`` (``14.05.09`` with seconds, for the audit log)."""
    if _missing(value):
        return MISSING
    return f"{date(value)} {format_time(value, 'medium' if seconds else 'short', locale=LOCALE)}"


def style_figure(fig):
    """Give a Plotly figure Danish separators (``78,3``, ``1.234``); returns the figure."""
    fig.update_layout(separators=PLOTLY_SEPARATORS)
    return fig
