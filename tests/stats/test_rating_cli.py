"""`kiosk rating followups | handle | list` at the terminal, over the hall's database.

GIVEN the Friday with a 差评 (window 1, zhao) and a 满意, a manager and a window clerk,
WHEN the follow-ups are listed, handled by a clerk (refused) and by the manager,
THEN the open list shows the ticket, window, staff, reasons and comment, the clerk is
refused, the manager's note is recorded in rating_audit, and `list` shows the period.
"""

from __future__ import annotations

import json

from kiosk.cli import main
from stats_day import at

MANAGER = ("wangli", "Jiafeng-2026!")


def _friday(hall, clock):
    manager = hall.accounts.create_manager(*MANAGER)
    hall.accounts.create_account(manager, "zhaomin", "Window-one-2026", role="window_staff")
    codes = []
    for window in (1, 1):
        codes.append(hall.tickets.take_number("A").code)
        hall.engine.call_next(window, actor="staff:zhao")
        hall.engine.finish(window, actor="staff:zhao")
    first, second = hall.engine.tickets()
    clock.set(at(11, 0))
    bad = hall.ratings.rate_ticket(first.id, 2, ["wait_long", "other"], "等了很久没人管")
    hall.ratings.rate_ticket(second.id, 4)
    return bad, codes


def test_followups_handle_and_list(hall, clock, capsys):
    bad, codes = _friday(hall, clock)
    assert main(["rating", "followups", "--at", "2026-11-27T11:30"]) == 0
    out = capsys.readouterr().out
    assert f"#{bad.id}" in out and codes[0] in out and "1号窗口" in out and "zhao" in out
    assert "排队等候时间太长" in out and "等了很久没人管" in out

    assert main(["rating", "followups", "--json"]) == 0
    [item] = json.loads(capsys.readouterr().out)
    assert (item["subject_code"], item["subject_kind"], item["level"], item["followup"]) == (codes[0], "ticket", 2, "open")

    # A window clerk is no manager; an unknown name is no account.
    assert main(["rating", "handle", str(bad.id), "--note", "已处理", "--staff", "zhaomin"]) == 1
    assert "只有大厅管理员可以处理差评回访" in capsys.readouterr().err
    assert main(["rating", "handle", str(bad.id), "--note", "已处理", "--staff", "nobody"]) == 1
    assert main(["rating", "handle", str(bad.id), "--note", "  ", "--staff", MANAGER[0]]) == 1
    capsys.readouterr()

    assert main(["rating", "handle", str(bad.id), "--note", "已电话回访并致歉", "--staff", MANAGER[0],
                 "--at", "2026-11-27T15:00"]) == 0
    assert "已处理（wangli）" in capsys.readouterr().out
    assert hall.ratings.rating(bad.id).followup == "handled"
    assert hall.ratings.audit(bad.id)[-1] | {"at": None} == {
        "at": None, "action": "followup_handled", "actor": "staff:wangli", "data": {"note": "已电话回访并致歉"}}
    assert main(["rating", "handle", str(bad.id), "--note", "again", "--staff", MANAGER[0]]) == 1  # nothing open
    capsys.readouterr()

    assert main(["rating", "followups"]) == 0
    assert "没有待处理的差评回访" in capsys.readouterr().out
    assert main(["rating", "followups", "--handled"]) == 0
    assert "已电话回访并致歉" in capsys.readouterr().out

    assert main(["rating", "list", "--period", "2026-W48"]) == 0
    out = capsys.readouterr().out
    assert "2026年第48周" in out and "2条评价" in out and "[回访已处理]" in out
    assert main(["rating", "list", "--period", "2026-11", "--json"]) == 0
    assert [r["level"] for r in json.loads(capsys.readouterr().out)] == [2, 4]
    assert main(["rating", "list", "--period", "november"]) == 1
