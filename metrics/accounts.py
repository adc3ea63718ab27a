"""Accounts, roles, password hashing, sign-in throttling, permissions and the audit log.

Permissions are checked here, inside the write transaction, against the account as stored (not
against what a page believes about the user), so a page that forgets to hide a button, or code
that calls metrics/ directly, still cannot write what the role does not allow.
Passwords exist only as argon2 hashes; no function here logs or returns one in clear.

Sign-in throttling counts failures per account name and per client address and slows, then
suspends for a while, the attempts of either; it never locks an account for good, so guessing at
someone's name cannot keep them out, and a wrong name behaves exactly like a wrong password.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from metrics import passwords, sessions
from metrics.store import Store

ROLES = {"administrador": "Administrador", "personero": "Personero", "planeacion": "Oficina de Planeación",
         "lider": "Líder de proceso", "consulta": "Consulta"}
PERMISSIONS = {
    "administrador": {"read", "export", "report", "correct", "void", "lock", "exception", "users",
                      "actions", "settings", "backup", "audit", "plan"},
    "personero": {"read", "export", "lock", "audit"},
    "planeacion": {"read", "export", "plan"},
    "lider": {"read", "export", "report", "correct", "actions"},
    "consulta": {"read"},
}
ACTION_NAMES = {"report": "reportar valores", "correct": "corregir valores", "void": "anular valores",
                "lock": "cerrar periodos", "exception": "abrir excepciones de cierre",
                "users": "administrar cuentas", "actions": "registrar acciones de mejora",
                "settings": "cambiar la configuración", "backup": "hacer copias de seguridad",
                "audit": "consultar la auditoría", "plan": "cambiar el plan", "export": "exportar", "read": "consultar"}
ANONYMOUS_SETTING = "anonymous_read"
COMMAND_LINE = "linea-de-comandos"   # who a change made with python -m metrics.admin is recorded as
CLI = object()   # passed instead of a username by the command line only: it already holds the database file
THROTTLE_KEY_SETTING = "throttle_key"   # random key for hashing unknown names typed at sign-in


@dataclass(frozen=True)
class Limits:
    """How many consecutive failures are free, and after how many a temporary lock starts."""
    throttle_after: int   # failures allowed before each new attempt must wait
    lock_after: int       # failures that suspend sign-in for `lock_for`
    lock_for: timedelta


ACCOUNT_LIMITS = Limits(throttle_after=3, lock_after=10, lock_for=timedelta(minutes=15))
ADDRESS_LIMITS = Limits(throttle_after=10, lock_after=30, lock_for=timedelta(minutes=15))
MAX_WAIT = 60                          # seconds, the longest wait between two attempts
FORGET_AFTER = timedelta(minutes=15)   # failures older than this, or before an expired lock, stop counting
LOCAL_ADDRESS = "local"                # the client address when none is known (same machine, tests)

# Demo-only accounts, created only in the demonstration database and documented in the README.
DEMO_ACCOUNTS = (
    ("admin.demo", "Administrador de demostración", "administrador", None, "Demo-Admin-2024"),
    ("personero.demo", "Personero de demostración", "personero", None, "Demo-Personero-2024"),
    ("planeacion.demo", "Oficina de Planeación de demostración", "planeacion", None, "Demo-Planeacion-2024"),
    ("lider.ti.demo", "Líder de TI de demostración", "lider", "TI", "Demo-Lider-2024"),
    ("consulta.demo", "Consulta de demostración", "consulta", None, "Demo-Consulta-2024"),
)

_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("cuenta-inexistente-para-igualar-tiempos")


class Rejected(ValueError):
    """A write or a sign-in refused, with the reason in Spanish for the person who tried."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class PermissionDenied(Rejected):
    pass


@dataclass(frozen=True)
class User:
    username: str
    full_name: str
    role: str
    process: str | None = None

    @property
    def role_label(self) -> str:
        return ROLES[self.role]

    def can(self, permission: str, process: str | None = None) -> bool:
        """Whether the role allows `permission`; a líder only on its own process."""
        if permission not in PERMISSIONS[self.role]:
            return False
        return not (self.role == "lider" and process is not None and process != self.process)


_USER_COLS = "username, full_name, role, process"
_ACTIVE_USER = f"SELECT {_USER_COLS} FROM app_user WHERE username = ? AND active"


def _user_from(row) -> User:
    return User(row[0], row[1], row[2], row[3])


def get_user(store: Store, username: str) -> User | None:
    row = store.row(_ACTIVE_USER, [username])
    return _user_from(row) if row else None


def list_users(store: Store, now: datetime | None = None):
    """Every account, with the end of its temporary sign-in lock when one is running."""
    return store.query("SELECT u.username, u.full_name, u.email, u.role, u.process, u.active, "
                       "CASE WHEN t.locked_until > ? THEN t.locked_until END AS locked_until, "
                       "u.last_login_at, u.created_at FROM app_user u "
                       "LEFT JOIN sign_in_throttle t ON t.scope = 'cuenta' AND t.key = u.username "
                       "ORDER BY u.role, u.username", [now or datetime.now()])


def require(cur, username: str | User, permission: str, process: str | None = None) -> User:
    """The stored, active account behind `username`, if it may do `permission` (on `process`).

    Call it with the transaction's cursor so the check and the write see the same state. An account
    whose sign-in is temporarily locked (someone was guessing its password) cannot write either.
    """
    name = username.username if isinstance(username, User) else username
    user = _allowed(cur.execute(_ACTIVE_USER, [name]).fetchone(), permission, process)
    if _locked_until(_throttle_row(cur, "cuenta", name), datetime.now()):
        raise PermissionDenied("La cuenta tiene el ingreso suspendido temporalmente por intentos fallidos; no "
                               "puede hacer cambios hasta que venza la suspensión o un administrador la levante.")
    return user


def authorize(store: Store, username: str | User, permission: str, process: str | None = None) -> User:
    """`require` for reads that need a permission (templates, exports), outside a transaction."""
    name = username.username if isinstance(username, User) else username
    return _allowed(store.row(_ACTIVE_USER, [name]), permission, process)


def _allowed(row, permission: str, process: str | None) -> User:
    if row is None:
        raise PermissionDenied("Debe iniciar sesión con una cuenta activa para hacer cambios.")
    user = _user_from(row)
    check(user, permission, process)
    return user


def check(user: User, permission: str, process: str | None = None) -> None:
    """Raise PermissionDenied, with the reason, unless `user` may do `permission` (on `process`)."""
    if permission not in PERMISSIONS[user.role]:
        raise PermissionDenied(f"Su rol ({user.role_label}) no permite {ACTION_NAMES[permission]}.")
    if not user.can(permission, process):
        raise PermissionDenied(f"Solo puede {ACTION_NAMES[permission]} de los indicadores de su proceso "
                               f"({user.process}); este indicador es del proceso {process}.")


def audit(cur, username: str | None, action: str, target: str | None = None, detail: str | None = None,
          now: datetime | None = None) -> None:
    """One row in the audit log; call it inside the transaction of the write it records."""
    cur.execute("INSERT INTO audit_log (logged_at, username, action, target, detail) VALUES (?, ?, ?, ?, ?)",
                [now or datetime.now(), username, action, target, detail])


def check_password(password: str, username: str) -> None:
    """Raise Rejected with the reason when `password` breaks the policy (metrics/passwords.py)."""
    if reason := passwords.problem(password, username):
        raise Rejected(reason)


def _check_account_fields(cur, username: str, role: str, process: str | None) -> None:
    if not username or not username.replace(".", "").replace("_", "").replace("-", "").isalnum():
        raise Rejected("El usuario solo puede tener letras, números, puntos, guiones y guiones bajos.")
    if role not in ROLES:
        raise Rejected(f"Rol desconocido: {role}. Use uno de: {', '.join(ROLES)}.")
    if role == "lider":
        if not process:
            raise Rejected("Un líder de proceso debe tener un proceso asignado.")
        if not cur.execute("SELECT 1 FROM process WHERE code = ?", [process]).fetchone():
            raise Rejected(f"El proceso {process} no existe.")


def _insert_user(cur, username, full_name, role, process, password, email, by, now) -> None:
    _check_account_fields(cur, username, role, process)
    check_password(password, username)
    if cur.execute("SELECT 1 FROM app_user WHERE username = ?", [username]).fetchone():
        raise Rejected(f"Ya existe una cuenta con el usuario {username}.")
    cur.execute("INSERT INTO app_user (username, full_name, email, role, process, password_hash, created_at, "
                "created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [username, full_name, email, role, process if role == "lider" else None,
                 _hasher.hash(password), now, by])
    audit(cur, by, "crear_cuenta", username, f"rol {role}" + (f", proceso {process}" if role == "lider" else ""),
          now)


def create_user(store: Store, by: str, username: str, full_name: str, role: str, password: str,
                process: str | None = None, email: str | None = None) -> User:
    """An administrator creates an account."""
    now = datetime.now()
    with store.transaction() as cur:
        require(cur, by, "users")
        _insert_user(cur, username.strip(), full_name.strip(), role, process, password, email, by, now)
    return User(username.strip(), full_name.strip(), role, process if role == "lider" else None)


def create_first_admin(store: Store, username: str, full_name: str, password: str) -> User:
    """The command-line bootstrap: only when the database has no active administrator."""
    now = datetime.now()
    with store.transaction() as cur:
        if cur.execute("SELECT count(*) FROM app_user WHERE role = 'administrador' AND active").fetchone()[0]:
            raise Rejected("La base de datos ya tiene un administrador; cree las demás cuentas desde la "
                           "página Administración.")
        _insert_user(cur, username, full_name, "administrador", None, password, None, "linea-de-comandos", now)
    return User(username, full_name, "administrador")


def update_user(store: Store, by: str, username: str, role: str, process: str | None, active: bool,
                full_name: str | None = None, email: str | None = None) -> None:
    now = datetime.now()
    with store.transaction() as cur:
        admin = require(cur, by, "users")
        _check_account_fields(cur, username, role, process)
        if username == admin.username and (role != "administrador" or not active):
            raise Rejected("No puede quitarse a sí mismo el rol de administrador ni desactivar su propia cuenta.")
        before = cur.execute("SELECT role, process, active FROM app_user WHERE username = ?", [username]).fetchone()
        if before is None:
            raise Rejected(f"No existe la cuenta {username}.")
        cur.execute("UPDATE app_user SET role = ?, process = ?, active = ?, full_name = coalesce(?, full_name), "
                    "email = coalesce(?, email) WHERE username = ?",
                    [role, process if role == "lider" else None, active, full_name, email, username])
        if not active:
            sessions.revoke_all(cur, username, now)
        audit(cur, by, "modificar_cuenta", username,
              f"antes: rol {before[0]}, proceso {before[1]}, activa {before[2]}; "
              f"ahora: rol {role}, proceso {process if role == 'lider' else None}, activa {active}", now)


def set_password(store: Store, by: str | None, username: str, password: str) -> None:
    """Reset a password, lift its sign-in lock and end its sessions: an administrator (by) or the
    command line (by=None)."""
    now = datetime.now()
    with store.transaction() as cur:
        if by is not None:
            require(cur, by, "users")
        if not cur.execute("SELECT 1 FROM app_user WHERE username = ?", [username]).fetchone():
            raise Rejected(f"No existe la cuenta {username}.")
        check_password(password, username)
        cur.execute("UPDATE app_user SET password_hash = ? WHERE username = ?", [_hasher.hash(password), username])
        cur.execute("DELETE FROM sign_in_throttle WHERE scope = 'cuenta' AND key = ?", [username])
        sessions.revoke_all(cur, username, now)
        audit(cur, by or "linea-de-comandos", "restablecer_clave", username, "contraseña restablecida, cuenta "
              "desbloqueada y sesiones cerradas", now)


def change_own_password(store: Store, username: str, current: str, new: str, keep_token: str | None = None,
                        address: str | None = None, now: datetime | None = None) -> None:
    """A signed-in person changes their own password: the current one is required (and a wrong one
    counts as a failed sign-in), and every other session of the account ends."""
    now = now or datetime.now()
    address = address or LOCAL_ADDRESS
    row = store.row("SELECT password_hash FROM app_user WHERE username = ? AND active", [username])
    if row is None:
        raise PermissionDenied("Debe iniciar sesión con una cuenta activa para hacer cambios.")
    _refuse_if_throttled(store, username, address, now)
    if not _verify(row[0], current):
        with store.transaction() as cur:
            _count_failure(cur, username, address, now)
            audit(cur, username, "cambio_clave_fallido", None, f"contraseña actual incorrecta, desde {address}", now)
        raise Rejected("La contraseña actual no es correcta.")
    if new == current:
        raise Rejected("La contraseña nueva debe ser distinta de la actual.")
    check_password(new, username)
    with store.transaction() as cur:
        require(cur, username, "read")
        cur.execute("UPDATE app_user SET password_hash = ? WHERE username = ?", [_hasher.hash(new), username])
        ended = sessions.revoke_all(cur, username, now, keep=keep_token)
        audit(cur, username, "cambiar_clave", username, f"contraseña cambiada por su titular; {ended} sesiones "
              "cerradas en otros navegadores", now)


def lift_lock(store: Store, by: str, scope: str, key: str) -> None:
    """An administrator lifts a temporary sign-in lock of an account ('cuenta') or an address ('direccion')."""
    now = datetime.now()
    with store.transaction() as cur:
        require(cur, by, "users")
        cur.execute("DELETE FROM sign_in_throttle WHERE scope = ? AND key = ?", [scope, key])
        audit(cur, by, "desbloquear_cuenta" if scope == "cuenta" else "desbloquear_direccion",
              key if not key.startswith("#") else "(usuario inexistente)", None, now)


def temporary_locks(store: Store, now: datetime | None = None):
    """The sign-in locks running now: scope ('cuenta' or 'direccion'), key, failures and end."""
    return store.query("SELECT scope, key, failed_attempts, locked_until FROM sign_in_throttle "
                       "WHERE locked_until > ? ORDER BY locked_until DESC", [now or datetime.now()])


def wait_seconds(failed: int, limits: Limits = ACCOUNT_LIMITS) -> int:
    """Seconds a new attempt must wait after `failed` consecutive failures."""
    return 0 if failed < limits.throttle_after else min(2 ** (failed - limits.throttle_after), MAX_WAIT)


BAD_CREDENTIALS = "Usuario o contraseña incorrectos."


def _throttle_row(cur_or_store, scope: str, key: str):
    sql = "SELECT failed_attempts, last_failed_at, locked_until FROM sign_in_throttle WHERE scope = ? AND key = ?"
    if isinstance(cur_or_store, Store):
        return cur_or_store.row(sql, [scope, key])
    return cur_or_store.execute(sql, [scope, key]).fetchone()


def _counted(row, now: datetime) -> int:
    """The failures that still count: none after an expired lock or after FORGET_AFTER without one."""
    if row is None:
        return 0
    failed, last_failed, locked_until = row
    if locked_until is not None:
        return failed if now < locked_until else 0
    return failed if now < last_failed + FORGET_AFTER else 0


def _locked_until(row, now: datetime) -> datetime | None:
    return row[2] if row is not None and row[2] is not None and now < row[2] else None


def _blocked_until(row, now: datetime, limits: Limits) -> datetime | None:
    """Until when a new attempt is refused (a running lock or the wait after recent failures)."""
    if locked := _locked_until(row, now):
        return locked
    wait = wait_seconds(_counted(row, now), limits)
    ready = row[1] + timedelta(seconds=wait) if wait else None
    return ready if ready is not None and now < ready else None


def _account_key(store: Store, typed: str, exists: bool) -> str:
    """The throttle key of a name: the account itself, or a keyed hash of an unknown name (never the
    typed text, which may be a password typed in the wrong box)."""
    if exists:
        return typed
    key = store.scalar("SELECT value FROM security_setting WHERE key = ?", [THROTTLE_KEY_SETTING])
    if key is None:
        with store.transaction() as cur:
            cur.execute("INSERT OR IGNORE INTO security_setting VALUES (?, ?)",
                        [THROTTLE_KEY_SETTING, secrets.token_hex(32)])
        key = store.scalar("SELECT value FROM security_setting WHERE key = ?", [THROTTLE_KEY_SETTING])
    return "#" + hmac.new(key.encode(), typed.casefold().encode("utf-8"), hashlib.sha256).hexdigest()


def _refuse_if_throttled(store: Store, account_key: str, address: str, now: datetime) -> None:
    """Raise the same waiting message for any name, known or not, and for the address."""
    rows = ((_throttle_row(store, "cuenta", account_key), ACCOUNT_LIMITS),
            (_throttle_row(store, "direccion", address), ADDRESS_LIMITS))
    locked = max(filter(None, (_locked_until(row, now) for row, _ in rows)), default=None)
    until = locked or max(filter(None, (_blocked_until(row, now, limits) for row, limits in rows)), default=None)
    if until is None:
        return
    with store.transaction() as cur:
        audit(cur, None if account_key.startswith("#") else account_key, "ingreso_demorado", None,
              f"{'suspendido' if locked else 'en espera'} hasta {until:%H:%M:%S}, desde {address}", now)
    if locked:
        raise Rejected(f"Demasiados intentos fallidos: el ingreso queda suspendido hasta las {until:%H:%M}. Si "
                       "lo necesita antes, pida a un administrador que levante la suspensión.")
    left = int((until - now).total_seconds()) + 1
    raise Rejected(f"Demasiados intentos fallidos. Espere {left} segundos antes de intentar de nuevo.")


def _count_failure(cur, account_key: str, address: str, now: datetime) -> None:
    """One more failure for the name and for the address; a temporary lock when one reaches its limit."""
    cur.execute("DELETE FROM sign_in_throttle WHERE last_failed_at < ? AND coalesce(locked_until, last_failed_at) < ?",
                [now - FORGET_AFTER, now])
    for scope, key, limits in (("cuenta", account_key, ACCOUNT_LIMITS), ("direccion", address, ADDRESS_LIMITS)):
        failed = _counted(_throttle_row(cur, scope, key), now) + 1
        locked = now + limits.lock_for if failed >= limits.lock_after else None
        cur.execute("INSERT OR REPLACE INTO sign_in_throttle VALUES (?, ?, ?, ?, ?)", [scope, key, failed, now, locked])


def sign_in(store: Store, username: str, password: str, now: datetime | None = None,
            address: str | None = None) -> User:
    """Check a password from a client address; throttle by name and by address; audit every attempt.

    Every failure, whatever its cause (unknown name, wrong password, deactivated account), gives the
    same message, and a name that does not exist is throttled exactly like one that does, so no answer
    tells whether an account exists.
    """
    now = now or datetime.now()
    username = (username or "").strip()
    address = address or LOCAL_ADDRESS
    row = store.row("SELECT username, full_name, role, process, password_hash, active FROM app_user "
                    "WHERE username = ?", [username])
    key = _account_key(store, username, row is not None)
    _refuse_if_throttled(store, key, address, now)
    ok = _verify(row[4] if row else _DUMMY_HASH, password)   # same cost for an unknown name
    user = _user_from(row) if row else None
    with store.transaction() as cur:
        if not ok:
            _count_failure(cur, key, address, now)
            audit(cur, user.username if user else None, "ingreso_fallido", None,
                  ("contraseña incorrecta" if user else "usuario desconocido") + f", desde {address}", now)
        elif not row[5]:
            audit(cur, user.username, "ingreso_rechazado", None, f"cuenta desactivada, desde {address}", now)
        else:
            new_hash = _hasher.hash(password) if _hasher.check_needs_rehash(row[4]) else row[4]
            cur.execute("UPDATE app_user SET last_login_at = ?, password_hash = ? WHERE username = ?",
                        [now, new_hash, user.username])
            cur.execute("DELETE FROM sign_in_throttle WHERE scope = 'cuenta' AND key = ?", [user.username])
            audit(cur, user.username, "ingreso", None, f"desde {address}", now)
    if not (ok and row[5]):
        raise Rejected(BAD_CREDENTIALS)
    return user


def _verify(stored_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash, password or "")
    except (VerificationError, InvalidHashError):
        return False


def sign_out(store: Store, username: str, now: datetime | None = None) -> None:
    """End every session of the account, in every browser (a shared computer is left safe)."""
    now = now or datetime.now()
    with store.transaction() as cur:
        ended = sessions.revoke_all(cur, username, now)
        audit(cur, username, "salida", None, f"{ended} sesiones cerradas", now)


def anonymous_reading(store: Store) -> bool:
    """Whether the dashboard may be read without signing in (off unless the setting says so)."""
    return store.scalar("SELECT value FROM setting WHERE key = ?", [ANONYMOUS_SETTING]) == "true"


def set_anonymous_reading(store: Store, by: str | None, allowed: bool) -> None:
    with store.transaction() as cur:
        if by is not None:
            require(cur, by, "settings")
        cur.execute("INSERT OR REPLACE INTO setting VALUES (?, ?)", [ANONYMOUS_SETTING, str(allowed).lower()])
        audit(cur, by or "semilla", "configurar", ANONYMOUS_SETTING, str(allowed).lower())


def set_session_times(store: Store, by: str, hours: int, idle_minutes: int) -> None:
    """An administrator sets how long a session lasts at most and how long it survives unused."""
    with store.transaction() as cur:
        require(cur, by, "settings")
        if not (1 <= hours <= 24 and 5 <= idle_minutes <= hours * 60):
            raise Rejected("La duración debe estar entre 1 y 24 horas, y la inactividad permitida entre 5 minutos "
                           "y esa duración.")
        sessions.set_times(cur, hours, idle_minutes)
        audit(cur, by, "configurar", "sesiones", f"duración {hours} h, inactividad {idle_minutes} min")


def create_demo_accounts(store: Store) -> None:
    """The demo database's accounts, one per role (demo-only passwords, documented in the README)."""
    now = datetime.now()
    with store.transaction() as cur:
        for username, name, role, process, password in DEMO_ACCOUNTS:
            _insert_user(cur, username, name, role, process, password, f"{username}@personeria.example",  # example
                         "semilla", now)                                             # addresses, demo only
    set_anonymous_reading(store, None, True)


def audit_log(store: Store, limit: int = 500):
    return store.query("SELECT logged_at, username, action, target, detail FROM audit_log ORDER BY id DESC LIMIT ?",
                       [limit])
