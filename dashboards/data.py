"""Data (administration): upload an extract, check it, load it; the import log and the coverage."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core import danish, schoolyear
from dashboards import upload, widgets
from dashboards.context import Context, current
from indicators import units
from loaders import coverage, import_log
from loaders.kinds import KINDS


def _log(ctx: Context) -> None:
    st.subheader("Importlog")
    log = ctx.read(import_log.batches)
    if log.empty:
        widgets.empty("Der er ikke indlæst nogen filer endnu.")
        return
    log = log.assign(
        imported_at=log["imported_at"].map(danish.timestamp),
        kind=log["kind"].map(lambda k: KINDS.get(k, k)),
        **{c: log[c].map(danish.integer) for c in ("rows_read", "rows_loaded", "rows_rejected", "replaced")},
    )
    st.dataframe(
        log.drop(columns=["batch_id"]).rename(
            columns={
                "imported_at": "Tidspunkt",
                "file_name": "Fil",
                "kind": "Type",
                "status": "Status",
                "rows_read": "Rækker læst",
                "rows_loaded": "Indlæst",
                "rows_rejected": "Afvist",
                "replaced": "Erstattet",
                "scope": "Omfang",
                "imported_by": "Af",
                "messages": "Beskeder",
            }
        ),
        hide_index=True,
        width="stretch",
    )


def _coverage(ctx: Context) -> None:
    st.subheader("Dækning")
    st.caption("Antal institutioner med data pr. kilde og skoleår.")
    cov = ctx.read(coverage.coverage)
    if cov.empty:
        widgets.empty("Der er ingen resultater i databasen endnu.")
        return
    table = cov.pivot_table(index="source", columns="school_year", values="institutions", aggfunc="sum")
    table = table.reindex(columns=sorted(table.columns))
    table.columns = [schoolyear.short(int(y)) for y in table.columns]
    table.index.name = "Kilde"
    st.dataframe(table.map(lambda v: "" if pd.isna(v) else danish.integer(v)), width="stretch")


def _institutions(ctx: Context) -> None:
    st.subheader("Institutioner")
    inst = ctx.read(units.institutions, ctx.kommune)
    if inst.empty:
        widgets.empty("Der er ingen institutioner. Indlæs institutionsregistret eller kommunens egen liste.")
        return
    st.dataframe(
        inst[["name", "kind", "district", "parent_name"]]
        .fillna("")
        .rename(
            columns={
                "name": "Navn",
                "kind": "Type",
                "district": "Distrikt",
                "parent_name": "Hører under",
            }
        ),
        hide_index=True,
        width="stretch",
    )


def render(ctx: Context) -> None:
    st.title("Data")
    st.subheader("Indlæs en fil")
    upload.panel(
        ctx,
        "data",
        "Institutionsregister, nationale test, trivselsmåling, sprogvurdering, fravær, "
        "karakterer, overgang, kompetencedækning eller mål – som CSV eller XLSX.",
    )
    _log(ctx)
    _coverage(ctx)
    _institutions(ctx)


render(current())
