"""Every Chinese sentence the camera shows, in one place for review.

Written for an elderly villager standing at the kiosk: say what to do, not what broke.
"""

from __future__ import annotations

# What to do next (shown under the live picture).
PLACE_PAGE = "请把材料正面朝上，平放在拍摄区内"
HOLD_STILL = "请不要移动，正在拍照"
CAPTURED = "已拍好，请取走这一页，再放下一页"

# Why a page was not accepted (shown with a "retake" button).
NO_PAGE = "没有找到材料，请把材料平放在拍摄区中间"
BLURRY = "照片不清楚，请放好材料，手离开后不要移动"
GLARE = "有反光，请调整角度"
CUT_OFF = "材料没有拍全，请把材料往中间移一移"
TOO_SMALL = "材料太小或太远，请放在拍摄区中间"
NOT_FLAT = "请将材料放平"
# The page was not seen clearly enough to be sure where it is (tilted, covered by a hand).
REPLACE_PAGE = "请把材料重新放平、放正，手不要挡住材料的边"

# The camera itself.
CAMERA_LOST = "高拍仪连接中断，正在重新连接，请稍等"
CAMERA_FROZEN = "高拍仪画面停住了，正在重新连接，请稍等"
CAMERA_NOT_FOUND = "没有找到高拍仪，请联系工作人员"
CAMERA_BACK = "高拍仪已恢复，可以继续拍材料"

# Files.
IMAGE_UNREADABLE = "图片打不开，请换一张"
NOT_AN_IMAGE = "这个文件不是图片，请换一个文件"
IMAGE_TOO_LARGE = "图片太大，请缩小后再试"
SAVE_FAILED = "材料保存失败，请联系工作人员"
NO_PAGES = "还没有拍任何材料"
