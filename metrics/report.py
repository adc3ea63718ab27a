"""Informe de seguimiento (PDF) for a fecha de corte.

The executive summary is the committee summary (metrics.summary), built from the same engine the
pages use (`snapshot.compute`), so its numbers are the dashboard's. The same report comes from the
app (one click) and from the command line:

    python -m metrics.report --corte 2024-12-31 --salida informe.pdf
    python -m metrics.report --anual 2025 --salida informe-2025.pdf

The annual version covers one vigencia (January to December): cut-off 31/12 of the year, compared
with 31/12 of the previous year, for the yearly report to the Concejo Distrital and the rendición de
cuentas. Each process with indicators gets the analysis of every indicator not in green and its open
improvement actions (metrics.briefing); the report closes with an approval block to sign.
"""
from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import pandas as pd
from fpdf import FPDF
from fpdf.fonts import FontFace

from metrics import briefing as briefing_mod
from metrics import charts, export, final_evaluation, fmt
from metrics import plan as plan_mod
from metrics import snapshot as snapshot_mod
from metrics.cli import SpanishParser
from metrics.periods import EARLIEST, comparison_date, vigencia_label
from metrics.plan import Plan
from metrics.scoring import vision_rule
from metrics.snapshot import Snapshot
from metrics.store import Store, StoreError
from metrics.summary import Summary, status_text, summarize
from metrics.vocabulary import (ACTION_STATUSES, OBJECTIVE_KINDS, PROCESS_TYPES, STATUS_LABELS, STATUSES,
                               VISION_LABELS, YES_NO)


# -- the PDF -------------------------------------------------------------------------------------
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")  # fonts-dejavu-core, installed with chromium
FONT = "DejaVu"
PAGE_W = 180  # mm of text width on A4 with 15 mm margins
CHART_WIDTH = 1000
CHART_SCALE = 1.6  # 1600 px across 180 mm: about 225 dpi, enough for print
# Processes given a section of their own (with chart, table and commentary); a larger plan gets one table
# of every process and sections for the lowest scores, so the report's length does not grow with the plan.
MAX_DETAILED_PROCESSES = 12


class _Pdf(FPDF):
    def __init__(self, footer_text: str):
        super().__init__(format="A4")
        self.footer_text = footer_text
        self.set_margins(15, 15, 15)
        self.set_auto_page_break(True, margin=18)
        self.add_font(FONT, "", str(FONT_DIR / "DejaVuSans.ttf"))
        self.add_font(FONT, "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
        oblique = FONT_DIR / "DejaVuSans-Oblique.ttf"  # fonts-dejavu-extra; fonts-dejavu-core lacks it
        self.add_font(FONT, "I", str(oblique if oblique.exists() else FONT_DIR / "DejaVuSans.ttf"))

    def footer(self) -> None:
        if self.page_no() == 1:
            return
        self.set_y(-12)
        self.set_font(FONT, "", 7)
        self.set_text_color(90, 90, 90)
        self.cell(0, 5, f"{self.footer_text} · Página {self.page_no()}/{{nb}}", align="C")
        self.set_text_color(0, 0, 0)

    def heading(self, text: str, level: int = 0) -> None:
        if level == 0:
            self.add_page()
        elif self.get_y() > 230:
            self.add_page()
        self.start_section(text, level)
        self.set_font(FONT, "B", 15 if level == 0 else 12)
        self.multi_cell(0, 7 if level == 0 else 6, text, new_x="LMARGIN", new_y="NEXT")
        self.ln(2)
        self.set_font(FONT, "", 10)

    def para(self, text: str, size: int = 10, style: str = "") -> None:
        self.set_font(FONT, style, size)
        self.multi_cell(0, 5, text, new_x="LMARGIN", new_y="NEXT")
        self.ln(1.5)
        self.set_font(FONT, "", 10)

    def grid(self, frame: pd.DataFrame, widths: tuple[float, ...]) -> None:
        self.set_font(FONT, "", 8)
        head = FontFace(emphasis="BOLD", fill_color=(230, 230, 230))
        with self.table(col_widths=widths, headings_style=head, line_height=4.2, text_align="LEFT",
                        width=PAGE_W) as table:
            table.row([str(c) for c in frame.columns])
            for r in frame.itertuples(index=False):
                table.row([str(v) for v in r])
        self.ln(3)
        self.set_font(FONT, "", 10)


@dataclass
class _Placed:
    """A chart's place in the PDF, kept until every chart is rendered in one batch."""
    page: int
    x: float
    y: float
    w: float
    h: float
    fig: object
    title: str


@dataclass
class _Ctx:
    store: Store
    plan: Plan
    snap: Snapshot
    prov: export.Provenance
    placed: list[_Placed] = field(default_factory=list)

    def chart(self, pdf: _Pdf, fig, title: str) -> None:
        """Reserve the chart's room where it goes (its size is known before rendering); `draw_charts`
        renders every reserved chart together at the end and puts each in its place."""
        fig = charts.frame(fig, title, self.snap.as_of, self.plan.entity["name"], self.plan.is_demo,
                           height=int(fig.layout.height or 420))
        height = int(fig.layout.height)
        if pdf.get_y() + (height + 40) * PAGE_W / CHART_WIDTH > 275:
            pdf.add_page()
        w, h = PAGE_W, PAGE_W * height / CHART_WIDTH
        room = pdf.page_break_trigger - pdf.get_y()
        if h > room:  # never taller than a page: narrower instead
            w, h = w * room / h, room
        self.placed.append(_Placed(pdf.page, pdf.l_margin, pdf.get_y(), w, h, fig, title))
        pdf.set_y(pdf.get_y() + h)
        pdf.ln(2)

    def draw_charts(self, pdf: _Pdf) -> None:
        """Render every reserved chart in one call (the renderer's tabs work side by side) and place it."""
        from io import BytesIO
        images = export.render_many([p.fig for p in self.placed], self.prov, width=CHART_WIDTH, scale=CHART_SCALE)
        last = pdf.page
        for spot, image in zip(self.placed, images):
            pdf.page = spot.page
            pdf.image(BytesIO(image), x=spot.x, y=spot.y, w=spot.w, h=spot.h, alt_text=spot.title)
        pdf.page = last
        self.placed.clear()

    def indicators(self, pdf: _Pdf, rows: pd.DataFrame, title: str, weights: bool = False) -> pd.DataFrame:
        """A group of indicators: the chart and the table of the worst ones, the rest counted by state
        (every indicator is in the Excel workbook). Returns the rows listed."""
        s = self.plan.settings
        self.chart(pdf, charts.indicator_bars(rows, s.red_below, s.green_from), title)
        shown, rest = charts.worst_indicators(rows)
        if weights:
            pdf.grid(_indicator_rows(shown, shown["weight"]), (14, 44, 10, 28, 20, 20, 22, 22))
        else:
            pdf.grid(_indicator_rows(shown), (14, 52, 28, 22, 22, 22, 20))
        if len(rest):
            pdf.para(f"Se listan los {len(shown)} indicadores que más requieren atención; "
                     f"{charts.rest_summary(rest)}. Todos están en el libro de Excel (hoja Indicadores).", 9, "I")
        return shown


def _indicator_rows(rows: pd.DataFrame, weights: pd.Series | None = None) -> pd.DataFrame:
    """Indicators as on the pages: each result with its vigencia, raw attainment, except behind an
    objective (weights given), where the capped value is what enters the weighted mean, as on
    Objetivos y visión."""
    column, label = (("attainment", "Cumplimiento (topado)") if weights is not None
                     else ("attainment_raw", "Cumplimiento"))
    out = pd.DataFrame({
        "Código": rows["code"], "Indicador": rows["name"],
        "Vigencia": [vigencia_label(y, f, p) if pd.notna(y) else "—"
                     for y, f, p in zip(rows["year"], rows["frequency"], rows["last_period"])],
        "Resultado": fmt.values(rows["result"], rows["unit"]),
        "Meta": fmt.values(rows["target"], rows["unit"]),
        label: fmt.percents(pd.to_numeric(rows[column])),
        "Semáforo": rows["status"].map(status_text),
    })
    if weights is not None:
        out.insert(2, "Peso", fmt.numbers(weights, 1))
    return out


def annual_dates(year: int) -> tuple[date, date]:
    """(cut-off, comparison) of the annual report: 31/12 of the vigencia and of the year before (never
    before the first day the dashboard offers)."""
    return date(year, 12, 31), max(date(year - 1, 12, 31), EARLIEST)


def build_annual_pdf(store: Store, plan: Plan, year: int, generated_by: str = "Línea de comandos") -> bytes:
    """The annual report of a vigencia (January–December) for the Concejo and the rendición de cuentas."""
    as_of, earlier = annual_dates(year)
    return build_pdf(store, plan, as_of, generated_by, earlier, annual=True)


APPROVAL_STEPS = (("Elaboró", "firma_elaboro"), ("Revisó", "firma_reviso"), ("Aprobó", "firma_aprobo"))


def approval_roles(store: Store, plan: Plan) -> list[tuple[str, str]]:
    """(step, role) of the approval block. The roles come from the settings firma_elaboro, firma_reviso
    and firma_aprobo when set; else from the plan: the officer in charge of ICT (last responsible role)
    prepares, the leader of the process that owns the policy reviews, the first responsible role
    (the Personero) approves."""
    settings = dict(store.query("SELECT key, value FROM setting").itertuples(index=False))
    owner = plan.processes[plan.processes["code"] == plan.entity.get("policy_owner_process")]["leader_role"]
    roles = plan.roles or []
    defaults = (roles[-1] if roles else "Responsable de la política",
                owner.iloc[0] if len(owner) and owner.iloc[0] else "Líder del proceso responsable de la política",
                roles[0] if roles else "Personero Distrital")
    return [(step, (settings.get(key) or "").strip() or default)
            for (step, key), default in zip(APPROVAL_STEPS, defaults)]


def build_pdf(store: Store, plan: Plan, as_of: date, generated_by: str = "Línea de comandos",
              earlier: date | None = None, snap: Snapshot | None = None,
              before: Snapshot | None = None, annual: bool = False) -> bytes:
    """The whole informe de seguimiento for a cut-off as PDF bytes (the annual report when `annual`)."""
    snap = snap or snapshot_mod.compute(store, plan, as_of)
    earlier = earlier or comparison_date(as_of)
    before = before or snapshot_mod.compute(store, plan, earlier)
    prov = export.provenance(store, as_of)
    summary = summarize(store, snap, before)
    ent = plan.entity
    kind = f"Informe anual de gestión {as_of.year}" if annual else "Informe de seguimiento"
    pdf = _Pdf(f"{ent['name']} · {kind} {ent['policy_code']} · {prov.label}")
    pdf.alias_nb_pages()
    pdf.set_title(f"{kind} de la {ent['policy_name']} – corte {fmt.short_date(as_of)}")
    pdf.set_author(ent["name"])
    pdf.set_subject(f"{ent['policy_code']} {ent['policy_name']}")
    pdf.set_keywords(prov.label)
    pdf.set_creator(f"Tablero DE-P-007 {prov.version}")
    ctx = _Ctx(store, plan, snap, prov)
    _cover(pdf, plan, prov, generated_by, earlier, annual)
    _summary(pdf, ctx, summary)
    _objectives(pdf, ctx)
    _processes(pdf, ctx)
    final_evaluation.add_section(pdf, store, plan, as_of)
    _vision(pdf, ctx)
    _approval(pdf, approval_roles(store, plan))
    ctx.draw_charts(pdf)
    return bytes(pdf.output())


def _cover(pdf: _Pdf, plan: Plan, prov: export.Provenance, who: str, earlier: date, annual: bool) -> None:
    ent = plan.entity
    pdf.add_page()
    pdf.start_section("Portada")
    pdf.ln(30)
    pdf.set_font(FONT, "B", 20)
    pdf.multi_cell(0, 10, ent["name"], align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "I", 11)
    pdf.multi_cell(0, 6, ent.get("motto") or "", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(20)
    pdf.set_font(FONT, "B", 16)
    pdf.multi_cell(0, 9, f"Informe anual de gestión – vigencia {prov.as_of.year}" if annual else
                   "Informe de seguimiento", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 14)
    pdf.multi_cell(0, 8, f"{ent['policy_name']} ({ent['policy_code']})", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(12)
    pdf.set_font(FONT, "B", 13)
    pdf.multi_cell(0, 8, f"Fecha de corte: {fmt.long_date(prov.as_of)}", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 11)
    pdf.multi_cell(0, 7, f"Se compara con el corte del {fmt.long_date(earlier)}", align="C", new_x="LMARGIN",
                   new_y="NEXT")
    if annual:
        pdf.multi_cell(0, 6, f"Vigencia del 1 de enero al 31 de diciembre de {prov.as_of.year}. Para el informe "
                             "al Concejo Distrital y la rendición de cuentas.", align="C", new_x="LMARGIN",
                       new_y="NEXT")
    pdf.ln(24)
    pdf.set_font(FONT, "", 10)
    now = datetime.now()
    for line in (f"Generado por: {who}",
                 f"Generado el: {fmt.long_date(now.date())} a las {now:%H:%M}",
                 f"Versión del tablero: {prov.version}",
                 f"Hash de los datos: {prov.data_hash}"):
        pdf.multi_cell(0, 6, line, align="C", new_x="LMARGIN", new_y="NEXT")
    if plan.is_demo:
        pdf.ln(8)
        pdf.set_font(FONT, "B", 11)
        pdf.multi_cell(0, 6, "DATOS DE DEMOSTRACIÓN: las cifras son ilustrativas y no corresponden a "
                             "mediciones reales de la Personería.", align="C", new_x="LMARGIN", new_y="NEXT")


def _summary(pdf: _Pdf, ctx: _Ctx, summary: Summary) -> None:
    pdf.heading("Resumen ejecutivo")
    for line in summary.sentences():
        pdf.para(f"• {line}")
    rows = pd.DataFrame({
        "Semáforo": [status_text(s) for s in STATUSES],
        f"Al {fmt.short_date(summary.earlier)}": [summary.counts_before[s] for s in STATUSES],
        f"Al {fmt.short_date(summary.as_of)}": [summary.counts[s] for s in STATUSES]})
    pdf.grid(rows, (60, 60, 60))
    ctx.chart(pdf, charts.status_counts(summary.counts), "Indicadores por estado del semáforo")
    policy = ctx.snap.objectives[ctx.snap.objectives["kind"] == "especifico"].assign(label=lambda d: d["code"])
    s = ctx.plan.settings
    fig = charts.score_bars(policy, "label", s.red_below, s.green_from)
    fig.update_layout(height=320)
    ctx.chart(pdf, fig, "Puntaje de los objetivos específicos de la política")
    if not ctx.snap.late.empty:
        pdf.para("Reportes atrasados", 11, "B")
        late = ctx.snap.late.sort_values("days_since_end", ascending=False, kind="stable")
        listed = late.iloc[:charts.MAX_LISTED_INDICATORS]
        pdf.grid(pd.DataFrame({"Indicador": listed["indicator"], "Nombre": listed["name"], "Proceso": listed["process"],
                               "Fin del periodo": fmt.short_dates(listed["period_end"]),
                               "Días de atraso": listed["days_since_end"].astype(int)}), (20, 80, 20, 30, 30))
        if len(late) > len(listed):
            pdf.para(f"Se listan los {len(listed)} reportes con más días de atraso; hay "
                     f"{fmt.count(len(late) - len(listed), 'reporte atrasado más', 'reportes atrasados más')}. "
                     "Todos están en el libro de Excel (hoja Reportes atrasados).", 9, "I")


def _objectives(pdf: _Pdf, ctx: _Ctx) -> None:
    pdf.heading("Objetivos")
    inputs = ctx.snap.objective_inputs
    for obj in ctx.snap.objectives.itertuples():
        pdf.heading(f"{obj.code} · {obj.text}", 1)
        pdf.para(f"{OBJECTIVE_KINDS.get(obj.kind, obj.kind)}. Puntaje: {fmt.percent(obj.score)} "
                 f"({status_text(obj.status)}); cobertura de datos: {fmt.percent(obj.coverage)}.")
        rows = inputs[inputs["objective"] == obj.code].rename(columns={"indicator": "code"})
        if rows.empty:
            pdf.para("Este objetivo no tiene indicadores asociados; se sigue a través de los objetivos específicos.",
                     9, "I")
            continue
        ctx.indicators(pdf, rows, f"Cumplimiento de los indicadores de {obj.code}", weights=True)


def _processes(pdf: _Pdf, ctx: _Ctx) -> None:
    pdf.heading("Procesos")
    scores = ctx.snap.indicators
    late = ctx.snap.late
    with_indicators = ctx.snap.processes["code"].isin(scores["process"])
    without = ctx.snap.processes[~with_indicators]
    if not without.empty:  # named once here rather than given a page each
        pdf.para("Procesos sin indicadores de la política a su cargo (no tienen sección): "
                 + "; ".join(f"{p.code} · {p.name}" for p in without.itertuples()) + ".", 9, "I")
    processes = _detailed_processes(pdf, ctx.snap.processes[with_indicators], scores)
    by_process = {code: rows for code, rows in scores.groupby("process")}
    listed = pd.concat([charts.worst_indicators(by_process[code])[0] for code in processes["code"]])
    # the briefing (latest analysis, open actions) only of the indicators the report comments
    notes = briefing_mod.briefing(ctx.store, ctx.snap.as_of, listed[listed["status"] != "verde"])
    for proc in processes.itertuples():
        pdf.heading(f"{proc.code} · {proc.name}", 1)
        rows = by_process[proc.code]
        n_late = int((late["process"] == proc.code).sum())
        pdf.para(f"Tipo de proceso: {PROCESS_TYPES.get(proc.type, proc.type)}. Líder: {proc.leader_role or '—'}. "
                 f"Puntaje: {fmt.percent(proc.score)} ({status_text(proc.status)}). "
                 f"Reportes atrasados: {n_late}.")
        shown = ctx.indicators(pdf, rows, f"Cumplimiento de los indicadores del proceso {proc.code}")
        _commentary(pdf, notes, shown[shown["status"] != "verde"])


def _detailed_processes(pdf: _Pdf, processes: pd.DataFrame, scores: pd.DataFrame) -> pd.DataFrame:
    """The processes given a section: all of them up to MAX_DETAILED_PROCESSES, else the lowest scores
    (no score first), after one table of every process, so a plan of any size gives a report a committee
    can read."""
    if len(processes) <= MAX_DETAILED_PROCESSES:
        return processes
    ranked = processes.sort_values("score", na_position="first", kind="stable")
    counts = scores.groupby("process")["status"].value_counts().unstack(fill_value=0)
    counts = counts.reindex(columns=list(STATUSES), fill_value=0).reindex(ranked["code"], fill_value=0)
    pdf.para(f"Puntaje de los {len(processes)} procesos con indicadores, del más bajo al más alto. Se detallan los "
             f"{MAX_DETAILED_PROCESSES} primeros; todos están en la página Procesos del tablero y en el libro de "
             "Excel (hoja Procesos).", 9)
    pdf.grid(pd.DataFrame({
        "Código": ranked["code"], "Proceso": ranked["name"], "Puntaje": fmt.percents(pd.to_numeric(ranked["score"])),
        "Semáforo": ranked["status"].map(status_text),
        "Indicadores": fmt.numbers(counts.sum(axis=1), 0).to_numpy(),   # counts are indexed by code
        **{STATUS_LABELS[st]: fmt.numbers(counts[st], 0).to_numpy() for st in STATUSES}}),
        (14, 46, 18, 24, 20, 12, 12, 12, 12, 10))
    return processes[processes["code"].isin(ranked["code"].iloc[:MAX_DETAILED_PROCESSES])]


def _commentary(pdf: _Pdf, notes: dict[str, dict], rows: pd.DataFrame) -> None:
    """For each indicator not in green: the analysis of its value in force and its open actions."""
    if rows.empty:
        return
    pdf.para("Análisis y acciones de mejora de los indicadores que no están en verde", 10, "B")
    for ind in rows.itertuples():
        note = notes[ind.code]
        pdf.para(f"{ind.code} · {ind.name} ({status_text(ind.status)})", 9, "B")
        if note["period"] is None:
            pdf.para("Análisis: sin valor reportado a la fecha de corte.", 9)
        else:
            pdf.para(f"Análisis del valor de {note['period']}: {note['analysis'] or 'sin análisis registrado.'}", 9)
        acts = note["actions"]
        if acts.empty:
            pdf.para("Acciones de mejora: ninguna abierta.", 9, "I")
            continue
        pdf.grid(pd.DataFrame({
            "Acción de mejora": acts["action"], "Responsable": acts["responsible"],
            "Fecha límite": fmt.short_dates(acts["due_date"]) + acts["overdue"].map({True: " (vencida)"}).fillna(""),
            "Estado": acts["status"].map(ACTION_STATUSES)}), (86, 44, 28, 22))


def _approval(pdf: _Pdf, roles: list[tuple[str, str]]) -> None:
    """Elaboró, revisó, aprobó: the role, and blank lines for name, signature and date."""
    pdf.heading("Aprobación del informe", 0 if pdf.get_y() > 200 else 1)
    pdf.set_font(FONT, "", 9)
    head = FontFace(emphasis="BOLD", fill_color=(230, 230, 230))
    with pdf.table(col_widths=(22, 62, 36, 36, 24), headings_style=head, line_height=9, text_align="LEFT",
                   width=PAGE_W) as table:
        table.row(["", "Cargo", "Nombre", "Firma", "Fecha"])
        for step, role in roles:
            table.row([step, role, "", "", "__/__/____"])
    pdf.set_font(FONT, "", 10)


def _vision(pdf: _Pdf, ctx: _Ctx) -> None:
    vision, current = ctx.snap.vision, ctx.snap.plan
    settings = ctx.plan.settings
    if vision is None:
        return  # no plan carries a vision: nothing to judge
    pdf.heading(f"Estado de la visión {vision.target_year}")
    pdf.para(ctx.plan.entity["vision"], 9, "I")
    pdf.para(f"{vision.name}: avance desde la línea base {fmt.percent(vision.score)} con "
             f"{fmt.percent(vision.elapsed)} del tiempo transcurrido al {fmt.long_date(ctx.snap.as_of)}; "
             f"estado: {VISION_LABELS.get(vision.status, vision.status)}.")
    pdf.para(f"Cómo se juzga (horizonte: {fmt.long_date(vision.horizon)}): {vision_rule(settings)}", 9)
    items = [(vision.name, vision.score, vision.elapsed)]
    if current is not None and current.code != vision.code:
        items.append((current.name, current.score, current.elapsed))
    fig = charts.progress_vs_time(items)
    fig.update_layout(height=300)
    ctx.chart(pdf, fig, "Avance de la visión y del plan frente al tiempo")
    # the indicators furthest from the vision's target first: those that do not reach it, then those
    # with no figure to judge, each by progress; the rest counted
    verdict = vision.indicators["reaches"].map({False: 0, True: 2}).fillna(1)
    order = pd.DataFrame({"verdict": verdict, "progress": pd.to_numeric(vision.indicators["progress"])})
    ranked = vision.indicators.loc[order.sort_values(["verdict", "progress"], na_position="last", kind="stable").index]
    ind, rest = ranked.iloc[:charts.MAX_LISTED_INDICATORS], ranked.iloc[charts.MAX_LISTED_INDICATORS:]
    reaches = {**YES_NO, None: "—"}
    question = "¿Alcanzó la meta?" if vision.judged else "¿Alcanza la meta? (proyección)"
    pdf.grid(pd.DataFrame({
        "Código": ind["code"], "Indicador": ind["name"],
        "Línea base": fmt.values(ind["baseline"], ind["unit"]),
        "Actual (vigencia)": fmt.values(ind["current"], ind["unit"]) + _year_note(ind["current"], ind["last_year"]),
        f"Meta {vision.target_year}": fmt.values(ind["target"], ind["unit"]),
        "Avance": fmt.percents(pd.to_numeric(ind["progress"])),
        question: [reaches.get(None if pd.isna(r) else bool(r)) for r in ind["reaches"]],
    }), (16, 58, 22, 22, 22, 18, 22))
    if len(rest):
        counts = rest["reaches"].map({True: "sí", False: "no"}).fillna("—").value_counts()
        pdf.para(f"Se listan los {len(ind)} indicadores más lejos de la meta; hay "
                 f"{fmt.count(len(rest), 'indicador más', 'indicadores más')}: "
                 f"{fmt.number(counts.get('sí', 0), 0)} la alcanzan, {fmt.number(counts.get('no', 0), 0)} no y "
                 f"{fmt.number(counts.get('—', 0), 0)} sin dato para juzgarlo. Todos están en la página Objetivos y visión del "
                 "tablero.", 9, "I")


def _year_note(values: pd.Series, years: pd.Series) -> pd.Series:
    """" (2024)" after a value with its vigencia; nothing where either is missing."""
    known = values.notna() & years.notna()
    return (" (" + years[known].astype(int).astype(str) + ")").reindex(values.index, fill_value="")


# -- command line ------------------------------------------------------------------------------
def _cutoff(text: str) -> date:
    """A cut-off date from the command line: AAAA-MM-DD, from EARLIEST to today."""
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"«{text}» no es una fecha válida; use el formato AAAA-MM-DD, por ejemplo "
                                         "2024-12-31.") from None
    if not EARLIEST <= day <= date.today():
        raise argparse.ArgumentTypeError(f"la fecha {fmt.short_date(day)} está fuera del rango del tablero: use una "
                                         f"fecha entre el {fmt.short_date(EARLIEST)} y hoy.")
    return day


def _vigencia(text: str) -> int:
    """A vigencia for the annual report: a year already closed, from the first one the dashboard offers."""
    try:
        year = int(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"«{text}» no es un año válido; escriba la vigencia con cuatro "
                                         "cifras, por ejemplo 2025.") from None
    if not EARLIEST.year <= year or date(year, 12, 31) > date.today():
        raise argparse.ArgumentTypeError(f"la vigencia {year} no está disponible: use un año ya cerrado, desde "
                                         f"{EARLIEST.year}.")
    return year


def main(argv: list[str] | None = None) -> int:
    parser = SpanishParser(
        prog="python -m metrics.report",
        description="Genera el informe de seguimiento (PDF) de la Política de Gobierno Digital a una fecha de corte.")
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--corte", type=_cutoff, help="fecha de corte AAAA-MM-DD")
    which.add_argument("--anual", type=_vigencia, help="informe anual de una vigencia AAAA (enero a diciembre, "
                                                       "comparado con el 31/12 del año anterior)")
    parser.add_argument("--salida", required=True, type=Path, help="archivo PDF de salida")
    parser.add_argument("--comparar", type=_cutoff, default=None,
                        help="corte anterior para comparar AAAA-MM-DD (por defecto, el último cierre de trimestre "
                             "antes del corte)")
    parser.add_argument("--base", type=Path, default=None,
                        help="archivo DuckDB (por defecto PERSONERIA_DB o la base de demostración)")
    parser.add_argument("--generado-por", default="Línea de comandos", help="quién genera el informe")
    args = parser.parse_args(argv)
    if args.anual is not None and args.comparar is not None:
        parser.error("el informe anual siempre compara con el 31/12 del año anterior: quite --comparar.")
    if args.comparar is not None and args.comparar > args.corte:
        parser.error("la fecha de --comparar debe ser anterior o igual a la de --corte.")
    from metrics.seed import open_store
    try:
        store = open_store(args.base)
    except StoreError as exc:
        print(f"Error: {exc.message}\nQué hacer: {exc.hint}", file=sys.stderr)
        return 2
    try:
        if args.anual is not None:
            data = build_annual_pdf(store, plan_mod.load(store, annual_dates(args.anual)[0]), args.anual,
                                    args.generado_por)
        else:
            data = build_pdf(store, plan_mod.load(store, args.corte), args.corte, args.generado_por, args.comparar)
    except export.RenderError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 1
    finally:
        store.close()
    try:
        args.salida.write_bytes(data)
    except OSError as exc:
        print(f"Error: no se pudo escribir {args.salida} ({exc.strerror or 'sin detalle'}). Revise que la carpeta "
              "exista y se pueda escribir en ella.", file=sys.stderr)
        return 1
    print(f"Informe guardado en {args.salida} ({fmt.number(len(data) / 1024, 0)} KB).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
