"""Plan: the administrator and the Oficina de Planeación change the plan, with a reason and a date
from which each change is in force. The rules and the write live in metrics (plan_rules, plan_changes);
this page only lays out the forms and shows what the rules answered."""
from datetime import date

import pandas as pd
import streamlit as st

from metrics import fmt, next_plan, plan_changes
from metrics import plan as plan_mod
from metrics.accounts import Rejected
from metrics.plan_changes import PlanConflict
from metrics.plan import CHOICES, COLUMN_LABELS, PLAN_SETTINGS, SETTING_LABELS
from metrics.vocabulary import ELEMENTS
from metrics.scoring import Settings
from ui import auth, plan_history, plan_workbook, state

NEW = "__nuevo__"
NOTICE = "plan_aviso"
CONFLICT = "plan_conflicto"
FORMS = ("plan_indicator_", "plan_process_", "plan_activity_", "plan_objective_", "plan_meta_", "plan_aporte_",
         "plan_ajuste_", "plan_plan_action_")
LONG_TEXTS = {"objective", "definition", "formula", "description", "text"}

st.title("Plan")
state.demo_banner()
user = auth.require("plan")
store = state.store()

if notice := st.session_state.pop(NOTICE, None):
    st.success(notice)
if conflict := st.session_state.pop(CONFLICT, None):
    st.error(conflict)

st.markdown("Aquí se crean, modifican y retiran los indicadores (con su ficha, metas por vigencia y aportes a "
            "objetivos), los procesos con el cargo de su líder, las actividades, los objetivos y los umbrales de la "
            "entidad. Cada cambio pide un motivo y rige desde la fecha que indique: una fecha de corte anterior "
            "sigue mostrando el plan de entonces. Si el plan quedaría con problemas, no se guarda nada.")
since = st.date_input("Los cambios rigen desde", value=date.today(), min_value=plan_changes.EARLIEST_EFFECTIVE,
                      format="DD/MM/YYYY", key="plan_desde", on_change=lambda: reset(),
                      help="Los formularios muestran el plan que rige ese día, y lo que guarde rige desde ese día.")
current = plan_mod.frames(store, since)
processes = dict(zip(current["process"]["code"], current["process"]["name"]))
REFERENCES = {("indicator", "process"): processes, ("activity", "process"): processes,
              ("indicator", "element"): ELEMENTS, ("plan_action", "process"): processes,
              ("plan_action", "activity"): dict(zip(current["activity"]["code"], current["activity"]["text"])),
              ("plan_action", "indicator"): dict(zip(current["indicator"]["code"], current["indicator"]["name"]))}


def seen(form: str) -> int:
    """The newest plan change when this form was first shown; saving passes it back, so a change
    someone made meanwhile to the same rows is refused instead of overwritten."""
    return st.session_state.setdefault(f"{form}visto", plan_changes.latest_id(store))


def attempt(action, done: str, forms: tuple[str, ...]) -> None:
    """Run a write. Saved: remember the message, reset the forms (their widgets are keyed by these
    prefixes) and rerun. Refused: show every problem; on a conflict, reload the forms with the plan in force."""
    try:
        saved = action()
    except PlanConflict as exc:
        reset(forms)
        st.session_state[CONFLICT] = exc.message
        st.rerun()
    except Rejected as exc:
        st.error(exc.message)
    else:
        reset(forms)
        st.session_state[NOTICE] = done if saved else "No había cambios que guardar: el plan ya era así."
        st.rerun()


def reset(forms: tuple[str, ...] = FORMS) -> None:
    """Forget what the forms hold, so they show the plan in force again (the row choices stay)."""
    for key in [k for k in st.session_state if isinstance(k, str) and k.startswith(forms) and
                not k.endswith("_elegido")]:
        del st.session_state[key]


def missing(x) -> bool:
    return x is None or (not isinstance(x, str) and pd.isna(x))


def field(table: str, column: str, value, key: str, disabled: bool = False):
    """One input for a plan column, of the kind its SQL type and its list of values call for."""
    label = COLUMN_LABELS[table][column]
    kind, required = plan_mod.columns()[table][column]
    value = None if missing(value) else value
    coded = CHOICES.get((table, column))            # stored codes (up, flujo) shown only by their Spanish label
    options = coded or REFERENCES.get((table, column))
    if options is not None:
        codes = list(options) + ([] if required else [None])
        if value is not None and value not in codes:
            codes.insert(0, value)
        return st.selectbox(label, codes, index=codes.index(value) if value in codes else 0, key=key,
                            disabled=disabled, format_func=lambda c: "— sin valor —" if c is None else
                            options.get(c, c) if coded else f"{c} · {options.get(c, c)}")
    if kind == "BOOLEAN":
        return st.checkbox(label, value=bool(value), key=key)
    if kind == "DATE":
        return st.date_input(label, value=None if value is None else pd.Timestamp(value).date(), key=key,
                             format="DD/MM/YYYY")
    if kind == "DOUBLE":
        return st.number_input(label, value=None if value is None else float(value), step=1.0, format="%g", key=key)
    if kind in ("INTEGER", "BIGINT"):
        return st.number_input(label, value=None if value is None else int(value), step=1, key=key)
    if column in LONG_TEXTS:
        return st.text_area(label, value=value or "", key=key)
    return st.text_input(label, value=value or "", key=key, disabled=disabled)


def reason_input(key: str) -> str:
    return st.text_area("Motivo del cambio", key=key, max_chars=1000,
                        help="Obligatorio (al menos 10 caracteres). Queda en la historia con quién y cuándo.")


def row_editor(table: str, noun: str, label_of, extra=None) -> None:
    """Choose a row (or a new one), edit every column in a form, save it; retire it; its versions.
    `extra(code)` may add inputs to the form and returns a function giving more (item, rows, scope) edits."""
    frame = current[table]
    rows = {r["code"]: r for r in frame.to_dict("records")}
    choice = st.selectbox(noun.capitalize(), list(rows) + [NEW], key=f"plan_{table}_elegido",
                          format_func=lambda c: f"— Crear {noun} nuevo —" if c == NEW else label_of(rows[c]))
    row = rows.get(choice, {})
    forms = (f"plan_{table}_{choice}_", f"plan_meta_{choice}_", f"plan_aporte_{choice}_")
    shown = seen(forms[0])
    with st.form(f"plan_{table}_formulario"):
        values = {}
        columns = list(plan_mod.columns()[table])
        for left, right in zip(columns[::2], columns[1::2] + [None]):
            c1, c2 = st.columns(2)
            for container, column in ((c1, left), (c2, right)):
                if column:
                    with container:
                        values[column] = field(table, column, row.get(column), f"plan_{table}_{choice}_{column}",
                                               disabled=column == "code" and choice != NEW)
        more = extra(choice) if extra else (lambda code: [])
        reason = reason_input(f"plan_{table}_{choice}_motivo")
        if st.form_submit_button("Guardar", type="primary", key=f"plan_{table}_guardar"):
            code = values["code"] = choice if choice != NEW else (values["code"] or "").strip()
            attempt(lambda: plan_changes.save_many(
                store, user.username, [(table, [values], None)] + more(code), reason, since,
                creating=(table, code) if choice == NEW else None, seen=shown),
                f"Se guardó {noun} {code}; rige desde el {fmt.short_date(since)}.", forms)
    if choice == NEW:
        return
    with st.expander(f"Retirar {noun} {choice}"):
        st.caption("Un elemento retirado deja de aparecer desde la fecha de vigencia; las fechas de corte anteriores "
                   "lo siguen mostrando con sus datos y puntajes.")
        with st.form(f"plan_{table}_retiro"):
            why = reason_input(f"plan_{table}_{choice}_motivo_retiro")
            if st.form_submit_button(f"Retirar {choice}", key=f"plan_{table}_retirar"):
                attempt(lambda: plan_changes.retire(store, user.username, table, [choice], why, since, seen=shown),
                        f"Se retiró {noun} {choice} desde el {fmt.short_date(since)}.", forms)
    if table == "indicator":
        plan_history.indicator_versions(store, choice)
    else:
        st.markdown("#### Versiones")
        plan_history.row_versions(store, table, choice)


def targets_and_links(code: str):
    """Inside the indicator form: a target per vigencia and a weight per objective (0: no aporte)."""
    targets = current["target"][current["target"]["indicator"] == code]
    links = current["indicator_objective"][current["indicator_objective"]["indicator"] == code]
    mine = dict(zip(targets["year"], targets["target"]))
    first = min(current["plan"]["start_date"]).year
    last = max(current["plan"]["end_date"]).year
    st.markdown("**Metas por vigencia** (desde el año en que se mide hasta el fin del último plan; "
                "la de un indicador de flujo es el total del año)")
    years = sorted(set(range(first, last + 1)) | set(mine))
    cols = st.columns(5)
    given = {y: cols[i % 5].number_input(str(y), value=None if missing(mine.get(y)) else float(mine[y]), step=1.0,
                                         format="%g", key=f"plan_meta_{code}_{y}") for i, y in enumerate(years)}
    weights = dict(zip(links["objective"], links["weight"]))
    st.markdown("**Aportes a objetivos** (peso; 0 si no aporta)")
    cols = st.columns(4)
    objectives = current["objective"]["code"].tolist()
    weight = {o: cols[i % 4].number_input(o, min_value=0.0, value=float(weights.get(o, 0.0)), step=1.0, format="%g",
                                          key=f"plan_aporte_{code}_{o}") for i, o in enumerate(objectives)}

    def edits(final_code: str):
        return [("target", [{"indicator": final_code, "year": y, "target": v} for y, v in given.items()
                            if v is not None], {"indicator": final_code}),
                ("indicator_objective", [{"indicator": final_code, "objective": o, "weight": w}
                                         for o, w in weight.items() if w], {"indicator": final_code})]
    return edits


tabs = st.tabs(["Indicadores", "Procesos", "Actividades", "Objetivos", "Umbrales de la entidad", "Plan de Acción"])
with tabs[0]:
    st.caption("La ficha completa, el plazo para reportar (días tras el cierre del periodo, o una fecha fija del año "
               "siguiente; vacíos ambos: el plazo de la entidad), las metas por vigencia y los aportes a objetivos.")
    row_editor("indicator", "indicador", lambda r: f"{r['code']} · {r['name']}", targets_and_links)
with tabs[1]:
    row_editor("process", "proceso", lambda r: f"{r['code']} · {r['name']}")
with tabs[2]:
    row_editor("activity", "actividad", lambda r: f"{r['code']} · {r['text'][:70]}")
with tabs[3]:
    row_editor("objective", "objetivo", lambda r: f"{r['code']} · {r['text'][:70]}")
with tabs[4]:
    settings = dict(zip(current["setting"]["key"], current["setting"]["value"]))
    defaults = Settings()
    shown = seen("plan_ajuste_")
    with st.form("plan_ajustes"):
        chosen = {}
        for k in PLAN_SETTINGS:
            kind = type(getattr(defaults, k))
            value = kind(float(settings.get(k, getattr(defaults, k))))
            chosen[k] = st.number_input(SETTING_LABELS[k], value=value, step=kind(1), key=f"plan_ajuste_{k}",
                                        **({"format": "%g"} if kind is float else {}))
        reason = reason_input("plan_ajuste_motivo")
        if st.form_submit_button("Guardar", type="primary", key="plan_ajustes_guardar"):
            attempt(lambda: plan_changes.save_rows(store, user.username, "setting",
                                                   [{"key": k, "value": str(v)} for k, v in chosen.items()],
                                                   reason, since, seen=shown),
                    f"Se guardaron los umbrales de la entidad; rigen desde el {fmt.short_date(since)}.",
                    ("plan_ajuste_",))

with tabs[5]:
    st.caption("Las acciones del Plan de Acción de cada vigencia: producto, actividad de DE-P-007, proceso "
               "responsable, fechas (dentro de la vigencia), peso, presupuesto e indicador al que aportan.")
    row_editor("plan_action", "acción", lambda r: f"{r['code']} · {r['text'][:70]}")

st.divider()
closing = next_plan.closing_plan(store)
opens = next_plan.next_start(closing)
with st.expander(f"Abrir el plan siguiente ({opens.year}–{opens.year + 4}), que sigue a {closing['code']}"):
    st.caption(f"Rige desde el {fmt.long_date(opens)} (periodo del Personero). Siguen los indicadores que elija; su "
               "línea base pasa a ser el último resultado del plan que cierra y sus metas nuevas, la última meta "
               "(luego se ajustan en la pestaña Indicadores). Los que no sigan se retiran desde ese día.")
    codes = list(plan_mod.frame(store, "indicator", opens - pd.Timedelta(days=1))["code"])
    with st.form("plan_siguiente"):
        carry = st.multiselect("Indicadores que continúan", codes, default=codes, key="plan_siguiente_indicadores")
        horizon = st.date_input("Nuevo horizonte de la visión (opcional)", value=None, format="DD/MM/YYYY",
                                key="plan_siguiente_horizonte")
        why = reason_input("plan_siguiente_motivo")
        if st.form_submit_button("Abrir el plan", key="plan_siguiente_abrir"):
            attempt(lambda: next_plan.open_next(store, user.username, why, carry=carry, vision_horizon=horizon),
                    f"Se abrió el plan {opens.year}–{opens.year + 4}; rige desde el {fmt.short_date(opens)}.",
                    ("plan_siguiente_",))
plan_workbook.workbook_panel()
