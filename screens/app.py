"""The touch-screen app: composition root and the thin state object screens talk to.

The app is handed a `KioskRuntime` (built by the composition root: the hall's
services and its devices) and a `VoicePrompter`; it owns the citizen session, the
theme and the idle timer. Screens call the methods here (`choose_queue`,
`open_guide`, …) and never touch SQL, bytes or devices. Every service call runs off
the UI thread (`BackgroundCalls`) and its result comes back with
`Clock.schedule_once`; device callbacks arrive on device threads and are moved onto
the UI thread the same way before anything on screen changes.
"""

from __future__ import annotations

import datetime as dt
import logging
import signal
import threading
import time
from functools import partial
from typing import Any

from kivy.app import App
from kivy.base import ExceptionHandler, ExceptionManager
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.properties import BooleanProperty, ObjectProperty, StringProperty
from kivy.uix.floatlayout import FloatLayout
from kivy.uix.screenmanager import NoTransition, ScreenManager

from devices.base.errors import KioskError
from kiosk.idle import EXPIRED, WARNING, IdleTimer
from kiosk.services.printing import PrintResult
from kiosk.session import CitizenSession
from kiosk.system import release_free_memory, sd_notify, watchdog_interval
from kiosk.voice import VoicePrompter
from screens import texts_zh as zh
from screens.background import BackgroundCalls
from screens.dropoff_flow import DropoffFlow
from screens.rating_flow import RatingFlow
from screens.theme import Theme

log = logging.getLogger("screens.app")

# More unexpected errors than this per minute: let the process die and systemd restart it.
MAX_ERRORS_PER_MINUTE = 5
TICK_SECONDS = 0.25
F1_KEYCODE = 282  # SDL2 keycodes as Kivy reports them: F1 … F12 are 282 … 293
# Drawing a number: 请稍候 appears if the answer takes longer than this, and the
# kiosk keeps trying this long while another process holds the database.
PLEASE_WAIT_AFTER_SECONDS = 0.3
DRAW_WAIT_SECONDS = 20.0
# A free database answers a draw in a few ms: wait this long on the tap itself so the
# number shows in the tap's own frame; a busy one goes on in the background.
DRAW_ANSWER_WITHIN_SECONDS = 0.05


class _RecoverToHome(ExceptionHandler):
    def __init__(self, app: "KioskApp") -> None:
        self.app = app
        self.times: list[float] = []

    def handle_exception(self, inst: BaseException) -> int:
        if isinstance(inst, (KeyboardInterrupt, SystemExit)):
            return ExceptionManager.RAISE
        now = time.monotonic()
        self.times = [t for t in self.times if now - t < 60] + [now]
        log.error("unexpected error in the UI loop (%d in the last minute): %s: %s", len(self.times),
                  type(inst).__name__, inst, exc_info=inst)
        if len(self.times) > MAX_ERRORS_PER_MINUTE:
            return ExceptionManager.RAISE
        try:
            self.app.recover_from_error()
        except Exception:
            log.exception("recovery after an error failed")
            return ExceptionManager.RAISE
        return ExceptionManager.PASS


class KioskApp(App):
    theme = ObjectProperty(None)
    settings = ObjectProperty(None)
    landscape = BooleanProperty(True)
    clock_text = StringProperty("")
    voice_muted = BooleanProperty(False)
    # False when this kiosk cannot speak at all; the voice switch then reads 关 and is off.
    voice_available = BooleanProperty(True)
    title = "沁心办"

    def __init__(self, runtime: Any, voice: VoicePrompter | None = None, kiosk_mode: bool = False,
                 idle: IdleTimer | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.runtime = runtime
        self.settings = runtime.settings
        self.kiosk_mode = kiosk_mode
        self.voice = voice if voice is not None else VoicePrompter(enabled=runtime.settings.kiosk.voice_prompts)
        self.voice_available = self.voice.enabled
        self.voice_muted = not self.voice.enabled
        self.session = CitizenSession()
        self.calls = BackgroundCalls()
        # The drop-off (自助投递): its draft, the camera's events, its steps.
        self.dropoff = DropoffFlow(self)
        # 服务评价: the ticket being rated, the camera while its QR is awaited.
        self.rating = RatingFlow(self)
        # Set while a number is being drawn: a second tap never draws a second number.
        self._drawing: threading.Event | None = None
        self._visits = 0  # counts visits, so a late answer is never shown to the next citizen
        self._staff_entries = 0  # counts entries to the PIN screen, so a late answer opens nothing
        self.theme = Theme()
        kiosk = runtime.settings.kiosk
        # `kiosk run` builds the timer before the window (a bad setting shows 本机暂停服务).
        self.idle = idle if idle is not None else IdleTimer(kiosk.idle_seconds, kiosk.idle_warning_seconds)
        self.manager: ScreenManager | None = None
        self.overlay = None
        self._exception_handler = _RecoverToHome(self)
        self._events: list[Any] = []
        self._stopping = False
        self._previous_sigterm = None
        self.first_frame_at: float | None = None
        self.devices_ready = threading.Event()
        self._trim_memory = Clock.create_trigger(lambda _dt: release_free_memory(), 1.0)
        self.errors_recovered = 0

    # -- lifecycle ---------------------------------------------------------------------
    def build(self):
        from screens.registry import build_screen
        from screens.widgets import IdleOverlay

        root = FloatLayout()
        self.manager = ScreenManager(transition=NoTransition())
        self.manager.add_widget(build_screen("home"))
        root.add_widget(self.manager)
        self.overlay = IdleOverlay()
        self._update_orientation()
        return root

    def on_start(self) -> None:
        Window.bind(on_touch_down=self._user_activity, on_key_down=self._key_down,
                    on_request_close=self._request_close, size=self._update_orientation)
        Window.bind(on_flip=self._first_flip)
        ExceptionManager.add_handler(self._exception_handler)
        self._events = [Clock.schedule_interval(self._tick, TICK_SECONDS)]
        interval = watchdog_interval()
        if interval:
            self._events.append(Clock.schedule_interval(lambda _dt: sd_notify("WATCHDOG=1"), interval))
        if self.runtime.started:
            self.devices_ready.set()
        self._previous_sigterm = _install_sigterm(self.stop_from_signal)
        self._tick(0)
        self.go("home")

    def _start_devices(self) -> None:
        try:
            self.runtime.start(self.post_card_event, self.post_camera_event)
            self.runtime.guides.warm_up()
        except Exception:
            log.exception("starting the devices failed")
        finally:
            self.devices_ready.set()

    def on_stop(self) -> None:
        Window.unbind(on_touch_down=self._user_activity, on_key_down=self._key_down,
                      on_request_close=self._request_close, size=self._update_orientation)
        Window.unbind(on_flip=self._first_flip)
        for event in self._events:
            event.cancel()
        self._events = []
        self._trim_memory.cancel()
        if self.manager is not None and self.manager.has_screen("home"):
            self.screen("home").stop_timers()
        if self._exception_handler in ExceptionManager.handlers:
            ExceptionManager.remove_handler(self._exception_handler)
        if self._previous_sigterm is not None:
            signal.signal(signal.SIGTERM, self._previous_sigterm)
            self._previous_sigterm = None
        self.voice.stop()
        self.calls.close()
        self.session.wipe("app stopping")
        sd_notify("STOPPING=1")

    def stop_from_signal(self) -> None:
        log.info("SIGTERM: stopping")
        self._stopping = True
        Clock.schedule_once(lambda _dt: self.stop(), 0)

    def _first_flip(self, *_args: Any) -> None:
        Window.unbind(on_flip=self._first_flip)
        self.first_frame_at = time.time()
        # Wall-clock stamp for the start-up benchmark (bench/app_bench.py).
        print(f"KIOSK FIRST FRAME {self.first_frame_at:.3f}", flush=True)
        self._events.append(Clock.schedule_once(self._announce_ready, 0.5))
        self._events.append(Clock.schedule_once(self._build_remaining_screens, 0))
        if not self.runtime.started:
            # Devices come up on a worker thread after the first frame, so their imports
            # (escpos, serial) and the simulators never delay what the citizen sees.
            threading.Thread(target=self._start_devices, name="devices-start", daemon=True).start()

    def _announce_ready(self, _dt: float) -> None:
        sd_notify("READY=1")
        print("KIOSK READY", flush=True)

    def _request_close(self, *_args: Any, **_kwargs: Any) -> bool:
        # In kiosk mode Alt+F4 / the window manager cannot close the app; SIGTERM still can.
        return self.kiosk_mode and not self._stopping

    def _key_down(self, _window: Any, key: int, *_args: Any) -> bool:
        self.idle.touch()
        if F1_KEYCODE <= key < F1_KEYCODE + 12:
            done = self.runtime.simulator_action(f"f{key - F1_KEYCODE + 1}")
            if done:
                log.info("%s", done)
                return True
        # Escape (27) never leaves the kiosk (exit_on_escape is off too).
        return key == 27

    def _update_orientation(self, *_args: Any) -> None:
        self.landscape = Window.width >= Window.height

    # -- navigation --------------------------------------------------------------------
    def screen(self, name: str):
        """The screen called `name`, built now if it has not been yet."""
        if not self.manager.has_screen(name):
            from screens.registry import build_screen

            self.manager.add_widget(build_screen(name))
        return self.manager.get_screen(name)

    def _build_remaining_screens(self, _dt: float = 0) -> None:
        from screens.registry import SCREENS

        missing = [name for name in SCREENS if not self.manager.has_screen(name)]
        if missing:
            self.screen(missing[0])
            self._events.append(Clock.schedule_once(self._build_remaining_screens, 0))

    @property
    def current(self) -> str:
        return self.manager.current if self.manager else ""

    def go(self, name: str) -> None:
        self.hide_idle_overlay()
        self.screen(name)
        if self.manager.current != name:
            log.info("screen %s", name)
        self.manager.current = name
        if name == "home":
            self.idle.disarm()
        else:
            self.idle.arm()

    def go_home(self, reason: str = "home button") -> None:
        if self._drawing is not None:
            # No further attempts for the citizen who left; the next one starts afresh.
            self._drawing.set()
            self._drawing = None
        self.session.wipe(reason)
        self.dropoff.wipe()  # the draft's pages, the phone, thumbnails and the preview
        self.rating.wipe()  # the ticket being rated
        self.voice.stop()
        # The visit is over: no screen keeps anything of it (texts, typed letters, the tab chosen).
        for name in self.manager.screen_names:
            wipe = getattr(self.manager.get_screen(name), "wipe", None)
            if wipe:
                wipe()
        self.go("home")
        # The visit is over: hand the memory its screens used back to the system, a
        # moment after Home is on screen so the tap's response is not delayed.
        self._trim_memory()

    def finish_visit(self) -> None:
        self.go_home("visit finished")

    def say(self, text: str) -> None:
        self.voice.say(text)

    def toggle_elderly(self) -> None:
        self.theme.elderly = not self.theme.elderly

    def toggle_voice(self) -> None:
        if not self.voice_available:
            return
        self.voice_muted = not self.voice_muted
        self.voice.set_muted(self.voice_muted)

    # -- idle ---------------------------------------------------------------------------
    def _user_activity(self, *_args: Any) -> bool:
        self.idle.touch()
        return False  # never swallow the touch

    def _tick(self, _dt: float) -> None:
        now = self.runtime.now()
        weekday = zh.WEEKDAYS[now.weekday()]
        self.clock_text = f"{now.month}月{now.day}日 {weekday}\n{now:%H:%M}"
        state = self.idle.state()
        if state.phase == EXPIRED:
            self.idle_timeout()
        elif state.phase == WARNING:
            self.show_idle_overlay(state.seconds_left)
        else:
            self.hide_idle_overlay()

    def show_idle_overlay(self, seconds_left: int) -> None:
        self.overlay.seconds_left = seconds_left
        if self.overlay.parent is None:
            self.root.add_widget(self.overlay)
            self.say(zh.VOICE_IDLE)

    def hide_idle_overlay(self) -> None:
        if self.overlay is not None and self.overlay.parent is not None:
            self.overlay.parent.remove_widget(self.overlay)

    def idle_continue(self) -> None:
        self.idle.touch()
        self.hide_idle_overlay()

    def idle_go_home(self) -> None:
        self.idle_timeout()

    def idle_timeout(self) -> None:
        """The citizen walked away: forget them, plain sizes, voice on, back Home."""
        log.info("idle timeout on %s: wiping the session", self.current)
        self.theme.elderly = False
        if self.voice_muted and self.voice_available:
            self.toggle_voice()
        self.go_home("idle timeout")

    def recover_from_error(self) -> None:
        self.errors_recovered += 1
        self.idle_timeout()
        self.screen("home").show_message(zh.SOMETHING_WRONG)

    # -- take a number ---------------------------------------------------------------------
    def start_take_number(self) -> None:
        state = self.runtime.tickets.issuing_state()
        if not state.open:
            self.screen("home").refresh()
            self.say(state.message_zh)
            return
        self.session.wipe("new visit")
        self.session.started_at = self.runtime.now()
        self._visits += 1
        self.go("card")
        self.say(zh.VOICE_CARD)

    def back_to_card(self) -> None:
        """返回上一步 on the queue choice: lay the card again, or choose not to."""
        if self._drawing is not None:
            return  # a number is being drawn: wait for it
        self.session.set_holder(None, None, False, "normal")
        self.go("card")
        self.say(zh.VOICE_CARD)

    def skip_card(self) -> None:
        self.session.set_holder(None, None, False, "normal")
        self.go("queue")
        self.say(zh.VOICE_QUEUE)

    def post_card_event(self, event: Any) -> None:
        """Called on the reader thread: hand the event to the UI thread."""
        Clock.schedule_once(partial(self._card_event, event), 0)

    def post_camera_event(self, event: Any) -> None:
        """Called on the camera thread: the drop-off's camera screen or the rating's QR lookup."""
        self.dropoff.post_camera_event(event)
        self.rating.post_camera_event(event)

    def _card_event(self, event: Any, _dt: float = 0) -> None:
        from devices.idcard.service import CardRead, ReaderProblem, ReaderReady

        self.idle.touch()
        if self.current == "staff":
            self.screen("staff").card_event(event)
            return
        if isinstance(event, CardRead):
            self._card_read(event)
        elif isinstance(event, (ReaderProblem, ReaderReady)):
            self.screen("card").reader_event(event)

    def _card_read(self, event: Any) -> None:
        if self.current == "dropoff_identity":
            self.dropoff.card_read(event)
            return
        if self.current == "dropoff_progress":
            self._look_up_dropoff_by_card(event)
            return
        if self.current not in ("home", "card", "queue"):
            return  # a card laid down while reading a guide is not a request for a number
        if self.current == "home":
            state = self.runtime.tickets.issuing_state()
            if not state.open:
                # After hours nobody is there to explain: say when to come back and
                # what the kiosk can do now, instead of ignoring the card.
                answer = zh.CARD_AFTER_HOURS.format(when=state.message_zh)
                self.screen("home").show_message(answer)
                self.say(answer)
                return
            self.session.wipe("card at home")
            self._visits += 1
            self.go("card")
        if event.expired:
            log.info("expired card refused for taking a number")
            self.session.wipe("expired card")
            self.go("card")
            self.screen("card").show_problem(zh.CARD_EXPIRED)
            self.say(zh.CARD_EXPIRED)
            return
        priority = self.runtime.tickets.priority_for_age(event.age)
        self.session.set_holder(event.holder, event.age, event.expired, priority)
        self.go("queue")
        self.say(zh.VOICE_QUEUE)

    def choose_queue(self, queue_id: str) -> None:
        """Draw the number off the UI thread, show it, then print it.

        While another process holds the database the screen says 请稍候 and keeps
        answering taps; the service tries again until DRAW_WAIT_SECONDS and either
        a number comes back (shown once, whatever the citizen tapped meanwhile) or
        a clear refusal. Taps on the queue buttons meanwhile draw nothing more.
        """
        if self._drawing is not None:
            return
        session = self.session
        priority, id_number = session.priority, session.id_number
        masked = session.masked_name if self.settings.devices.printer.print_masked_name else ""
        cancelled = self._drawing = threading.Event()
        visit = self._visits
        queue_screen = self.screen("queue")
        queue_screen.show_drawing(True)
        please_wait = Clock.schedule_once(lambda _dt: queue_screen.show_please_wait(), PLEASE_WAIT_AFTER_SECONDS)

        def still_waiting(_seconds: float) -> None:  # on the worker thread
            Clock.schedule_once(lambda _dt: queue_screen.show_please_wait(), 0)

        def draw() -> Any:
            return self.runtime.tickets.take_number(queue_id, priority, id_number, wait_seconds=DRAW_WAIT_SECONDS,
                                                    on_still_waiting=still_waiting, cancelled=cancelled)

        def finished() -> None:
            please_wait.cancel()
            if self._drawing is cancelled:
                self._drawing = None
                queue_screen.show_drawing(False)

        def drawn(issued: Any) -> None:
            finished()
            if cancelled.is_set() and visit != self._visits:
                # Drawn in the very attempt the citizen walked away from, and somebody
                # else is at the kiosk now: theirs is not this number. It stays in the
                # queue and will be called and marked as not turned up.
                log.warning("ticket %s was drawn after its citizen left; not shown to the next one", issued.code)
                return
            self._show_ticket(issued, priority, masked)

        def refused(error: BaseException) -> None:
            finished()
            if not isinstance(error, KioskError):
                raise error
            log.info("ticket refused: %s", error.message_en)
            if cancelled.is_set():
                return  # the citizen has already left; nothing was drawn
            queue_screen.show_problem(error.message_zh)
            self.say(error.message_zh)

        self.calls.run(draw, drawn, refused, write=True, answer_within=DRAW_ANSWER_WITHIN_SECONDS)

    @property
    def drawing_number(self) -> bool:
        return self._drawing is not None

    def _show_ticket(self, issued: Any, priority: str, masked_name: str) -> None:
        session = self.session
        session.ticket = issued
        ticket_screen = self.screen("ticket")
        queue = self.settings.queue(issued.ticket.queue_id)
        ticket_screen.show_ticket(issued, priority=priority != "normal",
                                  window_hint=self.runtime.tickets.window_hint(issued.ticket.queue_id),
                                  bring=queue.bring if queue else "")
        self.go("ticket")
        self.say(zh.VOICE_TICKET.format(code=_spoken_code(issued.code), n=issued.people_ahead))
        self.runtime.printing.print_ticket(issued, masked_name, partial(self._post_print_done, issued.ticket.id))

    def _post_print_done(self, ticket_id: int, result: PrintResult) -> None:
        Clock.schedule_once(partial(self._print_done, ticket_id, result), 0)

    def _print_done(self, ticket_id: int, result: PrintResult, _dt: float = 0) -> None:
        issued = self.session.ticket
        if issued is None or issued.ticket.id != ticket_id:
            return  # the citizen has already gone; nothing to update on screen
        self.session.print_outcome = result
        qr_url = self.runtime.links.issued_ticket(issued) if result.show_on_screen else ""
        self.screen("ticket").show_print_result(result.printed, result.message_zh, qr_url)
        if not result.printed:
            log.warning("ticket %s not printed: %s", issued.code, result.message_en)
            self.say(zh.VOICE_TICKET_NOT_PRINTED)

    # -- drop-off ------------------------------------------------------------------------------
    def start_dropoff(self) -> None:
        """Home tile 自助投递 (shown only while the flow is on and the camera works)."""
        if not self.runtime.features.dropoff:
            self.screen("home").refresh()
            return
        self.dropoff.begin()

    # -- drop-off progress ---------------------------------------------------------------------
    def open_dropoff_progress(self) -> None:
        """Home button 查投递进度: works without the camera (it only reads the database)."""
        self.session.wipe("progress lookup")
        self._visits += 1
        self.go("dropoff_progress")
        self.say(zh.VOICE_PROGRESS)

    def _look_up_dropoff_by_card(self, event: Any) -> None:
        screen = self.screen("dropoff_progress")
        # The card proves who asks; its holder stays in the session for a B number.
        priority = self.runtime.tickets.priority_for_age(event.age)
        self.session.set_holder(event.holder, event.age, event.expired, priority)
        screen.wipe()
        screen.searching = True
        visit = self._visits
        self.calls.run(lambda: self.runtime.dropoff.progress_by_card(event.holder.id_number),
                       lambda found: visit == self._visits and self._show_progress(found, none_text=zh.PROGRESS_NONE_FOR_CARD),
                       lambda error: visit == self._visits and self._progress_failed(error))

    def look_up_dropoff_by_code(self, code: str, last4: str) -> None:
        screen = self.screen("dropoff_progress")
        screen.searching = True
        visit = self._visits
        self.calls.run(lambda: [self.runtime.dropoff.progress_by_code(code, last4, source="kiosk")],
                       lambda found: visit == self._visits and self._show_progress(found),
                       lambda error: visit == self._visits and self._progress_failed(error), write=True)

    def _show_progress(self, found: list, none_text: str = "") -> None:
        screen = self.screen("dropoff_progress")
        if not found:
            screen.show_problem(none_text)
            return
        screen.show_results([_progress_text(p) for p in found], any(p.ready_to_collect for p in found))

    def _progress_failed(self, error: BaseException) -> None:
        screen = self.screen("dropoff_progress")
        if isinstance(error, KioskError):
            log.info("progress lookup refused: %s", error.message_en)
            screen.show_problem(error.message_zh)
            # A wrong code or last 4: start again from the code.
            screen.asking_last4 = False
            screen.ids.last4_keypad.value = ""
        else:
            log.error("progress lookup failed: %s", error)
            screen.show_problem(zh.PROGRESS_FAILED)

    def take_collect_number(self) -> None:
        """A ready result: a number for 综合出件, through the usual take-a-number flow."""
        self.go("queue")
        self.choose_queue(self.settings.dropoff.collect_queue)

    # -- 服务评价 ---------------------------------------------------------------------------------
    def open_rating(self) -> None:
        """Home tile 服务评价: the ticket's number on the keypad, or its QR under the camera."""
        self.session.wipe("rating")
        self._visits += 1
        self.rating.begin()

    # -- guides ------------------------------------------------------------------------------
    def open_guides(self) -> None:
        self.go("guides")
        self.say(zh.VOICE_GUIDES)

    def open_guide_list(self, title: str, guides: Any, back_to: str = "guides") -> None:
        self.screen("guide_list").show(title, guides, back_to)
        self.go("guide_list")

    def open_guide(self, guide_id: str, back_to: str = "guides") -> None:
        self.calls.run(partial(self.runtime.guides.guide, guide_id), partial(self._show_guide, back_to=back_to))

    def _show_guide(self, guide: Any, back_to: str) -> None:
        if guide is None:
            return
        self.session.guide_id = guide.id
        self.screen("guide_detail").show(guide, self.runtime.links.guide(guide.id), back_to)
        self.go("guide_detail")
        self.say(guide.name)

    def print_checklist(self, guide: Any) -> None:
        self.runtime.printing.print_checklist(guide, partial(self._post_checklist_done, guide.id))

    def _post_checklist_done(self, guide_id: str, result: PrintResult) -> None:
        Clock.schedule_once(lambda _dt: self.screen("guide_detail").show_print_result(guide_id, result), 0)

    # -- staff ------------------------------------------------------------------------------
    def open_staff(self) -> None:
        self.session.wipe("staff login")
        self.go("staff_pin")

    def check_staff_access(self) -> None:
        """Is a staff PIN set, is it locked? The PIN screen stays closed until the answer says so."""
        self._staff_entries += 1
        entry = self._staff_entries

        def answered(state: Any) -> None:
            if self.current == "staff_pin" and entry == self._staff_entries:
                self.screen("staff_pin").show_state(state)

        self.calls.run(self.runtime.staff_access.state, answered, self._staff_access_failed)

    def staff_login(self, pin: str) -> None:
        """Forward the typed PIN to the staff access service, off the UI thread.

        The service decides (hash, lockout, alert); the answer opens the panel, or
        the PIN screen shows why not. An answer for someone who has already left
        the PIN screen (idle timeout) opens nothing.
        """
        entry = self._staff_entries
        self.screen("staff_pin").checking = True

        def answered(result: Any) -> None:
            if self.current != "staff_pin" or entry != self._staff_entries:
                return
            pin_screen = self.screen("staff_pin")
            pin_screen.checking = False
            if not result.ok:
                pin_screen.refused(result.message_zh)
                return
            self.go("staff")
            self.screen("staff").action_text = result.message_zh

        self.calls.run(partial(self.runtime.staff_access.check, pin), answered, self._staff_access_failed,
                       write=True)

    def _staff_access_failed(self, error: BaseException) -> None:
        if not isinstance(error, KioskError):
            raise error
        log.warning("staff access check failed: %s", error.message_en)
        if self.current == "staff_pin":
            pin_screen = self.screen("staff_pin")
            pin_screen.checking = False
            pin_screen.refused(error.message_zh)

    def exit_app(self) -> None:
        log.info("staff asked the kiosk to exit")
        self._stopping = True
        self.stop()


def _spoken_code(code: str) -> str:
    # "A003" is read letter by letter, then the digits one by one: "A 0 0 3".
    return " ".join(code)


def _install_sigterm(callback):
    """SDL turns SIGTERM into a close request the kiosk would veto: handle it ourselves."""
    try:
        return signal.signal(signal.SIGTERM, lambda _sig, _frame: callback())
    except ValueError:  # not the main thread (never in the kiosk; possible in embedding tests)
        return None


def _progress_text(progress: Any) -> str:
    lines = [zh.PROGRESS_ITEM.format(matter=progress.matter_name, code=progress.code, status=progress.status_zh)]
    if progress.note_zh:
        lines.append(zh.PROGRESS_NOTE.format(note=progress.note_zh))
    if progress.case_number:
        due = f"{progress.due_on.month}月{progress.due_on.day}日" if progress.due_on else "以窗口告知为准"
        lines.append(zh.PROGRESS_CASE.format(case=progress.case_number, due=due))
    for step in progress.steps:
        lines.append(zh.PROGRESS_STEP.format(when=f"{step.at:%m月%d日 %H:%M}", text=step.text_zh))
    return "\n".join(lines)
