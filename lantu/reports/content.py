"""What a report says, as plain dataclasses, built from live data; the renderers (PDF, Excel, Word)
only lay it out.

* :func:`monitoring_report` — the quarterly / annual monitoring report of a programme: the headline
  indicators at the province with their target paths (:func:`lantu.monitoring.progress.load` /
  ``compute``, batched as the cockpit does, cut at the end of the period), a table and a map by city
  (:func:`lantu.monitoring.mapdata.map_data`), the task list's lights, the major projects' roll-up.
* :func:`assessment_report` — an assessment's results (the published report's run, or the current run
  as a preview), the framework, the method with its hash, the run's notes.

Reports are written in Chinese, the language of record. Who may read what is the callers' rule as
on the pages: the monitoring report's preliminary basis needs ``values.read`` over the province
(approved figures are public, as on the cockpit); an assessment is found through
:func:`lantu.assessment.selectors.assessment_for`.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone

from lantu.accounts.permissions import Actor, has_perm
from lantu.accounts.service import NotFound
from lantu.core import progress as core_progress
from lantu.core.errors import LantuValueError
from lantu.core.numbers import format_period
from lantu.core.periods import Period, parse_period
from lantu.core.problems import InvalidInput
from lantu.framework.models import Indicator, Programme
from lantu.monitoring import mapdata, progress
from lantu.monitoring.models import Basis, ValueState, ValueStatus
from lantu.reports import charts

Cell = str | int | float | Decimal | None
Step = Callable[[str], None]

LIGHT_ZH = {"green": "绿", "yellow": "黄", "red": "红", "grey": "灰"}
STATUS_ZH = {
    "met": "已达成",
    "not_met": "未达成",
    "green": "正常",
    "yellow": "滞后",
    "red": "严重滞后",
    "grey": "无法判断",
}
BASIS_ZH = {Basis.APPROVED: "正式数据（仅已审核数据）", Basis.PRELIMINARY: "初步数据（含未审核数据，仅供参考）"}
DEMO_NOTICE = (
    "示例数据：本报告包含程序生成的示例数据，并非真实统计或评估结果。Demo data: generated, not real statistics."
)


@dataclass
class Table:
    """One table: a sheet in Excel. ``units`` has one entry per column ("" when none)."""

    key: str  # short ASCII-free name, also the Excel sheet's (≤ 31 characters)
    title: str
    header: list[str]
    rows: list[list[Cell]]
    units: list[str]
    source: str
    note: str = ""

    @property
    def units_text(self) -> str:
        """The columns' units in one line, e.g. "计划总投资：亿元；完成率：%"."""
        named = [f"{h}：{u}" for h, u in zip(self.header, self.units, strict=True) if u]
        return "；".join(named) if named else "无"

    @property
    def cells(self) -> list[list[tuple[str, bool]]]:
        """Each cell as (text, is a number) for the PDF and Word tables."""
        return [[(cell_text(c), is_number(c)) for c in row] for row in self.rows]


@dataclass
class Chart:
    title: str
    svg: str
    caption: str = ""

    def png(self) -> bytes:
        return charts.to_png(self.svg)


@dataclass
class Section:
    title: str
    paragraphs: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)


@dataclass
class Report:
    kind: str  # "monitoring" or "assessment"
    title: str
    subtitle: str
    programme: str
    period: str
    generated_at: dt.datetime
    basis: str  # "approved", "preliminary"; for an assessment: "approved" (it reads approved values)
    basis_label: str
    status_counts: dict[str, int]
    is_demo: bool
    cover: list[tuple[str, str]] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    slug: str = "report"

    @property
    def contents(self) -> list[str]:
        return [s.title for s in self.sections]

    @property
    def tables(self) -> list[Table]:
        return [t for s in self.sections for t in s.tables]

    @property
    def charts(self) -> list[Chart]:
        return [c for s in self.sections for c in s.charts]

    @property
    def demo_notice(self) -> str:
        return DEMO_NOTICE if self.is_demo else ""

    @property
    def status_text(self) -> str:
        """The data's approval status, e.g. "已审核 120 · 已提交 3 · 草稿 0 · 已退回 1"."""
        return " · ".join(f"{label} {self.status_counts.get(value, 0)}" for value, label in ValueStatus.choices)


def is_number(cell: Cell) -> bool:
    return isinstance(cell, int | float | Decimal) and not isinstance(cell, bool)


def cell_text(cell: Cell) -> str:
    """A cell as the PDF and Word tables write it: numbers with thousands separators, up to 2 decimals."""
    if cell is None or cell == "":
        return "—" if cell is None else ""
    if isinstance(cell, int) and not isinstance(cell, bool):
        return str(cell)
    if isinstance(cell, float | Decimal):
        return _fmt(cell)
    return str(cell)


def parse_report_period(text: str) -> Period:
    """A year (2023) or a quarter (2023Q4); anything else is refused with a clear message."""
    try:
        period = parse_period(text)
    except LantuValueError as exc:
        raise InvalidInput.one("period", exc.message_zh, exc.message_en) from exc
    if period.kind == "month":
        raise InvalidInput.one(
            "period",
            f"报告期“{text}”应为年度（2023）或季度（2023Q4）",
            f"period {text!r}: use a year (2023) or a quarter (2023Q4)",
        )
    return period


def _fmt(value: Decimal | float | None, places: int = 2) -> str:
    if value is None:
        return "—"
    text = f"{float(value):,.{places}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _within(period_text: str, period: Period) -> bool:
    try:
        p = parse_period(period_text)
    except LantuValueError:
        return False
    return period.start <= p.end <= period.end


def status_counts(programme: Programme, period: Period) -> dict[str, int]:
    """How many values of the programme's indicators for periods ending within ``period`` are in each state."""
    rows = (
        ValueState.objects.filter(indicator__programme=programme, period__startswith=str(period.year))
        .values_list("period", "status")
        .order_by()
    )
    counts: Counter[str] = Counter(status for text, status in rows if _within(text, period))
    return {value: counts.get(value, 0) for value in ValueStatus.values}


def _cut(inputs: progress.Inputs, period: Period) -> progress.Inputs:
    """The inputs as they stood at the end of the period: later values are dropped."""
    series = [p for p in inputs.series if parse_period(p.period).end <= period.end]
    return progress.Inputs(series=series, targets=inputs.targets, baselines=inputs.baselines)


def _path(p: progress.IndicatorProgress) -> list[charts.LinePoint]:
    if p.baseline is None or p.threshold is None or p.target is None:
        return []
    kind = core_progress.path_kind_for(p.target.baseline_multiple is not None)
    try:
        path = core_progress.TargetPath(
            int(p.baseline.year), float(p.baseline.value), p.target.year, float(p.threshold), kind
        )
    except (ValueError, LantuValueError):
        return []
    years = range(int(p.baseline.year), p.target.year + 1)
    return [charts.LinePoint(float(y), path.expected(float(y)), str(y)) for y in years]


def monitoring_report(
    user: Actor,
    period_text: str,
    *,
    programme_code: str | None = None,
    basis: str = Basis.APPROVED,
    step: Step | None = None,
) -> Report:
    """The monitoring report of ``period_text`` (2023 or 2023Q4) for the programme (the first by code).

    The preliminary basis is used only when asked for and the user holds ``values.read`` over the
    programme's unit; otherwise approved figures, as on the cockpit.
    """
    say = step or (lambda _: None)
    period = parse_report_period(period_text)
    programmes = Programme.objects.select_related("org_unit").order_by("code")
    programme = (programmes.filter(code=programme_code) if programme_code else programmes).first()
    if programme is None:
        raise NotFound("规划", programme_code or "")
    unit = programme.org_unit
    if basis not in Basis.values or not has_perm(user, "values.read", org_unit=unit):
        basis = Basis.APPROVED
    label = format_period(str(period))
    report = Report(
        kind="monitoring",
        title=f"{programme.name_zh}监测报告",
        subtitle=f"{period.year}年度监测报告 · {unit.name_zh}"
        if period.kind == "year"
        else f"{label}监测报告 · {unit.name_zh}",
        programme=programme.name_zh,
        period=str(period),
        generated_at=timezone.localtime(),
        basis=basis,
        basis_label=BASIS_ZH[Basis(basis)],
        status_counts={},
        is_demo=False,
        slug=f"monitoring-{period}",
    )

    say("指标进展")
    indicators = list(
        Indicator.objects.filter(programme=programme, is_supporting=False)
        .select_related("goal__area")
        .order_by("order", "code")
    )
    for indicator in indicators:
        indicator.programme = programme
    inputs = progress.load(indicators, unit, basis)
    results = [progress.compute(i, unit, _cut(inputs[i.pk], period), basis=basis) for i in indicators]
    demo = any(p.is_demo for p in results)
    lights = Counter(p.light for p in results)
    rows: list[list[Cell]] = []
    for p in results:
        i = p.indicator
        rows.append(
            [
                i.goal.area.name_zh if i.goal and i.goal.area else "",
                i.name_zh,
                i.unit,
                p.baseline.value if p.baseline else None,
                p.latest.value if p.latest else None,
                p.latest.period if p.latest else "",
                round(p.expected, 2) if p.expected is not None else None,
                p.threshold,
                p.target.year if p.target else None,
                round(p.progress_pct, 1) if p.progress_pct is not None else None,
                STATUS_ZH.get(p.status, p.status),
            ]
        )
    headline_table = Table(
        key="指标进展",
        title=f"主要指标进展（{unit.name_zh}，截至{label}）",
        header=[
            "重点任务",
            "指标",
            "单位",
            "基期值",
            "最新值",
            "最新报告期",
            "按路径应达",
            "目标值",
            "目标年",
            "进度",
            "状态",
        ],
        rows=rows,
        units=["", "", "", "见“单位”列", "见“单位”列", "", "见“单位”列", "见“单位”列", "年", "%", ""],
        source=f"蓝图平台监测数据（{report.basis_label}），目标依据《{programme.source_title or programme.name_zh}》",
    )
    bars = charts.bar_chart(
        "各指标目标进度（%）",
        [p.indicator.name_zh for p in results],
        [round(p.progress_pct, 1) if p.progress_pct is not None else None for p in results],
        unit="%",
        reference=100.0,
        reference_label="目标",
    )
    judged = [p for p in results if p.light != "grey"]
    paragraphs = [
        f"截至{label}，{programme.name_zh}共有主要指标{len(results)}项，其中正常或已完成{lights['green']}项、"
        f"滞后{lights['yellow']}项、严重滞后或未完成{lights['red']}项、无法判断{lights['grey']}项。",
    ]
    if judged:
        worst = sorted(judged, key=lambda p: p.progress_pct if p.progress_pct is not None else 0.0)[0]
        paragraphs.append(
            f"进度最低的指标是“{worst.indicator.name_zh}”（{_fmt(worst.progress_pct, 1)}%，{STATUS_ZH[worst.status]}）。"
        )
    line_charts = []
    for p in [p for p in results if p.series][:4]:
        line_charts.append(
            Chart(
                f"{p.indicator.name_zh}：实际值与目标路径",
                charts.line_chart(
                    f"{p.indicator.name_zh}",
                    [charts.LinePoint(pt.year, float(pt.value), pt.period) for pt in p.series],
                    _path(p),
                    unit=p.indicator.unit,
                ),
                "实线为实际值，虚线为从基期值到目标值的路径。",
            )
        )
    report.sections.append(
        Section(
            "一、主要指标进展",
            paragraphs,
            [headline_table],
            [Chart("各指标目标进度", bars, "虚线为目标（100%）。"), *line_charts],
        )
    )

    say("各市情况")
    city_columns: list[tuple[Indicator, mapdata.MapData]] = []
    for indicator in indicators:
        try:
            found = mapdata.map_data(indicator.code, str(period), unit.code, basis)
        except (InvalidInput, NotFound):
            continue
        if any(c.value is not None for c in found.children):
            city_columns.append((indicator, found))
    city_section = Section("二、各市情况")
    if city_columns:
        names: dict[str, str] = {}
        values: dict[str, dict[str, Decimal | None]] = {}
        for indicator, found in city_columns:
            demo = demo or found.is_demo
            for child in found.children:
                names[child.unit.code] = child.unit.name_zh
                values.setdefault(child.unit.code, {})[indicator.code] = child.value
        city_section.paragraphs.append(f"下表列出各市{label}的主要指标值（{report.basis_label}）；无数据的单元格为空。")
        city_section.tables.append(
            Table(
                key="各市指标",
                title=f"各市主要指标（{label}）",
                header=["城市", "代码", *[i.name_zh for i, _ in city_columns]],
                rows=[
                    [names[code], code, *[values[code].get(i.code) for i, _ in city_columns]] for code in sorted(names)
                ],
                units=["", "", *[i.unit for i, _ in city_columns]],
                source=f"蓝图平台监测数据：各市上报值，无上报值时为汇总值（{report.basis_label}）",
            )
        )
        indicator, found = max(city_columns, key=lambda c: sum(1 for x in c[1].children if x.value is not None))
        by_code: dict[str, float | None] = {}
        for child in found.children:
            if child.shape_name is None:
                continue
            by_code[child.unit.code] = float(child.value) if child.value is not None else None
        city_section.charts.append(
            Chart(
                f"{indicator.name_zh}（{label}，各市）",
                charts.choropleth(
                    f"{indicator.name_zh}（{label}）", charts.load_geojson(unit.code), by_code, indicator.unit
                ),
                "底图为2017年区划（见 lantu/web/static/maps/PROVENANCE.md）；颜色按等距分级。",
            )
        )
    else:
        city_section.paragraphs.append(f"{label}没有各市数据。")
    report.sections.append(city_section)

    say("任务清单")
    from lantu.tasks import selectors as task_selectors

    today = min(timezone.localdate(), period.end)
    task_rows = task_selectors.lights(programme.code, today)
    task_lights = Counter(r.colour for r in task_rows)
    report.sections.append(
        Section(
            "三、任务清单落实情况",
            [
                f"任务清单共{len(task_rows)}项（含子任务），截至{today:%Y年%-m月%-d日}："
                f"正常{task_lights['green']}项、临近时限{task_lights['yellow']}项、逾期{task_lights['red']}项、"
                f"未设时间节点{task_lights['grey']}项。"
            ],
            [
                Table(
                    key="任务清单",
                    title="任务清单落实情况",
                    header=["代码", "任务", "完成时限", "状态", "信号灯", "说明"],
                    rows=[
                        [
                            r.task.code,
                            r.task.title_zh,
                            r.task.deadline.isoformat() if r.task.deadline else "",
                            r.task.get_status_display(),
                            LIGHT_ZH[r.colour],
                            r.reason_zh,
                        ]
                        for r in task_rows
                    ],
                    units=["", "", "日期", "", "", ""],
                    source="蓝图平台任务清单（督办信号灯）",
                )
            ],
        )
    )

    say("重大项目")
    from lantu.projects import selectors as project_selectors

    project_rows = project_selectors.rows(project_selectors.projects(programme.code), up_to=str(period))
    demo = demo or any(r.project.is_demo for r in project_rows)
    rolled = project_selectors.rollup(project_rows)
    total = rolled.total

    def rate(value: Decimal | None) -> float | None:
        return round(float(value) * 100, 1) if value is not None else None

    report.sections.append(
        Section(
            "四、重大项目推进情况",
            [
                f"重大项目{total.projects}个（其中“万亩千亿”新产业平台{total.platforms}个），计划总投资"
                f"{_fmt(total.planned)}亿元，截至{label}累计完成投资{_fmt(total.completed)}亿元"
                + (f"，完成率{_fmt(rate(total.rate), 1)}%。" if total.rate is not None else "。")
            ],
            [
                Table(
                    key="重大项目",
                    title=f"重大项目投资完成情况（按城市，截至{label}）",
                    header=["城市", "项目数", "计划总投资", "累计完成投资", "完成率"],
                    rows=[[name, g.projects, g.planned, g.completed, rate(g.rate)] for name, g in rolled.by_city],
                    units=["", "个", "亿元", "亿元", "%"],
                    source="蓝图平台重大项目清单（各期完成投资的最新版本）",
                )
            ],
        )
    )

    say("说明")
    report.status_counts = status_counts(programme, period)
    report.is_demo = demo
    report.sections.append(
        Section(
            "五、方法说明",
            [
                f"口径：{report.basis_label}。指标值取单位的上报值，无上报值时取下级汇总值或按公式计算；"
                f"只计入{label}结束前的报告期。",
                "基期值：登记的基期值，否则为“翻番”类目标的基期年数值，否则为规划开始前最后一期数值。"
                "目标路径从基期值到目标值（倍数目标按复合增长，其余按直线）；“按路径应达”为最新报告期的路径值。",
                "信号灯：达到路径值为正常（绿），差距在容差（10%）以内为滞后（黄），超过容差为严重滞后（红）；"
                "目标年已有数据时按是否达成判断。",
                f"数据审核状态（{label}内各报告期）：{report.status_text}。",
                "任务信号灯按时间节点和完成时限判断：逾期为红，30天内到期为黄。",
            ],
        )
    )
    report.cover = [
        ("规划", programme.name_zh),
        ("地区", unit.name_zh),
        ("报告期", label),
        ("口径", report.basis_label),
        ("数据审核状态", report.status_text),
        ("生成时间", f"{report.generated_at:%Y-%m-%d %H:%M}"),
    ]
    return report


def assessment_report(actor: Actor, code: str, *, step: Step | None = None) -> Report:
    """The results of an assessment the actor may see: the published report's run, else the current run."""
    from lantu.assessment import selectors as assessment_selectors

    say = step or (lambda _: None)
    say("评估结果")
    assessment = assessment_selectors.assessment_for(actor, code)
    stored = assessment_selectors.latest_report(assessment)
    run = stored.run if stored is not None else assessment_selectors.current_run(assessment)
    if run is None:
        raise InvalidInput.one("assessment", f"评估“{code}”尚未计算，无法生成报告", f"assessment {code} has no run yet")
    published = assessment.status == "published"
    framework = assessment_selectors.framework_of(assessment.method)
    tree = framework.tree
    pillars = list(tree.children(tree.root))
    results = assessment_selectors.results(run)
    period = Period("year", assessment.year, 1)
    report = Report(
        kind="assessment",
        title=f"{assessment.title_zh}评估报告",
        subtitle=f"{assessment.year}年 · {assessment.get_subject_display()}"
        + ("" if published else " · 未发布（预览）"),
        programme=assessment.programme.name_zh,
        period=str(assessment.year),
        generated_at=timezone.localtime(),
        basis=Basis.APPROVED,
        basis_label="已审核数据" + ("（已发布）" if published else "（未发布，结果可能变化）"),
        status_counts=status_counts(assessment.programme, period),
        is_demo=assessment.is_demo or assessment.method.is_demo,
        slug=f"assessment-{assessment.code}",
    )
    ranked = [r for r in results if r.rank is not None]
    top = ranked[0] if ranked else None
    paragraphs = [
        f"本次评估对象{len(results)}个，其中参与排名{len(ranked)}个。"
        + (f"综合得分最高的是{top.unit_name}（{_fmt(top.score, 1)}分）。" if top and top.score is not None else "")
    ]
    ranking = Table(
        key="排名",
        title="综合得分、排名和排名区间",
        header=[
            "排名",
            "单位",
            "代码",
            "综合得分",
            "排名区间下限",
            "排名区间上限",
            "排名中位数",
            "上年排名",
            "名次变化",
        ],
        rows=[
            [
                r.rank,
                r.unit_name,
                r.unit_code,
                round(r.score, 2) if r.score is not None else None,
                r.rank_low,
                r.rank_high,
                r.rank_median,
                r.previous_rank,
                (r.previous_rank - r.rank) if r.rank is not None and r.previous_rank is not None else None,
            ]
            for r in results
        ],
        units=["名", "", "", "分（0–100）", "名", "名", "名", "名", "名（正数为上升）"],
        source=f"蓝图平台评估（第{run.number}次计算，方法 {assessment.method}）",
    )
    pillar_table = Table(
        key="分项得分",
        title="分项得分",
        header=["单位", *[framework.names[p] for p in pillars]],
        rows=[[r.unit_name, *[r.scores.get(p) for p in pillars]] for r in results],
        units=["", *["分（0–100）" for _ in pillars]],
        source=ranking.source,
    )
    score_chart = Chart(
        "综合得分",
        charts.bar_chart(
            "综合得分",
            [r.unit_name for r in results],
            [round(r.score, 2) if r.score is not None else None for r in results],
            unit="分",
        ),
    )
    section = Section("一、评估结果", paragraphs, [ranking, pillar_table], [score_chart])
    if assessment.subject == "cities":
        by_code = {r.unit_code: (float(r.score) if r.score is not None else None) for r in results}
        section.charts.append(
            Chart(
                "综合得分（各市）",
                charts.choropleth(f"{assessment.title_zh}：综合得分", charts.load_geojson(), by_code, "分"),
                "底图为2017年区划；颜色按等距分级。",
            )
        )
    report.sections.append(section)
    say("方法")
    report.sections.append(
        Section(
            "二、指标体系",
            ["评估指标体系（层级、权重和数据来源）如下。"],
            [
                Table(
                    key="指标体系",
                    title="指标体系",
                    header=["代码", "名称", "上级", "层级", "权重", "数据来源"],
                    rows=[
                        [
                            c,
                            framework.names[c],
                            tree.nodes[c].parent or "",
                            tree.nodes[c].level,
                            tree.nodes[c].weight,
                            str(framework.sources.get(c, "")),
                        ]
                        for c in tree.order
                    ],
                    units=["", "", "", "", "相对权重", ""],
                    source=f"评估方法 {assessment.method}（SHA-256 {assessment.method.sha256}）",
                )
            ],
        )
    )
    robustness = run.robustness or {}
    notes = [
        f"评估方法：{assessment.method.name_zh} {assessment.method}，SHA-256：{assessment.method.sha256}。"
        f"本次计算使用的方法哈希：{run.method_sha256}。",
        f"计算：第{run.number}次，{timezone.localtime(run.created_at):%Y-%m-%d %H:%M}。"
        + (
            f"稳健性：权重在±{int(float(robustness.get('noise', 0)) * 100)}%内随机扰动{robustness.get('runs', 0)}次，"
            "排名区间为模拟排名的5%–95%分位。"
            if robustness.get("available", True) and robustness.get("runs")
            else ""
        ),
        "数据：指标值按已审核口径读取（上报值，无上报值时取汇总值）；评分项取各评估人经审核接受的最新评分的均值。",
        (
            f"发布：{timezone.localtime(assessment.published_at):%Y-%m-%d}，报告第{stored.version}版。"
            if published and stored is not None and assessment.published_at
            else f"状态：{assessment.get_status_display()}，尚未发布，本报告为预览。"
        ),
        f"数据审核状态（{assessment.year}年）：{report.status_text}。",
        *[f"计算说明：{note}" for note in run.notes],
    ]
    report.sections.append(Section("三、方法说明", notes))
    report.cover = [
        ("规划", assessment.programme.name_zh),
        ("评估", f"{assessment.title_zh}（{assessment.code}）"),
        ("年度", f"{assessment.year}年"),
        ("状态", assessment.get_status_display()),
        ("方法", f"{assessment.method}，SHA-256 {assessment.method.sha256[:16]}…"),
        ("数据审核状态", report.status_text),
        ("生成时间", f"{report.generated_at:%Y-%m-%d %H:%M}"),
    ]
    return report
