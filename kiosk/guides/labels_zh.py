"""Every Chinese string the guide screens, printouts and exports show, in one place.

Written for an elderly villager reading a kiosk screen or a notice board: short,
plain words, no jargon where a plain word exists. Reviewers read this file alone.
"""

from __future__ import annotations

# Shown wherever the catalogue has no value: we never guess, we send people to ask.
UNKNOWN = "请咨询窗口"

# Field labels, in the order a guide is shown on screen and on paper.
FIELD = {
    "name": "事项名称",
    "matter_type": "事项类型",
    "department": "主管部门",
    "implementing_body": "实施机关",
    "delegated_from_county": "县级下放事项",
    "basic_code": "基本编码",
    "implementation_code": "实施编码",
    "acceptance_level": "受理层级",
    "decision_level": "审批层级",
    "service_object": "服务对象",
    "conditions": "办理条件",
    "materials": "需要带的材料",
    "process": "办理流程",
    "statutory_time_limit": "法定办结时限",
    "promised_time_limit": "承诺办结时限",
    "time_limit_as_published": "时限说明",
    "fee": "是否收费",
    "result_name": "办理结果",
    "result_delivery": "结果怎么拿",
    "visits_required": "最多跑几次",
    "accept_window": "在哪个窗口交材料",
    "result_window": "在哪个窗口取结果",
    "after_hours_dropoff_allowed": "下班后能否自助投递",
    "in_person_required": "是否必须本人来",
    "legal_basis": "办理依据",
    "contact_phone": "咨询电话",
    "source": "信息来源",
    "verified_date": "核对日期",
}

# For staff checking a sample against the hall's own list (`kiosk guides show --staff`).
PROVENANCE_FIELD = {
    "sample": "是否样例",
    "sample_record": "样例编号",
    "name_as_published": "原文事项名称",
    "source_jurisdiction": "来源地区",
    "source_date": "来源日期",
    "source_url": "来源网址",
    "source_site_type": "来源网站类型",
    "excerpt_complete": "摘录是否完整",
    "source_department": "原文部门（外地）",
    "source_location": "原文办理地点（外地）",
    "source_hours": "原文办理时间（外地）",
    "source_benefit_standard": "原文补助标准（外地）",
    "verified_by": "核对人",
    "notes": "备注",
}
# A provenance field nobody filled in (staff view only).
STAFF_BLANK = "（未填写）"

YES = "是"
NO = "否"
FREE = "不收费"
CHARGED = "收费"
WORKING_DAYS = "{days}个工作日"
VISITS = "{visits}次"
COPIES = "{copies}份"
FEE_BASIS = "（依据：{basis}）"
MATERIAL_SOURCE = "来源：{source}"
# After the known details of a material when some are missing.
MATERIAL_DETAILS_UNKNOWN = "其余要求请咨询窗口"
DROPOFF_YES = "可以，下班后在本机投递材料，工作人员下个工作日办理"
DROPOFF_NO = "不可以，请在办公时间到窗口办理"
IN_PERSON_YES = "是，必须本人到场"
IN_PERSON_NO = "否，可以请人代办"
DELEGATED_YES = "是，县级部门委托乡镇办理"
DELEGATED_NO = "否"
NOT_VERIFIED = "尚未与本县公布的清单核对"

# Materials requirement, as the national implementation list words it.
REQUIREMENT = {
    "必要": "必须带",
    "非必要": "可不带",
    "视情形": "看情况",
}
REQUIREMENT_CASE = "{case}时要带"

# The banner every sample guide carries until the hall confirms it (provenance.sample =
# false). Same opening words as the guide screen's note (screens/texts_zh.GUIDE_SAMPLE).
# Where the sample came from is for staff only (`kiosk guides show ID --staff`).
SAMPLE_BANNER = "示例内容：只写了全国通用的规定，本中心的具体要求还没有核对，办理前请先问窗口"
SOURCE_LINE = "{jurisdiction}公布（{date}）"
SOURCE_UNKNOWN_DATE = "日期不详"

LEGAL_KIND = {"设定依据": "设定依据", "实施依据": "实施依据"}

# Life events: the big category buttons on the guide screen, in display order.
LIFE_EVENTS = ("生育", "养老", "医疗", "残疾", "救助", "就业", "开店", "建房", "身后事")

# Departments the reform names first, in display order; others follow by name.
DEPARTMENT_ORDER = ("民政", "残联", "社保", "医保", "市场监管")
# Other departments whose matters townships handle; a name outside this list that
# looks like one of them is reported by `kiosk guides check` as a probable typo.
KNOWN_DEPARTMENTS = DEPARTMENT_ORDER + ("卫健", "农业农村", "自然资源", "退役军人", "人社", "林业", "水利", "应急管理")

# Printable catalogue (notice board) and the screen's search results.
CATALOGUE_TITLE = "{hall}办事指南目录"
CATALOGUE_SUBTITLE = "以下事项在本中心“综合受理”窗口交材料，“综合出件”窗口取结果"
CATALOGUE_COUNT = "共{count}项"
CATALOGUE_COLUMNS = ("序号", "事项名称", "事项类型", "要带的材料", "多久办好", "收费", "下班后投递")
CATALOGUE_SAMPLE_NOTE = "标“示例”的事项尚未与本中心公布的清单核对，办理前请先问窗口。"
CATALOGUE_PRINTED = "打印日期：{date}"
CATALOGUE_BY_DEPARTMENT = "按部门"
SAMPLE_TAG = "示例"
MATERIAL_COUNT = "{count}项"
GUIDE_NOT_FOUND = "没有找到这个办事指南，请到咨询窗口问一问"
# Above results that matched only with one key off (SearchHit.how == "近似").
DID_YOU_MEAN = "没有完全对上的，您是不是要找："
NO_RESULTS = "没有找到，请换个说法，或者到咨询窗口问一问"

# The printed materials checklist.
CHECKLIST_NOTE_SAMPLE = "此清单为示例内容，请以窗口说明为准"
CHECKLIST_NOTE_UNKNOWN = "材料清单请咨询窗口"
CHECKLIST_NOTE_WINDOW = "请到“{window}”窗口交材料"
