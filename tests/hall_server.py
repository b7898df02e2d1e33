"""Shared by the hall server's tests (tests/web): the accounts they use and the CSRF-aware calls."""

from __future__ import annotations

from fastapi.testclient import TestClient

# A Friday inside opening hours (08:30-12:00).
HALL_TIME = "2026-11-27T09:30"
MANAGER = ("wangli", "Jiafeng-2026!")
STAFF = ("zhaomin", "Window-one-2026")
AUDITOR = ("county", "Audit-qinshui-26")


def csrf(client: TestClient) -> dict:
    """The double-submit header: the value of the CSRF cookie (a page is fetched first if there is none)."""
    if not client.cookies.get("qx_csrf"):
        client.get("/staff")
    return {"X-CSRF-Token": client.cookies.get("qx_csrf")}


def login(client: TestClient, who: tuple[str, str]):
    return client.post("/api/login", json={"username": who[0], "password": who[1]}, headers=csrf(client))


def post(client: TestClient, path: str, body: dict | None = None):
    return client.post(path, json=body or {}, headers=csrf(client))


def round_the_clock_config(path, windows: int = 3, daily_cap: int = 300):
    """The packaged hall's file, open every day 00:00-24:00 with no holidays, `windows` windows serving
    every queue: for a real server on the real clock (worker tests, the load bench). Returns the path."""
    import re
    from pathlib import Path

    source = (Path(__file__).resolve().parents[1] / "config" / "hall.toml").read_text(encoding="utf-8")
    for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun"):
        source = re.sub(rf"(?m)^{day} = \[.*\]$", f'{day} = ["00:00-24:00"]', source)
    source = re.sub(r"(?ms)^holidays = \[.*?\]$", "holidays = []", source)
    source = re.sub(r"(?m)^extra_workdays = \[.*\]$", "extra_workdays = []", source)
    source = re.sub(r"(?m)^stop_issuing_minutes_before_close = \d+$", "stop_issuing_minutes_before_close = 0", source)
    source = re.sub(r"(?m)^daily_cap = \d+$", f"daily_cap = {daily_cap}", source)
    source = re.sub(r"(?ms)^\[\[windows\]\].*?(?=^\[(?!\[windows))", "", source)
    blocks = "".join(f'[[windows]]\nnumber = {n}\nname = "窗口{n}"\nqueues = ["A", "B", "C"]\n\n'
                     for n in range(1, windows + 1))
    source = source.replace("[policy]", blocks + "[policy]", 1)
    Path(path).write_text(source, encoding="utf-8")
    return Path(path)
