"""The hall server in a real browser: Debian's chromium, headless, driven by Playwright.

GIVEN the server running on uvicorn (in a thread, on a free port) over a fresh hall,
WHEN a manager, a window clerk, the wall display and a citizen's phone use it,
THEN the call reaches the display within a second and is announced, a recall is
announced again, and the ticket's phone page says which window to go to.
`playwright install` is never run: the system's chromium is used.
"""

from __future__ import annotations

import shutil
import socket
import threading
import time

import playwright.sync_api as playwright_api
import pytest
from hall_server import MANAGER

from kiosk.web.app import create_app

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def _system_chromium():
    # ./bootstrap.sh installs it; a missing browser is a failed check, never a quiet skip.
    assert CHROMIUM is not None, "no system chromium: run ./bootstrap.sh test (it installs chromium)"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def server(hall):
    import uvicorn

    port = _free_port()
    speech_requests = []

    def speech(text: str) -> bytes:
        speech_requests.append(text)
        return _silent_wav()

    app = create_app(hall, poll_seconds=0.1, speech=speech)
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.started, "uvicorn did not start"
    yield type("Running", (), {"url": f"http://127.0.0.1:{port}", "speech": speech_requests})
    server.should_exit = True
    thread.join(10)


@pytest.fixture
def browser():
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                    args=["--autoplay-policy=no-user-gesture-required", "--no-sandbox"])
        yield browser
        browser.close()


def _silent_wav(seconds: float = 0.3) -> bytes:
    import io
    import wave

    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(8000)
        wav.writeframes(b"\0\0" * int(8000 * seconds))
    return buffer.getvalue()


def _log_in(page, base: str, who: tuple[str, str]) -> None:
    page.goto(f"{base}/staff")
    page.fill("#username", who[0])
    page.fill("#password", who[1])
    page.click("#login-button")
    page.wait_for_selector("#window-picker, #account-form, .actions", timeout=5000)
    # The buttons work once the deferred scripts ran: on a loaded machine a click can come sooner.
    page.wait_for_load_state("load")


def test_manager_creates_staff_who_calls_and_the_display_announces(server, browser, hall):
    hall.accounts.create_manager(*MANAGER)
    first = hall.tickets.take_number("A")
    hall.tickets.take_number("A")

    # The manager creates a window clerk on the manager page.
    manager = browser.new_context().new_page()
    _log_in(manager, server.url, MANAGER)
    manager.goto(f"{server.url}/staff/accounts")
    manager.fill("#new-username", "liuyan")
    manager.fill("#new-display-name", "刘燕")
    manager.fill("#new-password", "Counter-two-22")
    manager.select_option("#new-role", "window_staff")
    manager.click("#create-button")
    manager.wait_for_function("document.getElementById('account-message').textContent.includes('已创建账号')")
    # The list reloads after the message: wait for it rather than read it at once.
    manager.wait_for_function("document.getElementById('account-rows').textContent.includes('liuyan')")

    # The wall display and the citizen's phone are open before the call.
    display = browser.new_context().new_page()
    display.goto(f"{server.url}/display")
    display.wait_for_function("window.announcer !== undefined")
    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True).new_page()
    token = hall.links.ticket(first.ticket.id).rsplit("/", 1)[1]
    phone.goto(f"{server.url}/t/{token}")
    assert "下一位就是您" in phone.inner_text("#ticket-message")
    time.sleep(0.5)  # both pages have their live feed open

    # The clerk logs in, picks window 2 and presses Space.
    clerk = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    _log_in(clerk, server.url, ("liuyan", "Counter-two-22"))
    clerk.click("[data-window='2']")
    clerk.wait_for_selector("#counter:not([hidden])")
    clerk.keyboard.press("Space")
    called_at = time.monotonic()
    clerk.wait_for_function(f"document.getElementById('current-code').textContent.startsWith('{first.code}')")

    # The display shows the call within a second of it, and queues its announcement.
    display.wait_for_function(f"document.getElementById('latest-call').textContent.includes('{first.code}号到2号窗口')",
                              timeout=1000)
    assert time.monotonic() - called_at < 1.5  # 1 s for the display plus the clerk page's own round trip
    assert first.code in display.inner_text(".window[data-window='2'] .window-code")
    entry = display.evaluate("window.announcer.log[0]")
    assert entry["text"] == f"请{first.code}号到2号窗口办理" and entry["recall"] is False
    # Spoken twice, one after the other (server audio: headless chromium has no Chinese voice).
    display.wait_for_function("window.announcer.log[0].spoken.length === 2", timeout=10000)
    spoken = display.evaluate("window.announcer.log[0].spoken")
    assert spoken[0]["at"] <= spoken[1]["at"]

    # The phone page now says where to go, without a reload.
    phone.wait_for_function("document.getElementById('ticket-message').textContent.includes('请到2号窗口')",
                            timeout=2000)
    assert phone.get_attribute("#ticket", "data-status") == "called"

    # A recall (R) is announced again, as a recall.
    clerk.keyboard.press("r")
    display.wait_for_function("window.announcer.log.length === 2", timeout=1500)
    recall = display.evaluate("window.announcer.log[1]")
    assert recall["recall"] is True and "重呼" in recall["text"]
    display.wait_for_function("window.announcer.log[1].spoken.length === 2", timeout=10000)
    # The two announcements never overlapped: the recall started after the call's second reading.
    log = display.evaluate("window.announcer.log")
    assert log[1]["spoken"][0]["at"] >= log[0]["spoken"][1]["at"]
    assert any(text.startswith("重呼") for text in server.speech)

    events = [e for e in hall.engine.events() if e["kind"] in ("call", "recall")]
    assert [e["actor"] for e in events] == ["staff:liuyan", "staff:liuyan"]


def test_the_login_page_explains_how_to_create_the_first_manager(server, browser):
    page = browser.new_page()
    page.goto(f"{server.url}/staff")
    assert "kiosk account create-manager" in page.inner_text("#no-manager")


def test_a_forged_ticket_link_shows_a_friendly_page(server, browser):
    page = browser.new_page()
    response = page.goto(f"{server.url}/t/12-abcdefghijkl")
    assert response.status == 404
    assert "没有找到这张号" in page.inner_text("main")


def test_a_clerk_sees_the_alert_opens_a_dropoff_sees_its_pages_and_accepts_it(server, browser, hall, clock):
    from hall_server import STAFF
    from dropoff_drafts import fill_draft, page_jpegs

    from devices.base.clock import parse_local

    manager = hall.accounts.create_manager(*MANAGER)
    hall.accounts.create_account(manager, *STAFF, role="window_staff")
    submitted = hall.dropoff.submit(fill_draft(hall.dropoff, page_jpegs(), unsure_pages=(4,)))
    hall.tickets.take_number("A")
    clock.set(parse_local("2026-11-27T10:10"))
    hall.thresholds.check_live()  # what the server's watch does every 5 minutes

    clerk = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    _log_in(clerk, server.url, STAFF)
    clerk.wait_for_selector("#alerts:not([hidden])")
    assert "已等候超过30分钟" in clerk.inner_text("#alert-list")
    clerk.wait_for_function("document.getElementById('dropoff-count').textContent.includes('1件待审')")
    assert clerk.query_selector("#followups-link") is None  # clerks see no 差评

    clerk.click("#dropoffs-link")
    clerk.click(f"tr[data-code='{submitted.code}']")
    clerk.wait_for_selector("#dropoff-detail:not([hidden])")
    assert submitted.code in clerk.inner_text("#detail-title")
    # All five pages arrive and decode as images.
    clerk.wait_for_function("[...document.querySelectorAll('#detail-pages img')].length === 5 && "
                            "[...document.querySelectorAll('#detail-pages img')].every(i => i.complete && i.naturalWidth > 0)",
                            timeout=10000)
    assert clerk.is_visible("#accept-button") and not clerk.is_visible("#ready-button")
    # The page whose top the kiosk could not tell says so, and can be turned to be read.
    captions = clerk.eval_on_selector_all("#detail-pages figcaption", "els => els.map(e => e.textContent)")
    assert ["未能判断方向" in c for c in captions] == [False, False, False, True, False]
    fourth = "#detail-pages figure:nth-child(4)"
    clerk.click(f"{fourth} button.turn")
    assert clerk.eval_on_selector(f"{fourth} img", "i => i.style.transform") == "rotate(90deg)"

    clerk.click("#accept-button")
    clerk.wait_for_function("document.getElementById('inbox-message').textContent.includes('已受理')")
    assert "QX202611270001" in clerk.inner_text("#inbox-message")
    assert clerk.is_visible("#ready-button") and not clerk.is_visible("#accept-button")
    view = hall.dropoff.show(submitted.code, actor="test")
    assert view.status == "accepted"
    assert ("accepted", "staff:zhaomin") in [(a[1], a[2]) for a in view.audit]
    clerk.wait_for_function(f"!document.querySelector(\"tr[data-code='{submitted.code}']\")")  # out of the inbox


def test_the_window_tablet_asks_for_a_rating_right_after_the_clerk_finishes(server, browser, hall):
    _device, token = hall.kiosk_devices.add("window-2-pad")
    tablet = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    tablet.goto(f"{server.url}/window/2#device={token}")
    tablet.wait_for_function("document.getElementById('tablet').dataset.state === 'welcome'")
    assert "#" not in tablet.url  # the token left the address bar (it stays in this browser only)
    issued = hall.tickets.take_number("A")
    hall.engine.call_next(2, actor="staff:zhaomin")
    tablet.wait_for_function("window.tablet !== undefined")
    started = time.monotonic()
    hall.engine.finish(2, actor="staff:zhaomin")  # as the console's 办结 does, from any process
    tablet.wait_for_function("document.getElementById('tablet').dataset.state === 'ask'", timeout=2000)
    print(f"rating prompt shown {time.monotonic() - started:.2f} s after the finish")
    assert issued.code in tablet.inner_text("#ask")

    tablet.click(".level-2")  # 不满意: which things were not right
    tablet.click("#submit")
    tablet.wait_for_function("document.getElementById('reasons-error').textContent.includes('原因')")
    tablet.check("input[value=slow]")
    tablet.click("#submit")
    tablet.wait_for_function("document.getElementById('tablet').dataset.state === 'thanks'")
    [rating] = hall.ratings.ratings("2026-11-27", "2026-11-27")
    assert (rating.ticket_id, rating.level, rating.channel, rating.reasons, rating.window_number) == \
        (issued.ticket.id, 2, "window", ("slow",), 2)

    stranger = browser.new_context().new_page()  # no device token, no session
    stranger.goto(f"{server.url}/window/2")
    stranger.wait_for_function("document.getElementById('tablet').dataset.state === 'refused'")
    assert "还没有授权" in stranger.inner_text("#refused")
    assert stranger.request.get(f"{server.url}/api/kiosk/windows/2/rating").status == 401
