"""Every Chinese sentence the core shows or announces, in one place for review.

Written for an elderly villager: short, concrete, polite, no jargon. Templates use
str.format fields; the English counterparts live beside the code that logs them.
"""

# Announcements (display board and voice).
CALL = "请{code}号到{window}号窗口办理"
RECALL = "请{code}号到{window}号窗口办理（重呼）"
# Spoken by the hall display: 重呼 said first, so the citizen hears it is their number again.
RECALL_SPOKEN = "重呼，请{code}号到{window}号窗口办理"
WINDOW_PAUSED = "{window}号窗口暂停服务"
WINDOW_RESUMED = "{window}号窗口恢复服务"

# Refusals when taking a number.
UNKNOWN_QUEUE = "没有这个业务，请重新选择"
UNKNOWN_PRIORITY = "没有这种优先类别，请重新选择"
CLOCK_BEHIND = "机器时间不对，暂时不能取号，请联系工作人员"
CLOCK_CONFIRMED = "已确认机器时间正确，恢复取号"
DAILY_CAP = "今天{queue}的号已经取完了，请明天再来，或到窗口咨询"
PRINT_FAILED_SCAN_QR = "，或用手机扫屏幕上的二维码"
DRAW_CANCELLED = "已取消取号"
HOLDER_WAITING = "您已经取过{queue}的号（{code}号），请耐心等候叫号"
HALL_CLOSED_TODAY_LATER = "现在不是办公时间，请在今天{time}以后再来取号"
HALL_CLOSED_NEXT_DAY = "现在不是办公时间，请在{date}（{weekday}）{time}以后再来取号"
HALL_CLOSED_UNKNOWN = "现在不是办公时间，请在工作日办公时间来取号"
ISSUING_PAUSED_TODAY = "现在暂停取号，请在今天{time}以后再来取号"
ISSUING_STOPPED = "今天的取号已经结束，请在{date}（{weekday}）{time}以后再来"

# Staff alert: the hall server inside `kiosk run` did not start.
HALL_SERVER_FAILED = ("本机的大厅服务（柜台、叫号屏、手机查询）没有启动：{port}端口被占用或启动出错。"
                      "取号照常，小票上暂时不印二维码。请联系技术人员")

# A second kiosk: the hall box (where numbers are drawn) cannot be reached.
HALL_UNAVAILABLE = "服务暂不可用，请到窗口取号"
HALL_LINK_DOWN = "本机连不上大厅主机（{url}），暂时不能取号。请检查网络和大厅主机"
CLOCK_ON_HALL_BOX = "请在大厅主机上确认机器时间"

# Counter operations (shown to staff).
UNKNOWN_WINDOW = "没有这个窗口号"
WINDOW_NOT_SERVING = "{window}号窗口不办理{queue}业务"
WINDOW_PAUSED_REFUSAL = "{window}号窗口已暂停服务，请先恢复服务"
WINDOW_BUSY = "请先办结或过号当前的{code}号"
NO_CURRENT = "{window}号窗口当前没有正在办理的号"
NOBODY_WAITING = "现在没有人排队"
TICKET_NOT_FOUND = "找不到{code}号"
TICKET_STATE = "{code}号现在是“{status}”，不能{action}"

STATUS_NAMES = {
    "waiting": "等候中",
    "called": "已叫号",
    "serving": "办理中",
    "suspended": "已挂起",
    "finished": "已办结",
    "no_show": "过号",
    "transferred": "已转移",
}

ACTION_NAMES = {
    "call": "叫号",
    "start": "开始办理",
    "finish": "办结",
    "recall": "重呼",
    "no_show": "标记过号",
    "reactivate": "恢复排队",
    "transfer": "转移",
    "suspend": "挂起",
    "resume": "恢复办理",
}

WEEKDAYS = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")

WAIT_NOW = "马上就到您"
WAIT_RANGE = "大约需要等{low}到{high}分钟"
WAIT_UNKNOWN = "窗口暂未开放，开放后按顺序叫号"
# The call is expected after the lunch break: clock times, not a wait of hundreds of minutes.
WAIT_AFTER_BREAK = "中午休息前轮不到您，预计{resume}上班后办理，大约{low}到{high}叫到您"
WAIT_MAYBE_BEFORE_BREAK = "；前面办得快的话，{stop}前也可能叫到您，请留意叫号"
WAIT_MAYBE_AFTER_BREAK = "；前面办得慢的话，要到{resume}上班后才叫到您"
WAIT_PAST_CLOSING = "前面人多，今天下班前可能轮不到您，请问一下工作人员"


def clock_zh(hhmm: str) -> str:
    """"14:05" -> "下午2点05分", "12:30" -> "中午12点30分", "9:00" -> "上午9点": as a clock is read aloud."""
    hour, minute = (int(part) for part in hhmm.split(":"))
    if hour < 12:
        part, shown = "上午", hour
    elif hour < 13:
        part, shown = "中午", hour
    else:
        part, shown = ("下午" if hour < 19 else "晚上"), hour - 12
    return f"{part}{shown}点" + (f"{minute:02d}分" if minute else "")

# Staff panel: one line per device, each from a real question to the device (device_health).
# The screen puts 正常 / 异常 / 未检测 before these.
DEVICE_CHECK_FAILED = "检查程序出错"
READER_OK = "读卡器正常"
READER_NOT_STARTED = "读卡器未启动"
READER_NOT_CONNECTED = "读卡器没有连接，请检查读卡器的线"
READER_STOPPED = "读卡器已停止"
READER_NOT_ANSWERING = "读卡器没有回答，请检查读卡器的电源和线"
READER_FAULT = "读卡器故障（安全模块回答 {sw3}），请联系维修"
READER_BAD_ANSWER = "读卡器回答异常，请联系维修"
PRINTER_OK = "打印机正常"
PRINTER_NOT_STARTED = "打印机未启动"
PRINTER_NOT_READABLE = "这种连接方式查不了打印机状态"
PRINTER_NOT_ANSWERING = "打印机没有回答，请检查打印机的电源和线"
CAMERA_OK = "高拍仪正常"
CAMERA_NOT_INSTALLED = "高拍仪程序未安装"
CAMERA_CANNOT_OPEN = "高拍仪打不开，请检查高拍仪的线"
CAMERA_NO_PICTURE = "高拍仪没有画面，请检查高拍仪的线"
CAMERA_NOT_ANSWERING = "高拍仪没有回答，请检查高拍仪的线"
# A check of the same device from before is still waiting for it: the device hangs.
DEVICE_STILL_HANGING = "上次检查还在等它回答，设备可能卡住了"

def window_hint(numbers: list[int]) -> str:
    """[1, 2] -> "1、2号窗口" (the ticket on paper and on screen say it the same way)."""
    return "、".join(str(n) for n in numbers) + "号窗口" if numbers else ""
# Staff access (the PIN screen, and `kiosk staff set-pin` for whoever installs the box).
STAFF_PIN_NOT_SET = "还没有设置工作人员密码。请管理员在本机终端运行：\nkiosk staff set-pin"
STAFF_PIN_FILE_BROKEN = "工作人员密码文件已损坏。请管理员在本机终端重新运行：\nkiosk staff set-pin"
STAFF_PIN_WRONG_TRIES_LEFT = "密码不对，请重新输入（再错{left}次将暂时锁定）"
STAFF_PIN_LOCKED = "密码输错次数太多，已暂时锁定。请等{wait}后再试"
STAFF_WAIT_SECONDS = "{n}秒"
STAFF_WAIT_MINUTES = "{n}分钟"
STAFF_PIN_EMPTY = "请输入工作人员密码"
STAFF_LOGIN_AFTER_WRONG = "登录前有人连续输错密码{n}次，请留意"
STAFF_LOCKED_ALERT = "工作人员密码连续输错{n}次，已锁定到{until}"
STAFF_PIN_SET = "工作人员密码已设置"
STAFF_PIN_REJECTED = "这个密码不能用：{reason}。请换一个"
STAFF_PIN_REASONS = {
    "digits": "只能用数字",
    "short": "至少要{min}位数字",
    "long": "最多{max}位数字",
    "same": "数字全都一样",
    "few": "用到的数字太少",
    "run": "是连着的数字",
    "pattern": "是重复的几位数字",
    "common": "是常见的简单密码",
}
STAFF_PIN_MISMATCH = "两次输入的密码不一样，请重新运行"


# The ticket's phone page (QR code on the ticket).
TICKET_PAGE_AHEAD = "前面还有{n}人，请留意叫号"
TICKET_PAGE_NEXT = "下一位就是您，请到窗口附近等候"
TICKET_PAGE_GO = "请到{window}号窗口办理"
TICKET_PAGE_OTHER_DAY = "这张号不是今天的，今天办事请重新取号"
TICKET_PAGE_EXPIRED_STATUS = "已过期"
TICKET_PAGE_DONE = {
    "finished": "已经办完，谢谢您",
    "no_show": "您的号已过，请到窗口找工作人员",
    "suspended": "已挂起，请按工作人员说的准备好后回到窗口",
    "transferred": "已转到别的窗口，请留意叫号",
}
