"""Mi cuenta: who is signed in, and changing one's own password (the current one is required)."""
import streamlit as st

from metrics import passwords
from metrics.accounts import Rejected
from ui import auth

st.title("Mi cuenta")
user = auth.require("read")
detail = f" · proceso {user.process}" if user.process else ""
st.markdown(f"**{user.full_name}** · usuario `{user.username}` · {user.role_label}{detail}")

st.subheader("Cambiar mi contraseña")
st.caption(f"Use al menos {passwords.MIN_LENGTH} caracteres (una frase de varias palabras sirve), sin espacios al "
           "comienzo ni al final, que no contenga su usuario ni sea una contraseña común. Al cambiarla se cierran "
           "sus sesiones abiertas en otros navegadores.")
with st.form("cambio_clave", clear_on_submit=True):
    current = st.text_input("Contraseña actual", type="password", autocomplete="current-password")
    new = st.text_input("Contraseña nueva", type="password", autocomplete="new-password")
    again = st.text_input("Repita la contraseña nueva", type="password", autocomplete="new-password")
    if st.form_submit_button("Cambiar contraseña", type="primary"):
        try:
            if new != again:
                raise Rejected("Las dos contraseñas nuevas no coinciden.")
            auth.change_password(current, new)
        except Rejected as exc:
            st.error(exc.message)
        else:
            st.success("Se cambió su contraseña. Sus sesiones en otros navegadores se cerraron.")
