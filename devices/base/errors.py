"""The bilingual error every layer raises: Chinese for the screen, English for the log.

It sits in the bottom layer so a device driver, the settings loader and the queue
all raise the same type, and a front end never has to translate an exception.
Domain errors (queue, store) subclass it in `kiosk.errors`.
"""

from __future__ import annotations


class KioskError(Exception):
    """Base class: `message_zh` is shown on screen, `message_en` goes to the log."""

    code = "kiosk_error"

    def __init__(self, message_en: str, message_zh: str, **details: object) -> None:
        super().__init__(message_en)
        self.message_en = message_en
        self.message_zh = message_zh
        self.details = details

    def as_dict(self) -> dict:
        return {
            "error": self.code,
            "message_en": self.message_en,
            "message_zh": self.message_zh,
            **{k: v for k, v in self.details.items() if isinstance(v, (str, int, float, bool, type(None)))},
        }


class ConfigError(KioskError):
    """A settings or catalogue file is wrong: names the file, the key and the fix."""

    code = "config_error"

    def __init__(self, file: str, key: str, problem: str, fix: str) -> None:
        message_en = f"{file}: {key}: {problem}. Fix: {fix}"
        super().__init__(
            message_en,
            "配置文件有误，请联系工作人员",
            file=str(file),
            key=key,
            problem=problem,
            fix=fix,
        )
        self.file = str(file)
        self.key = key
        self.problem = problem
        self.fix = fix
