"""A hall's figures (the dict of HallFigures.as_dict()) as titled tables with Chinese headers."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Table:
    key: str  # file and sheet stem, ASCII
    title: str  # Chinese: the sheet's name and the HTML heading
    headers: list[str]
    rows: list[list]


TICKET_HEADERS = ["取号", "办结", "过号", "转出", "等候>阈值", "平均等候(分)", "等候中位数", "等候P90", "平均走到窗口",
                  "平均办理(分)", "办理中位数", "办理P90"]
RATING_HEADERS = ["评价数", "非常满意", "满意", "基本满意", "不满意", "非常不满意", "满意率"]
DROPOFF_HEADERS = ["收件", "受理", "补正", "不予受理", "到期件", "按时", "超期", "按时率"]


def num(value, digits: int = 1):
    return round(value, digits) if isinstance(value, float) else value


def pct(value) -> str:
    return "—" if value is None else f"{value:.1%}"


def ticket_row(k: dict) -> list:
    return [k["issued"], k["served"], k["no_show"], k["transferred"], k["long_waits"], num(k["wait"]["mean"]),
            num(k["wait"]["median"]), num(k["wait"]["p90"]), num(k["walk"]["mean"]), num(k["service"]["mean"]),
            num(k["service"]["median"]), num(k["service"]["p90"])]


def rating_row(r: dict) -> list:
    d = r["distribution"]
    return [r["total"], d["非常满意"], d["满意"], d["基本满意"], d["不满意"], d["非常不满意"], pct(r["satisfaction_rate"])]


def dropoff_row(d: dict) -> list:
    return [d["received"], d["accepted"], d["corrections"], d["rejected"], d["due"], d["on_time"], d["late"],
            pct(d["on_time_rate"])]


def hall_tables(f: dict) -> list[Table]:
    queues, matters = f.get("queue_names", {}), f.get("matter_names", {})
    t, r, d = f["tickets"], f["ratings"], f["dropoffs"]
    summary = [
        ["便民服务中心", f["hall"]["name"]], ["乡镇", f["hall"]["township"]], ["县", f["hall"]["county"]],
        ["统计周期", f["period"]["label_zh"]],
        ["取号人数", t["issued"]], ["办结", t["served"]], ["过号", t["no_show"]], ["转出", t["transferred"]],
        ["平均等候（分钟）", num(t["wait"]["mean"])], ["等候中位数（分钟）", num(t["wait"]["median"])],
        ["90%群众等候不超过（分钟）", num(t["wait"]["p90"])],
        [f"等候超过{f['long_wait_minutes']:g}分钟的人数", t["long_waits"]],
        ["平均办理时长（分钟）", num(t["service"]["mean"])], ["最多同时排队（人）", f["max_queue_length"]],
        ["投递收件", d["received"]], ["投递按时办结率", pct(d["on_time_rate"])],
        ["评价数", r["total"]], ["满意率", pct(r["satisfaction_rate"])], ["差评", r["bad"]],
        ["差评待回访", f["open_followups"]],
    ]
    tables = [Table("summary", "概览", ["项目", "数值"], summary)]
    tables.append(Table("by_day", "按日", ["日期", *TICKET_HEADERS, "最多同时排队"],
                        [[day, *ticket_row(k), f["max_queue_length_by_day"].get(day, 0)]
                         for day, k in f["by_day"].items()]))
    tables.append(Table("by_queue", "按队列", ["队列", *TICKET_HEADERS, "最多同时排队"],
                        [[f"{q} {queues.get(q, '')}".strip(), *ticket_row(k), f["max_queue_length_by_queue"].get(q, 0)]
                         for q, k in f["by_queue"].items()]))
    tables.append(Table("by_window", "按窗口", ["窗口", *TICKET_HEADERS, *RATING_HEADERS],
                        [[f"{w}号窗口", *ticket_row(k), *rating_row(f["ratings_by_window"].get(w, _no_ratings()))]
                         for w, k in f["by_window"].items()]))
    tables.append(Table("by_staff", "按工作人员", ["工作人员", *TICKET_HEADERS, *RATING_HEADERS],
                        [[s, *ticket_row(k), *rating_row(f["ratings_by_staff"].get(s, _no_ratings()))]
                         for s, k in f["by_staff"].items()]))
    tables.append(Table("queue_by_hour", "分时段排队", ["时段", "最多同时排队（日均）"],
                        [[f"{int(h):02d}:00-{int(h) + 1:02d}:00", num(v)] for h, v in f["queue_length_by_hour"].items()]))
    tables.append(Table("wait_distribution", "等候时长分布", ["等候（分钟）", "人数"],
                        [[label, n] for label, n in f["wait_histogram"].items()]))
    tables.append(Table("dropoffs", "投递件", ["事项", *DROPOFF_HEADERS],
                        [["全部", *dropoff_row(d)]] + [[matters.get(m, m), *dropoff_row(v)]
                                                       for m, v in f["dropoffs_by_matter"].items()]))
    tables.append(Table("ratings", "评价", ["分组", *RATING_HEADERS],
                        [["全部", *rating_row(r)]]
                        + [[f"{q} {queues.get(q, '')}".strip(), *rating_row(v)] for q, v in f["ratings_by_queue"].items()]
                        + [[matters.get(m, m), *rating_row(v)] for m, v in f["ratings_by_matter"].items()]))
    tables.append(Table("bad_ratings", "差评", ["日期", "等级", "原因", "意见", "队列", "窗口", "工作人员", "事项",
                                                 "回访", "处理人", "处理情况"],
                        [[b["business_day"], b["level_zh"], "、".join(b["reasons_zh"]), b["comment"],
                          b["queue_id"] or "", b["window"] or "", b["staff"], matters.get(b["matter_id"], b["matter_id"] or ""),
                          b["followup_zh"], b["handled_by"] or "", b["handled_note"]] for b in f["bad_ratings"]]))
    return tables


def _no_ratings() -> dict:
    return {"total": 0, "distribution": {k: 0 for k in ("非常满意", "满意", "基本满意", "不满意", "非常不满意")},
            "satisfaction_rate": None}
