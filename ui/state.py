"""Shared state for every page, with defaults, so a page also runs on its own (AppTest.switch_page).

The store is one per server process (`cache_resource`); the plan as of a cut-off and the snapshot of
a cut-off are cached by the store's fingerprint and the date, so any write anywhere invalidates them
on the next rerun, and every figure at a cut-off uses the plan as it stood on that date.
"""
from __future__ import annotations

from datetime import date

import streamlit as st

from metrics import fmt
from metrics import plan as plan_mod
from metrics import snapshot as snapshot_mod
from metrics.periods import EARLIEST
from metrics.seed import open_store
from metrics.store import Store, StoreError, default_db_path

CUT_OFF_KEY = "fecha_corte"


@st.cache_resource(show_spinner=False, on_release=lambda s: s.close())
def _store(path: str) -> Store:
    return open_store(path)


def store() -> Store:
    """The open database, or a Spanish message and a stop when the file cannot be used."""
    try:
        return _store(str(default_db_path()))
    except StoreError as exc:
        st.error(f"**No se puede abrir la base de datos.** {exc.message}")
        st.info(f"**Qué hacer:** {exc.hint}")
        st.stop()


# cache_resource, not cache_data: the same objects are handed out without a pickled copy on every call
# (a snapshot holds every period since 2020); pages only read them (pandas copy-on-write).
@st.cache_resource(show_spinner=False, max_entries=32)
def _plan(path: str, stamp: str, as_of: date) -> plan_mod.Plan:
    return plan_mod.load(_store(path), as_of)


@st.cache_resource(show_spinner=False, max_entries=32)
def _snapshot(path: str, stamp: str, as_of: date) -> snapshot_mod.Snapshot:
    return snapshot_mod.compute(_store(path), _plan(path, stamp, as_of), as_of)


def plan(as_of: date | None = None) -> plan_mod.Plan:
    """The plan as it stood on a cut-off (the sidebar's by default)."""
    s = store()
    return _plan(str(s.path), s.stamp(), as_of or cut_off())


def snapshot(as_of: date | None = None) -> snapshot_mod.Snapshot:
    """Everything computed for a cut-off date (the sidebar's by default)."""
    s = store()
    return _snapshot(str(s.path), s.stamp(), as_of or cut_off())


def cut_off() -> date:
    """The fecha de corte chosen in the sidebar; today when nothing was chosen."""
    chosen = st.session_state.get(CUT_OFF_KEY)
    return chosen if isinstance(chosen, date) else date.today()


def demo_banner() -> None:
    """Every page says clearly when it shows demo data."""
    if plan().is_demo:
        st.warning("**Datos de demostración.** Las cifras de esta base son ilustrativas y no corresponden "
                   "a mediciones reales de la Personería.", icon=":material/science:")


@st.cache_data(show_spinner=False, max_entries=8)
def _history(path: str, stamp: str, dates: tuple[date, ...]):
    return snapshot_mod.history(_store(path), lambda as_of: _plan(path, stamp, as_of), list(dates))


def history(as_of: date | None = None):
    """Objective and policy scores at each year end up to the cut-off, and at the cut-off."""
    as_of = as_of or cut_off()
    dates = tuple(date(y, 12, 31) for y in range(EARLIEST.year, as_of.year)) + (as_of,)
    s = store()
    return _history(str(s.path), s.stamp(), dates)


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

