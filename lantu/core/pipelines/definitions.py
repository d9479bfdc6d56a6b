"""The pipelines shipped with the default programme, each written once in Ibis.

Every output states its definition in Chinese and English; these texts are stored with each
version of the pipeline (``lantu pipeline list`` shows them). Shares are computed from exact
integer counts; processing-time quantiles are *exact* and interpolated linearly between the two
nearest ranks (position (n-1)·p, as Excel's PERCENTILE.INC): DuckDB's ``quantile_cont`` and
Spark's exact ``percentile`` both compute this, so the engines agree (to floating-point rounding).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from lantu.core.pipelines.spec import Check, Context, Output, Pipeline, Source, count, seconds_as_hours, share

if TYPE_CHECKING:
    import ibis.expr.types as ir

CHANNELS = ("mobile", "web", "counter")
ONLINE = ("mobile", "web")
OUTCOMES = ("completed", "refused", "withdrawn", "pending")
DECIDED = ("completed", "refused")  # 办结: a decision was made, so a processing time exists

TRANSACTIONS = Source(
    "transactions",
    {
        "tx_id": "int64",
        "item_code": "string",
        "unit_code": "string",
        "channel": "string",
        "visits": "int64",
        "submitted_at": "timestamp",
        "completed_at": "timestamp",
        "outcome": "string",
    },
    "政务服务办件记录：事项、受理区划、渠道（mobile 掌上/web 网上/counter 窗口）、跑动次数、申请与办结时间、办理结果",
    "Government service transactions: item, handling unit, channel (mobile/web/counter), visits in person, "
    "submitted and completed times, outcome",
    "transactions",
    by_month=True,
)
ITEMS = Source(
    "items",
    {"item_code": "string"},
    "政务服务事项目录",
    "The catalogue of government service items",
    "items.parquet",
)
STATIONS = Source(
    "base_stations",
    {
        "station_id": "int64",
        "unit_code": "string",
        "technology": "string",
        "commissioned_on": "date",
        "decommissioned_on": "date",
    },
    "移动通信基站台账：所在区划、制式（4G/5G）、开通与退网日期",
    "Register of mobile base stations: unit, technology (4G/5G), commissioning and decommissioning dates",
    "base_stations.parquet",
)
SUBSCRIBERS = Source(
    "subscribers",
    {
        "subscriber_id": "int64",
        "unit_code": "string",
        "access": "string",
        "started_on": "date",
        "ended_on": "date",
    },
    "固定宽带用户记录：所在区划、接入方式（fibre 光纤/copper 铜缆/cable 有线电视网）、开户与销户日期",
    "Fixed broadband subscriber records: unit, access type (fibre/copper/cable), start and end dates",
    "subscribers.parquet",
)


def _in_month_range(t: ir.Table, ctx: Context) -> ir.BooleanValue:
    import ibis

    start = dt.datetime.combine(ctx.start, dt.time())
    after = dt.datetime.combine(ctx.end + dt.timedelta(days=1), dt.time())
    return (t.submitted_at >= ibis.literal(start)) & (t.submitted_at < ibis.literal(after))


def _with_item_catalogue(t: ir.Table, ctx: Context) -> ir.Table:
    import ibis

    items = ctx.tables["items"].select(_item=ctx.tables["items"].item_code, _item_known=ibis.literal(True)).distinct()
    return t.left_join(items, t.item_code == items._item).drop("_item")


TX_CHECKS = (
    Check(
        "unknown_item",
        "事项不在政务服务事项目录中",
        "item is not in the service catalogue",
        lambda t, _c: t._item_known.isnull(),
    ),
    Check(
        "unknown_channel",
        "办理渠道不是 mobile、web 或 counter",
        "channel is not mobile, web or counter",
        lambda t, _c: t.channel.isnull() | ~t.channel.isin(CHANNELS),
    ),
    Check(
        "unknown_outcome",
        "办理结果不是 completed、refused、withdrawn 或 pending",
        "outcome is not completed, refused, withdrawn or pending",
        lambda t, _c: t.outcome.isnull() | ~t.outcome.isin(OUTCOMES),
    ),
    Check(
        "bad_visits",
        "跑动次数缺失或为负",
        "visits missing or negative",
        lambda t, _c: t.visits.isnull() | (t.visits < 0),
    ),
    Check(
        "completed_before_submitted",
        "办结时间早于申请时间",
        "completed before it was submitted",
        lambda t, _c: t.completed_at.notnull() & (t.completed_at < t.submitted_at),
    ),
)


def _service_metrics(t: ir.Table, ok: ir.BooleanValue, _ctx: Context) -> dict[str, ir.Scalar]:
    decided = ok & t.completed_at.notnull() & t.outcome.isin(DECIDED)
    seconds = t.completed_at.epoch_seconds() - t.submitted_at.epoch_seconds()
    return {
        "tx": t.count(where=ok),
        "mobile": t.count(where=ok & (t.channel == "mobile")),
        "online": t.count(where=ok & t.channel.isin(ONLINE)),
        "one_visit": t.count(where=ok & (t.visits <= 1)),
        "zero_visit": t.count(where=ok & (t.visits == 0)),
        "decided": t.count(where=decided),
        "time_p50": seconds.quantile(0.5, where=decided),
        "time_p90": seconds.quantile(0.9, where=decided),
    }


GOV_SERVICES = Pipeline(
    name="gov_services",
    version=1,
    title_zh="政务服务办件：渠道、跑动次数与办理时长",
    title_en="Government service transactions: channels, visits and processing times",
    description_zh="按受理区划统计报告期内申请的办件（申请时间在报告期内）；行校验不通过的办件不计入，并按原因计数。",
    description_en="Transactions submitted in the period, by the unit that handled them; rows failing a check are "
    "left out and counted by reason.",
    main="transactions",
    sources=(TRANSACTIONS, ITEMS),
    frequency="month",
    in_scope=_in_month_range,
    enrich=_with_item_catalogue,
    checks=TX_CHECKS,
    metrics=_service_metrics,
    outputs=(
        Output(
            "GOV_TX_TOTAL",
            "个",
            "报告期内申请的有效办件数。",
            "Valid transactions submitted in the period.",
            count("tx"),
        ),
        Output(
            "GOV_TX_MOBILE_SHARE",
            "%",
            "经移动端（掌上）申请的办件占办件总数的比例。",
            "Transactions submitted on mobile as a share of all transactions.",
            share("mobile", "tx"),
        ),
        Output(
            "GOV_TX_ONLINE_SHARE",
            "%",
            "经网上渠道（移动端或网页）申请的办件占办件总数的比例。",
            "Transactions submitted online (mobile or web) as a share of all transactions.",
            share("online", "tx"),
        ),
        Output(
            "GOV_TX_ONE_VISIT_SHARE",
            "%",
            "“最多跑一次”实现率：到现场跑动不超过一次的办件占办件总数的比例。",
            "'At most one visit' rate: transactions with at most one visit in person as a share of all.",
            share("one_visit", "tx"),
        ),
        Output(
            "GOV_TX_ZERO_VISIT_SHARE",
            "%",
            "“零跑动”比例：无需到现场的办件占办件总数的比例。",
            "Zero-visit rate: transactions needing no visit in person as a share of all.",
            share("zero_visit", "tx"),
        ),
        Output(
            "GOV_TX_TIME_MEDIAN",
            "小时",
            "已办结（办理结果为 completed 或 refused）办件从申请到办结时长的中位数；精确分位数，"
            "在相邻两个秩之间线性插值（位置 (n-1)·p）。按县、市、省分别由原始记录计算（分位数不能由下级汇总）。",
            "Median time from submission to completion of decided transactions (outcome completed or refused); "
            "exact, interpolated linearly between the two nearest ranks (position (n-1)·p). Computed from the "
            "records for counties, cities and the province (quantiles do not roll up).",
            seconds_as_hours("time_p50"),
            levels=("county", "city", "province"),
        ),
        Output(
            "GOV_TX_TIME_P90",
            "小时",
            "已办结办件办理时长的第 90 百分位数；定义同中位数。",
            "90th percentile of the processing time of decided transactions; defined as the median.",
            seconds_as_hours("time_p90"),
            levels=("county", "city", "province"),
        ),
    ),
)


def _year_metrics(t: ir.Table, ok: ir.BooleanValue, _ctx: Context) -> dict[str, ir.Scalar]:
    mobile_done = ok & (t.channel == "mobile") & (t.outcome == "completed")
    return {
        "items": t.item_code.nunique(where=ok),
        "items_mobile": t.item_code.nunique(where=mobile_done),
    }


GOV_SERVICE_ITEMS = Pipeline(
    name="gov_service_items",
    version=1,
    title_zh="政务服务事项掌上办理",
    title_en="Government service items handled on mobile",
    description_zh="按受理区划统计报告年度内有办件的事项，以及其中至少有一件经移动端申请并办结的事项。",
    description_en="Items with transactions in the year, by unit, and those of them with at least one transaction "
    "submitted on mobile and completed.",
    main="transactions",
    sources=(TRANSACTIONS, ITEMS),
    frequency="year",
    in_scope=_in_month_range,
    enrich=_with_item_catalogue,
    checks=TX_CHECKS,
    metrics=_year_metrics,
    outputs=(
        Output(
            "GOV_ITEMS_TOTAL",
            "项",
            "报告年度内该区划有有效办件的政务服务事项数。",
            "Service items with at least one valid transaction in the unit during the year.",
            count("items"),
        ),
        Output(
            "GOV_ITEMS_MOBILE",
            "项",
            "其中至少有一件经移动端申请并办结（completed）的事项数，即实现掌上办理的事项。",
            "Of those, items with at least one transaction submitted on mobile and completed: items handled on mobile.",
            count("items_mobile"),
        ),
    ),
)


def _no_enrich(t: ir.Table, _ctx: Context) -> ir.Table:
    return t


def _stations_in_scope(t: ir.Table, ctx: Context) -> ir.BooleanValue:
    import ibis

    return t.commissioned_on.isnull() | (t.commissioned_on <= ibis.literal(ctx.end))


def _station_metrics(t: ir.Table, ok: ir.BooleanValue, ctx: Context) -> dict[str, ir.Scalar]:
    import ibis

    in_service = t.decommissioned_on.isnull() | (t.decommissioned_on > ibis.literal(ctx.end))
    return {"stations_5g": t.count(where=ok & (t.technology == "5G") & in_service)}


FIVEG_STATIONS = Pipeline(
    name="fiveg_stations",
    version=1,
    title_zh="5G 基站数",
    title_en="5G base stations",
    description_zh="由基站台账统计报告期末在网的 5G 基站；每万人 5G 基站数由监测中的常住人口按公式计算。",
    description_en="5G stations in service on the last day of the period, from the station register; stations per "
    "10,000 people are computed in monitoring from the resident population by formula.",
    main="base_stations",
    sources=(STATIONS,),
    frequency=None,
    in_scope=_stations_in_scope,
    enrich=_no_enrich,
    checks=(
        Check(
            "missing_commissioned",
            "缺少开通日期",
            "no commissioning date",
            lambda t, _c: t.commissioned_on.isnull(),
        ),
        Check(
            "unknown_technology",
            "制式不是 4G 或 5G",
            "technology is not 4G or 5G",
            lambda t, _c: t.technology.isnull() | ~t.technology.isin(("4G", "5G")),
        ),
        Check(
            "decommissioned_before_commissioned",
            "退网日期早于开通日期",
            "decommissioned before it was commissioned",
            lambda t, _c: t.decommissioned_on.notnull() & (t.decommissioned_on < t.commissioned_on),
        ),
    ),
    metrics=_station_metrics,
    outputs=(
        Output(
            "FIVEG_STATIONS",
            "个",
            "报告期末在网（已开通、未退网）的 5G 基站数。",
            "5G base stations in service (commissioned, not decommissioned) on the last day of the period.",
            count("stations_5g"),
        ),
    ),
)


def _subscribers_in_scope(t: ir.Table, ctx: Context) -> ir.BooleanValue:
    import ibis

    return t.started_on.isnull() | (t.started_on <= ibis.literal(ctx.end))


def _subscriber_metrics(t: ir.Table, ok: ir.BooleanValue, ctx: Context) -> dict[str, ir.Scalar]:
    import ibis

    active = ok & (t.ended_on.isnull() | (t.ended_on > ibis.literal(ctx.end)))
    return {
        "broadband": t.count(where=active),
        "fibre": t.count(where=active & (t.access == "fibre")),
    }


FIBRE_USERS = Pipeline(
    name="fibre_users",
    version=1,
    title_zh="光纤宽带用户",
    title_en="Fibre broadband users",
    description_zh="由固定宽带用户记录统计报告期末在用的宽带用户和其中的光纤接入用户；光纤宽带用户率由监测按公式计算。",
    description_en="Broadband subscriptions active on the last day of the period and those on fibre; the fibre share "
    "is computed in monitoring by formula.",
    main="subscribers",
    sources=(SUBSCRIBERS,),
    frequency=None,
    in_scope=_subscribers_in_scope,
    enrich=_no_enrich,
    checks=(
        Check("missing_started", "缺少开户日期", "no start date", lambda t, _c: t.started_on.isnull()),
        Check(
            "unknown_access",
            "接入方式不是 fibre、copper 或 cable",
            "access type is not fibre, copper or cable",
            lambda t, _c: t.access.isnull() | ~t.access.isin(("fibre", "copper", "cable")),
        ),
        Check(
            "ended_before_started",
            "销户日期早于开户日期",
            "ended before it started",
            lambda t, _c: t.ended_on.notnull() & (t.ended_on < t.started_on),
        ),
    ),
    metrics=_subscriber_metrics,
    outputs=(
        Output(
            "BROADBAND_USERS",
            "户",
            "报告期末在用（已开户、未销户）的固定宽带用户数。",
            "Fixed broadband subscriptions active on the last day of the period.",
            count("broadband"),
        ),
        Output(
            "FIBRE_USERS",
            "户",
            "其中光纤接入（FTTH/O）的用户数。",
            "Of those, subscriptions on fibre (FTTH/O).",
            count("fibre"),
        ),
    ),
)

PIPELINES: dict[str, Pipeline] = {p.name: p for p in (GOV_SERVICES, GOV_SERVICE_ITEMS, FIVEG_STATIONS, FIBRE_USERS)}
