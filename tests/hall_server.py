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
