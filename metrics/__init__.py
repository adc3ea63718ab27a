"""The domain of the dashboard: the DuckDB store, the plan, the scoring rules, the figures.

Nothing in this package imports Streamlit, so every rule runs and is tested without a browser.
"""
