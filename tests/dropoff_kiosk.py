"""Driving the kiosk's drop-off (自助投递) in the app tests: a quick simulated camera,
and the steps a villager takes, each waiting on what the screen shows (no sleeps)."""

from __future__ import annotations

import dataclasses

from dropoff_drafts import ID_NUMBER, MATTER, PHONE


def with_quick_camera(settings, **changes):
    """The hall's settings with a small, quick simulated camera (the real sizes take seconds per still);
    `changes`: more [devices.camera] settings."""
    from kiosk.root.runtime import _replace_keep_source

    quick = dict(driver="simulator", simulator_source="", preview_width=640, preview_height=480,
                 still_width=1600, still_height=1200, stable_frames=4, simulator_fps=20.0, read_codes=False,
                 read_timeout_seconds=2.0, reopen_interval_seconds=0.2, frozen_frames=10)
    camera = dataclasses.replace(settings.devices.camera, **(quick | changes))
    return _replace_keep_source(settings, devices=dataclasses.replace(settings.devices, camera=camera))


def open_dropoff(kiosk, ui) -> None:
    """From Home: wait for the camera probe to turn the tile on, then tap 自助投递."""
    home = kiosk.screen("home")
    ui.wait_until(lambda: kiosk.runtime.features.dropoff, 10, "the camera probe to turn the drop-off on")
    home.refresh()
    ui.settle()
    ui.wait_until(lambda: home.ids.dropoff.get_root_window() is not None and home.dropoff_open, 5,
                  "the 自助投递 tile")
    ui.tap(home.ids.dropoff)
    assert kiosk.current == "dropoff_identity"


def key(keypad, label: str):
    for child in keypad.children:
        if child.text == label:
            return child
    raise AssertionError(f"no key {label!r} on the keypad")


def type_on(keypad, ui, text: str) -> None:
    ui.wait_until(lambda: keypad.children, 3, "the keypad keys")
    keypad.value = ""
    for char in text:
        ui.tap(key(keypad, char), frames=1)


def to_capture(kiosk, ui, card: str | None = "resident", matter: str = MATTER) -> None:
    """Identity (card or typed number) and matter: the camera screen for the first material."""
    open_dropoff(kiosk, ui)
    if card:
        kiosk.place_card(card, wait_for="dropoff_matter")
    else:
        from screens import texts_zh as zh

        keypad = kiosk.screen("dropoff_identity").ids.keypad
        type_on(keypad, ui, ID_NUMBER)
        ui.tap(key(keypad, zh.KEY_OK))
        ui.wait_until(lambda: kiosk.current == "dropoff_matter", 5, "the matter step")
    matters = kiosk.screen("dropoff_matter")
    ui.wait_until(lambda: matters.matter_button(matter) is not None, 5, "the matters")
    ui.tap(matters.matter_button(matter))
    ui.wait_until(lambda: kiosk.current == "dropoff_capture", 5, "the camera screen")


def capture_page(kiosk, ui) -> None:
    """Lay a page on the simulated platen, wait until it is in the draft, take it away again."""
    from devices.camera import messages_zh as camera_zh

    flow = kiosk.app.dropoff
    before = flow.draft.page_count
    kiosk.runtime.camera_simulator.place_page()
    ui.wait_until(lambda: flow.draft.page_count == before + 1, 60, "the page to be captured and added")
    kiosk.runtime.camera_simulator.take_page_away()
    capture = kiosk.screen("dropoff_capture")
    ui.wait_until(lambda: capture.hint == camera_zh.PLACE_PAGE, 10, "the empty platen on the preview")
    # The hint changes with the first empty frame, the auto-capture re-arms after the second
    # (autocapture.StillTrigger): a page laid down in between may count as the same page, never taken.
    ui.wait_until(lambda: kiosk.runtime.camera.trigger.armed, 10, "the camera to be ready for the next page")


def to_phone(kiosk, ui) -> None:
    """From the camera screen: 下一项材料 to the end, the review, then the phone step."""
    flow = kiosk.app.dropoff
    capture = kiosk.screen("dropoff_capture")
    while kiosk.current == "dropoff_capture":
        ui.tap(capture.ids.next_material)
    assert kiosk.current == "dropoff_review", capture.status
    ui.tap(kiosk.screen("dropoff_review").ids.next)
    assert kiosk.current == "dropoff_phone", kiosk.screen("dropoff_review").problem
    assert flow.draft is not None


def give_phone(kiosk, ui, phone: str = PHONE) -> None:
    from screens import texts_zh as zh

    keypad = kiosk.screen("dropoff_phone").ids.keypad
    type_on(keypad, ui, phone)
    ui.tap(key(keypad, zh.KEY_OK))
    ui.wait_until(lambda: kiosk.current == "dropoff_consent", 5, "the consent step")
