"""`kiosk account create-manager`, `kiosk serve` on an empty data folder, the ticket's link, [server] settings."""

from __future__ import annotations

import io
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from devices.base.errors import ConfigError
from kiosk.cli import main
from kiosk.config import load_settings

ROOT = Path(__file__).resolve().parents[2]


def test_create_manager_reads_the_password_from_stdin(monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.StringIO("Jiafeng-2026!\n"))
    assert main(["account", "create-manager", "wangli", "--password-stdin", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["account"]["role"] == "hall_manager"
    assert main(["account", "list", "--json"]) == 0
    assert [a["username"] for a in json.loads(capsys.readouterr().out)["accounts"]] == ["wangli"]


def test_create_manager_refuses_a_weak_password(monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.StringIO("12345678\n"))
    assert main(["account", "create-manager", "wangli", "--password-stdin"]) == 1
    assert "密码" in capsys.readouterr().err


def test_ticket_issue_json_gives_the_full_link(capsys):
    assert main(["ticket", "issue", "--queue", "A", "--at", "2026-11-27T09:30", "--json"]) == 0
    issued = json.loads(capsys.readouterr().out)
    base = load_settings().hall.public_url
    assert issued["link"].startswith(f"{base}/t/{issued['ticket_id']}-")


@pytest.mark.parametrize(("old", "new", "key"), [
    ("port = 8080", "port = 70000", "server.port"),
    ('[server]\n# ', '[server]\nhost = ""\n# ', "server.host"),
    ("session_hours = 10", "session_hours = 0", "server.session_hours"),
    ("[server]\n", "[server]\ntls = true\n", "tls"),
])
def test_server_settings_are_checked(tmp_path, old, new, key):
    source = (ROOT / "config" / "hall.toml").read_text(encoding="utf-8")
    if "host" in new:
        source = source.replace('host = "127.0.0.1"\nport = 8080', "port = 8080", 1)
    assert old in source
    path = tmp_path / "hall.toml"
    path.write_text(source.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    assert key in caught.value.key


def test_the_server_binds_to_loopback_by_default():
    assert load_settings().server.host == "127.0.0.1"


@pytest.mark.slow
def test_kiosk_serve_starts_on_an_empty_data_folder(tmp_path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "KIOSK_DATA_DIR": str(tmp_path / "empty"), "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen([sys.executable, "-m", "kiosk", "serve", "--port", str(port)], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=1) as response:
                    assert json.load(response)["ok"] is True
                    break
            except OSError:
                assert process.poll() is None, process.stdout.read()
                assert time.monotonic() < deadline, "kiosk serve did not answer"
                time.sleep(0.2)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/staff", timeout=2) as response:
            assert "create-manager" in response.read().decode("utf-8")
    finally:
        process.terminate()
        process.wait(10)
