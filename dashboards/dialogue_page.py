"""Dialog (administration: any institution; leader: their own; council: what is shared).

For one institution and school year: what the numbers show, the institution's
assessment, the agreed actions and the follow-up, side by side, with the open
actions of earlier dialogues first. Notes are written through
``dialogue.notes`` (which checks the viewer); the downloads come from ``reports``.
"""

from __future__ import annotations

import datetime as dt

import streamlit as st

import indicators
import reports
from core import danish, schoolyear
from dashboards import widgets
from dashboards.context import Context, current, download
from dialogue import (
    ACTION_STATUSES,
    NOTE_KINDS,
    Note,
    add_note,
    delete_note,
    edit_note,
    editable,
    may_delete,
    may_edit,
    may_share,
    note_history,
    notes,
    open_actions,
    writable_kinds,
)
from indicators import units
from indicators.catalogue import AREAS


def _choose(ctx: Context) -> tuple[str, int] | None:
    institutions = ctx.read(units.institutions, ctx.kommune)
    if institutions.empty:
        widgets.empty("Der er ingen institutioner at vise.")
        return None
    return widgets.institution_and_year(
        ctx,
        institutions,
        label="Institution",
        kind=None,
        year_key="dialogue_year",
        no_years="Der er ingen data at føre en dialog om endnu.",
    )


def _numbers(ctx: Context, institution_id: str, year: int) -> list[str]:
    """'Hvad viser tallene': the institution's goal statuses and sentences; returns the goal ids."""
    st.subheader("Hvad viser tallene")
    goals = ctx.read(indicators.evaluate_goals, kommune=ctx.kommune, year=year)
    goals = goals[(goals["level"] == "institution") & (goals["unit_id"] == institution_id)]
    if goals.empty:
        st.caption("Ingen af kommunens mål gælder institutionen i dette skoleår.")
        return []
    for g in goals.itertuples():
        st.markdown(widgets.status_badge(g.shown), unsafe_allow_html=True)
        st.markdown(f"**{widgets.md(g.title)}**  \n{g.sentence or ''}")
    if any(indicators.CATALOGUE[i].confidential for i in goals["indicator"]):
        st.caption(":material/lock: Fortroligt efter folkeskolelovens § 55 b – må ikke offentliggøres.")
    return list(goals["goal_id"])


def _note_text(note: Note) -> str:
    """The note as Markdown: our labels around the user's words, which stay as written."""
    md = widgets.md
    lines = [f"*{md(note.topic_label)}*", md(note.text)]
    if note.note_kind == "action":
        lines.append(
            f"**Hvem:** {md(note.action_owner)} · **Frist:** {danish.date(note.action_due)}"
            f" · **Status:** {note.action_status}"
        )
    byline = f"{md(note.author or '')}, {danish.date(note.written_at)}"
    if note.version > 1:
        byline += f" (version {note.version})"
    if note.shared_with_council:
        byline += " · delt med udvalget"
    lines.append(f":gray[{byline}]")
    return "  \n".join(lines)


def _show(ctx: Context, note: Note) -> None:
    """One note, with its history and (where the viewer may) an edit form."""
    with st.container(border=True):
        st.markdown(_note_text(note))
        if not may_edit(ctx.viewer, note):
            return
        fields = editable(ctx.viewer, note)
        with st.expander("Ret eller slet"):
            with st.form(f"edit_{note.note_id}"):
                changes = {}
                if "text" in fields:
                    changes["text"] = st.text_area("Tekst", note.text)
                if "action_status" in fields:
                    changes["action_status"] = st.selectbox(
                        "Status", ACTION_STATUSES, index=ACTION_STATUSES.index(note.action_status)
                    )
                if "shared_with_council" in fields:
                    changes["shared_with_council"] = st.checkbox("Del med udvalget", note.shared_with_council)
                if st.form_submit_button("Gem ny version"):
                    widgets.write(ctx, edit_note, note.note_id, success="Noten er gemt som en ny version.", **changes)
            if may_delete(ctx.viewer, note) and st.button(
                "Slet notatet", key=f"delete_{note.note_id}", icon=":material/delete:"
            ):
                widgets.write(ctx, delete_note, note.note_id, success="Noten er slettet (historikken er gemt).")
            history = ctx.read(note_history, note.note_id)
            if len(history) > 1:
                st.caption("Historik")
                for old in history:
                    state = "slettet" if old.deleted else (old.action_status or "")
                    st.caption(
                        f"v{old.version} · {danish.timestamp(old.written_at)} · "
                        f"{widgets.md(old.author or '')} · {state} — {widgets.md(old.text)}"
                    )


def _column(ctx: Context, title: str, items: list[Note], empty: str) -> None:
    st.subheader(title)
    if not items:
        st.caption(empty)
    for note in items:
        _show(ctx, note)


def _add_form(ctx: Context, institution_id: str, year: int, goal_ids: list[str], actions: list[Note]) -> None:
    kinds = writable_kinds(ctx.viewer, institution_id)
    if not kinds:
        return
    with st.expander("Skriv en ny note", icon=":material/edit_note:"):
        kind = st.radio("Type", kinds, format_func=NOTE_KINDS.get, horizontal=True, key="new_kind")
        with st.form("new_note", clear_on_submit=True):
            topics = [("institution", None)] + [("goal", g) for g in goal_ids] + [("area", a) for a, _ in AREAS]
            topic = st.selectbox(
                "Emne",
                topics,
                format_func=lambda t: (
                    "Hele institutionen" if t[1] is None else f"{'Mål' if t[0] == 'goal' else 'Område'}: {t[1]}"
                ),
            )
            fields = {"text": st.text_area("Tekst" if kind != "action" else "Hvad aftaler vi?")}
            if kind == "action":
                c1, c2, c3 = st.columns(3)
                fields["action_owner"] = c1.text_input("Hvem")
                fields["action_due"] = c2.date_input("Frist", dt.date(year + 1, 6, 30), format="DD-MM-YYYY")
                fields["action_status"] = c3.selectbox("Status", ACTION_STATUSES)
            if kind == "followup":
                if not actions:
                    st.caption("Der er ingen aftaler at følge op på.")
                labels = widgets.distinct_labels(
                    {a.note_id: f"{schoolyear.short(a.school_year)}: {a.text}" for a in actions}
                )
                fields["follows_up"] = st.selectbox("Aftale", list(labels), format_func=labels.get)
            if may_share(ctx.viewer, institution_id):
                fields["shared_with_council"] = st.checkbox("Del med udvalget")
            if st.form_submit_button("Gem", type="primary"):
                widgets.write(
                    ctx,
                    add_note,
                    institution_id=institution_id,
                    school_year=year,
                    note_kind=kind,
                    topic_kind=topic[0],
                    topic=topic[1],
                    success="Notatet er gemt.",
                    **fields,
                )


def _downloads(ctx: Context, institution_id: str, year: int) -> None:
    """The dialogue sheet and the status report, each made (and audited as an export) when it is clicked."""
    st.subheader("Hent")
    c1, c2, c3 = st.columns(3)
    details = {"institution": institution_id, "year": schoolyear.short(year)}
    for col, fmt, label in ((c1, "xlsx", "Dialogark (XLSX)"), (c2, "html", "Dialogark til udskrift (HTML)")):
        download(
            ctx,
            label,
            lambda fmt=fmt: ctx.read_now(reports.dialogue, institution_id, year=year, kommune=ctx.kommune, fmt=fmt),
            file_name=f"dialog-{institution_id}-{year}.{fmt}",
            mime=reports.FORMATS[fmt],
            what="report:dialogue",
            details=details,
            action="export",
            container=col,
        )
    if ctx.viewer.role in ("administration", "council") and c3.toggle("Statusrapport for kommunen"):
        for fmt in ("xlsx", "html"):
            download(
                ctx,
                f"Statusrapport {schoolyear.short(year)} ({fmt.upper()})",
                lambda fmt=fmt: ctx.read_now(reports.status, kommune=ctx.kommune, year=year, fmt=fmt),
                file_name=f"statusrapport-{year}.{fmt}",
                mime=reports.FORMATS[fmt],
                what="report:status",
                details={"year": schoolyear.short(year)},
                action="export",
                container=c3,
            )


def render(ctx: Context) -> None:
    st.title("Dialog")
    if ctx.viewer.role == "public":
        st.info("Dialognotater er ikke offentlige.", icon=":material/lock:")
        return
    chosen = _choose(ctx)
    if chosen is None:
        return
    institution_id, year = chosen
    widgets.flash()
    if ctx.viewer.role == "council":
        st.caption("Udvalget ser de notater, forvaltningen har delt.")

    this_year = ctx.read(notes, institution_id, year)
    carried = ctx.read(open_actions, institution_id, year)
    by_kind = {k: [n for n in this_year if n.note_kind == k] for k in NOTE_KINDS}
    if carried:
        st.subheader(f"Åbne aftaler fra tidligere dialoger ({len(carried)})")
        for note in carried:
            _show(ctx, note)

    numbers, assessment, actions, followup = st.columns(4, gap="medium")
    with numbers:
        goal_ids = _numbers(ctx, institution_id, year)
    with assessment:
        _column(ctx, "Institutionens vurdering", by_kind["assessment"], "Ingen vurdering endnu.")
        if by_kind["administration"]:
            _column(ctx, "Forvaltningens bemærkninger", by_kind["administration"], "")
    with actions:
        _column(ctx, "Aftaler", by_kind["action"], "Ingen aftaler endnu.")
    with followup:
        _column(ctx, "Opfølgning", by_kind["followup"], "Ingen opfølgning endnu.")

    _add_form(ctx, institution_id, year, goal_ids, carried + by_kind["action"])
    _downloads(ctx, institution_id, year)


render(current())
