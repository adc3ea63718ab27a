"""Unexpected errors on a page: the person sees a Spanish message with a reference number, and the
traceback goes only to the server log under that number, so the administrator can find it.

Streamlit's own control flow (st.stop, st.rerun, st.switch_page) raises ScriptControlException, a
BaseException in Streamlit 1.67, so catching Exception here never swallows it.
"""
from __future__ import annotations

import logging
import secrets
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st

log = logging.getLogger("tablero.errores")
if not log.handlers:
    _handler = logging.StreamHandler(sys.stderr)
    _handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    log.addHandler(_handler)


def new_reference() -> str:
    """A short reference easy to read over the phone, e.g. 7F3A-21C9."""
    code = secrets.token_hex(4).upper()
    return f"{code[:4]}-{code[4:]}"


@contextmanager
def reported() -> Iterator[None]:
    """Run a page; an unexpected exception becomes a message with a reference and a logged traceback."""
    try:
        yield
    except Exception:
        reference = new_reference()
        log.exception("Error inesperado en una página; referencia %s", reference)
        st.error(f"Ocurrió un error inesperado. Referencia: {reference}. Informe este número al administrador.",
                 icon=":material/error:")
