"""Shared state for every page, with defaults, so a page also runs on its own (AppTest.switch_page).

Thin glue over metrics/snapshot_cache.py: the store is one per server process, and the plan, the
snapshot and the score history of a cut-off are computed once per data stamp for every session (any
write anywhere makes the next call see the new figures), each on the plan as it stood on that date.
"""
from __future__ import annotations

from datetime import date

import streamlit as st

from metrics import fmt
from metrics import plan as plan_mod
from metrics import snapshot as snapshot_mod
from metrics import snapshot_cache
from metrics.store import Store, StoreError, default_db_path

CUT_OFF_KEY = "fecha_corte"


# cache_resource only ties the process-wide store to Streamlit's lifetime (clear() closes it);
# snapshot_cache.open_store hands out the same store the launcher warmed (scripts/serve.py).
@st.cache_resource(show_spinner=False, on_release=snapshot_cache.close_store)
def _store(path: str) -> Store:
    return snapshot_cache.open_store(path)


def store() -> Store:
    """The open database, or a Spanish message and a stop when the file cannot be used."""
    try:
        return _store(str(default_db_path()))
    except StoreError as exc:
        st.error(f"**No se puede abrir la base de datos.** {exc.message}")
        st.info(f"**Qué hacer:** {exc.hint}")
        st.stop()


# The same objects are handed to every session, never a pickled copy; pages only read them
# (pandas copy-on-write).
def plan(as_of: date | None = None) -> plan_mod.Plan:
    """The plan as it stood on a cut-off (the sidebar's by default)."""
    return snapshot_cache.CACHE.plan(store(), as_of or cut_off())


def snapshot(as_of: date | None = None) -> snapshot_mod.Snapshot:
    """Everything computed for a cut-off date (the sidebar's by default)."""
    return snapshot_cache.CACHE.snapshot(store(), as_of or cut_off())


def cut_off() -> date:
    """The fecha de corte chosen in the sidebar; today when nothing was chosen."""
    chosen = st.session_state.get(CUT_OFF_KEY)
    return chosen if isinstance(chosen, date) else date.today()


def demo_banner() -> None:
    """Every page says clearly when it shows demo data."""
    if plan().is_demo:
        st.warning("**Datos de demostración.** Las cifras de esta base son ilustrativas y no corresponden "
                   "a mediciones reales de la Personería.", icon=":material/science:")


def history(as_of: date | None = None):
    """Objective and policy scores at each year end up to the cut-off, and at the cut-off."""
    return snapshot_cache.CACHE.history(store(), snapshot_cache.year_ends(as_of or cut_off()))


def no_plan_notice(snap: snapshot_mod.Snapshot) -> bool:
    """Says so when no strategic plan is in force at the cut-off (before the first one starts);
    True when it did, so a page can skip what needs a plan."""
    if snap.plan is not None:
        return False
    if snap.first_plan is None:
        st.info("La base de datos no tiene ningún plan estratégico registrado.")
    else:
        st.info(f"**Ningún plan estratégico está en vigor a esta fecha de corte.** El primero, "
                f"{snap.first_plan['name']}, empieza el {fmt.long_date(snap.first_plan['start_date'])}; las cifras "
                f"del plan y los reportes atrasados se calculan desde entonces.", icon=":material/event_busy:")
    return True

