"""Taking a number at the kiosk, as a citizen does it: real window, real taps, the
real reader and printer drivers against their simulators, the real hall database."""

from __future__ import annotations

import pytest

from kiosk import errors as core_errors
from kiosk import texts_zh as core_zh
from screens import texts_zh as zh

pytestmark = pytest.mark.ui


def _gb(text: str) -> bytes:
    return text.encode("gb18030")


def test_card_then_queue_prints_ticket_records_row_and_shows_number(kiosk, ui):
    # GIVEN the Home screen; WHEN an elderly villager taps 取号 and lays her card down
    ui.tap(kiosk.screen("home").ids.take_number)
    assert kiosk.current == "card"
    kiosk.place_card("elderly")

    # THEN she sees her masked name and ID number and that she gets priority
    queue_screen = kiosk.screen("queue")
    assert "张**" in queue_screen.holder_text
    assert "9905**********0026" in queue_screen.holder_text
    assert "张桂兰" not in queue_screen.holder_text and "990521194803150026" not in queue_screen.holder_text
    assert queue_screen.priority_text == zh.QUEUE_PRIORITY.format(age=70)

    # WHEN she chooses 综合受理
    ui.tap(queue_screen.queue_button("A"))

    # THEN the number is on screen at once, the ticket comes out of the printer,
    # and the hall database holds her ticket with elderly priority
    ticket = kiosk.screen("ticket")
    assert kiosk.current == "ticket"
    assert ticket.code == "A001"
    assert ticket.ahead_text == zh.TICKET_NOBODY_AHEAD
    assert ticket.priority_text == zh.TICKET_PRIORITY
    assert ticket.windows_text == "请到1、2号窗口前等候叫号"  # the windows that serve 综合受理
    ui.wait_until(lambda: ticket.printed, 8, "the ticket to print")
    assert ticket.print_text == "号票已打印，请从下方出票口取走"
    assert ticket.qr_url == ""  # printed: no QR needed on screen
    assert kiosk.printer.wait_for_jobs(1)
    job = kiosk.printer.jobs[0]
    assert b"A001" in job and _gb("综合受理") in job and _gb("嘉峰镇便民服务中心") in job
    assert _gb("张桂兰") not in job and b"990521194803150026" not in job
    assert b"\x1d(k" not in job  # no QR code: nothing serves the progress page it would promise
    rows = kiosk.ticket_rows()
    assert [(r["code"], r["queue_id"], r["priority"], r["status"], r["channel"]) for r in rows] == [
        ("A001", "A", "elderly", "waiting", "kiosk")]
    assert rows[0]["holder_hash"] and "990521194803150026" not in rows[0]["holder_hash"]

    # WHEN she taps 完成 THEN she is back Home and the kiosk has forgotten her
    ui.tap(ticket.ids.done)
    assert kiosk.current == "home"
    assert kiosk.app.session.is_empty


def test_without_card_the_second_citizen_sees_one_person_ahead(kiosk, ui):
    kiosk.runtime.tickets.take_number("B")  # someone took a number earlier
    ui.tap(kiosk.screen("home").ids.take_number)
    ui.tap(kiosk.screen("card").ids.skip_card)
    queue_screen = kiosk.screen("queue")
    assert kiosk.current == "queue"
    assert queue_screen.holder_text == zh.QUEUE_NO_CARD
    assert queue_screen.priority_text == ""
    assert "现在1人在等" in queue_screen.queue_button("B").text

    ui.tap(queue_screen.queue_button("B"))
    ticket = kiosk.screen("ticket")
    assert ticket.code == "B002"
    assert ticket.ahead_text == zh.TICKET_AHEAD.format(n=1)
    assert ticket.wait_text.startswith("大约需要等")
    ui.wait_until(lambda: ticket.printed, 8, "the ticket to print")
    row = kiosk.ticket_rows()[-1]
    assert (row["code"], row["priority"], row["holder_hash"]) == ("B002", "normal", None)


def test_printer_out_of_paper_number_stays_on_screen_and_alerts_staff(kiosk, ui):
    kiosk.printer.set_state("paper_out")
    ui.tap(kiosk.screen("home").ids.take_number)
    ui.tap(kiosk.screen("card").ids.skip_card)
    ui.tap(kiosk.screen("queue").queue_button("A"))

    ticket = kiosk.screen("ticket")
    assert ticket.code == "A001"  # shown before the printer has even answered
    ui.wait_until(lambda: ticket.print_failed, 8, "the print failure")
    assert "缺纸" in ticket.print_text and "记住" in ticket.print_text
    assert "二维码" not in ticket.print_text  # no QR on screen yet, so none is promised
    # Nothing serves the progress page yet: no QR that promises one.
    assert ticket.qr_url == "" and ticket.ids.qr.parent.opacity == 0
    assert kiosk.printer.jobs == []
    alerts = kiosk.runtime.alerts.open_alerts()
    assert [(a.source, a.code) for a in alerts] == [("printer", "paper_out")]
    assert "缺纸" in alerts[0].message_zh
    # The number was issued and kept: nothing the citizen was told is lost.
    assert [r["code"] for r in kiosk.ticket_rows()] == ["A001"]

    # Staff change the roll: the next ticket prints and the alert is closed.
    kiosk.printer.set_state("ok")
    ui.tap(ticket.ids.done)
    ui.tap(kiosk.screen("home").ids.take_number)
    ui.tap(kiosk.screen("card").ids.skip_card)
    ui.tap(kiosk.screen("queue").queue_button("A"))
    ui.wait_until(lambda: ticket.printed, 8, "the second ticket to print")
    assert kiosk.runtime.alerts.open_alerts() == []


def test_same_card_twice_is_refused_kindly(kiosk, ui):
    ui.tap(kiosk.screen("home").ids.take_number)
    kiosk.place_card("resident")
    ui.tap(kiosk.screen("queue").queue_button("A"))
    assert kiosk.screen("ticket").code == "A001"
    kiosk.remove_card()
    ui.tap(kiosk.screen("ticket").ids.done)

    # The same person comes back and lays the card on the reader at Home.
    kiosk.place_card("resident")
    queue_screen = kiosk.screen("queue")
    ui.tap(queue_screen.queue_button("A"))

    assert kiosk.current == "queue"
    assert queue_screen.problem == core_zh.HOLDER_WAITING.format(queue="综合受理", code="A001")
    assert queue_screen.ids.problem.opacity == 1
    assert [r["code"] for r in kiosk.ticket_rows()] == ["A001"]
    # Another business is still allowed.
    ui.tap(queue_screen.queue_button("B"))
    assert kiosk.screen("ticket").code == "B001"


def test_expired_card_is_not_used_and_the_citizen_can_still_take_a_number(kiosk, ui):
    ui.tap(kiosk.screen("home").ids.take_number)
    kiosk.place_card("expired", wait_for=None)
    card = kiosk.screen("card")
    ui.wait_until(lambda: card.problem == zh.CARD_EXPIRED, 6, "the expired-card message")
    assert kiosk.current == "card"
    assert kiosk.app.session.holder is None
    ui.tap(card.ids.skip_card)
    ui.tap(kiosk.screen("queue").queue_button("C"))
    assert kiosk.screen("ticket").code == "C001"
    assert kiosk.ticket_rows()[0]["holder_hash"] is None


def test_after_hours_home_shows_opening_time_and_guides_stay_open(start_kiosk, ui):
    import datetime as dt

    kiosk = start_kiosk(moment=dt.datetime(2026, 11, 28, 10, 0))  # a Saturday
    home = kiosk.screen("home")
    assert home.issuing_open is False
    assert home.ids.take_number.parent is None  # no 取号 button that leads nowhere
    assert home.ids.closed.get_root_window() is not None
    assert home.closed_message == "现在不是办公时间，请在11月30日（周一）8:30以后再来取号"
    # A card laid down after hours does not start a visit: Home answers it and stays.
    kiosk.place_card("resident", wait_for=None)
    ui.wait_until(lambda: home.message != "", 6, "the answer to the card")
    kiosk.remove_card()
    assert kiosk.current == "home" and kiosk.app.session.is_empty
    ui.tap(home.ids.guides)
    assert kiosk.current == "guides"


def test_bank_card_on_the_reader_gets_a_clear_message_and_a_real_card_then_works(kiosk, ui):
    ui.tap(kiosk.screen("home").ids.take_number)
    card = kiosk.screen("card")
    kiosk.reader.place_non_id_card()
    ui.wait_until(lambda: card.problem != "", 6, "the reader's message")
    from devices.idcard import messages_zh as reader_zh

    assert card.problem == reader_zh.NOT_ID_CARD
    assert kiosk.current == "card"
    kiosk.remove_card()
    kiosk.place_card("resident")
    assert kiosk.current == "queue"


def test_reader_unplugged_raises_a_staff_alert_and_card_screen_says_so(kiosk, ui):
    ui.tap(kiosk.screen("home").ids.take_number)
    kiosk.reader.unplug()
    ui.wait_until(lambda: kiosk.screen("card").problem == "读卡器没有连接，请联系工作人员", 8,
                  "the disconnected message")
    assert [(a.source, a.code) for a in kiosk.runtime.alerts.open_alerts()] == [("idcard", "disconnected")]
    # Taking a number without the card still works.
    ui.tap(kiosk.screen("card").ids.skip_card)
    ui.tap(kiosk.screen("queue").queue_button("A"))
    assert kiosk.screen("ticket").code == "A001"
    kiosk.reader.replug()
    ui.wait_until(lambda: kiosk.runtime.alerts.open_alerts() == [], 8, "the alert to clear")


def test_no_id_number_or_name_reaches_the_log(kiosk, ui, caplog):
    import logging

    caplog.set_level(logging.DEBUG)
    ui.tap(kiosk.screen("home").ids.take_number)
    kiosk.place_card("elderly")
    ui.tap(kiosk.screen("queue").queue_button("A"))
    ui.wait_until(lambda: kiosk.screen("ticket").printed, 8, "the ticket to print")
    kiosk.remove_card()
    ui.tap(kiosk.screen("ticket").ids.done)
    kiosk.place_card("elderly")
    ui.tap(kiosk.screen("queue").queue_button("A"))  # refused: logs the refusal
    assert kiosk.screen("queue").problem
    assert "issued A001" in caplog.text
    for secret in ("990521194803150026", "张桂兰", "李庄村"):
        assert secret not in caplog.text


def test_clock_set_days_back_refuses_kindly_and_tells_staff_why(kiosk, ui):
    # GIVEN a ticket drawn today; WHEN the mini-PC's clock falls back three days (no RTC battery)
    kiosk.runtime.tickets.take_number("A")
    kiosk.runtime.clock.advance(days=-3)
    ui.tap(kiosk.screen("home").ids.take_number)
    ui.tap(kiosk.screen("card").ids.skip_card)
    ui.tap(kiosk.screen("queue").queue_button("A"))
    # THEN the citizen is asked to see staff (no second A001), and staff see why
    assert kiosk.current == "queue"
    assert kiosk.screen("queue").problem == core_zh.CLOCK_BEHIND
    assert [row["code"] for row in kiosk.ticket_rows()] == ["A001"]
    alerts = kiosk.runtime.alerts.open_alerts()
    assert any(a.code == "clock_behind" and "校正系统时间" in a.message_zh for a in alerts)

    # WHEN staff find the clock right after all (it was wrong, ahead, when A001 was drawn) and
    # confirm it on the staff screen, THEN issuing resumes; the button shows only when needed.
    kiosk.go("staff")
    staff = kiosk.screen("staff")
    ui.pump(2)
    assert staff.clock_needs_confirming and staff.ids.confirm_clock.opacity == 1
    ui.tap(staff.ids.confirm_clock)
    assert staff.action_text == core_zh.CLOCK_CONFIRMED
    assert not staff.clock_needs_confirming and staff.ids.confirm_clock.disabled
    assert kiosk.runtime.tickets.take_number("A").code == "A001"  # the first number of the day the clock shows


def test_clock_set_right_again_clears_the_staff_alert_by_itself(kiosk, ui):
    kiosk.runtime.tickets.take_number("A")
    kiosk.runtime.clock.advance(days=-3)
    with pytest.raises(core_errors.ClockBehind):
        kiosk.runtime.tickets.take_number("A")
    assert kiosk.runtime.tickets.clock_needs_confirming()
    kiosk.runtime.clock.advance(days=3)  # staff set the date right
    assert kiosk.runtime.tickets.take_number("A").code == "A002"
    assert not kiosk.runtime.tickets.clock_needs_confirming()


def test_the_queue_choice_has_a_way_back_to_the_card_step(kiosk, ui):
    ui.tap(kiosk.screen("home").ids.take_number)
    kiosk.place_card("resident")
    queue_screen = kiosk.screen("queue")
    assert "1405" in queue_screen.holder_text or "**" in queue_screen.holder_text
    # WHEN the citizen taps 返回上一步
    assert queue_screen.ids.back.text.endswith(zh.BACK)
    ui.tap(queue_screen.ids.back)
    # THEN the card step is back, and the card read is forgotten (lay it again, or go on without)
    assert kiosk.current == "card"
    assert kiosk.app.session.holder is None
    assert kiosk.ticket_rows() == []


@pytest.mark.parametrize(("position", "where"), [("below", "屏幕下方"), ("right", "屏幕右边")])
def test_the_card_screen_points_to_where_the_reader_really_is(start_kiosk, hall_settings, ui, position, where):
    import dataclasses

    from kiosk.root.runtime import _replace_keep_source

    settings = _replace_keep_source(
        hall_settings, kiosk=dataclasses.replace(hall_settings.kiosk, reader_position=position))
    kiosk = start_kiosk(settings=settings)
    ui.tap(kiosk.screen("home").ids.take_number)
    card = kiosk.screen("card")
    ui.pump(3)
    picture = card.ids.reader_picture
    texts = [w.text for w in card.walk() if hasattr(w, "text") and isinstance(w.text, str)]
    # THEN the words and the picture both point where the reader is on this kiosk
    assert f"把身份证平放在{where}的读卡区，不要拿开" in texts
    assert picture.position == position
    assert picture.height > 100 and len(picture.canvas.children) > 10  # drawn: card, arrow, 读卡区 pad
