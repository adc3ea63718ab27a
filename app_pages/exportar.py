"""Exportar: the informe de seguimiento, the Excel workbook and the open data for the cut-off."""
import streamlit as st

from metrics import fmt
from ui import state
from ui.exports import export_panel

st.title("Informes y exportaciones")
st.caption(f"Cifras al {fmt.long_date(state.cut_off())}. Cambie la fecha de corte en la barra lateral.")
state.demo_banner()
export_panel()
st.info("El mismo informe se genera desde la línea de comandos: "
        f"`python -m metrics.report --corte {state.cut_off().isoformat()} --salida informe.pdf`; el anual, con "
        f"`python -m metrics.report --anual {state.cut_off().year - 1} --salida informe-anual.pdf`.",
        icon=":material/terminal:")
