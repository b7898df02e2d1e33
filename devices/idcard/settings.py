"""`[devices.idcard]` settings. Pure data: importing this pulls in no serial code."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from devices.base.settings_schema import require


# Rates the SAM modules can be set to (protocol notes §4); 115200 is the factory default.
SAM_BAUD_RATES = (115200, 57600, 38400, 19200, 9600)


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
    # Same holder read again within this many seconds is not a new event.
    dedupe_seconds: float = 30.0
    # JSON file of invented holders for the simulator; empty = the packaged set.
    simulator_holders: str = ""

    def check(self, file: str, prefix: str) -> None:
        require(self.poll_interval_ms >= 300, file, f"{prefix}.poll_interval_ms",
                f"{self.poll_interval_ms} is below 300 ms", "SAM modules need ≥ 300 ms between polls; use 300 or more")
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
