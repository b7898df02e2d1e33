"""The `kiosk` command as scripts and operators use it: JSON on stdout, exit codes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

KIOSK = [sys.executable, "-m", "kiosk"]


def run(*args: str, env_extra: dict | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, **(env_extra or {}))
    return subprocess.run([*KIOSK, *args], capture_output=True, text=True, env=env, timeout=60)


def test_issue_call_status_and_check_through_the_command_line(tmp_path):
    db = str(tmp_path / "ops.db")
    first = run("ticket", "issue", "--queue", "A", "--db", db, "--at", "2026-11-27T09:30", "--json")
    assert first.returncode == 0, first.stderr
    issued = json.loads(first.stdout)
    assert issued["code"] == "A001" and issued["queue_name"] == "综合受理" and issued["people_ahead"] == 0
    assert issued["issued_at"].startswith("2026-11-27T09:30")  # local time, not UTC

    second = json.loads(run("ticket", "issue", "--queue", "A", "--priority", "elderly", "--db", db,
                            "--at", "2026-11-27T09:31", "--json").stdout)
    # Aging policy: the elderly ticket counts as having arrived 15 minutes earlier,
    # so it is called before A001 and has nobody ahead.
    assert second["code"] == "A002" and second["people_ahead"] == 0

    called = run("ticket", "call", "--window", "2", "--db", db, "--at", "2026-11-27T09:35", "--json")
    assert called.returncode == 0, called.stderr
    assert json.loads(called.stdout)["announcement"] == "请A002号到2号窗口办理"

    status = json.loads(run("queue", "status", "--db", db, "--at", "2026-11-27T09:36", "--json").stdout)
    queue_a = next(q for q in status["queues"] if q["queue_id"] == "A")
    assert (queue_a["issued"], queue_a["waiting"], queue_a["at_window"]) == (2, 1, 1)
    assert next(w for w in status["windows"] if w["number"] == 2)["current"] == "A002"

    check = run("db", "check", "--db", db, "--json")
    report = json.loads(check.stdout)
    assert check.returncode == 0 and report["ok"] is True
    assert report["rows"]["tickets"] == 2 and report["rows"]["events"] == 3


def test_refusals_exit_1_with_chinese_and_english(tmp_path):
    db = str(tmp_path / "ops.db")
    unknown = run("ticket", "issue", "--queue", "Z", "--db", db, "--at", "2026-11-27T09:30", "--json")
    assert unknown.returncode == 1
    refusal = json.loads(unknown.stdout)
    assert (refusal["error"], refusal["message_zh"]) == ("unknown_queue", "没有这个业务，请重新选择")
    closed = run("ticket", "issue", "--queue", "A", "--db", db, "--at", "2026-11-28T10:00")
    assert closed.returncode == 1
    assert "现在不是办公时间，请在11月30日（周一）8:30以后再来取号" in closed.stderr
    wrong_window = run("ticket", "finish", "--window", "9", "--db", db, "--at", "2026-11-27T09:30")
    assert wrong_window.returncode == 1 and "unknown window 9" in wrong_window.stderr


def test_broken_config_stops_the_command_naming_file_and_key(tmp_path):
    from kiosk.config import default_config_path

    broken = tmp_path / "hall.toml"
    shutil.copy(default_config_path(), broken)
    broken.write_text(broken.read_text(encoding="utf-8").replace("recall_limit = 2", "recall_limit = -1"),
                      encoding="utf-8")
    result = run("--config", str(broken), "queue", "status")
    assert result.returncode == 1
    assert f"{broken}: policy.recall_limit: must be 0-10" in result.stderr
    assert "配置文件有误" in result.stderr


def test_data_dir_from_environment_holds_the_database(tmp_path):
    hall_two = tmp_path / "hall-two"
    result = run("ticket", "issue", "--queue", "B", "--at", "2026-11-27T10:00",
                 env_extra={"KIOSK_DATA_DIR": str(hall_two)})
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("B001")
    assert (hall_two / "hall.db").exists()


def test_db_backup_through_the_command_line(tmp_path):
    db = str(tmp_path / "hall.db")
    for minute in (30, 31, 32):
        assert run("ticket", "issue", "--queue", "B", "--db", db, "--at", f"2026-11-27T09:{minute}").returncode == 0
    stick = tmp_path / "usb"
    stick.mkdir()
    done = run("db", "backup", "--db", db, "--to", str(stick), "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["rows"]["tickets"] == 3 and report["backup"].startswith(str(stick))
    checked = run("db", "check", "--db", report["backup"], "--json")
    assert checked.returncode == 0 and json.loads(checked.stdout)["ok"] is True

    again = run("db", "backup", "--db", db, "--to", report["backup"])
    assert again.returncode == 1 and "备份文件已存在" in again.stderr


def test_output_cut_short_by_a_pipe_is_not_a_traceback(tmp_path):
    db = str(tmp_path / "hall.db")
    assert run("ticket", "issue", "--queue", "A", "--db", db, "--at", "2026-11-27T09:30").returncode == 0
    shell = f"{' '.join(KIOSK)} ticket call --window 2 --db {db} --at 2026-11-27T09:31 --json | head -c 1"
    done = subprocess.run(shell, shell=True, capture_output=True, text=True, timeout=60)
    assert done.stdout == "{"
    assert "Traceback" not in done.stderr and "BrokenPipe" not in done.stderr


def test_confirm_clock_through_the_command_line(tmp_path):
    db = str(tmp_path / "hall.db")
    assert run("ticket", "issue", "--queue", "A", "--db", db, "--at", "2026-11-27T09:30").returncode == 0
    behind = run("ticket", "issue", "--queue", "A", "--db", db, "--at", "2026-11-24T09:30", "--json")
    assert behind.returncode == 1 and json.loads(behind.stdout)["error"] == "clock_behind"
    confirmed = run("queue", "confirm-clock", "--db", db, "--at", "2026-11-24T09:31", "--json")
    assert confirmed.returncode == 0, confirmed.stderr
    assert json.loads(confirmed.stdout)["announcement"] == "已确认机器时间正确，恢复取号"
    again = run("ticket", "issue", "--queue", "A", "--db", db, "--at", "2026-11-24T09:32", "--json")
    assert again.returncode == 0 and json.loads(again.stdout)["code"] == "A001"


def test_a_refusal_cut_short_by_a_pipe_is_not_a_traceback_either(tmp_path):
    db = str(tmp_path / "hall.db")
    shell = f"{' '.join(KIOSK)} ticket issue --queue Z --db {db} --at 2026-11-27T09:30 --json | head -c 1"
    done = subprocess.run(shell, shell=True, capture_output=True, text=True, timeout=60)
    assert done.stdout == "{"
    assert "Traceback" not in done.stderr
