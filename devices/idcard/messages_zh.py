"""Every Chinese string the ID-card reader shows, in one place for review.

Written for an elderly villager standing at the kiosk: short, plain, and saying
what to do next.
"""

from __future__ import annotations

PLACE_AGAIN = "请重新放置证件"
PLACE_AGAIN_SLOWLY = "没有读好，请拿起证件，再平放在读卡区，不要移动"
NOT_ID_CARD = "不是身份证，请放身份证或居住证"
CARD_UNREADABLE = "这张证件读不出来，请到窗口请工作人员帮忙"
READER_FAULT = "读卡器故障，请联系工作人员"
READER_DISCONNECTED = "读卡器没有连接，请联系工作人员"
READER_NOT_LICENSED = "读卡器暂停使用，请联系工作人员"
NO_CARD_PLACED = "没有读到证件，请把证件平放在读卡区"
CARD_EXPIRED = "证件已过期，请到窗口咨询"
INPUT_FILE_UNREADABLE = "文件打不开，请检查文件路径"
PORT_NOT_FOUND = "找不到读卡器，请检查连接线"
SIMULATOR_HOLDERS_INVALID = "模拟证件名单文件有误，请检查"
SIMULATOR_LINK_FAILED = "模拟读卡器无法启动，请检查 --link 路径"

CARD_TYPE_NAMES = {
    "resident": "居民身份证",
    "hmt_residence": "港澳台居民居住证",
    "foreign_permanent_old": "外国人永久居留证",
    "foreign_permanent_2023": "外国人永久居留身份证",
}

SEX_NAMES = {"0": "未知", "1": "男", "2": "女", "9": "未说明"}

LONG_TERM = "长期"

# Unknown nation codes are shown, never refused (e.g. codes for 穿青人, 革家人).
UNKNOWN_NATION = "其他(代码{code})"
NATION_BLANK = "未填写"

# Console (kiosk idcard read) prompts.
WAITING_FOR_CARD = "请把证件平放在读卡区…"
EXPIRED_MARK = "（证件已过期）"
AGE_SUFFIX = "岁"
SIMULATOR_ONLY_OPTION = "此选项只能用于模拟读卡器"
