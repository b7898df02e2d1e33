"""Function keys that drive the simulated devices in `kiosk run` (see README "The touch screen").

With the default settings nobody can lay a real card on the reader or open the
printer's cover, so the keys do it. F9 lays a page on the simulated document camera
(each press another page) and F10 takes it away. With real devices configured they do nothing.
"""

from __future__ import annotations

from typing import Any

SIMULATOR_KEYS: dict[str, tuple[str, str | None]] = {
    "f1": ("card", "resident"),
    "f2": ("card", "elderly"),
    "f3": ("card", "expired"),
    "f4": ("card", "hmt"),
    "f5": ("card", "foreign_2023"),
    "f6": ("non_id", None),
    "f7": ("remove", None),
    "f8": ("printer", None),
    "f9": ("camera_place", None),
    "f10": ("camera_remove", None),
}
PRINTER_STATE_CYCLE = ("ok", "near_end", "paper_out", "cover_open", "silent")


def act_on_simulator(key_name: str, reader_simulator: Any, printer_simulator: Any,
                     camera_simulator: Any = None) -> str | None:
    """Do what `key_name` means to the simulators; None if the key or that device is not simulated."""
    action = SIMULATOR_KEYS.get(key_name)
    if action is None:
        return None
    kind, argument = action
    if kind.startswith("camera_"):
        if camera_simulator is None:
            return None
        if kind == "camera_place":
            return f"page placed on the camera simulator: {camera_simulator.place_page()}"
        camera_simulator.take_page_away()
        return "page taken off the camera simulator"
    if kind == "printer":
        if printer_simulator is None:
            return None
        states = PRINTER_STATE_CYCLE
        current = getattr(printer_simulator, "state", "ok")
        following = states[(states.index(current) + 1) % len(states)] if current in states else states[0]
        printer_simulator.set_state(following)
        return f"printer simulator state: {following}"
    if reader_simulator is None:
        return None
    if kind == "card":
        reader_simulator.place_card(argument)
        return f"card placed on the reader simulator: {argument}"
    if kind == "non_id":
        reader_simulator.place_non_id_card()
        return "non-ID card placed on the reader simulator"
    reader_simulator.remove_card()
    return "card removed from the reader simulator"
