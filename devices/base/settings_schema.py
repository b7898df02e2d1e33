"""Build frozen dataclasses from parsed TOML, strictly.

Every value is checked against the dataclass field's type; unknown keys are errors;
every error names the file, the dotted key, what is wrong and how to fix it. Kept
generic so each device package can declare its own settings dataclass.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import types
import typing
from pathlib import Path
from typing import Any, Literal, get_args, get_origin, get_type_hints

from devices.base.errors import ConfigError

_MISSING = dataclasses.MISSING


def _describe(tp: Any) -> str:
    origin = get_origin(tp)
    if tp is str:
        return "text in quotes"
    if tp is bool:
        return "true or false"
    if tp is int:
        return "a whole number"
    if tp is float:
        return "a number"
    if tp is dt.date:
        return "a date like 2026-10-01"
    if origin is Literal:
        return "one of " + ", ".join(repr(a) for a in get_args(tp))
    if origin is tuple:
        return f"a list of {_describe(get_args(tp)[0])}"
    if dataclasses.is_dataclass(tp):
        return "a table ([section] or {…})"
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_describe(a) for a in get_args(tp) if a is not type(None))
    return str(tp)


def _convert(tp: Any, value: Any, file: str, key: str) -> Any:
    origin = get_origin(tp)

    def bad(problem: str | None = None) -> ConfigError:
        return ConfigError(
            file,
            key,
            problem or f"expected {_describe(tp)}, got {value!r}",
            f"write {_describe(tp)}",
        )

    if origin in (typing.Union, types.UnionType):
        args = [a for a in get_args(tp) if a is not type(None)]
        if value is None:
            return None
        last: ConfigError | None = None
        for arg in args:
            try:
                return _convert(arg, value, file, key)
            except ConfigError as exc:
                last = exc
        raise last or bad()
    if origin is Literal:
        if value not in get_args(tp):
            raise bad(f"{value!r} is not allowed")
        return value
    if origin is tuple:
        if not isinstance(value, list):
            raise bad()
        item_type = get_args(tp)[0]
        return tuple(_convert(item_type, item, file, f"{key}[{i}]") for i, item in enumerate(value))
    if dataclasses.is_dataclass(tp):
        if not isinstance(value, dict):
            raise bad()
        return build(tp, value, file, key)
    if tp is bool:
        if not isinstance(value, bool):
            raise bad()
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise bad()
        return value
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise bad()
        return float(value)
    if tp is str:
        if not isinstance(value, str):
            raise bad()
        return value
    if tp is dt.date:
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return value
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                raise bad() from None
        raise bad()
    raise TypeError(f"settings type {tp!r} at {key} is not supported")


def build(cls: type, raw: dict, file: str | Path, prefix: str = "") -> Any:
    """Make `cls` from `raw`, or raise ConfigError naming file and key."""
    file = str(file)
    hints = get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls) if f.init}
    for key in raw:
        if key not in fields:
            dotted = f"{prefix}.{key}" if prefix else key
            close = difflib.get_close_matches(key, fields, n=1)
            hint = f"did you mean '{close[0]}'?" if close else f"allowed keys here: {', '.join(fields)}"
            raise ConfigError(file, dotted, "unknown key", f"remove it or correct the spelling ({hint})")
    values = {}
    for name, field in fields.items():
        dotted = f"{prefix}.{name}" if prefix else name
        if name in raw:
            values[name] = _convert(hints[name], raw[name], file, dotted)
        elif field.default is _MISSING and field.default_factory is _MISSING:
            raise ConfigError(file, dotted, "missing", f"add `{name} = …` ({_describe(hints[name])})")
    obj = cls(**values)
    check = getattr(obj, "check", None)
    if callable(check):
        check(file, prefix)
    return obj


def require(condition: bool, file: str, key: str, problem: str, fix: str) -> None:
    """Cross-field checks in `check()` methods read as one line each."""
    if not condition:
        raise ConfigError(file, key, problem, fix)
