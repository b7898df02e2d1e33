"""Every Chinese sentence the hall server's Python code sends (the templates hold the page texts)."""

from __future__ import annotations

NOT_LOGGED_IN = "请先登录"
CSRF_FAILED = "页面已过期，请刷新页面后再操作"
FORBIDDEN = "您的账号没有这个操作的权限"
NOT_FOUND_PAGE = "没有找到这个页面。请核对二维码或网址，或询问大厅工作人员"
TICKET_NOT_FOUND = "没有找到这张号。请核对号票上的二维码，或询问大厅工作人员"
GUIDE_NOT_FOUND = "没有找到这个办事指南。请到大厅问一问工作人员"
SERVER_ERROR = "系统出了点问题，请稍后再试，或询问大厅工作人员"
BAD_REQUEST = "填写的内容不对，请检查后再试"
NO_AUDIO = "本机没有语音合成"
DROPOFF_FIELDS = "请填写投递码和身份证后4位"
UNKNOWN_ACTION = "没有这个操作"
DEVICE_REFUSED = "本设备未登记或已停用，请联系大厅管理员"
RATING_THANKS = "感谢您的评价！"
RATING_THANKS_BAD = "感谢您的评价。我们会认真核查，大厅负责人会跟进处理"
