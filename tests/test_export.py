"""PNG/SVG of a chart, the data hash, the Excel workbook and the open data, against the engine."""
import csv
import io
import re
import zipfile
from datetime import date

import openpyxl
import pytest

from metrics import asof, charts, export, fmt, plan as plan_mod, plan_changes, scoring, seed, snapshot, values
from metrics.scoring import STATUS_LABELS

CUT = date(2024, 12, 31)
# A proxy that refuses every connection: Chromium can reach nothing on the internet, so a render
# that tried to fetch plotly.js or MathJax from a CDN would fail. Local files do not use the proxy.
NO_INTERNET = {"proxy_server": "http://127.0.0.1:9"}


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    store = seed.open_demo(tmp_path_factory.mktemp("export") / "demo.duckdb", today=date(2025, 6, 30))
    plan = plan_mod.load(store)
    yield store, plan, snapshot.compute(store, plan, CUT)
    store.close()


@pytest.fixture(scope="module")
def renderer():
    export.RENDERER.start(**NO_INTERNET)
    return export.RENDERER


def objectives_figure(plan, snap):
    rows = snap.objectives[snap.objectives["kind"] != "general"].assign(label=lambda d: d["code"])
    fig = charts.score_bars(rows, "label", plan.settings.red_below, plan.settings.green_from)
    return charts.frame(fig, "Puntaje por objetivo", CUT, plan.entity["name"], plan.is_demo), rows


def test_same_cut_off_and_data_give_the_same_hash(demo, tmp_path):
    store, plan, _ = demo
    first = export.data_hash(store, CUT)
    assert re.fullmatch(r"[0-9a-f]{12}", first)
    assert export.data_hash(store, CUT) == first
    assert export.data_hash(store, date(2024, 9, 30)) != first
    twin = seed.open_demo(tmp_path / "twin.duckdb", today=date(2025, 6, 30))  # the same data, rebuilt
    try:
        assert export.data_hash(twin, CUT) == first
    finally:
        twin.close()


def test_hash_changes_when_a_value_in_force_changes(demo, tmp_path):
    store, _, _ = demo
    other = seed.open_demo(tmp_path / "other.duckdb", today=date(2025, 6, 30))
    try:
        before = export.data_hash(other, CUT)
        with other.transaction() as cur:
            cur.execute("INSERT INTO measurement (indicator, year, period, period_end, value, recorded_at, "
                        "recorded_by, reason) VALUES ('GD-03', 2024, 4, DATE '2024-12-31', 12.5, "
                        "TIMESTAMP '2024-12-31 08:00', 'x', 'prueba')")
            asof.index_new(cur)
        assert export.data_hash(other, CUT) != before
        assert export.data_hash(other, date(2024, 6, 30)) == export.data_hash(store, date(2024, 6, 30))
    finally:
        other.close()


def test_hash_follows_the_plan_changes_and_the_action_progress_of_its_cut_off(tmp_path):
    other = seed.open_demo(tmp_path / "other.duckdb", today=date(2025, 6, 30))
    try:
        cut, later = date(2024, 12, 31), date(2025, 3, 31)
        before = {d: export.data_hash(other, d) for d in (cut, later)}
        plan_changes.save_rows(other, "admin.demo", "target", [{"indicator": "GD-05", "year": 2025, "target": 77}],
                               "Meta ajustada en la prueba del hash", date(2025, 1, 1))
        assert export.data_hash(other, cut) == before[cut]           # in force only from 2025
        assert export.data_hash(other, later) != before[later]
        moved, april = export.data_hash(other, later), export.data_hash(other, date(2025, 4, 30))
        action = other.scalar("SELECT code FROM plan_action WHERE year = 2025 ORDER BY code LIMIT 1")
        with other.transaction() as cur:
            cur.execute("INSERT INTO action_progress (action, year, period, period_end, progress, recorded_at, "
                        "recorded_by) VALUES (?, 2025, 1, DATE '2025-03-31', 42, TIMESTAMP '2025-04-03 09:00', 'x')",
                        [action])
        assert export.data_hash(other, later) == moved                # recorded after that cut-off
        assert export.data_hash(other, date(2025, 4, 30)) != april         # and counts from the next one
    finally:
        other.close()


def test_png_opens_and_carries_title_cut_off_and_hash(demo, renderer):
    store, plan, snap = demo
    fig, _ = objectives_figure(plan, snap)
    prov = export.provenance(store, CUT)
    data = export.png(fig, prov)
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    from PIL import Image
    image = Image.open(io.BytesIO(data))
    image.load()
    assert image.size[0] == export.IMAGE_WIDTH * export.PNG_SCALE
    text = export.png_text(data)
    assert text["Title"] == "Puntaje por objetivo"
    assert text["Fecha de corte"] == "2024-12-31"
    assert text["Hash de datos"] == prov.data_hash
    assert text["Versión"] == export.APP_VERSION


def test_svg_shows_title_cut_off_hash_and_the_page_numbers(demo, renderer):
    store, plan, snap = demo
    fig, rows = objectives_figure(plan, snap)
    prov = export.provenance(store, CUT)
    text = export.svg(fig, prov).decode("utf-8")
    assert text.lstrip().startswith("<svg")
    assert "Puntaje por objetivo" in text
    assert "31 de diciembre de 2024" in text
    assert f"Datos {prov.data_hash}" in text and export.APP_VERSION in text
    for score in rows["score"].dropna():  # the same numbers as the page, in Colombian format
        assert f"{fmt.number(score * 100)} %" in text
    assert "Personería Distrital de Cartagena de Indias" in text


def test_exported_date_axes_have_no_english_month_names(demo, renderer):
    """The renderer has no Spanish locale: a date axis left to Plotly's defaults prints "Apr 2024"."""
    store, plan, snap = demo
    s = plan.settings
    ind = plan.indicators.set_index("code", drop=False).loc["GD-01"]
    codes = list(plan.indicators.loc[plan.indicators["process"] == ind["process"], "code"])
    current = values.current_values(store, CUT, codes=codes)
    history = charts.indicator_history(current[current["indicator"] == "GD-01"],
                                       plan.targets[plan.targets["indicator"] == "GD-01"], ind, s.red_below, s.green_from)
    trends = charts.process_trends(scoring.period_attainment(current, plan.indicators, plan.targets),
                                   {c: c for c in codes}, s.red_below, s.green_from)
    trends.update_xaxes(range=["2024-01-01", "2024-12-31"])   # a year: monthly ticks, where month names appear
    for name, fig in (("historia", history), ("tendencias", trends)):
        framed = charts.frame(fig, name, CUT, plan.entity["name"], plan.is_demo)
        text = export.svg(framed, export.provenance(store, CUT)).decode("utf-8")
        ticks = re.findall(r'class="xtick"[^>]*>.*?<text[^>]*>([^<]+)</text>', text)
        assert ticks and all(re.fullmatch(r"(\d{2}/){0,2}\d{4}", t) for t in ticks), (name, ticks)
        assert not re.search(r"\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\b", text), name


def test_renderer_is_warm_after_the_first_image(demo, renderer, monkeypatch):
    """The second image reuses the running Chromium (speed is measured in bench/bench_export.py)."""
    import kaleido
    store, plan, snap = demo
    fig, _ = objectives_figure(plan, snap)
    prov = export.provenance(store, CUT)
    export.png(fig, prov)
    assert export.RENDERER.running
    starts = []
    monkeypatch.setattr(kaleido, "start_sync_server", lambda *a, **k: starts.append(a))
    assert export.png(fig, prov)[:8] == b"\x89PNG\r\n\x1a\n"
    assert starts == []


def test_renders_from_many_threads_do_not_mix(demo, renderer):
    from concurrent.futures import ThreadPoolExecutor
    store, plan, snap = demo
    figs = []
    for i in range(4):
        fig, _ = objectives_figure(plan, snap)
        fig.update_layout(title={"text": f"Figura número {i}"})
        figs.append(fig)
    prov = export.provenance(store, CUT)
    with ThreadPoolExecutor(4) as pool:
        svgs = list(pool.map(lambda f: export.svg(f, prov).decode(), figs))
    for i, text in enumerate(svgs):
        assert f"Figura número {i}" in text
        assert all(f"Figura número {j}" not in text for j in range(4) if j != i)


def test_a_batch_renders_every_figure_in_order_in_the_one_chromium(demo, renderer, monkeypatch):
    """The report's figures go to the renderer in one call; each image is the one asked for, traced."""
    import kaleido
    store, plan, snap = demo
    prov = export.provenance(store, CUT)
    figs = []
    for i in range(5):
        fig, _ = objectives_figure(plan, snap)
        fig.update_layout(title={"text": f"Figura del lote {i}"}, height=300 + 40 * i)
        figs.append(fig)
    export.png(figs[0], prov)  # Chromium running
    starts, calls = [], []
    monkeypatch.setattr(kaleido, "start_sync_server", lambda *a, **k: starts.append(a))
    batch = kaleido.write_fig_from_object_sync
    monkeypatch.setattr(kaleido, "write_fig_from_object_sync", lambda *a, **k: calls.append(a) or batch(*a, **k))
    images = export.render_many(figs, prov, width=800, scale=1)
    assert starts == [] and len(calls) == 1  # one call, no new browser
    from PIL import Image
    for i, data in enumerate(images):
        assert export.png_text(data)["Title"] == f"Figura del lote {i}"
        assert Image.open(io.BytesIO(data)).size == (800, 300 + 40 * i)
    svgs = export.render_many(figs[:2], prov, "svg")
    assert [f"Figura del lote {i}" in s.decode() for i, s in enumerate(svgs)] == [True, True]


def test_a_render_that_returns_nothing_says_so_in_spanish(demo, renderer, monkeypatch):
    """kaleido gives no image for a figure too large to draw: a clear message, never struct.error."""
    import kaleido
    store, plan, snap = demo
    fig, _ = objectives_figure(plan, snap)
    prov = export.provenance(store, CUT)
    monkeypatch.setattr(kaleido, "write_fig_from_object_sync", lambda *a, **k: None)  # wrote nothing
    with pytest.raises(export.RenderError, match="No se pudo generar la imagen «Puntaje por objetivo» \\(PNG\\)"):
        export.png(fig, prov)
    with pytest.raises(export.RenderError, match="vacía o incompleta"):
        export._png_with_text(b"", {"Title": "x"})

    def fails(*a, **k):
        raise RuntimeError("Target closed")
    monkeypatch.setattr(kaleido, "write_fig_from_object_sync", fails)
    with pytest.raises(export.RenderError, match="^No se pudo generar la imagen: el motor de gráficos"):
        export.svg(fig, prov)


def test_workbook_has_the_sheets_and_the_engine_numbers(demo):
    store, plan, snap = demo
    prov = export.provenance(store, CUT)
    book = openpyxl.load_workbook(io.BytesIO(export.workbook(store, plan, snap, prov)))
    assert tuple(book.sheetnames) == export.SHEETS
    assert prov.data_hash in book.properties.keywords
    cover = {r[0]: r[1] for r in book["Portada"].iter_rows(min_row=2, values_only=True)}
    assert cover["Hash de los datos"] == prov.data_hash
    assert cover["Fecha de corte"] == datetime_of(CUT)
    assert cover["Puntaje de la política"] == pytest.approx(snap.policy)

    def table(name):
        rows = list(book[name].iter_rows(values_only=True))
        return [dict(zip(rows[0], r)) for r in rows[1:]]

    objectives = {r["Código"]: r for r in table("Objetivos")}
    for o in snap.objectives.itertuples():
        got = objectives[o.code]["Puntaje"]
        assert (got is None) if o.score != o.score else got == pytest.approx(o.score)
        assert objectives[o.code]["Semáforo"] == STATUS_LABELS[o.status]
    processes = {r["Código"]: r for r in table("Procesos")}
    assert set(processes) == set(snap.processes["code"])
    for p in snap.processes.dropna(subset=["score"]).itertuples():
        assert processes[p.code]["Puntaje"] == pytest.approx(p.score)
    indicators = {r["Código"]: r for r in table("Indicadores")}
    for i in snap.indicators.dropna(subset=["result"]).itertuples():
        assert indicators[i.code]["Resultado"] == pytest.approx(i.result)
        assert indicators[i.code]["Cumplimiento"] == pytest.approx(i.attainment_raw)
    assert len(table("Fichas técnicas")) == len(plan.indicators)
    in_force = store.query("SELECT count(*) AS n FROM measurement WHERE recorded_at < DATE '2025-01-01' "
                           "AND period_end <= DATE '2024-12-31'")["n"][0]
    assert len(table("Historial de valores")) == in_force
    assert len(table("Valores vigentes")) == len(export.values.current_values(store, CUT))


def test_no_personal_data_in_workbook_or_open_data(demo):
    store, plan, snap = demo
    prov = export.provenance(store, CUT)
    users = set(store.query("SELECT DISTINCT recorded_by FROM measurement")["recorded_by"])
    book = openpyxl.load_workbook(io.BytesIO(export.workbook(store, plan, snap, prov)))
    for ws in book.worksheets:
        headers = [c.value for c in ws[1]]
        assert not any(h and ("recorded_by" in str(h) or "Usuario" in str(h) or "Registrado por" in str(h))
                       for h in headers), (ws.title, headers)
        cells = {c for row in ws.iter_rows(values_only=True) for c in row}
        assert not users & cells, ws.title
    with zipfile.ZipFile(io.BytesIO(export.open_data_zip(store, plan, prov))) as zf:
        for name in zf.namelist():
            if name.endswith(".xlsx"):
                people = openpyxl.load_workbook(io.BytesIO(zf.read(name)))
                assert not users & {c for ws in people.worksheets for row in ws.iter_rows(values_only=True)
                                    for c in row}, name
                continue
            body = zf.read(name).decode("utf-8")
            assert "recorded_by" not in body
            if name.endswith(".csv"):
                values = {v for row in csv.reader(io.StringIO(body)) for v in row}
                assert not users & values, name


def test_open_data_has_only_public_indicators_and_a_dictionary(demo):
    store, plan, _ = demo
    prov = export.provenance(store, CUT)
    with zipfile.ZipFile(io.BytesIO(export.open_data_zip(store, plan, prov))) as zf:
        names = zf.namelist()
        data_name = next(n for n in names if n.startswith("indicadores_"))
        rows = list(csv.DictReader(io.StringIO(zf.read(data_name).decode("utf-8"))))
        dictionary = list(csv.DictReader(io.StringIO(zf.read("diccionario_de_datos.csv").decode("utf-8"))))
        readme = zf.read("LEAME.txt").decode("utf-8")
    public = set(plan.indicators.loc[plan.indicators["public"].astype(bool), "code"])
    assert rows and {r["codigo_indicador"] for r in rows} <= public
    assert list(rows[0]) == [d["campo"] for d in dictionary]
    assert all(r["fecha_corte"] == "2024-12-31" for r in rows)
    assert prov.data_hash in readme and "1712" in readme
    engine = export.values.current_values(store, CUT)
    engine = engine[engine["indicator"].isin(public)]
    assert len(rows) == len(engine)
    first = engine.iloc[0]
    match = next(r for r in rows if r["codigo_indicador"] == first["indicator"] and int(r["vigencia"]) == first["year"])
    assert float(match["valor"]) == pytest.approx(first["value"])


def test_no_internet_page_for_the_renderer():
    from kaleido._page_generator import PageGenerator
    page = PageGenerator(plotly=str(export.PLOTLY_JS), mathjax=False).generate_index()
    assert "http://" not in page and "https://" not in page


# -- the workbook for Colombian desks ------------------------------------------------------------
@pytest.fixture(scope="module")
def desk_book(tmp_path_factory):
    """The workbook of a demo base with two improvement actions, read back with openpyxl."""
    from datetime import datetime
    store = seed.open_demo(tmp_path_factory.mktemp("desk") / "demo.duckdb", today=date(2025, 6, 30))
    with store.transaction() as cur:
        for text, due, status in (("Publicar el inventario de activos", date(2024, 11, 30), "abierta"),
                                  ("Capacitar a los enlaces", date(2025, 3, 31), "en_ejecucion")):
            cur.execute("INSERT INTO improvement_action (indicator, action, responsible, due_date, status, "
                        "created_at, created_by, updated_at, updated_by) VALUES ('GD-09', ?, 'Líder TIC', ?, ?, ?, "
                        "'admin', ?, 'admin')", [text, due, status, datetime(2024, 10, 1), datetime(2024, 10, 1)])
    plan = plan_mod.load(store)
    snap = snapshot.compute(store, plan, CUT)
    book = openpyxl.load_workbook(io.BytesIO(export.workbook(store, plan, snap, export.provenance(store, CUT))))
    yield store, plan, snap, book
    store.close()


def rows_of(ws):
    rows = list(ws.iter_rows())
    headers = [c.value for c in rows[0]]
    return [dict(zip(headers, r)) for r in rows[1:]]


def test_dates_are_date_cells_shown_dd_mm_aaaa(desk_book):
    *_, book = desk_book
    assert book["Portada"]["B5"].value == datetime_of(CUT) and book["Portada"]["B5"].number_format == "DD/MM/YYYY"
    seen = 0
    for ws in book.worksheets:
        for row in ws.iter_rows(min_row=2):
            for c in row:
                if c.is_date:
                    seen += 1
                    assert c.number_format in ("DD/MM/YYYY", "DD/MM/YYYY HH:MM"), (ws.title, c.coordinate)
                assert not (isinstance(c.value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}.*", c.value)), \
                    (ws.title, c.coordinate, c.value)  # no date left as text
    assert seen > 1000
    for sheet, header in (("Valores vigentes", "Fin del periodo"), ("Historial de valores", "Fin del periodo"),
                          ("Reportes atrasados", "Fin del periodo"), ("Acciones de mejora", "Fecha límite")):
        cells = [r[header] for r in rows_of(book[sheet])]
        assert cells and all(c.is_date and c.number_format == "DD/MM/YYYY" for c in cells), (sheet, header)


def datetime_of(day):
    from datetime import datetime
    return datetime(day.year, day.month, day.day)


def test_numbers_carry_the_format_of_their_unit(desk_book):
    _, plan, _, book = desk_book
    units = plan.indicators.set_index("code")["unit"]
    expected = {"%": '0.0" %"', "#": "#,##0", "personas": "#,##0", "puntos": '#,##0.0" puntos"',
                "horas": '#,##0.0" horas"', "días hábiles": '#,##0.0" días hábiles"'}
    for sheet, code_header, headers in (("Indicadores", "Código", ("Resultado", "Meta")),
                                        ("Valores vigentes", "Indicador", ("Valor",)),
                                        ("Historial de valores", "Indicador", ("Valor",))):
        for row in rows_of(book[sheet]):
            for h in headers:
                code = row[code_header].value
                assert row[h].number_format == expected[units[code]], (sheet, h, code)
    for sheet, header in (("Indicadores", "Cumplimiento"), ("Objetivos", "Puntaje"),
                          ("Procesos", "Cobertura de datos")):
        assert all(r[header].number_format == "0.0%" for r in rows_of(book[sheet]))
    assert all(r["Días de atraso"].number_format == "#,##0" for r in rows_of(book["Reportes atrasados"]))
    assert export.unit_format('x"; 0') == "#,##0.0"  # a unit that would break the format code stays out of it


def test_every_table_has_a_filter_and_names_its_processes(desk_book):
    _, plan, snap, book = desk_book
    assert tuple(book.sheetnames) == export.SHEETS
    for ws in book.worksheets:
        assert ws.auto_filter.ref == ws.dimensions, ws.title
    names = dict(zip(plan.processes["code"], plan.processes["name"]))
    for sheet in ("Fichas técnicas", "Indicadores", "Reportes atrasados", "Acciones de mejora"):
        rows = rows_of(book[sheet])
        assert rows, sheet
        assert all(r["Nombre del proceso"].value == names[r["Proceso"].value] for r in rows), sheet


def test_late_reports_and_improvement_actions_sheets(desk_book):
    _, _, snap, book = desk_book
    late = rows_of(book["Reportes atrasados"])
    assert len(late) == len(snap.late)
    assert {(r["Indicador"].value, r["Días de atraso"].value) for r in late} == \
        set(zip(snap.late["indicator"], snap.late["days_late"].astype(int)))
    actions = rows_of(book["Acciones de mejora"])
    assert [(r["Acción de mejora"].value, r["Responsable"].value, r["Fecha límite"].value.date(), r["Estado"].value,
             r["Vencida"].value) for r in actions] == [
        ("Publicar el inventario de activos", "Líder TIC", date(2024, 11, 30), "Abierta", "Sí"),
        ("Capacitar a los enlaces", "Líder TIC", date(2025, 3, 31), "En ejecución", "No")]


# -- open data: the CSV as it is, the .xlsx for people, the data package and the licence ----------
def test_open_data_package_is_structurally_valid_and_licensed(demo):
    import json
    store, plan, _ = demo
    prov = export.provenance(store, CUT)
    with zipfile.ZipFile(io.BytesIO(export.open_data_zip(store, plan, prov))) as zf:
        names = zf.namelist()
        package = json.loads(zf.read("datapackage.json"))
        csv_name = next(n for n in names if n.endswith(".csv") and n.startswith("indicadores_"))
        raw = zf.read(csv_name)
        readme = zf.read("LEAME.txt").decode("utf-8")
        comment = zf.comment.decode("utf-8")
        people = openpyxl.load_workbook(io.BytesIO(zf.read(csv_name.replace(".csv", ".xlsx"))))
    assert package["profile"] == "tabular-data-package"
    assert re.fullmatch(r"[a-z0-9._-]+", package["name"])
    for licensed in (package, package["resources"][0]):
        assert licensed["licenses"] == [{"name": "CC-BY-4.0", "title": export.LICENSE["title"],
                                         "path": export.LICENSE["path"]}]
    assert "CC BY 4.0" in readme and "CC BY 4.0" in comment
    (resource,) = package["resources"]
    assert resource["profile"] == "tabular-data-resource" and resource["path"] == csv_name in names
    assert resource["encoding"] == "utf-8" and resource["dialect"]["delimiter"] == ","
    fields = resource["schema"]["fields"]
    header = next(csv.reader(io.StringIO(raw.decode("utf-8"))))
    assert [f["name"] for f in fields] == header
    allowed = {"string", "number", "integer", "date", "boolean", "datetime", "year"}
    assert all(f.get("type") in allowed for f in fields)
    types = {f["name"]: f["type"] for f in fields}
    assert types["valor"] == types["meta_vigencia"] == types["linea_base"] == "number"  # 11,5 is a number
    assert types["vigencia"] == "integer" and types["fecha_corte"] == "date"
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8"))))
    for row in rows:  # every value parses as the type the package declares
        for name, kind in types.items():
            value = row[name]
            if value == "":
                continue
            if kind == "number":
                float(value)
            elif kind == "integer":
                assert re.fullmatch(r"-?\d+", value), (name, value)
            elif kind == "date":
                date.fromisoformat(value)
    assert any("." in r["valor"] for r in rows)  # decimals in the data, typed as number
    assert not raw.startswith(b"\xef\xbb\xbf")  # the CSV for datos.gov.co stays plain UTF-8 with commas
    data = people["Datos"]
    assert [c.value for c in data[1]] == header
    assert data.auto_filter.ref == data.dimensions
    assert data.max_row - 1 == len(rows)
    col = header.index("fecha_fin_periodo")
    assert all(r[col].is_date and r[col].number_format == "DD/MM/YYYY" for r in data.iter_rows(min_row=2))
    about = {r[0].value: r[1].value for r in people["Acerca de"].iter_rows(min_row=2)}
    assert about["Licencia"] == export.LICENSE["title"]
