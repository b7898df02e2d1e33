"""The kiosk killed in the middle of a drop-off, 20 times: afterwards each submission is whole or absent.

The process killed is the real Kivy kiosk (kiosk_submit_child.py): a villager's walk
through its screens with the simulators, up to the tap on 同意并提交. SIGKILL comes at
a random moment from that tap to a little after the receipt is on screen. After each
kill the hall is opened as a restart opens it (the start-up sweep) and: the database
passes integrity_check; every code the screen showed is stored, with its 5 pages and
a 5-page PDF that open; every stored submission is just as complete; no scan file is
left that no row references, no half-written `.part`, no intent file.

SIGKILL is not a power cut (the kernel still writes what was written), so this proves
the order of the steps: files sealed and fsynced, then one transaction, then the intent
removed, then the receipt; the start-up sweep removes what a dead submission left.

The 20 kills are 4 groups of 5 (pytest-xdist runs the groups side by side: starting a
Kivy process and capturing 5 pages is most of the cost). In each group the first kill
comes after the receipt, at a random moment, and measures how long tap -> receipt took;
the other four are spread over the window [tap, WINDOW x that time] (one at random in
each quarter, in random order), so each group kills on both sides of the receipt.
"""

from __future__ import annotations

import io
import os
import random
import signal
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pikepdf
import pytest
from display import start_display, stop_display

from waiting import Collected

CHILD = Path(__file__).with_name("kiosk_submit_child.py")
pytestmark = [pytest.mark.ui, pytest.mark.slow]

GROUPS = 4
KILLS_PER_GROUP = 5  # 20 in all
SEED = 20261203
# Kills land from the tap up to this multiple of the tap -> receipt time.
WINDOW = 1.25
PAGES = 5  # kiosk_submit_child.LAYOUT
# Starting the app and capturing 5 pages on two cores shared with other tests.
FLOW_TIMEOUT_SECONDS = 240
FLOW_ATTEMPTS = 3


# What the child reports (kiosk_submit_child.py), and what the reader adds once its stdout closes.
REPORTS = ("FLOW READY", "SUBMIT TAPPED", "RECEIPT SHOWN", "PRINTED")
EXITED = "EXITED"


@dataclass
class KioskChild:
    """The kiosk process and what it has reported: (word, fields, its time.monotonic()) per line."""

    process: subprocess.Popen
    log_path: Path
    reports: Collected = field(default_factory=Collected)
    _reader: threading.Thread | None = None

    @classmethod
    def start(cls, env: dict, log_path: Path) -> "KioskChild":
        with open(log_path, "w") as log_file:
            process = subprocess.Popen([sys.executable, str(CHILD)], stdout=subprocess.PIPE, stderr=log_file,
                                       text=True, env=env)
        child = cls(process, log_path)
        child._reader = threading.Thread(target=child._read, daemon=True)
        child._reader.start()
        return child

    def _read(self) -> None:
        for line in self.process.stdout:
            words = line.split()
            # The child's lines end in its time.monotonic(); the app prints lines of its own too.
            for word in REPORTS:
                if line.startswith(word):
                    self.reports((word, words[2:-1], float(words[-1])))
        self.reports((EXITED, [], time.monotonic()))

    def report(self, word: str, reports: list | None = None) -> tuple[list[str], float] | None:
        for said, fields, at in self.reports.items if reports is None else reports:
            if said == word:
                return fields, at
        return None

    def wait_for(self, word: str, timeout: float) -> tuple[list[str], float]:
        def reported(reports: list):
            found = self.report(word, reports)
            if found is None and self.report(EXITED, reports) is not None:
                raise AssertionError(f"the kiosk exited ({self.process.wait(10)}) before {word!r}:\n"
                                     f"{self.log_path.read_text(errors='replace')[-3000:]}")
            return found

        return self.reports.wait_for(reported, timeout, f"the kiosk to report {word!r}")

    def kill(self) -> None:
        """SIGKILL; once it returns, every line the kiosk printed before dying has been read."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        # A killed process stuck in an fsync dies only once the disk answers: with two suites
        # and an install on one box that took more than 10 s.
        self.process.wait(60)
        self._reader.join(60)


def _kill_moments(rng: random.Random) -> list[float | None]:
    """Per kill, where in the window it lands as a fraction of tap -> receipt; None: after the receipt,
    calibrating the rest. Every quarter of the window gets one, in random order."""
    quarter = WINDOW / 4
    spread = [rng.uniform(q * quarter, (q + 1) * quarter) for q in range(4)]
    rng.shuffle(spread)
    return [None, *spread]


@pytest.fixture
def child_display():
    """An X display of the kiosk children's own (the worker's display may hold its own window)."""
    started = start_display()
    if started is None:
        yield os.environ["DISPLAY"]
        return
    process, name = started
    try:
        yield name
    finally:
        stop_display(process)


@pytest.mark.timeout((KILLS_PER_GROUP + FLOW_ATTEMPTS) * FLOW_TIMEOUT_SECONDS)
@pytest.mark.parametrize("group", range(GROUPS))
def test_the_kiosk_killed_during_a_drop_off_leaves_each_submission_whole_or_absent(group, settings, data_dir,
                                                                                     tmp_path, child_display):
    rng = random.Random(SEED * 100 + group)
    env = dict(os.environ, DISPLAY=child_display, LP_NUM_THREADS="1", PYTHONUNBUFFERED="1")
    durations: list[float] = []  # tap -> receipt on screen, measured
    landed: list[str] = []
    shown: set[str] = set()
    checked: set[str] = set()
    for number, fraction in enumerate(_kill_moments(rng)):
        child, tapped_at = _kiosk_at_the_tap(env, tmp_path, f"{group}-{number}")
        try:
            if fraction is None:
                _code, shown_at = child.wait_for("RECEIPT SHOWN", 60)
                kill_at = shown_at + (WINDOW - 1) * (shown_at - tapped_at) * rng.random()
            else:
                kill_at = tapped_at + fraction * statistics.median(durations)
            time.sleep(max(0.0, kill_at - time.monotonic()))
        finally:
            child.kill()
        receipt = child.report("RECEIPT SHOWN")
        if receipt is not None:
            shown.add(receipt[0][0])
            durations.append(receipt[1] - tapped_at)
        stored = _check_after_restart(settings, data_dir, shown, checked)
        landed.append("after the receipt" if receipt else
                      "stored, before the receipt" if len(stored) > len(checked) else "before the commit")
        checked = stored
        print(f"group {group} kill {number}: {kill_at - tapped_at:.3f} s after the tap, {landed[-1]}"
              f" (tap -> receipt {durations[-1] if receipt else float('nan'):.3f} s)")

    assert len(landed) == KILLS_PER_GROUP
    assert "after the receipt" in landed and set(landed) - {"after the receipt"}, landed
    assert shown <= checked


def _kiosk_at_the_tap(env: dict, tmp_path: Path, name: str) -> tuple[KioskChild, float]:
    """A kiosk child that has tapped 同意并提交, and when. On a machine shared with other test runs
    the app's own waits (devices started within 15 s, a page captured within 20 s) can run out before
    the tap: such a kiosk is started again, twice at most (the flow itself is test_dropoff's)."""
    for attempt in range(1, FLOW_ATTEMPTS + 1):
        child = KioskChild.start(env, tmp_path / f"kiosk-{name}-{attempt}.log")
        try:
            return child, child.wait_for("SUBMIT TAPPED", FLOW_TIMEOUT_SECONDS)[1]
        except AssertionError as failure:
            child.kill()
            if attempt == FLOW_ATTEMPTS:
                raise
            print(f"kiosk {name} did not reach the tap (attempt {attempt}), started again: "
                  f"{str(failure).splitlines()[-1]}")
    raise AssertionError("unreachable")


def _check_after_restart(settings, data_dir: Path, shown: set[str], checked: set[str]) -> set[str]:
    """Open the hall as a restart does and check it; the codes stored (all complete)."""
    from devices.base.clock import SystemClock
    from kiosk.root.hall import open_hall

    hall = open_hall(settings, SystemClock(), enforce_hours=False)  # the start-up sweep runs here
    try:
        assert hall.store.integrity_problems() == []
        stored = {view.code: view for view in hall.dropoff.list(None)}
        assert shown <= set(stored), f"codes shown on the receipt screen are missing: {shown - set(stored)}"
        for code in set(stored) - checked:  # every submission there is complete
            assert stored[code].page_count == PAGES
            for number in range(1, PAGES + 1):
                assert hall.dropoff.page(code, number)[:3] == b"\xff\xd8\xff"
            with pikepdf.open(io.BytesIO(hall.dropoff.pdf(code))) as pdf:
                assert len(pdf.pages) == PAGES
        with hall.store.query() as conn:
            referenced = {r[0] for r in conn.execute("SELECT blob FROM dropoff_pages")}
            referenced |= {r[0] for r in conn.execute("SELECT pdf_blob FROM dropoffs")}
        on_disk = hall.dropoff.blobs.names_on_disk()
        assert on_disk == referenced, f"{len(on_disk - referenced)} orphan file(s), " \
                                      f"{len(referenced - on_disk)} missing"
        assert not list((data_dir / "scans").glob("??/.*.part"))
        assert not list((data_dir / "scans" / ".incoming").glob("*.intent"))
        return set(stored)
    finally:
        hall.close()
