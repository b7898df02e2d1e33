"""A ticket taken on the Kivy kiosk appears in the counter console: the real app with the
hall server in its process (as `kiosk run`), the console in headless chromium (Playwright,
the system's chromium, as tests/web/test_browser.py)."""

from __future__ import annotations

import dataclasses
import shutil
import socket

import playwright.sync_api as playwright_api
import pytest
from hall_server import MANAGER

pytestmark = [pytest.mark.ui, pytest.mark.slow]

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_ticket_taken_on_the_kiosk_appears_in_the_console_at_once(start_kiosk, hall_settings, ui):
    assert CHROMIUM is not None, "no system chromium: run ./bootstrap.sh test (it installs chromium)"
    port = _free_port()
    settings = dataclasses.replace(
        hall_settings, server=dataclasses.replace(hall_settings.server, port=port),
        hall=dataclasses.replace(hall_settings.hall, public_url=f"http://127.0.0.1:{port}"))
    object.__setattr__(settings, "source", hall_settings.source)
    # GIVEN the kiosk serving the hall, and a clerk at window 1 with the console open
    kiosk = start_kiosk(settings=settings, serve_hall=True)
    assert kiosk.runtime.hall_server is not None and kiosk.runtime.links.served
    kiosk.runtime.hall.accounts.create_manager(*MANAGER)
    base = f"http://127.0.0.1:{port}"
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        try:
            console = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
            console.goto(f"{base}/staff")
            console.fill("#username", MANAGER[0])
            console.fill("#password", MANAGER[1])
            console.click("#login-button")
            console.wait_for_selector("#window-picker", timeout=10000)
            console.wait_for_load_state("load")
            console.click("[data-window='1']")
            console.wait_for_selector("#counter:not([hidden])")
            assert "A001" not in console.inner_text("#queues")

            # WHEN a citizen takes a number on the touch screen
            ui.tap(kiosk.screen("home").ids.take_number)
            ui.tap(kiosk.screen("card").ids.skip_card)
            ui.tap(kiosk.screen("queue").queue_button("A"))
            assert kiosk.screen("ticket").code == "A001"

            # THEN the console lists it as waiting, without a reload (the live feed)
            console.wait_for_function("document.getElementById('queues').textContent.includes('A001')",
                                      timeout=5000)
            assert "等候 1 人" in console.inner_text("#counts")
        finally:
            browser.close()
