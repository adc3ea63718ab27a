"""Sign-in and sign-out in the sidebar, the privacy notice (Ley 1581 de 2012), and the page gate.

The session keeps only the account's name, role and process (never the password). Every write
re-checks the stored account in metrics/, so this module only decides what to show.
"""
from __future__ import annotations

import streamlit as st

from metrics import accounts
from metrics.accounts import Rejected, User
from ui import state

USER_KEY = "usuario"
PRIVACY_NOTICE = """
**Aviso de privacidad (Ley 1581 de 2012 y Decreto 1377 de 2013).** La Personería Distrital de
Cartagena de Indias, como responsable del tratamiento, usa el nombre, el usuario, el correo
institucional, el cargo, el rol y el proceso de las personas que ingresan a este tablero, y el
registro de sus ingresos y de los cambios que hacen, **solo** para controlar el acceso, asignar
permisos por proceso y dejar la trazabilidad (auditoría) de los datos reportados. Estos datos se
tratan en ejercicio de las funciones legales de la entidad (art. 10 de la Ley 1581), no se publican
ni se entregan a terceros, y se conservan mientras la cuenta esté activa y durante el periodo de
retención de los registros de auditoría. Como titular puede **conocer, actualizar, rectificar y
pedir la supresión** de sus datos por el canal de PQRSD de la Personería (consultas: 10 días
hábiles; reclamos: 15 días hábiles), según la Política de Tratamiento de la Información de la entidad.
"""


def current_user() -> User | None:
    """The signed-in account of this session, or None."""
    user = st.session_state.get(USER_KEY)
    return user if isinstance(user, User) else None


def privacy_notice(expanded: bool = False) -> None:
    with st.expander("Aviso de privacidad", expanded=expanded, icon=":material/lock:"):
        st.markdown(PRIVACY_NOTICE)


def _sign_in() -> None:
    name = st.session_state.get("ingreso_usuario", "")
    password = st.session_state.get("ingreso_clave", "")
    st.session_state["ingreso_clave"] = ""      # never kept in the session after the attempt
    try:
        st.session_state[USER_KEY] = accounts.sign_in(state.store(), name, password)
        st.session_state.pop("ingreso_error", None)
    except Rejected as exc:
        st.session_state["ingreso_error"] = exc.message


def _sign_out() -> None:
    user = current_user()
    if user:
        accounts.sign_out(state.store(), user.username)
    st.session_state.pop(USER_KEY, None)


def sign_in_form() -> None:
    """The sign-in form with its privacy notice, in the current container (the sidebar)."""
    with st.form("ingreso", clear_on_submit=False, border=False):
        st.text_input("Usuario", key="ingreso_usuario", autocomplete="username")
        st.text_input("Contraseña", key="ingreso_clave", type="password", autocomplete="current-password")
        st.form_submit_button("Ingresar", on_click=_sign_in, type="primary")
    if error := st.session_state.get("ingreso_error"):
        st.error(error)
    privacy_notice()


def sidebar() -> None:
    """Who is signed in and a sign-out button, or the sign-in form. Call it inside `with st.sidebar`."""
    user = current_user()
    st.divider()
    if user:
        detail = f" · proceso {user.process}" if user.process else ""
        st.markdown(f"**{user.full_name}**  \n{user.role_label}{detail}")
        st.button("Cerrar sesión", on_click=_sign_out, key="salir")
    else:
        st.markdown("**Ingreso**")
        sign_in_form()


def gate() -> None:
    """Before the page: when reading needs an account and nobody is signed in, ask to sign in and stop."""
    if current_user() is None and not accounts.anonymous_reading(state.store()):
        st.title("Ingrese para consultar el tablero")
        st.info("Esta instalación del tablero solo se puede consultar con una cuenta. Ingrese con su usuario "
                "y contraseña en la barra lateral; si no tiene cuenta, pídala al administrador.")
        st.stop()


def require(permission: str) -> User:
    """The signed-in account if it may do `permission`; otherwise a message and a stop."""
    user = current_user()
    if user is None:
        st.info("Ingrese con su cuenta (barra lateral) para usar esta página.")
        st.stop()
    if not user.can(permission):
        st.warning(f"Su rol ({user.role_label}) no permite {accounts.ACTION_NAMES[permission]}.")
        st.stop()
    return user


def extra_pages(user: User | None) -> dict[str, list]:
    """The management pages, shown in the menu only to accounts that may use them. They stay
    routable (hidden) for everyone else, so a bookmark to /reportar asks to sign in, in Spanish,
    instead of Streamlit's "Page not found"; each page checks the permission itself."""
    def visible(allowed: bool) -> str:
        return "visible" if allowed else "hidden"
    return {"Gestión": [
        st.Page("app_pages/reportar.py", title="Reportar avance", icon=":material/edit_note:", url_path="reportar",
                visibility=visible(bool(user and user.can("report")))),
        st.Page("app_pages/administrar.py", title="Administración", icon=":material/admin_panel_settings:",
                url_path="administrar", visibility=visible(bool(user and (user.can("users") or user.can("lock"))))),
        st.Page("app_pages/plan.py", title="Plan", icon=":material/event_note:", url_path="plan",
                visibility=visible(bool(user and user.can("plan")))),
    ]}
