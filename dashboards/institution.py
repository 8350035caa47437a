"""Institution (administration: any; leader: their own): the institution's indicators against its goals."""

from __future__ import annotations

import re

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

import indicators
from core import danish, schoolyear
from core.safe import chart_text
from dashboards import widgets
from dashboards.context import Context, current
from indicators import comparison, describe, language, profile_areas, units
from indicators.catalogue import AREAS, CATALOGUE, INDSKOLING, LEVELS, SUBJECTS, caution_in
from loaders.kinds import KINDS, TABLE_KINDS


def choose(ctx: Context) -> pd.Series | None:
    """The institution to show, chosen by name among those the viewer may see."""
    institutions = ctx.read(units.institutions, ctx.kommune)
    if institutions.empty:
        widgets.empty("Der er ingen institutioner at vise.")
        return None
    ids = list(institutions["institution_id"])
    widgets.open_on_data(ctx, ids)
    names = widgets.institution_names(institutions)
    if len(ids) > 1:
        st.selectbox("Institution", ids, format_func=names.get, key=widgets.INSTITUTION_KEY)
    return institutions.set_index("institution_id").loc[st.session_state[widgets.INSTITUTION_KEY]]


def goals_table(ctx: Context, institution_id: str) -> pd.DataFrame:
    """The institution's goals with status, value and target (empty if none apply)."""
    goals = ctx.read(indicators.evaluate_goals, kommune=ctx.kommune)
    goals = goals[(goals["level"] == "institution") & (goals["unit_id"] == institution_id)]
    if goals.empty:
        return goals
    st.subheader("Mål")
    table = pd.DataFrame(
        {
            "Mål": goals["title"],
            "Status": goals["shown"].map(widgets.status_text),
            "Værdi": [widgets.formatted(r.value, r.indicator) for r in goals.itertuples()],
            "Skoleår": [schoolyear.short(int(y)) if pd.notna(y) else "" for y in goals["school_year"]],
            "Målsætning": [widgets.target_text(r) for r in goals.itertuples()],
            "Vurdering": goals["sentence"].fillna(""),
        }
    )
    st.dataframe(
        table.style.map(widgets.status_cell_style, subset=["Status"]),
        hide_index=True,
        width="stretch",
        column_config={
            "Mål": st.column_config.TextColumn(width="medium"),
            "Vurdering": st.column_config.TextColumn(width="large"),
        },
    )
    return goals


def trend_section(ctx: Context, institution: pd.Series, goals: pd.DataFrame) -> None:
    st.subheader("Udvikling")
    visible = [i for i in widgets.visible_indicators(ctx.viewer) if _fits(i, institution["kind"])]
    c1, c2, c3 = st.columns([2, 1, 1])
    indicator = CATALOGUE[
        c1.selectbox("Indikator", [i.id for i in visible], format_func=widgets.indicator_label, key="inst_indicator")
    ]
    with c2:
        subject = widgets.subject_select(indicator, key="inst_subject")
    grade = None
    if indicator.has_grades:
        grade = c3.selectbox(
            "Klassetrin",
            [None, *range(0, 10)],
            key="inst_grade",
            format_func=lambda g: widgets.grade_label(indicator, g),
        )
    subject = None if subject == "all" else subject
    own = ctx.read(
        indicators.trend,
        indicator.id,
        "institution",
        institution.name,
        subject=subject,
        grade=grade,
        kommune=ctx.kommune,
    )
    muni = ctx.read(
        indicators.trend, indicator.id, "municipality", ctx.kommune, subject=subject, grade=grade, kommune=ctx.kommune
    )
    if own["value"].notna().sum() == 0 and not own["suppressed"].any():
        widgets.empty(f"Der er ingen tal for {indicator.label.lower()} for {widgets.md(institution['name'])}.")
        return
    level_goal = goals[(goals["indicator"] == indicator.id) & goals["direction"].isin([">=", "<="])]
    target = level_goal["target"].iloc[0] if not level_goal.empty else None
    widgets.confidential_note(indicator)
    country = ctx.read(comparison.national_levels, indicator.id, subject, grade)
    frames, names = [own, muni], [institution["name"], "Kommunen"]
    colours = [widgets.INSTITUTION_COLOUR, widgets.MUNICIPALITY_COLOUR]
    if not country.empty:  # the country's published figure, where one is loaded
        frames, names, colours = (
            frames + [country],
            names + [comparison.NATIONAL_NAME],
            colours + [widgets.NATIONAL_COLOUR],
        )
    year_text = schoolyear.short
    if indicator.source == "language_assessments":
        periods = ctx.read(language.coverage, kommune=ctx.kommune, institutions=(institution.name,))
        year_text = language.year_texts(periods)
    fig = widgets.trend_figure(frames, indicator.id, names=names, colours=colours, target=target, year_text=year_text)
    widgets.chart(
        fig,
        describe.trend(indicator.id, dict(zip(names, frames))),
        widgets.trend_numbers(frames, indicator.id, names),
    )
    caption = widgets.withheld_caption(
        [year_text(int(y)) for y in own["school_year"]], own["suppression"], widgets.persons(institution["kind"])
    )
    if caption:
        st.caption(caption)
    note = caution_in(indicator, own["school_year"].tolist() + muni["school_year"].tolist())
    if note:
        st.caption(note)


def language_section(ctx: Context, institution: pd.Series) -> None:
    """How many children were assessed out of how many enrolled, year by year, and what the shares mean."""
    st.subheader("Sprogvurdering: hvem er vurderet")
    cov = ctx.read(language.coverage, kommune=ctx.kommune, institutions=(institution.name,))
    own = cov[cov["level"] == "institution"].sort_values("school_year", ascending=False)
    if own.empty:
        widgets.empty(f"Der er ingen sprogvurdering for {institution['name']}.")
        return
    muni = cov[cov["level"] == "municipality"].set_index("school_year")
    rows = []
    for r in own.itertuples():
        m = muni.loc[r.school_year] if r.school_year in muni.index else None
        rows.append(
            {
                "År": language.year_text(r.school_year, r.period),
                institution["name"]: language.assessed_text(r.assessed, r.enrolled),
                "Kommunen": "" if m is None else language.assessed_text(m["assessed"], m["enrolled"]),
            }
        )
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    st.caption(language.MEANING)


def _fits(indicator, kind: str) -> bool:
    """Daycares have language assessments; schools have everything else."""
    return (indicator.source == "language_assessments") == (kind == "dagtilbud")


def wellbeing_section(ctx: Context, institution: pd.Series) -> None:
    st.subheader("Trivsel pr. klassetrin")
    wb = [i for i in widgets.visible_indicators(ctx.viewer) if i.source == "wellbeing"]
    indicator = CATALOGUE[
        st.selectbox("Trivselsindikator", [i.id for i in wb], format_func=widgets.indicator_label, key="inst_wb")
    ]
    values = ctx.read(
        indicators.compute,
        indicator.id,
        kommune=ctx.kommune,
        levels=("institution", "municipality"),
        institutions=(institution.name,),
        grades="each+all",
    )
    values = values[values["unit_id"].isin([institution.name, str(ctx.kommune)])]
    if values["value"].isna().all():
        widgets.empty("Der er ingen trivselsmåling for institutionen.")
        return
    year = int(values.loc[values["value"].notna(), "school_year"].max())
    values = values[(values["school_year"] == year) & (values["grade"] != "all")]
    fig = go.Figure()
    parts = {}
    for level, name, colour in (
        ("institution", chart_text(institution["name"]), widgets.INSTITUTION_COLOUR),
        ("municipality", "Kommunen", widgets.MUNICIPALITY_COLOUR),
    ):
        part = parts[name] = values[values["level"] == level].sort_values("grade", key=lambda g: g.astype(int))
        fig.add_trace(
            go.Bar(
                x=[
                    f"{int(g)}. kl." + (" (indskoling)" if int(g) < indicator.grades_from else "")
                    for g in part["grade"]
                ],
                y=part["value"],
                name=name,
                marker_color=colour,
                customdata=[widgets.formatted(v, indicator.id, s) for v, s in zip(part["value"], part["suppression"])],
                hovertemplate=f"{name}, %{{x}}: %{{customdata}}<extra></extra>",
            )
        )
    fig.update_layout(
        barmode="group",
        height=300,
        yaxis_range=[1, 5],
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        title=f"{indicator.label}, {schoolyear.short(year)} (1-5, 5 er bedst)",
        legend={"orientation": "h"},
    )
    grades = sorted({int(g) for g in values["grade"]})
    numbers = pd.DataFrame({"Klassetrin": [f"{g}. klasse" for g in grades]})
    for name, part in parts.items():
        shown = {int(r.grade): widgets.formatted(r.value, indicator.id, r.suppression) for r in part.itertuples()}
        numbers[name] = [shown.get(g, danish.MISSING) for g in grades]
    widgets.chart(danish.style_figure(fig), describe.by_grade(indicator.id, year, parts), numbers)
    if (values["grade"].astype(int) < indicator.grades_from).any():
        st.caption(
            f"{INDSKOLING}: de yngste elever besvarer en kortere måling med 20 enklere spørgsmål. Deres værdi er "
            f"et andet mål, vises for sig og indgår ikke i værdien for alle klassetrin, i kommunens værdi eller i "
            f"målene."
        )
    own = values[values["level"] == "institution"].sort_values("grade", key=lambda g: g.astype(int))
    caption = widgets.withheld_caption([f"{int(g)}. klasse" for g in own["grade"]], own["suppression"], "besvarelser")
    if caption:
        st.caption(caption)


def class_section(ctx: Context, institution: pd.Series) -> None:
    """Class-level results for the leader and the administration, withheld below the threshold."""
    if not ctx.viewer.sees_class_level:
        return
    st.subheader("Klasser")
    tests = [i for i in widgets.visible_indicators(ctx.viewer) if i.source == "tests"]
    c1, c2 = st.columns([2, 1])
    indicator = CATALOGUE[
        c1.selectbox(
            "Indikator", [i.id for i in tests], format_func=widgets.indicator_label, key="inst_class_indicator"
        )
    ]
    with c2:
        subject = widgets.subject_select(indicator, key="inst_class_subject")
    values = ctx.read(
        indicators.compute,
        indicator.id,
        kommune=ctx.kommune,
        levels=("institution",),
        institutions=(institution.name,),
        by_class=True,
        subjects="all" if subject == "all" else (subject,),
        grades="all",
    )
    values = values[values["level"] == "class"]
    if values.empty:
        widgets.empty("Der er ingen resultater på klasseniveau for institutionen.")
        return
    year = int(values["school_year"].max())
    values = values[values["school_year"] == year].sort_values("unit_id")
    st.caption(
        f"{schoolyear.short(year)}. Klasser med færre end {widgets.min_n()} elever vises ikke, og heller ikke tal, "
        "der ville gøre det muligt at regne dem ud."
    )
    st.dataframe(
        pd.DataFrame(
            {
                "Klasse": values["unit_id"],
                "Værdi": [
                    widgets.formatted(v, indicator.id, s) for v, s in zip(values["value"], values["suppression"])
                ],
                "Elever": values["n"].map(danish.integer),
            }
        ),
        hide_index=True,
        width="stretch",
    )


# Poor levels warm, Jævn neutral, good levels blue (distinguishable without red-green vision).
_LEVEL_COLOURS = {1: "#D55E00", 2: "#E69F00", 3: "#BBBBBB", 4: "#9ECAE1", 5: "#4292C6", 6: "#08519C"}


def distribution_section(ctx: Context, institution: pd.Series) -> None:
    """Shares at the six performance levels by grade, beside the municipality (old national tests)."""
    st.subheader("Præstationsniveauer pr. klassetrin")
    subject = st.selectbox("Fag", list(SUBJECTS)[:2], format_func=SUBJECTS.get, key="inst_levels_subject")
    own = ctx.read(indicators.level_distribution, institution.name, kommune=ctx.kommune, subject=subject)
    if own.empty or own["share"].isna().all():
        widgets.empty("Der er ingen nationale test med præstationsniveauer for institutionen.")
        return
    year = int(own.loc[own["share"].notna(), "school_year"].max())
    own = own[(own["school_year"] == year) & (own["subject"] == subject)]
    muni = ctx.read(indicators.level_distribution, None, kommune=ctx.kommune, years=(year,), subject=subject)
    muni = muni[(muni["subject"] == subject) & (muni["grade"] == "all")].assign(grade="Kommunen")
    rows = pd.concat([own.assign(grade=[g if g == "all" else f"{int(g)}. kl." for g in own["grade"]]), muni])
    rows["grade"] = rows["grade"].replace({"all": "Alle klassetrin"})
    fig = go.Figure()
    for level, label in LEVELS.items():
        part = rows[rows["level"] == level]
        fig.add_trace(
            go.Bar(
                y=part["grade"],
                x=part["share"] * 100,
                name=label,
                orientation="h",
                marker_color=_LEVEL_COLOURS[level],
                customdata=[
                    widgets.formatted(s, "nt_share_good", why) if why else f"{danish.pct(s)} (n = {danish.integer(n)})"
                    for s, why, n in zip(part["share"], part["suppression"], part["n"])
                ],
                hovertemplate=f"%{{y}}, {label}: %{{customdata}}<extra></extra>",
            )
        )
    fig.update_layout(
        barmode="stack",
        height=90 + 32 * rows["grade"].nunique(),
        xaxis_ticksuffix=" %",
        xaxis_range=[0, 100],
        margin={"l": 10, "r": 10, "t": 40, "b": 10},
        legend={"orientation": "h"},
        title=f"{SUBJECTS[subject]}, {schoolyear.short(year)}",
        yaxis={"autorange": "reversed"},
    )
    numbers = rows.assign(
        shown=[widgets.formatted(v, "nt_share_good", why) for v, why in zip(rows["share"], rows["suppression"])]
    ).pivot_table(index="grade", columns="level", values="shown", aggfunc="first", sort=False)
    numbers = numbers.rename(columns=LEVELS).reset_index().rename(columns={"grade": "Klassetrin"})
    widgets.chart(danish.style_figure(fig), describe.levels(subject, year, rows), numbers)
    reasons = rows.drop_duplicates("grade")
    caption = widgets.withheld_caption(reasons["grade"], reasons["suppression"])
    if caption:
        st.caption(caption)


def profile_area_section(ctx: Context, institution: pd.Series) -> None:
    """Mean correct per profile area of the latest transition or skills test that has them, beside the municipality."""
    values = ctx.read(profile_areas.profile_areas, institution.name, kommune=ctx.kommune)
    if values.empty:
        return
    st.subheader("Profilområder")
    year = int(values["school_year"].iloc[0])
    own = values[values["level"] == "institution"].set_index(["subject", "profile_area"])
    muni = values[values["level"] == "municipality"].set_index(["subject", "profile_area"])
    rows = []
    for key in own.index:
        rows.append(
            {
                "Fag": SUBJECTS.get(key[0], key[0]),
                "Profilområde": key[1],
                institution["name"]: _shown(own.loc[key]),
                "Kommunen": _shown(muni.loc[key]) if key in muni.index else danish.MISSING,
            }
        )
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    st.caption(f"{schoolyear.short(year)}: {profile_areas.MEANING}.")
    caption = widgets.withheld_caption([f"{SUBJECTS.get(s, s)}, {a}" for s, a in own.index], own["suppression"])
    if caption:
        st.caption(caption)
    widgets.confidential_note(CATALOGUE["tt_mean_correct"])


def _shown(row) -> str:
    return danish.MISSING if row["suppressed"] or pd.isna(row["value"]) else danish.pct(row["value"])


def cohort_section(ctx: Context, institution: pd.Series) -> None:
    """The same pupils' change in norm-based score since their previous test, by the later test's year."""
    st.subheader("Progression for de samme elever")
    subject = st.selectbox("Fag", list(SUBJECTS)[:2], format_func=SUBJECTS.get, key="inst_cohort_subject")
    values = ctx.read(
        indicators.cohort_progression, kommune=ctx.kommune, institutions=(institution.name,), subject=subject
    )
    values = values[values["grade"] == "all"].assign(comparable_group="national_test")
    own = values[values["level"] == "institution"]
    if own.empty:
        widgets.empty("Der er ingen elever med to nationale test i faget på institutionen.")
        return
    st.caption(
        "Gennemsnitlig ændring i normbaseret score (1-100) fra elevernes forrige test i faget; "
        "0 betyder samme placering i forhold til landet som sidst."
    )
    names, lines = [institution["name"], "Kommunen"], [own, values[values["level"] == "municipality"]]
    fig = widgets.trend_figure(
        lines,
        "nt_mean_score",
        names=names,
        colours=[widgets.INSTITUTION_COLOUR, widgets.MUNICIPALITY_COLOUR],
        height=280,
    )
    widgets.chart(
        fig,
        describe.progression(subject, dict(zip(names, lines))),
        widgets.trend_numbers(lines, "nt_mean_score", names),
    )


# The status report's areas beyond tests, well-being and language (which have sections of their own).
QUALITY_AREAS = [
    (title, ids)
    for title, ids in AREAS
    if CATALOGUE[ids[0]].source in ("absence", "exam_grades", "youth_transition", "competence")
]
_QUALITY_NOTES = {
    "Karakterer": "Bundne prøver i 9. klasse. Forskellen til den socioøkonomiske reference (det gennemsnit, "
    "elevernes baggrund lader forvente) beregnes kun for skolen selv og kun med mindst 5 elever.",
    "Overgang til ungdomsuddannelse": "Året er det skoleår, eleverne forlod 9. klasse; tallet efter 15 måneder "
    "kommer et år senere end tallet efter 3 måneder.",
    "Kompetencedækning": "Andel af de planlagte timer, der undervises af en lærer med undervisningskompetence "
    f"i faget. Referencen {danish.pct(CATALOGUE['comp_coverage'].reference, 0)} er et tidligere nationalt mål, "
    "ikke et gældende krav. "
    "Timer, ikke elever: tallet diskretioneres ikke.",
}


# What the help text says about a difference, by uncertainty.significant's verdict (the colour follows it).
_SIGNIFICANCE_HELP = {
    True: " Farvet: forskellen er større end den statistiske usikkerhed (95 %-intervaller).",
    False: " Grå: forskellen er inden for den statistiske usikkerhed (95 %-intervaller).",
    None: " Grå: usikkerheden er ukendt for denne indikator, så forskellen kan ikke vurderes.",
}


def _metric(column, indicator_id: str, own: pd.DataFrame, muni: pd.DataFrame) -> None:
    """The institution's latest value with the municipality's beside it (the same school year).

    The difference is coloured only where ``uncertainty.significant`` calls it significant: a difference
    within the uncertainty, or with no known uncertainty, is grey, so the page does not invite reading
    noise as a difference.
    """
    indicator = CATALOGUE[indicator_id]
    d = comparison.latest_difference(own, muni)
    if d is None:
        column.metric(indicator.label, danish.MISSING, border=True)
        return
    help_text = f"{indicator.description}. Skoleår {schoolyear.short(d.year)}."
    delta, colour = None, "off"
    if not muni[muni["school_year"] == d.year].empty:
        help_text += f" Kommunen: {widgets.formatted(d.reference, indicator_id, d.reference_suppression)}."
        if not pd.isna(d.difference):
            text = danish.change(d.difference, indicator.unit)
            if not re.sub(r"\D", "", text).strip("0"):  # rounds to no difference at all
                delta = "som kommunen"
            else:
                delta = f"{text} i forhold til kommunen"
                help_text += _SIGNIFICANCE_HELP[d.significant]
                if d.significant:
                    colour = "normal" if indicator.better == "higher" else "inverse"
    # The year first: a long label is cut off at its end.
    column.metric(
        f"{schoolyear.short(d.year)}: {indicator.label}",
        widgets.formatted(d.value, indicator_id, d.suppression),
        delta=delta,
        delta_color=colour,
        delta_arrow="off" if delta == "som kommunen" else "auto",
        help=help_text,
        border=True,
    )


def socioeconomic_lines(ctx: Context, institution: pd.Series) -> None:
    """The ministry's verdict on the exam average against the pupils' background, the latest years first."""
    rows = ctx.read(comparison.socioeconomic, ctx.kommune, (institution.name,))
    if rows.empty:
        return
    st.markdown("**Karakterer i forhold til elevernes baggrund (socioøkonomisk reference)**")
    for row in rows.sort_values("school_year", ascending=False).head(3).to_dict("records"):
        st.write(f"{schoolyear.short(row['school_year'])}: {comparison.socioeconomic_words(row)}.")
    st.caption(comparison.SOCIOECONOMIC_NOTE)


def quality_section(ctx: Context, institution: pd.Series) -> None:
    """Absence, exams, youth transition and competence coverage: the institution against the municipality."""
    st.subheader("Statusrapportens øvrige områder")
    name = institution["name"]
    for tab, (title, ids) in zip(st.tabs([title for title, _ in QUALITY_AREAS]), QUALITY_AREAS):
        with tab:
            frames = {}
            for indicator_id in ids:
                values = ctx.read(
                    indicators.compute,
                    indicator_id,
                    kommune=ctx.kommune,
                    levels=("institution", "municipality"),
                    institutions=(institution.name,),
                    grades="all",
                )
                own = values[values["unit_id"] == institution.name]
                muni = values[(values["level"] == "municipality") & (values["unit_id"] == str(ctx.kommune))]
                frames[indicator_id] = own, muni
            if all(own.empty for own, _ in frames.values()):
                kind = KINDS[TABLE_KINDS[CATALOGUE[ids[0]].source]]
                widgets.empty(
                    f"Der er ingen tal for {title.lower()} for {widgets.md(name)}. Indlæs udtrækket *{kind}* for "
                    "institutionen."
                )
                continue
            for column, indicator_id in zip(st.columns(len(ids)), ids):
                _metric(column, indicator_id, *frames[indicator_id])
            own, muni = frames[ids[0]]
            if own["school_year"].nunique() > 1 or muni["school_year"].nunique() > 1:
                fig = widgets.trend_figure(
                    [own, muni],
                    ids[0],
                    names=[name, "Kommunen"],
                    colours=[widgets.INSTITUTION_COLOUR, widgets.MUNICIPALITY_COLOUR],
                    target=CATALOGUE[ids[0]].reference,
                    target_label="Reference (tidligere nationalt mål)",
                    height=300,
                )
                # the legend below the year labels, not on top of them
                fig.update_layout(title=CATALOGUE[ids[0]].label, legend={"orientation": "h", "y": -0.2})
                widgets.chart(
                    fig,
                    describe.trend(ids[0], {name: own, "Kommunen": muni}),
                    widgets.trend_numbers([own, muni], ids[0], [name, "Kommunen"]),
                    key=f"quality_{ids[0]}",
                )
            withheld = pd.concat([own for own, _ in frames.values()]).sort_values("school_year")
            withheld = withheld[withheld["suppressed"]].drop_duplicates("school_year")
            caption = widgets.withheld_caption(
                [schoolyear.short(int(y)) for y in withheld["school_year"]], withheld["suppression"]
            )
            if caption:
                st.caption(caption)
            if title == "Karakterer":
                socioeconomic_lines(ctx, institution)
            if title in _QUALITY_NOTES:
                st.caption(_QUALITY_NOTES[title])


def render(ctx: Context) -> None:
    institution = choose(ctx)
    if institution is None:
        return
    st.title(widgets.md(institution["name"]))
    kind = "Skole" if institution["kind"] == "skole" else "Dagtilbud"
    details = [kind] + [str(v) for v in (institution["district"],) if pd.notna(v)]
    if pd.notna(institution["parent_name"]):
        details.append(f"afdeling af {institution['parent_name']}")
    st.caption(" · ".join(widgets.md(d) for d in details))
    goals = goals_table(ctx, institution.name)
    trend_section(ctx, institution, goals)
    if institution["kind"] == "dagtilbud":
        language_section(ctx, institution)
    if institution["kind"] == "skole":
        wellbeing_section(ctx, institution)
        quality_section(ctx, institution)
        if ctx.viewer.sees_national_tests:
            distribution_section(ctx, institution)
            profile_area_section(ctx, institution)
            cohort_section(ctx, institution)
        class_section(ctx, institution)


render(current())
