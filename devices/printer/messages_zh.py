"""Every Chinese string of the printer package, in one place for review.

CITIZEN_* strings are shown on the kiosk screen to a villager who may be elderly:
short, concrete, telling them what to do. STAFF_* strings go to the staff alert.
LABEL_* strings are printed on paper.
"""

from __future__ import annotations

# -- shown to the citizen on screen (key = printer state) ----------------------------
CITIZEN_BY_STATE = {
    "ready": "号票已打印，请从下方出票口取走",
    "near_end": "号票已打印，请从下方出票口取走",
    "paper_out": "打印机缺纸，请记住屏幕上的号码",
    "cover_open": "打印机盖子没有关好，请记住屏幕上的号码",
    "offline": "打印机暂时不能出票，请记住屏幕上的号码",
    "error": "打印机出了故障，请记住屏幕上的号码",
    "no_answer": "打印机没有响应，请记住屏幕上的号码",
    "bad_reply": "打印机工作不正常，请记住屏幕上的号码",
    "not_readable": "号票已发送到打印机，如果没有出票，请记住屏幕上的号码",
    "unreachable": "打印机连不上，请记住屏幕上的号码",
}
CITIZEN_MAYBE_INCOMPLETE = "号票可能没有打印完整，请记住屏幕上的号码，可以到咨询台补打"
CITIZEN_ALREADY_PRINTED = "这张号票刚才已经打印过了，请从出票口取走"
CITIZEN_TIMEOUT = "打印机太慢了，请记住屏幕上的号码"
# A USB/parallel printer (device file) that stopped taking data: usually out of paper.
CITIZEN_NOT_ACCEPTING = "打印机暂时不能出票（可能缺纸），请记住屏幕上的号码"

# -- staff alerts ---------------------------------------------------------------------
STAFF_BY_STATE = {
    "near_end": "打印机纸快用完了，请尽快换纸",
    "paper_out": "打印机缺纸，已改为屏幕显示号码，请立即换纸",
    "cover_open": "打印机盖子打开了，请关好",
    "offline": "打印机离线，请检查电源和连线",
    "error": "打印机故障（切刀或打印头），请检查",
    "no_answer": "打印机不回答状态查询，请检查电源和连线",
    "bad_reply": "打印机状态回答异常，请检查型号设置",
    "unreachable": "连不上打印机，请检查电源、网线或USB线",
}
STAFF_MAYBE_INCOMPLETE = "打完号票后打印机出错，号票可能不完整"
STAFF_NOT_ACCEPTING = "打印机不接收数据（可能缺纸、盖子没关好或卡纸），已改为屏幕显示号码，请检查打印机"
STAFF_STALLED_MID_JOB = "打印机打到一半不再接收数据（可能缺纸或卡纸），号票可能不完整，请检查后补打"
# A job given up on (CLI deadline) after part of it went to the printer: it may still come out.
STAFF_STILL_SENDING = "号票已开始发给打印机，但没有在规定时间内打完，稍后可能还会出票或不完整，请先查看出票口再决定是否补打"

# -- errors raised to the CLI / app ---------------------------------------------------
ERROR_NO_FONT = "缺少中文字体，无法生成号票图片，请联系工作人员"
ERROR_DRIVER_MISSING = "打印机驱动程序没有安装好，请联系工作人员"
ERROR_UNKNOWN_JOB = "无法打印这种内容，请联系工作人员"
ERROR_SIM_PORT_BUSY = "模拟打印机的端口已被占用，请换一个端口"
ERROR_NO_SUCH_JOB = "模拟打印机里没有这一张"
ERROR_BAD_STATE = "模拟打印机没有这种状态"
ERROR_CANNOT_WRITE = "文件写不进去，请检查磁盘空间和路径"
ERROR_UNKNOWN_QUEUE = "没有这个业务队列，请重新选择"

# -- printed labels --------------------------------------------------------------------
LABEL_TICKET_TITLE = "排队号票"
LABEL_REPRINT = "【补打】"
# Characters that must not begin a line (line-breaking rule for Chinese text).
NO_LINE_START = "，。、；：？！）》」』】〕…—～％,.;:?!)]}%"
LABEL_PEOPLE_AHEAD = "您前面还有{n}人在等候"
LABEL_NOBODY_AHEAD = "您前面没有人等候，请留意叫号"
LABEL_WAIT_RANGE = "预计等候{low}～{high}分钟"
LABEL_WAIT_ABOUT = "预计等候约{low}分钟"
LABEL_WAIT_AT_LEAST = "预计至少等候{low}分钟"
LABEL_WAIT_UNKNOWN = "等候时间暂时无法估计"
LABEL_WINDOW = "办理窗口：{window}"
LABEL_HOLDER = "取号人：{name}"
LABEL_ISSUED_AT = "取号时间：{when}"
LABEL_TICKET_ID = "票号：{ticket_id}"
LABEL_TICKET_QR = "微信扫码查看排队进度、评价服务"
LABEL_TICKET_TIPS = ("请留意叫号，过号请重新取号", "本票当日有效")
DATE_TIME_FORMAT = "{y}年{m}月{d}日 {hh:02d}:{mm:02d}"

LABEL_RECEIPT_TITLE = "材料投递回执"
LABEL_SUBMISSION_CODE = "投递码（查询进度用）"
LABEL_MATERIAL_PAGES = "  {name}：{pages}页"
LABEL_SUBMITTER = "投递人：{name}"
LABEL_REVIEW_DAY = "工作人员审核：{day}"
LABEL_TIME_LIMIT = "办理时限：{limit}"
LABEL_MATTER = "办理事项：{matter}"
LABEL_PAGES = "材料页数：共{pages}页"
LABEL_SUBMITTED_AT = "投递时间：{when}"
LABEL_RECEIPT_QR = "微信扫码查看办理进度"
LABEL_RECEIPT_TIPS = ("材料不全时工作人员会电话联系您补正", "凭投递码或身份证在本机查询进度", "办好后凭身份证到综合出件窗口领取",
                      "请妥善保管本回执")

LABEL_CHECKLIST_TITLE = "办事材料清单"
LABEL_CHECKLIST_ITEM = "{index}. {name}"
LABEL_CHECKLIST_DETAIL = "   {form}，{copies}，{required}"
LABEL_CHECKLIST_NOTES = "注意事项："
LABEL_CHECKLIST_QR = "微信扫码查看完整办事指南"

# The printer prints this for a character it has no glyph for. "〓" (GB2312 A1FE) is
# the typesetter's mark for a missing character, so a reader sees something is missing
# instead of a wrong character.
MISSING_CHARACTER = "〓"

# Sample data for `kiosk ticket render` (never a real number: marked as a sample).
SAMPLE_QUEUE_NAME = "综合受理"
SAMPLE_WINDOW_HINT = "1号、2号窗口"
SAMPLE_MASKED_NAME = "张*"
SAMPLE_MATTER = "城乡居民基本养老保险参保登记"
SAMPLE_CHECKLIST_ITEMS = (
    ("居民身份证", "原件", "1份", "必须"),
    ("户口簿", "原件及复印件", "各1份", "必须"),
    ("银行卡或存折", "复印件", "1份", "按情况"),
)
SAMPLE_NOTES = ("本人办理；委托他人办理须带代办人身份证",)
SAMPLE_PAGES_PER_MATERIAL = (("居民身份证", 2), ("户口簿", 2))
SAMPLE_REVIEW_DAY = "12月4日（星期五）"
SAMPLE_TIME_LIMIT = "受理后5个工作日内"
