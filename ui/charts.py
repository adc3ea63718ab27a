"""Showing a figure on a page (and, later, its export buttons) in one place."""
from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st


def show_chart(fig: go.Figure, name: str) -> None:
    """Draw a figure built by metrics.charts; `name` is its stable id (keys, file names)."""
    st.plotly_chart(fig, key=f"chart-{name}", config={"displaylogo": False})
