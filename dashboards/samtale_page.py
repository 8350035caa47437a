"""Skoleudviklingssamtale (folkeskoleloven § 40 a): prepare, hold, record and print the annual samtale with a school.

The administration prepares and records every samtale, keeps the council's
strategic frame and sees the overview of all schools; a leader sees their own
school's samtale, writes the proposal of development areas and the school's
assessment, and sets the status of agreements; the council sees the samtaler
the administration shared, and the overview. Everything is read and written
through ``dialogue.samtale`` (which checks the viewer). Text people wrote is
shown as plain text (``st.text``, tables), never as Markdown or HTML.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

import reports
from core import danish, schoolyear
from dashboards import widgets
from dashboards.context import Context, current, download
from dialogue import samtale as samtaler
from dialogue.mandatory_tests import mandatory_tests
from dialogue.notes import ACTION_STATUSES
from indicators import profile_areas, units
from indicators.catalogue import SUBJECTS

_LOCK = ":material/lock:"


def _choose(ctx: Context) -> tuple[str, int] | None:
    """The school and school year, chosen among the schools the viewer may see."""
    institutions = ctx.read(units.institutions, ctx.kommune)
    schools = institutions[institutions["kind"] == "skole"]
    if schools.empty:
        st.info("Skoleudviklingssamtalen holdes med skoler. Dagtilbud bruger siden Dialog.", icon=":material/info:")
        return None
    return widgets.institution_and_year(
        ctx,
        schools,
        label="Skole",
        kind="skole",
        year_key="samtale_year",
        no_years="Der er ingen data at holde en samtale om endnu.",
    )


def _participant_inputs(samtale: samtaler.Samtale | None) -> dict:
    values = {}
    for field, label in samtaler.PARTICIPANTS.items():
        help_text = (
            "Fra 1. august 2025 kan en forælder fra skolebestyrelsen deltage." if field == "parent_names" else None
        )
        current_names = getattr(samtale, field) if samtale else ""
        values[field] = st.text_area(f"{label} (navn og rolle, én pr. linje)", current_names or "", help=help_text)
    return values


def _prepare(ctx: Context, institution_id: str, year: int) -> None:
    """The administration creates the samtale: date and participants."""
    with st.form("samtale_prepare"):
        st.markdown("**Forbered samtalen**")
        held_on = st.date_input("Dato", value=None, format="DD-MM-YYYY")
        values = _participant_inputs(None)
        if st.form_submit_button("Opret samtalen", type="primary"):
            widgets.write(
                ctx,
                samtaler.create_samtale,
                institution_id=institution_id,
                school_year=year,
                held_on=held_on,
                success="Samtalen er oprettet.",
                **values,
            )


def _record(ctx: Context, samtale: samtaler.Samtale) -> None:
    """The administration's form: date, held, participants, referat, sharing; and deleting the samtale."""
    with st.expander("Ret samtalen (dato, deltagere, referat, deling)", icon=":material/edit:"):
        with st.form(f"samtale_record_{samtale.samtale_id}_{samtale.version}"):
            held_on = st.date_input("Dato", value=samtale.held_on, format="DD-MM-YYYY")
            held = st.checkbox("Samtalen er afholdt", samtale.held)
            values = _participant_inputs(samtale)
            summary = st.text_area("Referat af drøftelsen", samtale.summary or "", height=160)
            shared = st.checkbox("Del med kommunalbestyrelsen", samtale.shared_with_council)
            if st.form_submit_button("Gem ny version", type="primary"):
                widgets.write(
                    ctx,
                    samtaler.edit_samtale,
                    samtale.samtale_id,
                    held_on=held_on,
                    held=held,
                    summary=summary,
                    shared_with_council=shared,
                    success="Samtalen er gemt som en ny version.",
                    **values,
                )
        if st.button("Slet samtalen", key=f"samtale_delete_{samtale.samtale_id}", icon=":material/delete:"):
            widgets.write(
                ctx, samtaler.delete_samtale, samtale.samtale_id, success="Samtalen er slettet (historikken er gemt)."
            )


def _facts(samtale: samtaler.Samtale) -> None:
    c1, c2, c3 = st.columns(3)
    c1.metric("Dato", danish.date(samtale.held_on) if samtale.held_on else "Ikke fastsat", border=True)
    c2.metric("Status", samtale.state, border=True)
    c3.metric("Delt med kommunalbestyrelsen", "Ja" if samtale.shared_with_council else "Nej", border=True)
    if samtale.participants:
        people = [(role, "; ".join(samtaler.lines(names))) for role, names in samtale.participants]
        st.dataframe(pd.DataFrame(people, columns=["Deltager", "Navne"]), hide_index=True, width="stretch")
    else:
        st.caption("Deltagerne er ikke skrevet endnu.")


def _frame(ctx: Context, school: samtaler.SchoolSamtale) -> None:
    year = schoolyear.short(school.school_year)
    st.subheader(f"Kommunalbestyrelsens strategiske ramme for {year}")
    topics = school.frame.topic_list if school.frame else []
    if topics:
        st.text("\n".join(f"• {t}" for t in topics))
    else:
        st.caption("Der er ingen strategisk ramme for skoleåret endnu.")
    if samtaler.may_write(ctx.viewer, school.institution_id, "frame"):
        version = school.frame.version if school.frame else 0
        with (
            st.expander(f"Ret rammen (gælder alle skolers samtaler i {year})", icon=":material/edit:"),
            st.form(f"samtale_frame_{school.school_year}_{version}"),
        ):
            text = st.text_area("Emner (ét pr. linje)", "\n".join(topics))
            if st.form_submit_button("Gem rammen", type="primary"):
                widgets.write(
                    ctx,
                    samtaler.save_strategic_frame,
                    kommune=school.municipality_code,
                    school_year=school.school_year,
                    topics=text,
                    success="Rammen er gemt.",
                )


def _proposal(ctx: Context, samtale: samtaler.Samtale) -> None:
    """The school's proposal of development areas and its own assessment, written by the leader."""
    st.subheader("Skolens forslag til udviklingsområder")
    if samtale.areas:
        st.text("\n".join(f"• {a}" for a in samtale.areas))
    else:
        st.caption("Skolen har ikke skrevet et forslag endnu.")
    st.subheader("Skolens egen vurdering")
    if samtale.school_assessment:
        st.text(samtale.school_assessment)
    else:
        st.caption("Skolen har ikke skrevet en vurdering endnu.")
    if samtaler.may_write(ctx.viewer, samtale.institution_id, "proposal"):
        with st.expander("Skriv skolens forslag og vurdering", icon=":material/edit_note:"):
            if samtaler.needs_approval(ctx.viewer) and samtale.shared_with_council:
                st.caption("Når du gemmer, er samtalen ikke længere delt, før forvaltningen deler den igen.")
            with st.form(f"samtale_proposal_{samtale.samtale_id}_{samtale.version}"):
                areas = st.text_area("Udviklingsområder (ét pr. linje)", samtale.development_areas or "")
                assessment = st.text_area("Skolens egen vurdering", samtale.school_assessment or "", height=160)
                if st.form_submit_button("Gem", type="primary"):
                    widgets.write(
                        ctx,
                        samtaler.edit_samtale,
                        samtale.samtale_id,
                        development_areas=areas,
                        school_assessment=assessment,
                        success="Skolens forslag og vurdering er gemt.",
                    )


def _tests(ctx: Context, institution_id: str, year: int) -> None:
    st.subheader("Resultater fra de obligatoriske test")
    tests = ctx.read(mandatory_tests, institution_id, year)
    for sentence in tests.not_followed:
        st.caption(sentence)
    if not tests.rows and not tests.profile_areas:
        st.caption(f"Der er ingen testresultater for skolen i {schoolyear.short(year)}.")
        return
    st.caption(f"{_LOCK} Fortroligt efter folkeskolelovens § 55 b – må ikke offentliggøres.")
    if tests.rows:
        _test_table(tests, year)
    if tests.profile_areas:
        _profile_area_table(tests, year)


def _shown(v, indicator) -> str:
    if v is None:
        return danish.MISSING
    return widgets.formatted(v.value, indicator.id, v.suppression)


def _test_table(tests, year: int) -> None:
    table = pd.DataFrame(
        [
            {"Indikator": r.indicator.label, "Fag": SUBJECTS.get(r.subject, r.subject)}
            | {schoolyear.short(y): _shown(r.school.get(y), r.indicator) for y in tests.years}
            | {f"Kommunen {schoolyear.short(year)}": _shown(r.municipality, r.indicator)}
            for r in tests.rows
        ]
    )
    st.dataframe(table, hide_index=True, width="stretch")
    st.caption(
        f"Alle klassetrin under ét. {danish.MISSING}: ingen data, eller året ligger på en anden skala og kan ikke "
        "sammenlignes."
    )


def _profile_area_table(tests, year: int) -> None:
    """The samtale year's profile areas, withheld like every test result (a table: no chart to describe)."""
    table = pd.DataFrame(
        {
            "Fag": SUBJECTS.get(a.subject, a.subject),
            "Profilområde": a.profile_area,
            "Skolen": _shown(a.school, a.indicator),
            "Kommunen": _shown(a.municipality, a.indicator),
        }
        for a in tests.profile_areas
    )
    st.dataframe(table, hide_index=True, width="stretch")
    st.caption(f"Profilområder {schoolyear.short(year)}: {profile_areas.MEANING}.")


def _agreement_table(items: list[samtaler.Agreement], followup: bool) -> None:
    rows = []
    for a in items:
        row = {"Aftale": a.text, "Status": a.status}
        if followup:
            row["Opfølgning"] = a.followup or ""
        row |= {"Hvem": a.owner, "Frist": danish.date(a.due)}
        if followup:
            row["Skoleår"] = schoolyear.short(a.school_year)
        rows.append(row)
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")


def _edit_agreement(ctx: Context, items: list[samtaler.Agreement]) -> None:
    """Change an agreement: its status (leader and administration), or everything (administration)."""
    if not items or not samtaler.may_write(ctx.viewer, items[0].institution_id, "status"):
        return
    admin = samtaler.may_write(ctx.viewer, items[0].institution_id, "record")
    with st.expander("Ret en aftale" + (" eller skriv opfølgningen" if admin else " (status)"), icon=":material/edit:"):
        by_id = {a.agreement_id: a for a in items}
        labels = widgets.distinct_labels({i: f"{schoolyear.short(a.school_year)}: {a.text}" for i, a in by_id.items()})
        chosen = st.selectbox("Aftale", list(labels), format_func=labels.get, key="samtale_agreement")
        a = by_id[chosen]
        with st.form(f"samtale_agreement_{a.agreement_id}_{a.version}"):
            changes: dict = {"status": st.selectbox("Status", ACTION_STATUSES, index=ACTION_STATUSES.index(a.status))}
            if admin:
                changes["text"] = st.text_area("Hvad", a.text)
                c1, c2 = st.columns(2)
                changes["owner"] = c1.text_input("Hvem", a.owner)
                changes["due"] = c2.date_input("Frist", a.due, format="DD-MM-YYYY")
                changes["followup"] = st.text_area("Opfølgning", a.followup or "")
            if st.form_submit_button("Gem ny version", type="primary"):
                widgets.write(ctx, samtaler.edit_agreement, a.agreement_id, success="Aftalen er gemt.", **changes)
        if admin and st.button("Slet aftalen", key=f"samtale_agreement_delete_{a.agreement_id}"):
            widgets.write(
                ctx, samtaler.delete_agreement, a.agreement_id, success="Aftalen er slettet (historikken er gemt)."
            )
        history = ctx.read(samtaler.agreement_history, a.agreement_id)
        if len(history) > 1:
            st.caption("Historik")
            st.dataframe(
                pd.DataFrame(
                    {
                        "Version": [h.version for h in history],
                        "Tidspunkt": [danish.timestamp(h.written_at) for h in history],
                        "Af": [h.author or "" for h in history],
                        "Status": ["slettet" if h.deleted else h.status for h in history],
                    }
                ),
                hide_index=True,
            )


def _add_agreement(ctx: Context, samtale: samtaler.Samtale) -> None:
    with (
        st.expander("Skriv en ny aftale", icon=":material/add:"),
        st.form("samtale_new_agreement", clear_on_submit=True),
    ):
        text = st.text_area("Hvad aftaler I?")
        c1, c2, c3 = st.columns(3)
        owner = c1.text_input("Hvem")
        due = c2.date_input("Frist", dt.date(samtale.school_year + 1, 6, 30), format="DD-MM-YYYY")
        status = c3.selectbox("Status", ACTION_STATUSES)
        if st.form_submit_button("Gem aftalen", type="primary"):
            widgets.write(
                ctx,
                samtaler.add_agreement,
                samtale.samtale_id,
                text=text,
                owner=owner,
                due=due,
                status=status,
                success="Aftalen er gemt.",
            )


def _history(ctx: Context, samtale: samtaler.Samtale) -> None:
    if not samtaler.sees_history(ctx.viewer, samtale.institution_id):
        return
    history = ctx.read(samtaler.samtale_history, samtale.samtale_id)
    with st.expander(f"Samtalens historik ({len(history)} versioner)", icon=":material/history:"):
        st.dataframe(
            pd.DataFrame(
                {
                    "Version": [h.version for h in history],
                    "Tidspunkt": [danish.timestamp(h.written_at) for h in history],
                    "Af": [h.author or "" for h in history],
                    "Status": ["slettet" if h.deleted else h.when for h in history],
                    "Delt": ["Ja" if h.shared_with_council else "Nej" for h in history],
                }
            ),
            hide_index=True,
            width="stretch",
        )


def _downloads(ctx: Context, institution_id: str, year: int) -> None:
    """The referat, made (and audited as an export) when it is clicked."""
    st.subheader("Hent referatet")
    st.caption(f"{_LOCK} Referatet indeholder testresultater, som er fortrolige efter folkeskolelovens § 55 b.")
    c1, c2 = st.columns(2)
    for col, fmt, label in ((c1, "xlsx", "Referat (XLSX)"), (c2, "html", "Referat til udskrift (HTML, A4)")):
        download(
            ctx,
            label,
            lambda fmt=fmt: ctx.read_now(reports.samtale, institution_id, year=year, fmt=fmt),
            file_name=f"skoleudviklingssamtale-{institution_id}-{year}.{fmt}",
            mime=reports.FORMATS[fmt],
            what="report:samtale",
            details={"institution": institution_id, "year": schoolyear.short(year)},
            action="export",
            container=col,
        )


def _samtale(ctx: Context, institution_id: str, year: int) -> None:
    school = ctx.read(samtaler.school_samtale, institution_id, year)
    samtale = school.samtale
    if samtale is None:
        if ctx.viewer.role == "council":
            st.info(
                f"Forvaltningen har ikke delt skolens samtale for {schoolyear.short(year)} med kommunalbestyrelsen.",
                icon=_LOCK,
            )
            return
        st.info(
            f"Der er ingen skoleudviklingssamtale med skolen i {schoolyear.short(year)} endnu."
            + (" Forvaltningen forbereder den." if ctx.viewer.role == "leader" else ""),
            icon=":material/info:",
        )
        if samtaler.may_write(ctx.viewer, institution_id, "record"):
            _prepare(ctx, institution_id, year)
    else:
        _facts(samtale)
        if samtaler.may_write(ctx.viewer, institution_id, "record"):
            _record(ctx, samtale)
    _frame(ctx, school)
    if samtale is not None:
        _proposal(ctx, samtale)
    _tests(ctx, institution_id, year)

    previous = school.previous_year
    st.subheader(
        f"Opfølgning på aftalerne fra samtalen i {schoolyear.short(previous)}"
        if previous is not None
        else "Opfølgning på tidligere aftaler"
    )
    if school.followup:
        _agreement_table(school.followup, followup=True)
    else:
        st.caption("Der er ingen aftaler fra tidligere samtaler at følge op på.")
    if samtale is None:
        _edit_agreement(ctx, school.followup)
        return
    st.subheader("Nye aftaler")
    if school.agreements:
        _agreement_table(school.agreements, followup=False)
    else:
        st.caption("Der er ikke indgået aftaler endnu.")
    _edit_agreement(ctx, school.followup + school.agreements)
    if samtaler.may_write(ctx.viewer, institution_id, "record"):
        _add_agreement(ctx, samtale)
    st.subheader("Referat af drøftelsen")
    if samtale.summary:
        st.text(samtale.summary)
    else:
        st.caption("Referatet er ikke skrevet endnu.")
    _history(ctx, samtale)
    _downloads(ctx, institution_id, year)


def _overview(ctx: Context, year: int) -> None:
    """Per school: this year's samtale (held, date), its development areas and the open agreements."""
    rows = ctx.read(samtaler.overview, ctx.kommune, year)
    if not rows:
        st.caption("Der er ingen skoler.")
        return
    held = sum(1 for r in rows if r.samtale and r.samtale.held)
    planned = sum(1 for r in rows if r.samtale and not r.samtale.held)
    c1, c2, c3 = st.columns(3)
    c1.metric("Afholdt", f"{held} af {len(rows)} skoler", border=True)
    c2.metric("Planlagt", str(planned), border=True)
    c3.metric("Åbne aftaler", str(sum(len(r.open_agreements) for r in rows)), border=True)
    missing = "Ingen delt samtale" if ctx.viewer.role == "council" else "Ikke planlagt"
    st.dataframe(
        pd.DataFrame(
            {
                "Skole": [r.name for r in rows],
                "Samtale": [r.samtale.when if r.samtale else missing for r in rows],
                "Udviklingsområder": ["; ".join(r.samtale.areas) if r.samtale else "" for r in rows],
                "Åbne aftaler": [len(r.open_agreements) for r in rows],
                "Aftaler": ["; ".join(a.text for a in r.open_agreements) for r in rows],
                "Distrikt": [r.district or "" for r in rows],
            }
        ),
        hide_index=True,
        width="stretch",
    )
    if ctx.viewer.role == "council":
        st.caption("Kommunalbestyrelsen ser de samtaler, forvaltningen har delt.")


def render(ctx: Context) -> None:
    st.title("Skoleudviklingssamtale")
    st.caption(
        "Den årlige samtale mellem kommunalbestyrelsen – i praksis ofte forvaltningen – og skolens leder "
        "(folkeskolelovens § 40 a). Resultaterne af de obligatoriske test og opfølgningen på tidligere "
        "samtaler er en del af samtalen."
    )
    if ctx.viewer.role == "public":
        st.info("Skoleudviklingssamtaler er ikke offentlige.", icon=_LOCK)
        return
    chosen = _choose(ctx)
    if chosen is None:
        return
    institution_id, year = chosen
    widgets.flash()
    if not samtaler.sees_overview(ctx.viewer):
        _samtale(ctx, institution_id, year)
        return
    samtale_tab, overview_tab = st.tabs(["Samtalen", f"Overblik over skolerne {schoolyear.short(year)}"])
    with samtale_tab:
        _samtale(ctx, institution_id, year)
    with overview_tab:
        _overview(ctx, year)


render(current())
