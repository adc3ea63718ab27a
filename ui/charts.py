"""Showing a figure on a page with its export buttons, in one place.

Each chart gets "Descargar PNG" and "Descargar SVG"; the image is rendered, and the data hash that
stamps it computed, only when its button is clicked (`st.download_button` with a callable), by the
one kaleido renderer the process shares. The cut-off and the store come from ui.state, so pages pass
nothing but the figure and a name.
"""
from __future__ import annotations

from datetime import date

import plotly.graph_objects as go
import streamlit as st

from metrics import export, snapshot_cache
from metrics.store import Store
from ui import state

# Plotly's tool bar in Spanish (the "es" locale ui.widgets.spanish_chrome registers), without the
# selection tools, which these charts do not use.
PLOTLY_CONFIG = {"displaylogo": False, "locale": "es", "responsive": True,
                 "modeBarButtonsToRemove": ["select2d", "lasso2d", "autoScale2d"]}


def provenance(as_of: date | None = None, store: Store | None = None) -> export.Provenance:
    """Cut-off, app version and data hash of what the page shows (the sidebar's cut-off and the
    server's store by default; a download computed outside the page's run passes the store)."""
    as_of = as_of or state.cut_off()
    return export.Provenance(as_of, snapshot_cache.CACHE.data_hash(store or state.store(), as_of))


def show_chart(fig: go.Figure, name: str) -> None:
    """Draw a figure built by metrics.charts; `name` is its stable id (keys, file names). The data hash
    that stamps the image is computed when a download is asked for, never to draw the page."""
    st.plotly_chart(fig, key=f"chart-{name}", config=PLOTLY_CONFIG)
    as_of = _figure_cut_off(fig) or state.cut_off()
    store = state.store()
    stem = export.file_stem(name, as_of)
    buttons = st.container(horizontal=True, gap="small")  # wraps in a narrow column instead of truncating
    buttons.download_button("Descargar PNG", data=lambda: export.png(fig, provenance(as_of, store)), file_name=f"{stem}.png",
                            mime="image/png", key=f"png-{name}", on_click="ignore", icon=":material/image:",
                            help="Imagen para informes oficiales, con fecha de corte, versión y hash de datos.")
    buttons.download_button("Descargar SVG", data=lambda: export.svg(fig, provenance(as_of, store)), file_name=f"{stem}.svg",
                            mime="image/svg+xml", key=f"svg-{name}", on_click="ignore", icon=":material/draw:",
                            help="Imagen vectorial (se puede ampliar sin perder calidad).")


def _figure_cut_off(fig: go.Figure) -> date | None:
    """A figure framed for another cut-off (a comparison) says so in layout.meta; else the sidebar's."""
    meta = fig.layout.meta
    if isinstance(meta, dict) and meta.get("fecha_corte"):
        return date.fromisoformat(meta["fecha_corte"])
    return None
