"""La página piso de bench/bench_floor.py: repite lo que dibujó una página real, sin calcular nada.

No se abre sola: bench_floor la corre con AppTest en su mismo proceso, después de grabar la página
(session_state["_piso_pagina"] dice cuál).
"""
import streamlit as st

from bench.bench_floor import PAGE_KEY, RECORDINGS, replay

st.set_page_config(page_title="Gobierno Digital · Personería de Cartagena", page_icon="🏛️", layout="wide")
replay(RECORDINGS[st.session_state[PAGE_KEY]])
