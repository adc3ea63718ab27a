"""Every coded state and value the app stores or computes, with its Spanish label: one home.

The codes are what the database and the engine keep; the labels are what a person reads. A test
checks that every value a CHECK constraint of the schema allows has a label here.
"""
from __future__ import annotations

from metrics.accounts import ROLES  # noqa: F401  (re-exported: the roles live with the permissions)

# -- the semáforo of an indicator, an objective, a process or the policy ----------------------
STATUSES = ("verde", "amarillo", "rojo", "desactualizado", "sin_dato")
STATUS_LABELS = {"verde": "Cumple", "amarillo": "En riesgo", "rojo": "Crítico",
                 "desactualizado": "Desactualizado", "sin_dato": "Sin dato"}
STATUS_ICONS = {"verde": "✔", "amarillo": "▲", "rojo": "✖", "desactualizado": "◷", "sin_dato": "○"}

# -- the vision and a strategic plan against time ---------------------------------------------
VISION_STATES = ("en ruta", "rezagado", "cumplida", "no cumplida", "sin_dato")
VISION_LABELS = {"en ruta": "En ruta", "rezagado": "Rezagado", "cumplida": "Cumplida",
                 "no cumplida": "No cumplida", "sin_dato": "Sin datos del plan aún"}

# -- reporting: each period's state, each value's version, improvement actions ----------------
TIMELINESS = {"faltante": "Atrasado, sin reporte", "pendiente": "Por reportar (en plazo)",
              "tarde": "Reportado tarde", "a_tiempo": "Reportado a tiempo"}
VERSION_KINDS = {"reporte": "Reporte", "correccion": "Corrección", "anulacion": "Anulación"}
ACTION_STATUSES = {"abierta": "Abierta", "en_ejecucion": "En ejecución", "cerrada": "Cerrada"}

# -- the Plan de Acción: each action's state against its dates ---------------------------------
ACTION_STATES = {"terminada": "Terminada", "al_dia": "Al día", "atrasada": "Atrasada", "sin_iniciar": "Sin iniciar"}
ACTION_STATE_ICONS = {"terminada": "✔", "al_dia": "●", "atrasada": "▲", "sin_iniciar": "○"}
POLICY_MODELS = {"MGD-2018": "Modelo de 2018 (Decreto 1008 de 2018)",
                 "MGD-2022": "Modelo del Decreto 767 de 2022"}
ELEMENT_KINDS = {"componente": "Componente", "habilitador": "Habilitador", "linea_de_accion": "Línea de acción",
                 "iniciativa_dinamizadora": "Iniciativa dinamizadora"}

# -- answers in tables and exports ----------------------------------------------------------
YES_NO = {True: "Sí", False: "No"}

# -- the plan ---------------------------------------------------------------------------------
PROCESS_TYPES = {"estrategico": "Estratégicos", "misional": "Misionales", "apoyo": "De apoyo",
                 "evaluacion": "De evaluación"}
OBJECTIVE_KINDS = {"institucional": "Objetivo estratégico institucional", "general": "Objetivo general",
                   "especifico": "Objetivo específico de la política"}
ELEMENTS = {"TE": "TIC para el Estado", "TS": "TIC para la Sociedad", "ARQ": "Arquitectura",
            "SEG": "Seguridad y Privacidad de la Información", "SCD": "Servicios Ciudadanos Digitales",
            "CyA": "Cultura y Apropiación"}
FREQUENCY_LABELS = {"M": "Mensual", "T": "Trimestral", "S": "Semestral", "A": "Anual"}
POLARITY_LABELS = {"up": "Creciente (a mayor valor, mejor)", "down": "Decreciente (a menor valor, mejor)"}
ACCUMULATION_LABELS = {"flujo": "Flujo (se suman los periodos)", "stock": "Stock (último valor)",
                       "acumulado": "Acumulado (último valor acumulado)"}
PLAN_ITEMS = {"entity": "Entidad", "setting": "Configuración", "plan": "Plan estratégico",
              "objective": "Objetivo", "process": "Proceso", "responsible_role": "Responsable de la política",
              "activity": "Actividad", "indicator": "Indicador", "indicator_objective": "Vínculo indicador–objetivo",
              "target": "Meta", "plan_action": "Acción del Plan de Acción",
              "policy_element": "Elemento del modelo de la política", "indicator_element": "Elemento de un indicador"}

# The coded columns of the schema and the labels of their values (checked against the CHECK constraints).
THROTTLE_SCOPES = {"cuenta": "Cuenta", "direccion": "Dirección"}

COLUMN_LABELS = {
    ("objective", "kind"): OBJECTIVE_KINDS,
    ("process", "type"): PROCESS_TYPES,
    ("indicator", "polarity"): POLARITY_LABELS,
    ("indicator", "accumulation"): ACCUMULATION_LABELS,
    ("indicator", "frequency"): FREQUENCY_LABELS,
    ("improvement_action", "status"): ACTION_STATUSES,
    ("app_user", "role"): ROLES,
    ("plan_change", "item"): PLAN_ITEMS,
    ("policy_element", "kind"): ELEMENT_KINDS,
    ("sign_in_throttle", "scope"): THROTTLE_SCOPES,
}
