"""Accounts, roles, password hashing, sign-in throttling, permissions and the audit log.

Permissions are checked here, inside the write transaction, against the account as stored (not
against what a page believes about the user), so a page that forgets to hide a button, or code
that calls metrics/ directly, still cannot write what the role does not allow.
Passwords exist only as argon2 hashes; no function here logs or returns one in clear.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

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
MIN_PASSWORD = 10
THROTTLE_AFTER = 3   # failures allowed before each new attempt must wait
LOCK_AFTER = 8       # failures that lock the account until an administrator unlocks it
MAX_WAIT = 60
ANONYMOUS_SETTING = "anonymous_read"

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


def list_users(store: Store):
    return store.query("SELECT username, full_name, email, role, process, active, failed_attempts, "
                       "locked_at, last_login_at, created_at FROM app_user ORDER BY role, username")


def require(cur, username: str | User, permission: str, process: str | None = None) -> User:
    """The stored, active account behind `username`, if it may do `permission` (on `process`).

    Call it with the transaction's cursor so the check and the write see the same state.
    """
    name = username.username if isinstance(username, User) else username
    return _allowed(cur.execute(_ACTIVE_USER, [name]).fetchone(), permission, process)


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
    if len(password) < MIN_PASSWORD:
        raise Rejected(f"La contraseña debe tener al menos {MIN_PASSWORD} caracteres.")
    if password.strip().lower() == username.strip().lower():
        raise Rejected("La contraseña no puede ser igual al nombre de usuario.")


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
        audit(cur, by, "modificar_cuenta", username,
              f"antes: rol {before[0]}, proceso {before[1]}, activa {before[2]}; "
              f"ahora: rol {role}, proceso {process if role == 'lider' else None}, activa {active}", now)


def set_password(store: Store, by: str | None, username: str, password: str) -> None:
    """Reset a password and unlock the account: an administrator (by) or the command line (by=None)."""
    now = datetime.now()
    with store.transaction() as cur:
        if by is not None:
            require(cur, by, "users")
        if not cur.execute("SELECT 1 FROM app_user WHERE username = ?", [username]).fetchone():
            raise Rejected(f"No existe la cuenta {username}.")
        check_password(password, username)
        cur.execute("UPDATE app_user SET password_hash = ?, failed_attempts = 0, locked_at = NULL, "
                    "last_failed_at = NULL WHERE username = ?", [_hasher.hash(password), username])
        audit(cur, by or "linea-de-comandos", "restablecer_clave", username, "contraseña restablecida y cuenta "
              "desbloqueada", now)


def unlock(store: Store, by: str, username: str) -> None:
    now = datetime.now()
    with store.transaction() as cur:
        require(cur, by, "users")
        cur.execute("UPDATE app_user SET failed_attempts = 0, locked_at = NULL, last_failed_at = NULL "
                    "WHERE username = ?", [username])
        audit(cur, by, "desbloquear_cuenta", username, None, now)


def wait_seconds(failed: int) -> int:
    """Seconds a new attempt must wait after `failed` consecutive failures."""
    return 0 if failed < THROTTLE_AFTER else min(2 ** (failed - THROTTLE_AFTER), MAX_WAIT)


BAD_CREDENTIALS = "Usuario o contraseña incorrectos."


def sign_in(store: Store, username: str, password: str, now: datetime | None = None) -> User:
    """Check a password; throttle and then lock after repeated failures; audit every attempt."""
    now = now or datetime.now()
    username = (username or "").strip()
    row = store.row("SELECT username, full_name, role, process, password_hash, active, failed_attempts, "
                    "last_failed_at, locked_at FROM app_user WHERE username = ?", [username])
    if row is None:
        _verify(_DUMMY_HASH, password)   # same cost as a real check; the typed name is not logged
        with store.transaction() as cur:
            audit(cur, None, "ingreso_fallido", None, "usuario desconocido", now)
        raise Rejected(BAD_CREDENTIALS)
    user, stored_hash, active, failed, last_failed, locked_at = _user_from(row), *row[4:]
    if locked_at is not None:
        with store.transaction() as cur:
            audit(cur, user.username, "ingreso_rechazado", None, "cuenta bloqueada", now)
        raise Rejected("La cuenta está bloqueada por intentos fallidos. Pida a un administrador que la "
                       "desbloquee o restablezca la contraseña.")
    wait = wait_seconds(failed)
    if wait and last_failed is not None and now < last_failed + timedelta(seconds=wait):
        left = int((last_failed + timedelta(seconds=wait) - now).total_seconds()) + 1
        with store.transaction() as cur:
            audit(cur, user.username, "ingreso_demorado", None, f"espera de {wait} s", now)
        raise Rejected(f"Demasiados intentos fallidos. Espere {left} segundos antes de intentar de nuevo.")
    ok = _verify(stored_hash, password)
    with store.transaction() as cur:
        if not ok:
            failed += 1
            lock = failed >= LOCK_AFTER
            cur.execute("UPDATE app_user SET failed_attempts = ?, last_failed_at = ?, locked_at = ? "
                        "WHERE username = ?", [failed, now, now if lock else None, user.username])
            audit(cur, user.username, "ingreso_fallido", None,
                  f"intento fallido {failed}" + (", cuenta bloqueada" if lock else ""), now)
        elif not active:
            audit(cur, user.username, "ingreso_rechazado", None, "cuenta desactivada", now)
        else:
            new_hash = _hasher.hash(password) if _hasher.check_needs_rehash(stored_hash) else stored_hash
            cur.execute("UPDATE app_user SET failed_attempts = 0, last_failed_at = NULL, last_login_at = ?, "
                        "password_hash = ? WHERE username = ?", [now, new_hash, user.username])
            audit(cur, user.username, "ingreso", None, None, now)
    if not ok:
        if failed >= LOCK_AFTER:
            raise Rejected("La cuenta quedó bloqueada por demasiados intentos fallidos. Pida a un "
                           "administrador que la desbloquee.")
        raise Rejected(BAD_CREDENTIALS)
    if not active:
        raise Rejected("La cuenta está desactivada. Consulte con un administrador.")
    return user


def _verify(stored_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash, password or "")
    except (VerificationError, InvalidHashError):
        return False


def sign_out(store: Store, username: str) -> None:
    with store.transaction() as cur:
        audit(cur, username, "salida")


def anonymous_reading(store: Store) -> bool:
    """Whether the dashboard may be read without signing in (off unless the setting says so)."""
    return store.scalar("SELECT value FROM setting WHERE key = ?", [ANONYMOUS_SETTING]) == "true"


def set_anonymous_reading(store: Store, by: str | None, allowed: bool) -> None:
    with store.transaction() as cur:
        if by is not None:
            require(cur, by, "settings")
        cur.execute("INSERT OR REPLACE INTO setting VALUES (?, ?)", [ANONYMOUS_SETTING, str(allowed).lower()])
        audit(cur, by or "semilla", "configurar", ANONYMOUS_SETTING, str(allowed).lower())


def create_demo_accounts(store: Store) -> None:
    """The demo database's accounts, one per role (demo-only passwords, documented in the README)."""
    now = datetime.now()
    with store.transaction() as cur:
        for username, name, role, process, password in DEMO_ACCOUNTS:
            _insert_user(cur, username, name, role, process, password, None, "semilla", now)
    set_anonymous_reading(store, None, True)


def audit_log(store: Store, limit: int = 500):
    return store.query("SELECT logged_at, username, action, target, detail FROM audit_log ORDER BY id DESC LIMIT ?",
                       [limit])
