"""Every Chinese sentence the touch screen shows or speaks, in one place for review.

Written for an elderly villager: short, concrete, polite. Templates use str.format.
Messages that come from the core or the devices (refusals, printer states, reader
problems) are shown as they are and live in their own packages.
"""

# -- common ------------------------------------------------------------------------
HOME = "返回首页"
BACK = "返回上一步"
DONE = "完成"
WEEKDAYS = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")
DATE = "{year}年{month}月{day}日 {weekday}"
ELDERLY_ON = "大字模式：开"
ELDERLY_OFF = "大字模式"
VOICE_ON = "语音提示：开"
VOICE_OFF = "语音提示：关"

# -- home --------------------------------------------------------------------------
TAKE_NUMBER = "取号"
TAKE_NUMBER_HINT = "刷身份证或直接取号，排队办事"
GUIDES = "办事指南"
GUIDES_HINT = "办事要带什么材料、怎么办"
WAITING_TITLE = "现在排队情况"
WAITING_LINE = "{name}：{waiting}人在等"
SERVING_TITLE = "正在办理"
SERVING_LINE = "{window}号窗口：{code}"
SERVING_PAUSED_LINE = "{window}号窗口：暂停服务"
SERVING_IDLE_LINE = "{window}号窗口：等待叫号"
SERVING_CLOSED_LINE = "{window}号窗口：休息中"
CLOSED_TITLE = "现在不能取号"
CLOSED_GUIDES_OPEN = "办事指南可以照常查看"
WELCOME = "欢迎来办事，请点下面的大按钮"

# -- take a number: card -------------------------------------------------------------
CARD_TITLE = "请刷身份证"
CARD_HINT = "把身份证平放在{where}的读卡区，不要拿开"
READER_WHERE = {"below": "屏幕下方", "right": "屏幕右边", "left": "屏幕左边"}
READER_LABEL = "读卡区"
CARD_OPTIONAL = "没带身份证也可以取号，请点下面的按钮"
CARD_READER_READY = "读卡器已经准备好"
CARD_READER_WAIT = "正在准备读卡器……"
CARD_READING = "正在读卡，请不要拿开"
SKIP_CARD = "不刷卡取号"
CARD_EXPIRED = "您的身份证已经过期了，不能用来取号。请点“不刷卡取号”，或到窗口咨询"
VOICE_CARD = "请刷身份证，或者点不刷卡取号"

# -- take a number: choose the business ------------------------------------------------
CARD_WHY_TITLE = "刷身份证的好处："
CARD_WHY_ELDERLY = "·年满{age}岁的老人，自动优先排队"
CARD_WHY_NAME = "·号票上印您的姓，不容易拿错"
CARD_WHY_PRIVATE = "·屏幕上只显示身份证号的头尾几位"
STEP = "第{n}步"
TAKE_NUMBER_STEPS = ("刷身份证", "选择业务", "取号完成")
CARD_AFTER_HOURS = "{when}。现在可以点“办事指南”，看看办事要带哪些材料。"
QUEUE_TITLE = "请选择要办的业务"
QUEUE_HOLDER = "已读取身份证：{name}  {id}"
QUEUE_NO_CARD = "没有刷身份证"
QUEUE_PRIORITY = "您年满{age}岁，可以优先办理"
QUEUE_WAITING = "现在{waiting}人在等"
QUEUE_PLEASE_WAIT = "正在取号，请稍候……"
VOICE_QUEUE = "请选择要办的业务"
ISSUING = "正在取号……"
ISSUE_FAILED = "取号没有成功，请再试一次，或到窗口咨询"

# -- take a number: the ticket ---------------------------------------------------------
TICKET_TITLE = "取号成功"
TICKET_YOUR_NUMBER = "您的号码"
TICKET_QUEUE = "办理业务：{queue}"
TICKET_AHEAD = "前面还有 {n} 人"
TICKET_NOBODY_AHEAD = "前面没有人，请留意叫号"
TICKET_WINDOWS = "请到{windows}前等候叫号"
TICKET_PRIORITY = "已按老年人优先排队"
TICKET_PRINTING = "正在打印号票……"
TICKET_QR_HINT = "用手机扫一扫，随时查看排到哪里了"
VOICE_TICKET = "您的号码是{code}，前面还有{n}人"
VOICE_TICKET_NOT_PRINTED = "号票没有打印出来，请记住屏幕上的号码"

# -- guides ------------------------------------------------------------------------------
GUIDES_TITLE = "办事指南"
BY_DEPARTMENT = "按部门找"
BY_LIFE_EVENT = "按生活中的事找"
SEARCH = "按拼音首字母查找"
SEARCH_HINT = "例如查“低保”，就按 D  B"
SEARCH_TITLE = "按拼音首字母查找"
SEARCH_EMPTY_INPUT = "请按下面的字母"
SEARCH_NO_RESULT = "没有找到，请少按一个字母，或者按部门找"
SEARCH_RESULTS = "找到{n}项，请点要看的事项"
SEARCH_CLEAR = "清空"
SEARCH_DELETE = "删除"
GUIDE_LIST_COUNT = "共{n}项"
GUIDE_PRINT = "打印材料清单"
GUIDE_PRINTING = "正在打印材料清单……"
GUIDE_PRINTED = "材料清单已打印，请从出票口取走"
GUIDE_QR_HINT = "手机扫码看完整指南"
GUIDE_SAMPLE = "示例内容，以窗口答复为准"
GUIDES_LOADING = "正在打开办事指南……"
GUIDES_UNAVAILABLE = "办事指南暂时打不开，请到窗口咨询"
VOICE_GUIDES = "请选择部门，或者按拼音首字母查找"

# -- idle ---------------------------------------------------------------------------
IDLE_QUESTION = "还要继续办理吗？"
IDLE_COUNTDOWN = "{n}秒后返回首页，您的信息会被清除"
IDLE_CONTINUE = "继续办理"
IDLE_GO_HOME = "返回首页"
VOICE_IDLE = "还要继续办理吗？请点继续办理"

# -- staff -----------------------------------------------------------------------------
STAFF_PIN_TITLE = "工作人员登录"
STAFF_PIN_HINT = "请输入工作人员密码"
STAFF_PIN_CLOSED = "工作人员面板暂不能打开"
STAFF_TITLE = "设备管理（工作人员）"
STAFF_DEVICES = "设备状态"
STAFF_CHECKING = "正在检查设备……"
STAFF_ALERTS = "待处理提醒"
STAFF_NO_ALERTS = "没有待处理的提醒"
STAFF_TEST_PRINT = "测试打印"
STAFF_TEST_READ = "测试读卡"
STAFF_CONFIRM_CLOCK = "时间是对的，恢复取号"
STAFF_TEST_READ_HINT = "请放一张身份证到读卡区"
STAFF_TEST_READ_OK = "读卡正常：{name}  {id}"
STAFF_REFRESH = "刷新"
STAFF_EXIT = "退出程序"
STAFF_DEVICE_NAMES = {"idcard": "身份证读卡器", "printer": "号票打印机", "camera": "高拍仪"}
STAFF_OK = "正常"
STAFF_FAULT = "异常"
# The device could not be asked (not started, or its link cannot answer): neither 正常 nor 异常.
STAFF_NOT_CHECKED = "未检测"
KEY_OK = "确定"
KEY_DELETE = "删除"
KEY_CLEAR = "清空"

# -- errors ------------------------------------------------------------------------------
SOMETHING_WRONG = "刚才出了点问题，已经回到首页，请重新操作"

# -- out of service (broken settings, unreadable database) --------------------------------
OUT_OF_SERVICE_TITLE = "本机暂停服务"
OUT_OF_SERVICE_BODY = "请到服务窗口办理，或者稍后再来。给您添麻烦了，请谅解。"
OUT_OF_SERVICE_STAFF = "工作人员请看：{reason}。详细原因已写入系统日志，改好后本机会自动恢复。"
OUT_OF_SERVICE_CONFIG = "配置文件有误（文件 {file}，设置项 {key}）"
