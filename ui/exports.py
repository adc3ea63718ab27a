"""The export panel: informe PDF, Excel workbook and open data, built only when clicked."""
from __future__ import annotations

from datetime import date

import streamlit as st

from metrics import export, fmt, report
from metrics.periods import EARLIEST, comparison_date
from ui import auth, state
from ui.charts import provenance


def _who() -> str:
    """Who generates the report, for its cover: the signed-in account's name."""
    user = auth.current_user()
    return user.full_name if user else "Consulta sin iniciar sesión"


def _annual_choice(as_of: date) -> int | None:
    """The report chosen: None for the follow-up report at the cut-off, else the vigencia of the annual one."""
    last_closed = date.today().year - 1
    kind = st.radio("Informe", ["De seguimiento, a la fecha de corte", "Anual, por vigencia (enero–diciembre)"],
                    horizontal=True, key="export-tipo-informe")
    if kind.startswith("De seguimiento") or last_closed < EARLIEST.year:
        return None
    years = list(range(last_closed, EARLIEST.year - 1, -1))
    default = min(as_of.year if as_of.month == 12 and as_of.day == 31 else as_of.year - 1, last_closed)
    return st.selectbox("Vigencia", years, index=years.index(max(default, EARLIEST.year)), key="export-vigencia")


def export_panel(as_of: date | None = None) -> None:
    """Three downloads for the cut-off: the informe de seguimiento, the workbook, the open data."""
    store, plan = state.store(), state.plan()
    snap = state.snapshot(as_of)
    prov = provenance(snap.as_of)
    user = auth.current_user()
    may_export = user is not None and user.can("export")
    earlier = comparison_date(snap.as_of)
    year = None
    if may_export:
        year = _annual_choice(snap.as_of)
    if may_export and year is None:  # only who can download the report chooses what it compares with
        earlier = st.date_input("El informe compara con el corte del", value=earlier, min_value=EARLIEST,
                                max_value=snap.as_of, format="DD/MM/YYYY",
                                key=f"export-comparar-{snap.as_of.isoformat()}",
                                help="Por defecto, el último cierre de trimestre antes de la fecha de corte "
                                     "(el comité anterior).")
    vision = f", y el estado de la visión {snap.vision.target_year}" if snap.vision is not None else ""
    who = _who()
    st.caption(f"Todo se genera con las cifras al {fmt.long_date(snap.as_of)} · {prov.label}. "
               "Cada archivo lleva la fecha de corte, la versión y el hash de los datos para poder rastrearlo.")
    if year is None:
        pdf = ("Informe de seguimiento (PDF)",
               f"Portada, resumen ejecutivo (comparado con el corte del {fmt.short_date(earlier)}), una sección por "
               f"objetivo y por proceso con el análisis y las acciones de mejora{vision}, y el bloque de "
               "aprobación. Tarda unos segundos.",
               "Generar informe PDF", ":material/picture_as_pdf:", "informe_seguimiento", "pdf", "application/pdf",
               lambda: report.build_pdf(store, plan, snap.as_of, who, earlier, snap=snap))
    else:
        as_of, before = report.annual_dates(year)
        annual_plan = state.plan(as_of)
        pdf = (f"Informe anual {year} (PDF)",
               f"Vigencia enero–diciembre {year}: corte al {fmt.short_date(as_of)}, comparado con el "
               f"{fmt.short_date(before)}. Para el informe al Concejo Distrital y la rendición de cuentas.",
               "Generar informe anual", ":material/picture_as_pdf:", f"informe_anual_{year}", "pdf",
               "application/pdf", lambda: report.build_annual_pdf(store, annual_plan, year, who))
    cards = (
        pdf,
        ("Libro de Excel",
         "Fichas técnicas, valores vigentes y su historial, puntajes por indicador, objetivo y proceso. "
         "Sin datos personales.",
         "Descargar Excel", ":material/table_view:", "seguimiento", "xlsx",
         "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
         lambda: export.workbook(store, plan, snap, prov)),
        ("Datos abiertos",
         "Indicadores marcados como públicos (Ley 1712 de 2014): CSV para datos.gov.co, el mismo cuadro en "
         f"Excel, diccionario y datapackage.json. Licencia {export.LICENSE_TITLE}. Sin datos personales.",
         "Descargar datos abiertos", ":material/public:", "datos_abiertos", "zip", "application/zip",
         lambda: export.open_data_zip(store, plan, prov)),
    )
    for col, (title, text, label, icon, stem, ext, mime, build) in zip(st.columns(len(cards)), cards):
        with col.container(border=True):
            st.markdown(f"**{title}**")
            st.caption(text)
            if ext != "zip" and not may_export:  # open data is public by law; the rest needs the role
                st.info("Ingrese con una cuenta que pueda exportar (personero, líder de proceso o "
                        "administrador) para descargar este archivo.")
                continue
            st.download_button(label, data=build, file_name=f"{export.file_stem(stem, snap.as_of)}.{ext}", mime=mime,
                               icon=icon, on_click="ignore", key=f"export-{ext}",
                               type="primary" if ext == "pdf" else "secondary")
