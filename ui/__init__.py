"""Streamlit glue shared by the entry point and the pages: cached store, plan and snapshots."""
