"""The file link (`/dev/usb/lp0`, `driver = "file"`): python-escpos' File with a write timeout.

python-escpos opens the device with `open(devfile, "wb")` and writes blocking. The
kernel's usblp driver blocks such a write for as long as the printer does not take
data (paper out, cover open, offline), so the print worker would hang for good. Here
the device is opened with O_NONBLOCK (usblp then answers EAGAIN instead of waiting)
and every write waits for writability with poll() under a deadline; after each write
it also waits, under the same deadline, until the device has taken the data (usblp
reports POLLOUT once its write URB completed; closing the device with a write still
in flight would drop it). No progress for `timeout` seconds raises
PrinterWriteStalled, an OSError, with the number of bytes the device accepted.

Importing this module imports python-escpos: `connection.open_printer` imports it
on first use only.
"""

from __future__ import annotations

import logging
import math
import os
import select
import time

from escpos.exceptions import DeviceNotFoundError
from escpos.printer import File

from devices.printer.errors import PrinterWriteStalled

log = logging.getLogger("devices.printer")

# Same as python-escpos' "wb" (a plain file is created/truncated, as before), plus
# O_NONBLOCK. On a FIFO without a reader, O_NONBLOCK makes open fail with ENXIO at
# once instead of hanging.
_OPEN_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
# usblp may report POLLOUT while a write would still answer EAGAIN (its `no_paper`
# flag); pause this long before asking again so the wait never spins.
_SPURIOUS_READY_PAUSE = 0.05


class NonBlockingFile(File):
    """python-escpos File whose writes give up after `timeout` s without progress."""

    def __init__(self, devfile: str = "", timeout: float = 5.0, *args, **kwargs) -> None:
        super().__init__(devfile, True, *args, **kwargs)
        self.timeout = float(timeout)
        # Bytes the device file accepted on this link (for logs and tests).
        self.bytes_accepted = 0

    def open(self, raise_not_found: bool = True) -> None:
        if self._device:
            self.close()
        try:
            fd = os.open(self.devfile, _OPEN_FLAGS, 0o666)
        except OSError as exc:
            self.device = None
            if raise_not_found:
                raise DeviceNotFoundError(f"Could not open the specified file {self.devfile}:\n{exc}") from exc
            log.error("file printer %s not found: %s", self.devfile, exc)
            return
        # Unbuffered: close() never flushes, so closing a stalled device cannot block.
        self.device = os.fdopen(fd, "wb", buffering=0)

    def _raw(self, msg: bytes) -> None:
        assert self.device
        fd = self.device.fileno()
        data = memoryview(bytes(msg))
        written = 0
        deadline = time.monotonic() + self.timeout
        said_ready = False
        while written < len(data):
            try:
                n = os.write(fd, data[written:])
            except BlockingIOError:
                n = 0
            if n:
                written += n
                self.bytes_accepted += n
                deadline = time.monotonic() + self.timeout
                said_ready = False
                continue
            if said_ready:  # poll said writable but the write would still block
                time.sleep(max(0.0, min(_SPURIOUS_READY_PAUSE, deadline - time.monotonic())))
            said_ready = self._wait_writable(fd, deadline, written)
        if self.auto_flush:
            self._wait_writable(fd, time.monotonic() + self.timeout, written, must_be_ready=True)

    def flush(self) -> None:
        """Wait (at most `timeout`) until the device has taken what was written."""
        if self.device:
            self._wait_writable(self.device.fileno(), time.monotonic() + self.timeout, 0, must_be_ready=True)

    def _wait_writable(self, fd: int, deadline: float, written: int, must_be_ready: bool = False) -> bool:
        """True once poll() reports the device writable (or an error/hang-up, which the
        next write turns into the real OSError); raises PrinterWriteStalled at the deadline."""
        poller = select.poll()
        poller.register(fd, select.POLLOUT)
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                waited = self.timeout
                doing = "take the data already written" if must_be_ready else "accept data"
                raise PrinterWriteStalled(
                    f"{self.devfile} did not {doing} for {waited:.1f} s "
                    f"({written} bytes of this write accepted, {self.bytes_accepted} on the link)",
                    bytes_written=written, waited=waited)
            events = poller.poll(max(1, math.ceil(remaining * 1000)))
            if not events:
                continue
            mask = events[0][1]
            if mask & select.POLLOUT or not must_be_ready:
                return True
            # POLLERR / POLLHUP / POLLNVAL while only waiting for the device to drain:
            # the device is gone or broken.
            raise OSError(f"{self.devfile} failed while sending (poll events 0x{mask:x})")
