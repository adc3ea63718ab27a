"""Sign-in and sign-out in the sidebar, the session cookie, the privacy notice (Ley 1581 de 2012),
and the page gate.

The Streamlit session keeps only the account's name, role and process (never the password) and the
token of its browser session. Every write re-checks the stored account in metrics/, so this module
only decides what to show.

Sessions survive a reload and reach new tabs through a cookie holding a random token (the database
keeps only its sha256, metrics/sessions.py). Streamlit 1.67 reads cookies (`st.context.cookies`, from
the WebSocket handshake of each tab) but has no API to set one, so the cookie is written by a tiny
script in `st.html(..., unsafe_allow_javascript=True)`, sent only to the tab that signed in. It is
SameSite=Strict, and Secure with the `__Host-` prefix when the page is served over HTTPS. It cannot
be HttpOnly (a script set it); the alternative, a custom route of `st.App` that answers with
Set-Cookie, would change how the dashboard is started. The token never travels in a URL, and every
rerun checks it against the database, so signing out anywhere ends the session in every tab.
"""
from __future__ import annotations

import json

import streamlit as st

from metrics import accounts, sessions
from metrics.accounts import Rejected, User
from ui import state

USER_KEY = "usuario"
TOKEN_KEY = "sesion_token"             # this tab's session token (server memory only)
DISCARDED_KEY = "sesion_descartada"    # a cookie token already found dead, not to be tried again
COOKIE_KEY = "sesion_cookie"           # what the next run must do to the cookie: ("poner"|"quitar", token)
ENDED_KEY = "sesion_terminada"         # the session ended elsewhere or by inactivity: say so once
COOKIE = "tablero_sesion"
SECURE_COOKIE = "__Host-tablero_sesion"   # over HTTPS: bound to this host, Secure, Path=/
PRIVACY_NOTICE = """
**Aviso de privacidad (Ley 1581 de 2012 y Decreto 1377 de 2013).** La Personería Distrital de
Cartagena de Indias, como responsable del tratamiento, usa el nombre, el usuario, el correo
institucional, el cargo, el rol y el proceso de las personas que ingresan a este tablero, y el
registro de sus ingresos y de los cambios que hacen, **solo** para controlar el acceso, asignar
permisos por proceso, dejar la trazabilidad (auditoría) de los datos reportados y enviar al correo
institucional los recordatorios de los reportes a cargo de cada persona (y al Personero, un resumen
semanal); de cada mensaje enviado se guarda la fecha, el destinatario y el asunto. Estos datos se
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


def client_address() -> str | None:
    """The address the request came from, for throttling sign-in attempts.

    Behind the local nginx (the deployment binds the app to 127.0.0.1, so the direct peer is this
    machine and Streamlit reports no address) it is the last entry of X-Forwarded-For, the one nginx
    itself appended; otherwise the peer's address. None when neither is known (a local run).
    """
    return address_of(_text(st.context.ip_address), _text(st.context.headers.get("X-Forwarded-For")))


def address_of(peer: str, forwarded_for: str) -> str | None:
    """The peer's address, or when the peer is this machine ("") the last X-Forwarded-For entry."""
    return peer or forwarded_for.rsplit(",", 1)[-1].strip() or None


def _https() -> bool:
    headers = st.context.headers
    if _text(headers.get("X-Forwarded-Proto")).lower() == "https":
        return True
    return (_text(st.context.url) or _text(headers.get("Origin"))).startswith("https://")


def _cookie_token() -> str | None:
    cookies = st.context.cookies
    return _text(cookies.get(SECURE_COOKIE)) or _text(cookies.get(COOKIE)) or None


def _text(value) -> str:
    """A request value as text; "" when absent (or not text, as under AppTest, which has no browser)."""
    return value if isinstance(value, str) else ""


def _forget(ended: bool) -> None:
    """Drop this tab's sign-in; `ended`: it ended elsewhere or by inactivity, not by this tab."""
    st.session_state.pop(USER_KEY, None)
    st.session_state.pop(TOKEN_KEY, None)
    if ended:
        st.session_state[ENDED_KEY] = True


def restore_session() -> None:
    """Before anything else on every run: check this tab's session against the database, or resume
    the one the browser's cookie names (a reload, a new tab)."""
    store = state.store()
    token = st.session_state.get(TOKEN_KEY)
    if token is not None:
        name = sessions.resume(store, token)
        user = accounts.get_user(store, name) if name else None
        if user is None:
            _forget(ended=True)
            st.session_state[COOKIE_KEY] = ("quitar", token)
        else:
            st.session_state[USER_KEY] = user      # a role changed by an administrator shows at once
        return
    cookie = _cookie_token()
    if current_user() is not None or not cookie or cookie == st.session_state.get(DISCARDED_KEY):
        return
    name = sessions.resume(store, cookie)
    user = accounts.get_user(store, name) if name else None
    if user is None:
        st.session_state[DISCARDED_KEY] = cookie
        st.session_state[COOKIE_KEY] = ("quitar", cookie)
    else:
        st.session_state[USER_KEY] = user
        st.session_state[TOKEN_KEY] = cookie


def _cookie_script() -> None:
    """Set or remove the session cookie in this tab's browser, when the run asks for it.

    Removal names the token it removes, so a tab that finds its old session dead does not remove
    the cookie of a newer sign-in made in another tab.
    """
    action = st.session_state.pop(COOKIE_KEY, None)
    if action is None:
        return
    what, token = action
    if what == "poner":
        name, secure = (SECURE_COOKIE, "; Secure") if _https() else (COOKIE, "")
        age = int(sessions.lifetime(state.store()).total_seconds())
        js = f"document.cookie = {json.dumps(f'{name}={token}; Path=/; Max-Age={age}; SameSite=Strict{secure}')};"
    else:
        js = (f"{{ const token = {json.dumps(token)};"   # a block: the page may run this script more than once
              f"for (const [name, secure] of [[{json.dumps(COOKIE)}, ''], [{json.dumps(SECURE_COOKIE)}, '; Secure']]) {{"
              "  if (token === null || document.cookie.split('; ').includes(name + '=' + token)) {"
              "    document.cookie = name + '=; Path=/; Max-Age=0; SameSite=Strict' + secure; } } }")
    st.html(f"<script>{js}</script>", unsafe_allow_javascript=True, width="content")


def change_password(current: str, new: str) -> None:
    """The signed-in person changes their own password; their other sessions end, this one stays."""
    user = current_user()
    if user is None:
        raise Rejected("Debe iniciar sesión para cambiar su contraseña.")
    accounts.change_own_password(state.store(), user.username, current, new,
                                 keep_token=st.session_state.get(TOKEN_KEY), address=client_address())


def privacy_notice(expanded: bool = False) -> None:
    with st.expander("Aviso de privacidad", expanded=expanded, icon=":material/lock:"):
        st.markdown(PRIVACY_NOTICE)


def _sign_in() -> None:
    name = st.session_state.get("ingreso_usuario", "")
    password = st.session_state.get("ingreso_clave", "")
    st.session_state["ingreso_clave"] = ""      # never kept in the session after the attempt
    try:
        user = accounts.sign_in(state.store(), name, password, address=client_address())
    except Rejected as exc:
        st.session_state["ingreso_error"] = exc.message
        return
    token = sessions.start(state.store(), user.username)
    st.session_state.update({USER_KEY: user, TOKEN_KEY: token, COOKIE_KEY: ("poner", token), JUST_SIGNED_IN: True})
    for key in ("ingreso_error", ENDED_KEY):
        st.session_state.pop(key, None)


def _sign_out() -> None:
    """End every session of the account (all its tabs and browsers) and remove this browser's cookie."""
    user = current_user()
    if user:
        accounts.sign_out(state.store(), user.username)
    _forget(ended=False)
    st.session_state[COOKIE_KEY] = ("quitar", None)


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
        if st.session_state.pop(ENDED_KEY, False):
            st.info("Su sesión terminó (se cerró en otra pestaña o navegador, venció o estuvo inactiva). "
                    "Ingrese de nuevo.")
        sign_in_form()
    _cookie_script()


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


LANDS_ON_PENDING = ("lider", "personero")   # roles whose landing page (/) is Mis pendientes
PENDING_TITLE = "Mis pendientes"
JUST_SIGNED_IN = "ingreso_reciente"         # set by the sign-in: the next run opens the landing page


def lands_on_pending(user: User | None) -> bool:
    """Whether `/` is Mis pendientes for this person (a leader, the Personero) rather than Resumen."""
    return user is not None and user.role in LANDS_ON_PENDING


def land_after_sign_in(navigation, pages: dict[str, list]) -> None:
    """Right after signing in, a leader or the Personero is taken to Mis pendientes (once; they may
    then go anywhere, and a reload keeps the page they are on)."""
    if not st.session_state.pop(JUST_SIGNED_IN, False) or not lands_on_pending(current_user()):
        return
    landing = next(p for group in pages.values() for p in group if p.title == PENDING_TITLE)
    if navigation.title != PENDING_TITLE:
        st.switch_page(landing)


def extra_pages(user: User | None) -> dict[str, list]:
    """The management pages, shown in the menu only to accounts that may use them. They stay
    routable (hidden) for everyone else, so a bookmark to /reportar asks to sign in, in Spanish,
    instead of Streamlit's "Page not found"; each page checks the permission itself. Mis pendientes
    is the default page (served at /) of a leader and of the Personero."""
    def visible(allowed: bool) -> str:
        return "visible" if allowed else "hidden"
    return {"Gestión": [
        st.Page("app_pages/pendientes.py", title=PENDING_TITLE, icon=":material/pending_actions:",
                url_path="pendientes", default=lands_on_pending(user), visibility=visible(user is not None)),
        st.Page("app_pages/cuenta.py", title="Mi cuenta", icon=":material/person:", url_path="cuenta",
                visibility=visible(user is not None)),
        st.Page("app_pages/reportar.py", title="Reportar avance", icon=":material/edit_note:", url_path="reportar",
                visibility=visible(bool(user and user.can("report")))),
        st.Page("app_pages/administrar.py", title="Administración", icon=":material/admin_panel_settings:",
                url_path="administrar", visibility=visible(bool(user and (user.can("users") or user.can("lock"))))),
        st.Page("app_pages/plan.py", title="Plan", icon=":material/event_note:", url_path="plan",
                visibility=visible(bool(user and user.can("plan")))),
    ]}
