"""AppTest: unexpected errors shown with a reference (traceback only in the log), the Mi cuenta page,
an administrator lifting a sign-in suspension, and a session ended elsewhere signing this tab out."""
from datetime import datetime, timedelta

import pytest
from streamlit.testing.v1 import AppTest

from metrics import accounts, sessions
from metrics.accounts import User
from tests.app.test_reportar import app, db, sign_in  # noqa: F401  (db is a fixture)
from tests.reporting_helpers import PASSWORD
from tests.test_accounts import fail

ADMIN = User("admin", "Admin", "administrador")


def failing_app():
    """A navigation like dashboard.py's whose pages raise, stop, rerun or switch page; the page that
    opens is the one named in session_state["abrir"]."""
    import streamlit as st

    from ui import errors

    def falla():
        st.write("Antes del error")
        int("año 20025")

    def se_detiene():
        st.write("Antes de detenerse")
        st.stop()

    def vuelve_a_empezar():
        if not st.session_state.get("ya"):
            st.session_state["ya"] = True
            st.rerun()
        st.write("Segunda pasada")

    def cambia_de_pagina():
        st.switch_page(destino)

    opens = st.session_state.get("abrir", "falla")
    destino = st.Page(se_detiene, title="Destino", url_path="destino", default=opens == "destino")
    pages = [st.Page(falla, title="Falla", url_path="falla", default=opens == "falla"), destino,
             st.Page(vuelve_a_empezar, title="Rerun", url_path="rerun", default=opens == "rerun"),
             st.Page(cambia_de_pagina, title="Cambia", url_path="cambia", default=opens == "cambia")]
    navigation = st.navigation(pages)
    with errors.reported():
        navigation.run()


def texts(at: AppTest) -> str:
    return "\n".join(str(e.value) for kind in ("markdown", "error", "exception", "warning", "info", "text")
                     for e in getattr(at, kind))


def test_an_unexpected_error_shows_a_reference_in_spanish_and_logs_the_traceback(caplog):
    at = AppTest.from_function(failing_app, default_timeout=30).run()
    assert not at.exception
    [error] = at.error
    reference = error.value.split("Referencia: ")[1][:9]
    assert error.value == (f"Ocurrió un error inesperado. Referencia: {reference}. "
                           "Informe este número al administrador.")
    shown = texts(at)
    assert "Antes del error" in shown
    for english in ("Traceback", "ValueError", "invalid literal", "int("):
        assert english not in shown
    [record] = [r for r in caplog.records if r.name == "tablero.errores"]
    assert reference in record.getMessage() and "invalid literal" in caplog.text and "Traceback" in caplog.text


@pytest.mark.parametrize("page, expected", [("destino", "Antes de detenerse"), ("rerun", "Segunda pasada"),
                                            ("cambia", "Antes de detenerse")])
def test_streamlit_control_flow_is_not_taken_for_an_error(page, expected):
    at = AppTest.from_function(failing_app, default_timeout=30)
    at.session_state["abrir"] = page
    at.run()
    assert not at.error and not at.exception
    assert expected in texts(at)


def test_mi_cuenta_changes_the_password_and_ends_the_other_sessions(db):
    elsewhere = sessions.start(db, "lider.ti")
    at = sign_in(app(), "lider.ti", PASSWORD)
    at.switch_page("app_pages/cuenta.py").run()
    assert not at.exception
    boxes = {t.label: t for t in at.text_input}
    boxes["Contraseña actual"].input("no-es-la-clave")
    boxes["Contraseña nueva"].input("Frase-nueva-del-lider-1")
    boxes["Repita la contraseña nueva"].input("Frase-nueva-del-lider-1")
    next(b for b in at.button if b.label == "Cambiar contraseña").click()
    at.run()
    assert [e.value for e in at.error] == ["La contraseña actual no es correcta."]
    boxes = {t.label: t for t in at.text_input}
    boxes["Contraseña actual"].input(PASSWORD)
    boxes["Contraseña nueva"].input("Frase-nueva-del-lider-1")
    boxes["Repita la contraseña nueva"].input("Frase-nueva-del-lider-1")
    next(b for b in at.button if b.label == "Cambiar contraseña").click()
    at.run()
    assert not at.error and any("Se cambió su contraseña" in s.value for s in at.success)
    assert at.session_state["usuario"].username == "lider.ti"             # this tab stays signed in
    assert sessions.resume(db, elsewhere) is None                        # the other browser does not
    assert accounts.sign_in(db, "lider.ti", "Frase-nueva-del-lider-1").username == "lider.ti"


def test_an_administrator_lifts_a_suspension_from_the_administration_page(db):
    fail(db, "lider.ti", accounts.ACCOUNT_LIMITS.lock_after, datetime.now() - timedelta(minutes=5))
    with pytest.raises(accounts.Rejected, match="suspendido"):
        accounts.sign_in(db, "lider.ti", PASSWORD, address="10.9.9.8")
    at = AppTest.from_file("../../app_pages/administrar.py", default_timeout=60)
    at.session_state["usuario"] = ADMIN
    at.run()
    assert at.selectbox(key="adm_suspension").value == ("cuenta", "lider.ti")
    next(b for b in at.button if b.label == "Levantar la suspensión").click()
    at.run()
    assert not at.exception and not at.error
    assert accounts.sign_in(db, "lider.ti", PASSWORD, address="10.9.9.8").username == "lider.ti"


def test_the_sign_in_form_gives_one_message_for_unknown_names_and_wrong_passwords(db):
    answers = [sign_in(app(), name, password).error[0].value
               for name, password in (("no.existe", PASSWORD), ("lider.ti", "no-es-la-clave"))]
    assert answers == [accounts.BAD_CREDENTIALS] * 2


def test_a_session_ended_in_another_tab_signs_this_tab_out_on_its_next_run(db):
    at = sign_in(app(), "lider.ti", PASSWORD)
    assert at.session_state["usuario"].username == "lider.ti"
    accounts.sign_out(db, "lider.ti")           # what the other tab's "Cerrar sesión" does
    at.run()
    assert "usuario" not in at.session_state
    assert any("Su sesión terminó" in i.value for i in at.info)


@pytest.mark.parametrize("peer, forwarded, address", [
    ("", "10.20.30.40", "10.20.30.40"),                  # behind the local nginx
    ("", "6.6.6.6, 10.20.30.40", "10.20.30.40"),         # a forged entry before the one nginx appended
    ("192.168.1.9", "6.6.6.6", "192.168.1.9"),          # reached directly: the header is not trusted
    ("", "", None),                                      # the same machine, no proxy
])
def test_the_client_address_trusts_only_the_entry_nginx_adds(peer, forwarded, address):
    from ui.auth import address_of
    assert address_of(peer, forwarded) == address
