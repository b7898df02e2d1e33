"""The report's charts as PNG files (matplotlib, Agg backend, Chinese labels in WenQuanYi Micro Hei)."""

from __future__ import annotations

import logging
from pathlib import Path

log = logging.getLogger(__name__)

# fonts-wqy-microhei (bootstrap.sh installs it): without a CJK font Chinese labels are boxes (tofu).
CJK_FONT_FILES = ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",)
CJK_FONT_NAME = "WenQuanYi Micro Hei"
LEVEL_COLOURS = {"非常满意": "#2e7d32", "满意": "#66bb6a", "基本满意": "#c0ca33", "不满意": "#fb8c00",
                 "非常不满意": "#c62828"}


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import font_manager
    import matplotlib.pyplot as plt

    for path in CJK_FONT_FILES:
        if Path(path).exists() and CJK_FONT_NAME not in {f.name for f in font_manager.fontManager.ttflist}:
            font_manager.fontManager.addfont(path)
    if CJK_FONT_NAME not in {f.name for f in font_manager.fontManager.ttflist}:
        log.warning("no CJK font (%s): Chinese chart labels will not show; install fonts-wqy-microhei", CJK_FONT_NAME)
    plt.rcParams["font.sans-serif"] = [CJK_FONT_NAME, "DejaVu Sans"]
    plt.rcParams["font.family"] = "sans-serif"
    plt.rcParams["axes.unicode_minus"] = False
    return plt


def hall_charts(f: dict, out: Path, prefix: str = "") -> dict[str, Path]:
    """queue length by hour, wait distribution, ratings by window -> {key: png path}."""
    plt = _pyplot()
    out.mkdir(parents=True, exist_ok=True)
    title = f"{f['hall']['name']} · {f['period']['label_zh']}"
    charts: dict[str, Path] = {}

    fig, ax = plt.subplots(figsize=(8, 4.2), dpi=110)
    hours = list(f["queue_length_by_hour"].items())
    ax.bar([f"{int(h):02d}时" for h, _ in hours], [v for _, v in hours], color="#1565c0")
    ax.set_title(f"分时段排队人数（每小时最多同时排队，日均）\n{title}")
    ax.set_xlabel("时段")
    ax.set_ylabel("人数")
    charts["queue_by_hour"] = _save(fig, plt, out / f"{prefix}queue_by_hour.png")

    fig, ax = plt.subplots(figsize=(8, 4.2), dpi=110)
    bins = list(f["wait_histogram"].items())
    ax.bar([label for label, _ in bins], [n for _, n in bins], color="#00897b")
    limit = f["long_wait_minutes"]
    ax.set_title(f"等候时长分布（取号到叫号，阈值{limit:g}分钟）\n{title}")
    ax.set_xlabel("等候时长（分钟）")
    ax.set_ylabel("人数")
    charts["wait_distribution"] = _save(fig, plt, out / f"{prefix}wait_distribution.png")

    fig, ax = plt.subplots(figsize=(8, 4.2), dpi=110)
    windows = list(f["ratings_by_window"].items())
    labels = [f"{w}号窗口" for w, _ in windows] or ["（无评价）"]
    bottom = [0] * len(labels)
    for level, colour in LEVEL_COLOURS.items():
        values = [r["distribution"][level] for _, r in windows] or [0]
        ax.bar(labels, values, bottom=bottom, color=colour, label=level)
        bottom = [b + v for b, v in zip(bottom, values)]
    ax.set_title(f"各窗口评价（好差评）\n{title}")
    ax.set_ylabel("评价数")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=9)
    charts["ratings_by_window"] = _save(fig, plt, out / f"{prefix}ratings_by_window.png")
    return charts


def county_chart(rows: list[dict], out: Path) -> dict[str, Path]:
    plt = _pyplot()
    out.mkdir(parents=True, exist_ok=True)
    fig, ax = plt.subplots(figsize=(9, 4.6), dpi=110)
    names = [r["乡镇"] for r in rows]
    ax.bar(names, [r["综合得分"] for r in rows], color="#6a1b9a")
    ax.set_title("各乡镇便民服务中心综合得分")
    ax.set_ylabel("得分（满分100）")
    ax.tick_params(axis="x", rotation=45)
    return {"county_scores": _save(fig, plt, out / "county_scores.png")}


def _save(fig, plt, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, format="png")
    plt.close(fig)
    return path
