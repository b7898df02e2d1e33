"""The county view: many halls' exports side by side, with a ranking.

The score (out of 100) weighs what the county asks of a township hall:
satisfaction rate 40, the 90th-percentile wait 30 (full marks at 0 minutes, none at
60 or more), drop-offs ready on time 20, and few no-shows 10. A figure a hall
cannot have (no ratings, no drop-off due) counts at the mean of the other halls,
so a hall is neither rewarded nor punished for it. Ties rank by name.
"""

from __future__ import annotations

from kiosk.reports.tables import Table, num, pct

WEIGHTS = {"satisfaction": 40, "wait": 30, "on_time": 20, "no_show": 10}
WAIT_ZERO_SCORE_MINUTES = 60.0


def county_rows(exports: list[dict]) -> list[dict]:
    """One row per hall (Chinese column names), ranked by score, best first."""
    raw = []
    for export in exports:
        f = export["figures"]
        t, r, d = f["tickets"], f["ratings"], f["dropoffs"]
        no_show_rate = t["no_show"] / t["issued"] if t["issued"] else None
        raw.append({
            "乡镇": f["hall"]["township"], "便民服务中心": f["hall"]["name"], "统计周期": f["period"]["label"],
            "取号": t["issued"], "办结": t["served"], "过号": t["no_show"], "过号率": no_show_rate,
            "平均等候": t["wait"]["mean"], "等候P90": t["wait"]["p90"], "平均办理": t["service"]["mean"],
            "最多同时排队": f["max_queue_length"], "投递收件": d["received"], "投递按时率": d["on_time_rate"],
            "评价数": r["total"], "满意率": r["satisfaction_rate"], "差评": r["bad"], "待回访": f["open_followups"],
        })
    parts = {
        "satisfaction": [row["满意率"] for row in raw],
        "wait": [None if row["等候P90"] is None else max(0.0, 1 - row["等候P90"] / WAIT_ZERO_SCORE_MINUTES) for row in raw],
        "on_time": [row["投递按时率"] for row in raw],
        "no_show": [None if row["过号率"] is None else 1 - row["过号率"] for row in raw],
    }
    for name, values in parts.items():
        known = [v for v in values if v is not None]
        fill = sum(known) / len(known) if known else 1.0
        parts[name] = [fill if v is None else v for v in values]
    for index, row in enumerate(raw):
        row["综合得分"] = round(sum(WEIGHTS[name] * parts[name][index] for name in WEIGHTS), 1)
    raw.sort(key=lambda row: (-row["综合得分"], row["乡镇"]))
    for rank, row in enumerate(raw, start=1):
        row["排名"] = rank
    return raw


COLUMNS = ("排名", "乡镇", "便民服务中心", "综合得分", "取号", "办结", "过号", "过号率", "平均等候", "等候P90", "平均办理",
           "最多同时排队", "投递收件", "投递按时率", "评价数", "满意率", "差评", "待回访")
RATE_COLUMNS = {"过号率", "投递按时率", "满意率"}


def county_table(rows: list[dict]) -> Table:
    def cell(column, value):
        if column in RATE_COLUMNS:
            return pct(value)
        return "—" if value is None else num(value)

    return Table("county", "全县排名", list(COLUMNS), [[cell(c, row[c]) for c in COLUMNS] for row in rows])
