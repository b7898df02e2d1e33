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


class ServedHall:
    """A real `kiosk serve` (uvicorn) as its own process on a free loopback port, over a hall
    open round the clock in its own data folder, with a kiosk device added for a second kiosk.

    `stop()` ends it as systemd would (SIGTERM); `start()` brings it back on the same port
    and database, as after a restart of the hall box."""

    def __init__(self, tmp_path, device: str = "kiosk-2") -> None:
        import json
        import os
        import socket
        import subprocess
        import sys
        from pathlib import Path

        self.root = Path(__file__).resolve().parents[1]
        self.config = round_the_clock_config(tmp_path / "hall-box.toml")
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        source = self.config.read_text(encoding="utf-8")
        self.config.write_text(source.replace('public_url = "http://127.0.0.1:8080"', f'public_url = "{self.url}"'),
                               encoding="utf-8")
        self.env = {**os.environ, "KIOSK_DATA_DIR": str(tmp_path / "hall-box-data"), "PYTHONPATH": str(self.root)}
        self.env.pop("KIOSK_CONFIG", None)
        added = subprocess.run([sys.executable, "-m", "kiosk", "--config", str(self.config), "device", "add", device,
                                "--json"], cwd=self.root, env=self.env, capture_output=True, text=True, timeout=60)
        assert added.returncode == 0, added.stderr
        self.token = json.loads(added.stdout)["token"]
        self.process = None

    def start(self) -> "ServedHall":
        import subprocess
        import sys

        import httpx
        from waiting import wait_until

        self.process = subprocess.Popen(
            [sys.executable, "-m", "kiosk", "--config", str(self.config), "serve", "--port", str(self.port)],
            cwd=self.root, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

        def healthy() -> bool:
            assert self.process.poll() is None, self.process.stdout.read()
            try:
                return httpx.get(f"{self.url}/api/health", timeout=1).status_code == 200
            except httpx.HTTPError:
                return False

        wait_until(healthy, 30, 0.1, "the hall server to answer")
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except Exception:
                self.process.kill()
                self.process.wait(5)
        self.process = None

    def get(self, path: str):
        import httpx

        return httpx.get(f"{self.url}{path}", headers={"Authorization": f"Bearer {self.token}"}, timeout=10)
