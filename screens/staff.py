"""Staff only (five taps on the brand, then the PIN): device status, alerts, test print,
test read, exit.

The PIN screen only forwards what is typed (`app.staff_login`); the hall's staff
access service decides. With no PIN set it stays closed and says how to set one:
the PIN is never chosen on the touch screen."""

from __future__ import annotations

import threading

from kivy.app import App
from kivy.clock import Clock
from kivy.properties import BooleanProperty, ListProperty, StringProperty
from kivy.uix.screenmanager import Screen

from devices.base.clock import from_stamp
from screens import texts_zh as zh
from screens.kvload import load_kv_beside


class StaffPinScreen(Screen):
    problem = StringProperty("")
    # Closed until the staff access service says a PIN is set (fail closed).
    closed = BooleanProperty(True)
    # A typed PIN is being checked: no second one meanwhile.
    checking = BooleanProperty(False)

    def on_kv_post(self, _base) -> None:
        self.ids.keypad.bind(on_submit=lambda _k, value: self.submit(value))

    def on_pre_enter(self, *_args) -> None:
        self.wipe()
        self.closed = True
        App.get_running_app().check_staff_access()

    def show_state(self, state) -> None:
        self.closed = not state.configured
        self.problem = state.message_zh

    def submit(self, value: str) -> None:
        if self.closed or self.checking:
            return
        App.get_running_app().staff_login(value)

    def refused(self, message_zh: str) -> None:
        self.problem = message_zh
        self.ids.keypad.value = ""

    def wipe(self) -> None:
        self.ids.keypad.value = ""
        self.problem = ""
        self.checking = False


class StaffScreen(Screen):
    device_lines = ListProperty()
    alert_lines = ListProperty()
    action_text = StringProperty("")
    # Shown only while issuing is stopped because the clock read behind the last ticket.
    clock_needs_confirming = BooleanProperty(False)

    def on_pre_enter(self, *_args) -> None:
        self.action_text = ""
        self.refresh()

    def refresh(self) -> None:
        app = App.get_running_app()
        self.device_lines = [zh.STAFF_CHECKING]
        app.calls.run(app.runtime.alerts.open_alerts, self._show_alerts)
        threading.Thread(target=self._check_devices, args=(app.runtime,), name="staff-device-check",
                         daemon=True).start()

    def _show_alerts(self, alerts) -> None:
        self.clock_needs_confirming = any(a.source == "clock" and a.code == "clock_behind" for a in alerts)
        self.alert_lines = [f"{from_stamp(a.at):%m-%d %H:%M}  {a.message_zh}" for a in alerts] or [zh.STAFF_NO_ALERTS]

    def _check_devices(self, runtime) -> None:
        states = runtime.device_health.states()
        lines = [f"{zh.STAFF_DEVICE_NAMES.get(s.name_key, s.name_key)}：{_verdict(s)}（{s.text_zh}）" for s in states]
        Clock.schedule_once(lambda _dt: setattr(self, "device_lines", lines), 0)

    def test_print(self) -> None:
        app = App.get_running_app()
        self.action_text = zh.TICKET_PRINTING

        def done(result) -> None:
            Clock.schedule_once(lambda _dt: setattr(self, "action_text", result.message_zh), 0)

        app.runtime.printing.test_print(done)

    def confirm_clock(self) -> None:
        """The staff member has compared the clock in the top bar with a phone: carry on."""
        app = App.get_running_app()

        def confirmed(result) -> None:
            self.action_text = result.announcement
            self.refresh()

        app.calls.run(app.runtime.tickets.confirm_clock, confirmed, write=True)

    def test_read(self) -> None:
        self.action_text = zh.STAFF_TEST_READ_HINT

    def card_event(self, event) -> None:
        from devices.idcard.service import CardRead, ReaderProblem

        if isinstance(event, CardRead):
            # Masked only, and not kept: the staff test never becomes a citizen session.
            self.action_text = zh.STAFF_TEST_READ_OK.format(name=event.holder.masked_name, id=event.holder.masked_id)
        elif isinstance(event, ReaderProblem):
            self.action_text = event.message_zh

    def wipe(self) -> None:
        self.action_text = ""


def _verdict(state) -> str:
    if state.ok:
        return zh.STAFF_OK
    return zh.STAFF_FAULT if state.checked else zh.STAFF_NOT_CHECKED


load_kv_beside(__file__)
