"""The national five-level satisfaction scale (好差评) and the reasons a 差评 gives.

Shared by the ratings service (which records them), the KPIs and the reports
(which count them). Levels are stored as numbers, 5 = 非常满意 … 1 = 非常不满意,
so a report can sort and average them; the names are what citizens and staff read.
"""

from __future__ import annotations

LEVELS: dict[int, str] = {
    5: "非常满意",
    4: "满意",
    3: "基本满意",
    2: "不满意",
    1: "非常不满意",
}
# 不满意 and 非常不满意 are a 差评: they need a reason and get a follow-up.
BAD_LEVELS = (2, 1)
# The satisfaction rate counts 非常满意 + 满意 + 基本满意.
SATISFIED_LEVELS = (5, 4, 3)

# Reasons a citizen picks for a 差评 (at least one); "other" needs words of its own.
REASONS: dict[str, str] = {
    "wait_long": "排队等候时间太长",
    "attitude": "工作人员态度不好",
    "not_told_once": "没有一次性告知所需材料",
    "slow": "办理速度慢",
    "run_again": "还要再跑一趟",
    "not_solved": "问题没有解决",
    "facilities": "大厅环境或设施不方便",
    "other": "其他（请写明）",
}

FOLLOWUP_ZH = {"open": "待处理", "handled": "已处理"}
COMMENT_MAX_CHARS = 200


def level_name(level: int) -> str:
    return LEVELS.get(int(level), str(level))


def is_bad(level: int) -> bool:
    return int(level) in BAD_LEVELS


def reason_names(codes) -> list[str]:
    return [REASONS.get(code, code) for code in codes]
