"""Small pieces the pages share: status badges, labels, selectors, charts, empty states."""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Callable
from typing import TypeVar

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

import indicators
from core import danish, schoolyear, settings
from core.errors import KvalitetsdialogError
from core.safe import chart_text
from dialogue import dialogue_years
from indicators import comparison, units
from indicators.catalogue import CATALOGUE, SUBJECTS, Indicator
from indicators.goals.sentences import target_words
from loaders import coverage

K = TypeVar("K")  # a chooser's option

# Okabe-Ito colours (safe for the common colour-vision deficiencies); the icon
# and the word carry the status too, so colour is never the only signal.
STATUS_STYLE = {
    "met": ("✔", "#009E73"),
    "on_track": ("➜", "#56B4E9"),
    "not_on_track": ("➘", "#F0C05A"),
    "not_met": ("✖", "#E69F00"),
    "no_data": ("–", "#BBBBBB"),
}
INSTITUTION_COLOUR = "#0072B2"
MUNICIPALITY_COLOUR = "#D55E00"
TARGET_COLOUR = "#009E73"
NATIONAL_COLOUR = "#555555"
EMPTY_HINT = "Indlæs data under **Data** (forvaltningen) eller med `python -m loaders import`."


_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")  # every ASCII punctuation mark


def md(text) -> str:
    r"""Text a user wrote or a file brought, for ``st.markdown``, ``st.caption``, ``st.info`` ...: shown as
    written, never as Markdown, HTML or Streamlit's directives.

    Every ASCII punctuation mark gets CommonMark's backslash escape; line breaks stay line breaks.

    >>> print(md("<b>**1.**</b>"))
    \<b\>\*\*1\.\*\*\<\/b\>
    """
    return re.sub(r"\r\n?|\n", "  \n", _PUNCTUATION.sub(r"\\\1", str(text)))


def status_text(status: str) -> str:
    """Icon and word, e.g. ``✔ Opfyldt``: the same label on every page, table and chart."""
    return f"{STATUS_STYLE[status][0]} {indicators.STATUS_LABELS[status]}"


def status_badge(status: str) -> str:
    """HTML for a coloured badge with icon and word (dark text on every colour for contrast).

    The only HTML the pages write themselves (``unsafe_allow_html``): it holds our own words, never a user's.
    """
    colour = STATUS_STYLE[status][1]
    return (
        f'<span style="background:{colour};color:#000;padding:0.1em 0.5em;border-radius:0.4em;'
        f'font-weight:600;white-space:nowrap">{html.escape(status_text(status))}</span>'
    )


def status_cell_style(text: str) -> str:
    """pandas Styler CSS for a cell holding a ``status_text``."""
    for status in STATUS_STYLE:
        if isinstance(text, str) and text == status_text(status):
            return f"background-color:{STATUS_STYLE[status][1]};color:#000"
    return ""


def national_text(ctx, indicator_id: str, subject, grade, year) -> str | None:
    """``Landsplan 2021/22: 58,0 %`` where the country's figure for that school year is loaded, else None."""
    if year is None or pd.isna(year):
        return None
    country = ctx.read(comparison.national_levels, indicator_id, subject, grade)
    value = country.loc[country["school_year"] == int(year), "value"]
    if value.empty:
        return None
    return f"{comparison.NATIONAL_NAME} {schoolyear.short(int(year))}: {formatted(value.iloc[0], indicator_id)}"


def target_text(goal) -> str:
    """``Mål: mindst 80,0 % i 2025/26`` or ``Mål: stigende fra år til år`` (a goal row or tuple)."""
    words = target_words(CATALOGUE[goal.indicator], goal.direction, goal.target, goal.target_year)
    return f"Mål: {words}"


def indicator_label(indicator_id: str) -> str:
    return CATALOGUE[indicator_id].label


def visible_indicators(viewer) -> list[Indicator]:
    """Catalogue entries the viewer may see (no national or transition tests for the public)."""
    return [i for i in CATALOGUE.values() if viewer.sees_national_tests or not i.confidential]


def filter_label(subject, grade) -> str:
    """``Dansk, læsning, 4. klasse`` / ``alle fag, alle klassetrin`` for a value's breakdown."""
    parts = []
    if subject not in (None, "") and not pd.isna(subject):
        parts.append("alle fag" if subject == "all" else SUBJECTS.get(subject, subject))
    if grade not in (None, "") and not pd.isna(grade):
        parts.append("alle klassetrin" if grade == "all" else f"{int(grade)}. klasse")
    return ", ".join(parts)


def formatted(value, indicator_id: str, suppression: str | None = None) -> str:
    """An indicator value as a person reads it. A withheld value says why (``suppression`` from the engine):
    ``færre end 5`` (small), or ``skjult`` (it would give a smaller group's value back); never its n."""
    if suppression == "complementary":
        return "skjult"
    if suppression:
        return f"færre end {min_n()}"
    return danish.value(value, CATALOGUE[indicator_id].unit)


def withheld_caption(labels, suppression, counted: str = "elever") -> str | None:
    """The caption that names what a chart or table leaves out, and why (``suppression`` per label, as the
    engine gives it); None when nothing is left out. E.g. ``Ikke vist (færre end 5 elever): 2019/20. Skjult,
    så en mindre gruppes tal ikke kan regnes ud: 2021/22.``"""
    small = [str(label) for label, why in zip(labels, suppression) if why == "small"]
    hidden = [str(label) for label, why in zip(labels, suppression) if why == "complementary"]
    parts = []
    if small:
        parts.append(f"Ikke vist (færre end {min_n()} {counted}): {', '.join(small)}.")
    if hidden:
        parts.append(f"Skjult, så en mindre gruppes tal ikke kan regnes ud: {', '.join(hidden)}.")
    return " ".join(parts) or None


def persons(kind: str) -> str:
    """Who a count counts: ``børn`` in daycare, ``elever`` at school."""
    return "børn" if kind == "dagtilbud" else "elever"


def grade_label(indicator: Indicator, grade: int | None) -> str:
    """``Alle klassetrin`` (4.-9. for well-being), ``6. klasse``, ``2. klasse (indskoling)``."""
    if grade is None:
        return "Alle klassetrin" if not indicator.grades_from else f"Alle klassetrin ({indicator.grades_from}.-9.)"
    return f"{grade}. klasse" + (" (indskoling)" if grade < indicator.grades_from else "")


def min_n() -> int:
    return settings.min_n()


def goal_filters(goal) -> tuple[str | None, int | None]:
    """A goal's subject and grade (from a dict or a row) as plain values (None = pooled)."""
    get = goal.get if isinstance(goal, dict) else lambda k: getattr(goal, k, None)
    subject, grade = get("subject"), get("grade")
    return (None if pd.isna(subject) else subject), (None if pd.isna(grade) else int(grade))


def subject_select(indicator: Indicator, key: str, allow_all: bool = True) -> str | None:
    """A subject picker for indicators that have subjects; None otherwise."""
    if not indicator.subjects:
        return None
    options = (["all"] if allow_all else []) + list(indicator.subjects)
    return st.selectbox("Fag", options, key=key, format_func=lambda s: "Alle fag" if s == "all" else SUBJECTS[s])


def empty(what: str) -> None:
    """An empty state that says what to import."""
    st.info(f"{what} {EMPTY_HINT}", icon=":material/info:")


# One session key for the Institution, Dialog and Skoleudviklingssamtale pages' institution: the choice carries over.
INSTITUTION_KEY = "institution"


def distinct_labels(labels: dict[K, str]) -> dict[K, str]:
    """A chooser's labels (option -> label) with the option after a label that two share: Streamlit's selectbox
    tells its options apart by their labels and returns the last option with the label picked (streamlit issue
    11949), so two schools or goals of one name would show, or save, the other one after a rerun.

    >>> distinct_labels({"a": "Læsning", "b": "Trivsel", "c": "Læsning"})
    {'a': 'Læsning (a)', 'b': 'Trivsel', 'c': 'Læsning (c)'}
    """
    counts = Counter(labels.values())
    return {option: f"{label} ({option})" if counts[label] > 1 else label for option, label in labels.items()}


def institution_names(institutions: pd.DataFrame) -> dict[str, str]:
    """Each institution's name for a chooser (``institution_id`` -> ``name``), told apart (``distinct_labels``)."""
    return distinct_labels(dict(zip(institutions["institution_id"], institutions["name"])))


def open_on_data(ctx, ids: list[str], kind: str | None = None) -> None:
    """Keep the chosen institution where it is among ``ids`` (those this page offers the viewer), else open on
    one with data: the leader's own, else the first with any figure (``units.first_with_data``, of ``kind``)."""
    if st.session_state.get(INSTITUTION_KEY) not in ids:
        st.session_state[INSTITUTION_KEY] = ctx.read(units.first_with_data, ctx.kommune, kind=kind)


def institution_and_year(
    ctx, institutions: pd.DataFrame, *, label: str, kind: str | None, year_key: str, no_years: str
) -> tuple[str, int] | None:
    """The Dialog and Skoleudviklingssamtale pages' chooser: one of ``institutions`` (of ``kind``, which opens on
    one with data) and the school year to hold it about, opening on the newest year with data. None, with
    ``no_years`` as the empty state, while there is no year to choose."""
    names = institution_names(institutions)
    ids = list(names)
    open_on_data(ctx, ids, kind)
    years = ctx.read(dialogue_years)
    if not years:
        empty(no_years)
        return None
    c1, c2 = st.columns([3, 1])
    institution_id = c1.selectbox(label, ids, format_func=names.get, key=INSTITUTION_KEY)
    default = next((y for y in years if y <= (ctx.read(coverage.latest_year) or years[0])), years[0])
    year = c2.selectbox("Skoleår", years, index=years.index(default), format_func=schoolyear.short, key=year_key)
    return institution_id, year


def confidential_note(indicator: Indicator) -> None:
    if indicator.confidential:
        st.caption(":material/lock: Fortroligt efter folkeskolelovens § 55 b – må ikke offentliggøres.")


def trend_figure(
    segments: list[pd.DataFrame],
    indicator_id: str,
    *,
    names: list[str],
    colours: list[str],
    target: float | None = None,
    height: int = 320,
    year_text: Callable[[int], str] = schoolyear.short,
    target_label: str = "Mål",
) -> go.Figure:
    """Lines per unit with an interval band; each comparable segment is its own line (a visible break): test
    kinds on different scales are never joined. ``year_text`` writes a year (calendar years for daycare)."""
    unit = CATALOGUE[indicator_id].unit
    scale = 100 if unit == "share" else 1
    fig = go.Figure()
    for frame, name, colour in zip(segments, map(chart_text, names), colours):
        for i, (_, seg) in enumerate(frame.groupby("comparable_group", dropna=False, sort=True)):
            seg = seg.sort_values("school_year")
            x = [year_text(int(y)) for y in seg["school_year"]]
            if {"lower", "upper"} <= set(seg.columns) and seg["lower"].notna().any():
                fig.add_trace(
                    go.Scatter(
                        x=x + x[::-1],
                        y=list(seg["upper"] * scale) + list(seg["lower"][::-1] * scale),
                        fill="toself",
                        fillcolor=colour,
                        opacity=0.15,
                        line={"width": 0},
                        hoverinfo="skip",
                        showlegend=False,
                    )
                )
            # A group of its own (e.g. 2019/20, tested on a sample only) stands apart as an open marker.
            alone = len(frame["comparable_group"].unique()) > 1 and len(seg) == 1
            note = " (kan ikke sammenlignes med de andre år)" if alone else ""
            fig.add_trace(
                go.Scatter(
                    x=x,
                    y=seg["value"] * scale,
                    mode="markers" if alone else "lines+markers",
                    name=name,
                    line={"color": colour},
                    marker={"symbol": "circle-open", "size": 10} if alone else {},
                    legendgroup=name,
                    showlegend=i == 0,
                    customdata=[formatted(v, indicator_id) for v in seg["value"]],
                    hovertemplate=f"{name}<br>%{{x}}: %{{customdata}}{note}<extra></extra>",
                )
            )
    if target is not None:  # what ``add_hline`` draws, at a quarter of its cost (it searches the figure's axes)
        y = target * scale
        fig.add_shape(
            type="line",
            xref="x domain",
            x0=0,
            x1=1,
            yref="y",
            y0=y,
            y1=y,
            line={"color": TARGET_COLOUR, "dash": "dash"},
        )
        fig.add_annotation(
            text=f"{target_label} {formatted(target, indicator_id)}",
            showarrow=False,
            xref="x domain",
            x=1,
            xanchor="right",
            yref="y",
            y=y,
            yanchor="bottom",
        )
    fig.update_layout(
        height=height,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        yaxis_ticksuffix=" %" if unit == "share" else "",
        legend={"orientation": "h"},
        xaxis={"type": "category", "categoryorder": "category ascending"},
    )
    return danish.style_figure(fig)


_FLASH = "_write_flash"


def show_error(e: KvalitetsdialogError) -> None:
    """A user-facing error, its title in bold; the message quotes files, cells and names as written.

    (A refusal is already in the audit log: the layer that refused, or ``Context.read``, recorded it.)
    """
    st.error(f"**{e.title}**\n\n{md(e.message)}")


def write(ctx, fn, *args, success: str, **kwargs) -> None:
    """Run ``fn(db, viewer, *args, author=..., origin=..., **kwargs)`` as this session's viewer.

    A refusal or a validation error is shown inline; on success the page reruns on the new data
    and ``flash`` says ``success`` once.
    """
    try:
        fn(ctx.db, ctx.viewer, *args, author=ctx.who, origin=ctx.origin, **kwargs)
    except KvalitetsdialogError as e:
        show_error(e)
        return
    st.session_state[_FLASH] = success
    st.rerun()


def flash() -> None:
    """The message of the write that led to this run, once."""
    if _FLASH in st.session_state:
        st.success(st.session_state.pop(_FLASH), icon=":material/check_circle:")


def sparkline_figure(stretch: pd.DataFrame, indicator_id: str) -> go.Figure:
    """A small line of one unit's values over a comparable stretch of years (no axes: the table has the numbers)."""
    scale = 100 if CATALOGUE[indicator_id].unit == "share" else 1
    fig = go.Figure(
        go.Scatter(
            x=[schoolyear.short(int(y)) for y in stretch["school_year"]],
            y=stretch["value"] * scale,
            mode="lines",
            line={"color": MUNICIPALITY_COLOUR, "width": 2},
            customdata=[formatted(v, indicator_id) for v in stretch["value"]],
            hovertemplate="%{x}: %{customdata}<extra></extra>",
        )
    )
    fig.update_layout(
        height=70,
        margin={"l": 0, "r": 0, "t": 4, "b": 4},
        xaxis={"visible": False, "type": "category"},
        yaxis={"visible": False},
        showlegend=False,
    )
    return danish.style_figure(fig)


def chart(fig: go.Figure, alt: str, numbers: pd.DataFrame, *, key: str | None = None) -> None:
    """A chart with its text alternative (docs/accessibility.md): ``alt``, a sentence from
    ``indicators.describe`` or the goal's own, is the chart's accessible name, and the numbers
    behind it are a plain HTML table under "Se tallene" (readable by a screen reader, unlike a canvas).
    """
    # No Plotly toolbar: its nine English buttons would be tab stops in every chart; the table has the numbers.
    st.plotly_chart(fig, width="stretch", alt=alt, key=key, config={"displayModeBar": False})
    with st.expander("Se tallene", icon=":material/table:"):
        st.table(numbers, hide_index=True)


def trend_numbers(segments: list[pd.DataFrame], indicator_id: str, names: list[str]) -> pd.DataFrame:
    """A trend chart's numbers: a row per school year, a column per line (withheld values say so)."""
    years = sorted({int(y) for frame in segments for y in frame["school_year"]})
    table = pd.DataFrame({"Skoleår": [schoolyear.short(y) for y in years]})
    for frame, name in zip(segments, names):
        shown = {int(r.school_year): formatted(r.value, indicator_id, r.suppression) for r in frame.itertuples()}
        table[name] = [shown.get(y, danish.MISSING) for y in years]
    return table
