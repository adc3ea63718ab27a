"""Administración: period locks (personero, administrador), exceptions, voids, accounts, backups, audit."""
from datetime import date

import pandas as pd
import streamlit as st

from metrics import accounts, backup, fmt, passwords, sessions, validation, writes
from metrics.accounts import ROLES, Rejected
from metrics.vocabulary import THROTTLE_SCOPES
from metrics.validation import TEXT_LIMITS, limit_caption
from metrics.store import StoreError
from ui import auth, state

st.title("Administración")
user = auth.current_user()
if user is None or not (user.can("lock") or user.can("users")):
    auth.require("lock")
store = state.store()
plan = state.plan()
today = date.today()
names = dict(zip(plan.processes["code"], plan.processes["name"]))
codes = list(plan.indicators["code"])

USER_COLUMNS = {"username": "Usuario", "full_name": "Nombre", "email": "Correo", "role": "Rol", "process": "Proceso",
                "active": "Activa", "locked_until": "Ingreso suspendido hasta", "last_login_at": "Último ingreso",
                "created_at": "Creada"}
PASSWORD_HELP = (f"Al menos {passwords.MIN_LENGTH} caracteres, sin espacios al comienzo ni al final; no puede "
                 "contener el usuario ni ser una contraseña común.")

if notice := st.session_state.pop("adm_aviso", None):
    st.success(notice)


def attempt(action, done: str) -> None:
    """Run a write; on success remember the message and rerun, on rejection show why."""
    try:
        action()
    except (Rejected, StoreError) as exc:
        st.error(exc.message)
    else:
        st.session_state["adm_aviso"] = done
        st.rerun()


sections = [s for s, p in (("Cierre de periodos", "lock"), ("Excepciones y anulaciones", "exception"),
                           ("Cuentas", "users"), ("Configuración y copias", "settings"), ("Auditoría", "audit"))
            if user.can(p)]
tabs = dict(zip(sections, st.tabs(sections)))

if "Cierre de periodos" in tabs:
    with tabs["Cierre de periodos"]:
        through = writes.locked_through(store)
        st.markdown(f"Periodos cerrados hasta: **{fmt.long_date(through) if through else 'ninguno'}**. Un periodo "
                    "cerrado no se puede reportar ni corregir, salvo con una excepción abierta por un administrador.")
        with st.form("cierre"):
            until = st.date_input("Cerrar los periodos que terminaron hasta", value=today, max_value=today,
                                  format="DD/MM/YYYY")
            note = st.text_input("Nota (p. ej. acta del Comité)", max_chars=TEXT_LIMITS["note"],
                                 help=limit_caption("note"))
            if st.form_submit_button("Cerrar periodos"):
                attempt(lambda: writes.lock_periods(store, user.username, until, note),
                        f"Periodos cerrados hasta el {fmt.long_date(until)}.")
        st.dataframe(writes.locks(store).rename(columns={"locked_through": "Cerrado hasta", "note": "Nota",
                                                            "locked_at": "Fecha", "locked_by": "Por"}), hide_index=True)

if "Excepciones y anulaciones" in tabs:
    with tabs["Excepciones y anulaciones"]:
        c1, c2, c3 = st.columns(3)
        code = c1.selectbox("Indicador", codes, key="adm_indicador")
        year = c2.number_input("Año", min_value=2000, max_value=today.year, value=today.year, key="adm_anio")
        period = c3.number_input("Periodo", min_value=1, max_value=12, value=1, key="adm_periodo")
        # A void names the version the administrator saw (the previous run), not the one re-read by the
        # run the click starts: if someone changed it in between, the void is refused.
        shown = writes.version_in_force(store, code, year, period)
        seen_key = f"adm_visto_{code}_{year}_{period}"
        seen = st.session_state.get(seen_key)
        st.session_state[seen_key] = None if shown is None else int(shown["id"])
        if shown is None:
            st.caption(f"{code} {year}-{period} no tiene valores registrados.")
        elif shown["is_void"]:
            st.caption(f"{code} {year}-{period} está anulado (versión {int(shown['id'])}).")
        else:
            unit = plan.indicator(code)["unit"]
            st.info(f"Valor vigente de {code} {year}-{period}: **{fmt.value(shown['value'], unit)}** (versión "
                    f"{int(shown['id'])}, registrado por {shown['recorded_by']} el "
                    f"{fmt.short_date(shown['recorded_at'])}).")
        reason = st.text_area("Motivo (queda registrado)", key="adm_motivo", max_chars=TEXT_LIMITS["reason"],
                              help=f"Al menos {validation.MIN_REASON} caracteres. {limit_caption('reason')}")
        st.caption(f"Motivo: al menos {validation.MIN_REASON} caracteres; {limit_caption('reason').lower()}")
        b1, b2 = st.columns(2)
        if b1.button("Abrir excepción de cierre"):
            attempt(lambda: writes.open_exception(store, user.username, code, year, period, reason),
                    f"Excepción abierta para {code} {year}-{period}: admite un reporte o una corrección.")
        if b2.button("Anular el valor vigente", disabled=shown is None or bool(shown["is_void"])):
            attempt(lambda: writes.void(store, user.username, code, year, period, reason,
                                        expected_id=seen if seen is not None else int(shown["id"])),
                    f"Se anuló el valor de {code} {year}-{period}; la anulación queda como una versión más.")
        st.markdown("#### Excepciones")
        st.dataframe(writes.exceptions(store), hide_index=True)

if "Cuentas" in tabs:
    with tabs["Cuentas"]:
        users = accounts.list_users(store)
        st.dataframe(users.assign(role=users["role"].map(ROLES)).rename(columns=USER_COLUMNS), hide_index=True)
        with st.form("cuenta_nueva", clear_on_submit=True):
            st.markdown("**Nueva cuenta**")
            c1, c2 = st.columns(2)
            new_name = c1.text_input("Usuario")
            full = c2.text_input("Nombre completo")
            role = c1.selectbox("Rol", list(ROLES), format_func=ROLES.get)
            proc = c2.selectbox("Proceso (solo líderes)", [None, *names], format_func=lambda c: "—" if c is None
                                else f"{c} · {names[c]}")
            email = c1.text_input("Correo institucional")
            pwd = c2.text_input("Contraseña inicial", type="password", help=PASSWORD_HELP)
            if st.form_submit_button("Crear cuenta"):
                attempt(lambda: accounts.create_user(store, user.username, new_name, full, role, pwd, proc,
                                                     email or None), f"Se creó la cuenta {new_name}.")
        if not users.empty:
            st.markdown("**Modificar una cuenta**")
            who = st.selectbox("Cuenta", list(users["username"]), key="adm_cuenta")
            row = users[users["username"] == who].iloc[0]
            c1, c2, c3 = st.columns(3)
            role = c1.selectbox("Rol", list(ROLES), index=list(ROLES).index(row["role"]), format_func=ROLES.get,
                                key=f"adm_rol_{who}")
            options = [None, *names]
            proc = c2.selectbox("Proceso", options, index=options.index(row["process"]) if row["process"] in names
                                else 0, key=f"adm_proc_{who}", format_func=lambda c: "—" if c is None else c)
            active = c3.toggle("Activa", value=bool(row["active"]), key=f"adm_activa_{who}")
            mail_to = st.text_input("Correo institucional (recibe los recordatorios)", key=f"adm_correo_{who}",
                                    value="" if pd.isna(row["email"]) else row["email"])
            if st.button("Guardar cambios de la cuenta"):
                attempt(lambda: accounts.update_user(store, user.username, who, role, proc, active,
                                                     email=mail_to.strip() or None),
                        f"Se actualizó la cuenta {who}.")
            pwd = st.text_input("Contraseña nueva", type="password", key=f"adm_clave_{who}", help=PASSWORD_HELP)
            if st.button("Restablecer contraseña y desbloquear"):
                attempt(lambda: accounts.set_password(store, user.username, who, pwd),
                        f"Se restableció la contraseña de {who}; sus sesiones abiertas se cerraron.")
        st.markdown("**Ingresos suspendidos temporalmente**")
        st.caption(f"Tras {accounts.ACCOUNT_LIMITS.lock_after} intentos fallidos seguidos con un mismo usuario, o "
                   f"{accounts.ADDRESS_LIMITS.lock_after} desde una misma dirección, el ingreso se suspende "
                   f"{int(accounts.ACCOUNT_LIMITS.lock_for.total_seconds() // 60)} minutos y luego se reanuda solo. "
                   "Puede levantar la suspensión antes si sabe que fue la persona legítima.")
        locks = accounts.temporary_locks(store)
        if locks.empty:
            st.caption("No hay ingresos suspendidos en este momento.")
        else:
            labels = {(scope, key): ("Un usuario inexistente" if key.startswith("#") else
                                     f"{THROTTLE_SCOPES[scope]} {key}")
                      + f" · hasta las {until:%H:%M}"
                      for scope, key, until in zip(locks["scope"], locks["key"], locks["locked_until"])}
            lock = st.selectbox("Suspensión", list(labels), format_func=labels.get, key="adm_suspension")
            if st.button("Levantar la suspensión"):
                attempt(lambda: accounts.lift_lock(store, user.username, *lock), "Se levantó la suspensión del ingreso.")

if "Configuración y copias" in tabs:
    with tabs["Configuración y copias"]:
        allowed = accounts.anonymous_reading(store)
        wanted = st.toggle("Permitir consultar el tablero sin ingresar", value=allowed, key="adm_anonimo")
        if wanted != allowed:
            attempt(lambda: accounts.set_anonymous_reading(store, user.username, wanted),
                    "Se cambió la lectura sin ingresar.")
        st.markdown("**Sesiones**")
        with st.form("sesiones"):
            c1, c2 = st.columns(2)
            hours = c1.number_input("Duración máxima de una sesión (horas)", 1, 24,
                                    int(sessions.lifetime(store).total_seconds() // 3600))
            idle = c2.number_input("Cierre por inactividad (minutos)", 5, 24 * 60,
                                   int(sessions.idle_timeout(store).total_seconds() // 60))
            if st.form_submit_button("Guardar la duración de las sesiones"):
                attempt(lambda: accounts.set_session_times(store, user.username, hours, idle),
                        "Se guardó la duración de las sesiones: la máxima rige para los ingresos "
                        "siguientes; el cierre por inactividad, desde ya.")
        st.markdown("**Copia de seguridad**")
        st.caption("Se guarda en la carpeta «respaldos» junto a la base de datos. Para restaurar una copia, "
                   "detenga el tablero y use `python -m metrics.admin restaurar --origen ARCHIVO`.")
        if st.button("Crear copia de seguridad ahora"):
            attempt(lambda: backup.backup(store, backup.default_backup_path(store.path), user.username),
                    "Copia de seguridad creada en la carpeta «respaldos».")

if "Auditoría" in tabs:
    with tabs["Auditoría"]:
        log = accounts.audit_log(store)
        st.dataframe(log.rename(columns={"logged_at": "Fecha", "username": "Usuario", "action": "Acción",
                                         "target": "Objeto", "detail": "Detalle"}), hide_index=True)
