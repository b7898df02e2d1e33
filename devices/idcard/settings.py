"""`[devices.idcard]` settings. Pure data: importing this pulls in no serial code."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from devices.base.settings_schema import require


# Rates the SAM modules can be set to (protocol notes §4); 115200 is the factory default.
SAM_BAUD_RATES = (115200, 57600, 38400, 19200, 9600)
# A floor for the simulator's own poll period, so a typo cannot make the reader thread spin.
MIN_SIMULATOR_POLL_MS = 20


@dataclass(frozen=True)
class IdCardSettings:
    # "simulator" runs the wire-level simulator on a pty pair inside the kiosk.
    driver: Literal["simulator", "serial"] = "simulator"
    # Serial device path (e.g. /dev/ttyUSB0); empty = find by vid_pid.
    port: str = ""
    # USB-serial bridge id "VVVV:PPPP" used to find the port when `port` is empty.
    vid_pid: str = ""
    # Tried in order until the SAM module answers.
    baud_rates: tuple[int, ...] = (115200, 9600)
    poll_interval_ms: int = 300
    # Only with driver = "simulator" (tests, demos): poll the simulator this often
    # instead; 0 = poll_interval_ms. The simulator has no SAM module to protect, so a
    # card is seen and released sooner; real readers always keep the 300 ms floor.
    simulator_poll_interval_ms: int = 0
    # Same holder read again within this many seconds is not a new event.
    dedupe_seconds: float = 30.0
    # JSON file of invented holders for the simulator; empty = the packaged set.
    simulator_holders: str = ""

    @property
    def poll_seconds(self) -> float:
        """The time from one poll to the next: the simulator's own period when driving it."""
        if self.driver == "simulator" and self.simulator_poll_interval_ms:
            return self.simulator_poll_interval_ms / 1000.0
        return self.poll_interval_ms / 1000.0

    def check(self, file: str, prefix: str) -> None:
        require(self.poll_interval_ms >= 300, file, f"{prefix}.poll_interval_ms",
                f"{self.poll_interval_ms} is below 300 ms", "SAM modules need ≥ 300 ms between polls; use 300 or more")
        require(self.simulator_poll_interval_ms == 0 or self.driver == "simulator", file,
                f"{prefix}.simulator_poll_interval_ms", f'set while driver = "{self.driver}"',
                'it only applies to driver = "simulator"; remove it and use poll_interval_ms')
        require(self.simulator_poll_interval_ms == 0 or self.simulator_poll_interval_ms >= MIN_SIMULATOR_POLL_MS,
                file, f"{prefix}.simulator_poll_interval_ms",
                f"{self.simulator_poll_interval_ms} is not 0 and below {MIN_SIMULATOR_POLL_MS} ms",
                f"use 0 (poll like the hardware) or {MIN_SIMULATOR_POLL_MS} or more")
        require(bool(self.baud_rates), file, f"{prefix}.baud_rates", "empty", "use [115200, 9600]")
        unusual = [b for b in self.baud_rates if b not in SAM_BAUD_RATES]
        require(not unusual, file, f"{prefix}.baud_rates", f"{unusual} not a rate SAM modules offer",
                "use rates from 115200, 57600, 38400, 19200, 9600")
        require(self.dedupe_seconds >= 0, file, f"{prefix}.dedupe_seconds", "must not be negative", "use 30")
        if self.vid_pid:
            parts = self.vid_pid.split(":")
            ok = len(parts) == 2 and all(len(p) == 4 for p in parts)
            try:
                [int(p, 16) for p in parts]
            except ValueError:
                ok = False
            require(ok, file, f"{prefix}.vid_pid", f"{self.vid_pid!r} is not VVVV:PPPP", 'write it like "10c4:ea60"')
