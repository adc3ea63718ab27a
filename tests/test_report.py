"""The informe de seguimiento (PDF): built by the command line, read back with pypdf, and checked
against the engine's numbers for the same cut-off."""
import re
from datetime import date, datetime

import pypdf
import pytest

from metrics import export, fmt, plan as plan_mod, report, seed, snapshot, summary as summary_mod
from metrics.periods import comparison_date, vigencia_label
from metrics.vocabulary import STATUSES

CUT = date(2024, 12, 31)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    folder = tmp_path_factory.mktemp("report")
    db = folder / "demo.duckdb"
    store = seed.open_demo(db, today=date(2025, 6, 30))
    with store.transaction() as cur:  # two actions overdue at the cut-off, one closed, one not yet due
        for i, (due, status) in enumerate([(date(2024, 10, 31), "abierta"), (date(2024, 11, 30), "en_ejecucion"),
                                           (date(2024, 9, 30), "cerrada"), (date(2025, 3, 31), "abierta")]):
            cur.execute("INSERT INTO improvement_action (indicator, action, responsible, due_date, status, "
                        "created_at, created_by, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        ["GD-09", f"Acción {i}", "Líder TIC", due, status, datetime(2024, 8, 1),
                         "admin", datetime(2024, 8, 1), "admin"])
    store.close()
    export.RENDERER.start(proxy_server="http://127.0.0.1:9")  # nothing on the internet is reachable
    out = folder / "informe.pdf"
    code = report.main(["--corte", CUT.isoformat(), "--salida", str(out), "--base", str(db),
                        "--generado-por", "Oficina de Planeación"])
    assert code == 0
    store = seed.open_store(db)
    plan = plan_mod.load(store)
    yield {"pdf": pypdf.PdfReader(out), "store": store, "plan": plan,
           "snap": snapshot.compute(store, plan, CUT),
           "before": snapshot.compute(store, plan, comparison_date(CUT)),
           "prov": export.provenance(store, CUT)}
    store.close()


def page_text(reader, i):
    return re.sub(r"\s+", " ", reader.pages[i].extract_text())


def test_the_report_compares_with_the_one_comparison_date_rule(built):
    """The PDF compares with periods.comparison_date (the last quarter end before the cut-off)."""
    assert comparison_date(CUT) == date(2024, 9, 30)
    assert f"Al {fmt.short_date(comparison_date(CUT))}" in page_text(built["pdf"], 1) + page_text(built["pdf"], 2)


def test_pdf_has_the_cover(built):
    reader, plan, prov = built["pdf"], built["plan"], built["prov"]
    cover = page_text(reader, 0)
    assert plan.entity["name"] in cover
    assert "Informe de seguimiento" in cover
    assert f"{plan.entity['policy_name']} ({plan.entity['policy_code']})" in cover
    assert "Fecha de corte: 31 de diciembre de 2024" in cover
    assert "Generado por: Oficina de Planeación" in cover
    assert prov.data_hash in cover and export.APP_VERSION in cover
    assert prov.data_hash in reader.metadata.get("/Keywords", "")


def test_summary_numbers_equal_the_engine(built):
    reader, snap, before = built["pdf"], built["snap"], built["before"]
    summary = page_text(reader, 1)
    assert summary.startswith("Resumen ejecutivo")
    assert f"es {fmt.percent(snap.policy)}" in summary
    assert f"30 de septiembre de 2024, {fmt.percent(before.policy)})" in summary
    change = (snap.policy - before.policy) * 100
    if abs(change) > 0.05:
        verb = "subió" if change > 0 else "bajó"
        assert f"{verb} {fmt.number(abs(change))} puntos porcentuales" in summary
    else:
        assert ") se mantuvo." in summary
    counts = snap.status_counts()
    assert f"De {sum(counts.values())} indicadores" in summary
    for s in STATUSES:
        assert f"{counts[s]} {summary_mod.status_text(s)}" in summary
    assert f"Reportes atrasados: {len(snap.late)} periodos" in summary
    assert "Acciones de mejora vencidas sin cerrar: 2." in summary
    assert f"avance {fmt.percent(snap.vision.score)}" in summary


def sections(reader):
    """(title, first page, level) of every bookmark, in order."""
    found = []

    def walk(items, level):
        for item in items:
            if isinstance(item, list):
                walk(item, level + 1)
            else:
                found.append((item.title, reader.get_destination_page_number(item), level))
    walk(reader.outline, 0)
    return found


def test_one_section_per_objective_and_per_process_with_images(built):
    reader, snap = built["pdf"], built["snap"]
    marks = sections(reader)
    titles = [t for t, _, _ in marks]
    assert titles[:3] == ["Portada", "Resumen ejecutivo", "Objetivos"]
    assert "Procesos" in titles and titles[-2:] == ["Estado de la visión 2024", "Aprobación del informe"]
    order = [p for _, p, _ in marks]
    assert order == sorted(order)
    sections_with_charts = [
        (f"{o.code} · {o.text}", o.code in set(snap.objective_inputs["objective"])) for o in snap.objectives.itertuples()
    ] + [(f"{p.code} · {p.name}", True) for p in snap.processes.itertuples() if p.code in set(snap.indicators["process"])]
    for title, has_indicators in sections_with_charts:
        assert title in titles
        assert not has_indicators or images_in_section(reader, marks, title), title
    assert images_in_section(reader, marks, "Estado de la visión 2024")


def images_in_section(reader, marks, title):
    index = [t for t, _, _ in marks].index(title)
    first = marks[index][1]
    last = marks[index + 1][1] if index + 1 < len(marks) else len(reader.pages) - 1
    return sum(len(reader.pages[i].images) for i in range(first, last + 1)) > 0


def test_every_page_after_the_cover_carries_cut_off_version_and_hash(built):
    reader, prov = built["pdf"], built["prov"]
    for i in range(1, len(reader.pages)):
        assert f"{prov.label} · Página {i + 1}/{len(reader.pages)}" in page_text(reader, i)


def test_summary_names_the_status_moves_of_the_one_comparison(built):
    """The committee summary reads snapshot.compare, the comparison every page uses."""
    before, after = built["before"], built["snap"]
    summary = summary_mod.summarize(built["store"], after, before)
    changes = snapshot.compare(before, after)
    moved = changes[(changes["kind"] == "indicador") & changes["status_changed"]]
    assert [m.split(" ")[0] for m in summary.status_moves] == list(moved["code"])
    assert summary.policy_change == pytest.approx((after.policy - before.policy) * 100)
    itself = summary_mod.summarize(built["store"], after, after)
    assert itself.status_moves == [] and itself.policy_change == 0


def test_the_summary_names_a_bounded_number_of_indicators_and_counts_the_rest(built, monkeypatch):
    """A large plan's summary names the first moves and the lowest red indicators, then «y N indicadores más»."""
    from metrics import charts
    monkeypatch.setattr(charts, "MAX_LISTED_INDICATORS", 2)
    store, plan = built["store"], built["plan"]
    after, before = snapshot.compute(store, plan, CUT), snapshot.compute(store, plan, date(2020, 6, 30))
    summary = summary_mod.summarize(store, after, before)
    assert len(summary.status_moves) > 3 and len(summary.worst) > 3
    text = " ".join(summary.sentences())
    moves = len(summary.status_moves) - 2
    assert (f"desde el {fmt.short_date(before.as_of)}: {summary.status_moves[0]}; {summary.status_moves[1]}; "
            f"y {moves} indicadores más.") in text
    assert f"estado crítico: {summary.worst[0]}; {summary.worst[1]}; y {len(summary.worst) - 2} indicadores más." in text
    assert summary.worst[2] not in text
    red = after.indicators[after.indicators["status"] == "rojo"]
    lowest = red.loc[red["attainment"].astype(float).idxmin()]
    assert summary.worst[0] == f"{lowest['code']} {lowest['name']}"   # the furthest from target first


def test_cli_says_in_spanish_when_the_database_folder_is_missing(tmp_path, capsys):
    code = report.main(["--corte", "2024-12-31", "--salida", str(tmp_path / "x.pdf"),
                        "--base", str(tmp_path / "no" / "existe.duckdb")])
    assert code == 2
    assert "no existe" in capsys.readouterr().err


def test_every_result_in_the_pdf_says_its_vigencia(built):
    reader, snap = built["pdf"], built["snap"]
    text = " ".join(page_text(reader, i) for i in range(len(reader.pages)))
    assert "Vigencia" in text and "Actual (vigencia)" in text
    for r in snap.indicators[snap.indicators["year"].notna()].itertuples():
        assert f"{r.name} {vigencia_label(r.year, r.frequency, r.last_period)} " in text, r.code


@pytest.mark.parametrize("cut", [date(2020, 1, 15), date(2020, 3, 15), date(2024, 2, 29), date(2024, 3, 1),
                                 date(2024, 12, 31), date(2025, 1, 1)])
def test_the_committee_summary_at_the_issue_cut_offs(built, cut):
    store, plan = built["store"], built["plan"]
    summary = summary_mod.summarize(store, snapshot.compute(store, plan, cut),
                                    snapshot.compute(store, plan, comparison_date(cut)))
    text = " ".join(summary.sentences())
    if cut < date(2020, 3, 1):
        assert "aún no hay un plan estratégico en vigor (empieza el 1 de marzo de 2020)" in text
    else:
        assert f"Plan en vigor: {plan.plan_on(cut)['name']}." in text


def test_pdf_before_the_first_plan(built, tmp_path):
    out = tmp_path / "enero-2020.pdf"
    code = report.main(["--corte", "2020-01-15", "--salida", str(out), "--base", str(built["store"].path)])
    assert code == 0
    assert "aún no hay un plan estratégico en vigor" in page_text(pypdf.PdfReader(out), 1)


@pytest.mark.parametrize("argv, message", [
    ([], "faltan las opciones: --salida"),
    (["--salida", "x.pdf"], "falta una de estas opciones: --corte --anual"),
    (["--corte", "2024-12-31", "--anual", "2024", "--salida", "x.pdf"], "--anual no se puede usar junto con --corte"),
    (["--anual", "2024", "--comparar", "2023-06-30", "--salida", "x.pdf"], "quite --comparar"),
    (["--anual", "2019", "--salida", "x.pdf"], "la vigencia 2019 no está disponible"),
    (["--anual", "dos mil", "--salida", "x.pdf"], "«dos mil» no es un año válido"),
    (["--corte", "2024-13-01", "--salida", "x.pdf"], "«2024-13-01» no es una fecha válida"),
    (["--corte", "2019-12-31", "--salida", "x.pdf"], "fuera del rango del tablero"),
    (["--corte", "2024-12-31", "--salida", "x.pdf", "--comparar", "2025-01-01"], "debe ser anterior"),
    (["--corte", "2024-12-31", "--salida", "x.pdf", "--otra", "1"], "opciones desconocidas"),
    (["--corte"], "necesita un valor"),
])
def test_the_command_line_answers_in_spanish(argv, message, capsys):
    with pytest.raises(SystemExit) as stop:
        report.main(argv)
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert message in err and err.startswith("uso: ")
    assert not re.search(r"\b(usage|error|argument|arguments|required|invalid|expected)\b", err)


def test_the_pdf_states_the_vision_rule_with_the_entitys_thresholds(built):
    from metrics.scoring import vision_rule
    reader = built["pdf"]
    text = " ".join(page_text(reader, i) for i in range(len(reader.pages)))
    assert vision_rule(built["plan"].settings) in text


def all_text(reader) -> str:
    return " ".join(page_text(reader, i) for i in range(len(reader.pages)))


def test_the_cover_names_the_cut_off_it_compares_with(built):
    assert "Se compara con el corte del 30 de septiembre de 2024" in page_text(built["pdf"], 0)


def test_a_non_green_indicator_has_its_analysis_and_open_actions(built):
    """GD-09 is not green at the cut-off: its analysis and its open actions (owner, due date) are in its
    process section; the closed action and actions recorded after the cut-off are not."""
    snap, store = built["snap"], built["store"]
    row = snap.indicators.set_index("code").loc["GD-09"]
    assert row["status"] != "verde"
    from metrics import values
    analysis = values.current_values(store, CUT, indicator="GD-09").iloc[-1]["analysis"]
    text = all_text(built["pdf"])
    block = text[text.index("GD-09 · Avance del ejercicio de Arquitectura Empresarial ("):]
    assert f"{analysis[:60]}" in block
    assert "Acción 0 Líder TIC 31/10/2024 (vencida) Abierta" in block
    assert "Acción 1 Líder TIC 30/11/2024 (vencida) En ejecución" in block
    assert "Acción 3 Líder TIC 31/03/2025 Abierta" in block
    assert "Acción 2" not in text  # closed


def test_every_indicator_not_in_green_is_commented_and_no_green_one(built):
    text = all_text(built["pdf"])
    for ind in built["snap"].indicators.itertuples():
        heading = f"{ind.code} · {ind.name} ({summary_mod.status_text(ind.status)})"
        assert (heading in text) == (ind.status != "verde"), ind.code


def test_no_page_for_a_process_without_indicators(built):
    reader, snap = built["pdf"], built["snap"]
    titles = [t for t, _, _ in sections(reader)]
    with_indicators = set(snap.indicators["process"])
    empty = [p for p in snap.processes.itertuples() if p.code not in with_indicators]
    assert empty, "the demo has processes without indicators"
    for proc in snap.processes.itertuples():
        assert (f"{proc.code} · {proc.name}" in titles) == (proc.code in with_indicators), proc.code
    text = all_text(reader)
    assert text.count("Tipo de proceso:") == len(with_indicators)
    assert all(f"{p.code} · {p.name}" in text for p in empty)  # named once, in the list of processes without


def test_the_approval_block_closes_the_report_with_roles_and_blank_lines(built):
    reader, plan = built["pdf"], built["plan"]
    last = page_text(reader, len(reader.pages) - 1)
    roles = report.approval_roles(built["store"], plan)
    assert [s for s, _ in roles] == ["Elaboró", "Revisó", "Aprobó"]
    assert roles[1][1] == "Jefe de la Oficina de Planeación" and roles[2][1] == plan.roles[0]
    assert "Aprobación del informe Cargo Nombre Firma Fecha" in last
    for step, role in roles:
        assert f"{step} {role} __/__/____" in last


def test_the_approval_roles_come_from_the_settings_when_set(tmp_path):
    store = seed.open_demo(tmp_path / "d.duckdb")
    with store.transaction() as cur:
        cur.execute("INSERT INTO setting VALUES ('firma_aprobo', 'Personero Distrital de Cartagena')")
    roles = dict(report.approval_roles(store, plan_mod.load(store)))
    store.close()
    assert roles["Aprobó"] == "Personero Distrital de Cartagena"


def test_the_annual_report_covers_the_vigencia_and_compares_with_the_previous_year_end(built, tmp_path):
    out = tmp_path / "informe-2024.pdf"
    assert report.main(["--anual", "2024", "--salida", str(out), "--base", str(built["store"].path)]) == 0
    reader = pypdf.PdfReader(out)
    cover = page_text(reader, 0)
    assert "Informe anual de gestión – vigencia 2024" in cover
    assert "Fecha de corte: 31 de diciembre de 2024" in cover
    assert "Se compara con el corte del 31 de diciembre de 2023" in cover
    assert "Concejo Distrital" in cover and "rendición de cuentas" in cover
    summary = page_text(reader, 1) + page_text(reader, 2)
    assert "Al 31/12/2023" in summary and "Al 31/12/2024" in summary
    assert "Aprobación del informe" in page_text(reader, len(reader.pages) - 1)
    assert report.annual_dates(2020) == (date(2020, 12, 31), date(2020, 1, 1))  # never before the first day


def test_a_large_plan_lists_the_worst_indicators_and_counts_the_rest(built, monkeypatch):
    """As the 4,000-indicator plan would, with the limits lowered on the demo: each objective and process
    lists its worst indicators (chart and table) and counts the rest exactly; the processes past the
    limit are in one table, without a section of their own; every detailed section keeps its chart."""
    from io import BytesIO
    from metrics import charts
    monkeypatch.setattr(charts, "MAX_LISTED_INDICATORS", 4)
    monkeypatch.setattr(report, "MAX_DETAILED_PROCESSES", 3)
    store, plan, snap = built["store"], built["plan"], built["snap"]
    reader = pypdf.PdfReader(BytesIO(report.build_pdf(store, plan, CUT, "Prueba")))
    text = all_text(reader)
    inputs = snap.objective_inputs
    for code, rows in inputs.groupby("objective"):
        if len(rows) > 4:
            rest = charts.worst_indicators(rows.rename(columns={"indicator": "code"}))[1]
            assert f"Se listan los 4 indicadores que más requieren atención; {charts.rest_summary(rest)}." in text
    with_indicators = snap.processes[snap.processes["code"].isin(snap.indicators["process"])]
    detailed = with_indicators.sort_values("score", na_position="first", kind="stable").iloc[:3]
    marks = sections(reader)
    titles = [t for t, _, _ in marks]
    for p in with_indicators.itertuples():
        assert (f"{p.code} · {p.name}" in titles) == (p.code in set(detailed["code"])), p.code
    for p in detailed.itertuples():
        assert images_in_section(reader, marks, f"{p.code} · {p.name}")
    assert f"Puntaje de los {len(with_indicators)} procesos con indicadores, del más bajo al más alto" in text
    commented = [i for i in snap.indicators.itertuples() if i.status != "verde"
                 and f"{i.code} · {i.name} ({summary_mod.status_text(i.status)})" in text]
    assert 0 < len(commented) <= 3 * 4


def test_cli_says_in_spanish_when_a_chart_cannot_be_rendered(built, tmp_path, monkeypatch, capsys):
    """A render that returns nothing ends the command with the renderer's Spanish message, no traceback."""
    def nothing(*args, **kwargs):
        raise export.RenderError("No se pudo generar la imagen «Prueba» (PNG): el motor de gráficos no devolvió nada.")
    monkeypatch.setattr(export, "render_many", nothing)
    code = report.main(["--corte", CUT.isoformat(), "--salida", str(tmp_path / "x.pdf"),
                        "--base", str(built["store"].path)])
    assert code == 1
    assert "Error: No se pudo generar la imagen «Prueba»" in capsys.readouterr().err
    assert not (tmp_path / "x.pdf").exists()
