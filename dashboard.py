"""Tablero de seguimiento de la Política de Gobierno Digital (DE-P-007).

The only entry point (`streamlit run dashboard.py`): page setup, the sign-in kept across reloads
(ui/auth.py), the sidebar with the fecha de corte, and `st.navigation` over the files in app_pages/
(not pages/, which Streamlit would auto-discover and serve bare on a deep link before the first
visit to the root). An unexpected error on a page shows a reference number, never a traceback.
"""
from datetime import date

import streamlit as st

from metrics import fmt
from metrics.periods import EARLIEST
from ui import auth, errors, state
from ui.widgets import spanish_chrome

st.set_page_config(page_title="Gobierno Digital · Personería de Cartagena", page_icon="🏛️", layout="wide")

auth.restore_session()
LANDING_IS_PENDING = auth.lands_on_pending(auth.current_user())   # then Mis pendientes is served at /
PAGES = {
    "Seguimiento": [
        st.Page("app_pages/resumen.py", title="Resumen", icon=":material/dashboard:", url_path="resumen",
                default=not LANDING_IS_PENDING),  # served at / for everyone else
        st.Page("app_pages/objetivos.py", title="Objetivos y visión", icon=":material/flag:", url_path="objetivos"),
        st.Page("app_pages/actividades.py", title="Plan de Acción", icon=":material/checklist:", url_path="actividades"),
    ],
    "Detalle": [
        st.Page("app_pages/procesos.py", title="Procesos", icon=":material/account_tree:", url_path="procesos"),
        st.Page("app_pages/indicador.py", title="Indicador", icon=":material/monitoring:", url_path="indicador"),
    ],
    "Reuniones": [
        st.Page("app_pages/reunion.py", title="Modo reunión", icon=":material/co_present:", url_path="reunion"),
        st.Page("app_pages/exportar.py", title="Informes y exportaciones", icon=":material/description:", url_path="exportar"),
    ],
}

pages = PAGES | auth.extra_pages(auth.current_user())
navigation = st.navigation(pages)
auth.land_after_sign_in(navigation, pages)
st.session_state["pagina_anterior"] = st.session_state.get("pagina")  # Modo reunión knows it was just entered
st.session_state["pagina"] = navigation.url_path
spanish_chrome()
with st.sidebar:
    entity = state.plan().entity
    st.markdown(f"**{entity['name']}**  \n*{entity['motto']}*")
    st.session_state.setdefault(state.CUT_OFF_KEY, date.today())
    st.date_input("Fecha de corte", key=state.CUT_OFF_KEY, min_value=EARLIEST,
                  max_value=date.today(), format="DD/MM/YYYY",
                  help="Todas las cifras se calculan con los periodos cerrados y los valores "
                       "registrados hasta esta fecha. Escriba dd/mm/aaaa y pulse Enter.")
    st.caption(f"Cifras al {fmt.long_date(state.cut_off())}.")
    auth.sidebar()
auth.gate()
with errors.reported():
    navigation.run()
