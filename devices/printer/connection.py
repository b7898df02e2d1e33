"""Opening a python-escpos printer from settings, and reading DLE EOT status through it.

python-escpos' own status helpers wait 60 s on a silent network printer and read an
empty serial reply as "paper adequate", so the replies are read here with a short,
per-link timeout and decoded by `devices.printer.status`.
"""

from __future__ import annotations

import logging
import socket
import time

from devices.printer.errors import PrinterDriverMissing, PrinterUnreachable
from devices.printer.settings import DOTS_BY_PAPER_WIDTH, PrinterSettings
from devices.printer.status import DLE_EOT, STATUS_QUERIES, PrinterState, PrinterStatus, decode_status

log = logging.getLogger("devices.printer")


def width_dots(settings: PrinterSettings) -> int:
    """Printable dots from the profile (TM-T88V: 512), else from the paper width."""
    from devices.printer.escpos_writer import profile_width_dots

    return profile_width_dots(settings.effective_profile, DOTS_BY_PAPER_WIDTH[settings.paper_width_mm])


def open_printer(settings: PrinterSettings, port: int | None = None):
    """A connected python-escpos printer for `settings.driver`; raises PrinterUnreachable."""
    from escpos.exceptions import DeviceNotFoundError

    profile = settings.effective_profile
    driver = settings.driver
    try:
        if driver in ("network", "simulator"):
            from escpos.printer import Network

            printer = Network(settings.host, port or settings.port, timeout=settings.timeout_seconds, profile=profile)
        elif driver == "serial":
            from escpos.printer import Serial

            if not Serial.is_usable():
                raise PrinterDriverMissing("pyserial is not installed (pip install pyserial)")
            printer = Serial(settings.serial_port, baudrate=settings.baudrate, timeout=settings.timeout_seconds,
                             profile=profile)
        elif driver == "usb":
            from escpos.printer import Usb

            if not Usb.is_usable():
                raise PrinterDriverMissing("pyusb is not installed (pip install pyusb) for the USB printer")
            printer = Usb(int(settings.usb_vendor_id, 16), int(settings.usb_product_id, 16),
                          timeout=int(settings.timeout_seconds * 1000), in_ep=settings.usb_in_ep,
                          out_ep=settings.usb_out_ep, profile=profile)
        elif driver == "file":
            # python-escpos' File, opened non-blocking: a blocking write to usblp hangs
            # while the printer is out of paper (see file_link).
            from devices.printer.file_link import NonBlockingFile

            printer = NonBlockingFile(settings.file_path, timeout=settings.timeout_seconds, profile=profile)
        else:  # the settings loader only allows the names above
            raise ValueError(f"unknown printer driver {driver!r}")
        printer.open()
        if driver == "serial" and printer.device is not None:
            # python-escpos passes only a read timeout; under hardware flow control a
            # printer that stops taking data would otherwise block the write forever.
            printer.device.write_timeout = settings.timeout_seconds
        if driver in ("network", "simulator") and printer.device is not None:
            # A status query is a 3-byte write waiting for a 1-byte answer: without
            # this, Nagle + delayed ACK add ~40 ms to each of the eight per ticket.
            printer.device.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    except (DeviceNotFoundError, OSError) as exc:
        reason = " ".join(str(exc).split())  # python-escpos puts newlines in its messages
        hint = "; start it with `kiosk sim printer`" if driver == "simulator" else ""
        raise PrinterUnreachable(f"cannot open {describe_link(settings, port)}: {reason}{hint}", driver=driver) from exc
    except Exception as exc:  # usb.core.USBError / NoBackendError and friends are not OSErrors
        if isinstance(exc, (PrinterDriverMissing, PrinterUnreachable)):
            raise
        raise PrinterUnreachable(f"cannot open {describe_link(settings, port)}: {type(exc).__name__}: {exc}",
                                 driver=driver) from exc
    return printer


def describe_link(settings: PrinterSettings, port: int | None = None) -> str:
    if settings.driver in ("network", "simulator"):
        return f"{settings.driver} printer at {settings.host}:{port or settings.port}"
    if settings.driver == "serial":
        return f"serial printer {settings.serial_port} @ {settings.baudrate} baud"
    if settings.driver == "usb":
        return f"USB printer {settings.usb_vendor_id}:{settings.usb_product_id}"
    return f"file printer {settings.file_path}"


def close_quietly(printer) -> None:
    try:
        printer.close()
    except Exception as exc:  # closing a broken link must not hide the real outcome
        log.debug("closing printer link: %s", exc)


def _link_kind(printer) -> str:
    name = type(printer).__name__
    return {"Network": "network", "Serial": "serial", "Usb": "usb"}.get(name, "none")


def _read_reply(printer, kind: str, timeout: float) -> bytes:
    device = printer.device
    if kind == "network":
        device.settimeout(timeout)
        try:
            return device.recv(16)
        except (socket.timeout, TimeoutError):
            return b""
    if kind == "serial":
        device.timeout = timeout
        return device.read(1)
    # pyusb: read(endpoint, size, timeout in ms); raises on timeout.
    try:
        return bytes(device.read(printer.in_ep, 16, max(1, int(timeout * 1000))))
    except Exception:  # usb.core.USBTimeoutError
        return b""


def _drain(printer, kind: str) -> None:
    """Drop late replies from an earlier query so they are not taken for this one's."""
    device = printer.device
    if kind == "network":
        device.settimeout(0.0)
        try:
            while device.recv(64):
                pass
        except (BlockingIOError, socket.timeout, TimeoutError, OSError):
            pass
    elif kind == "serial":
        device.reset_input_buffer()


def read_status(printer, timeout: float, restore_timeout: float | None = None) -> PrinterStatus:
    """Ask DLE EOT 1..4 and decode. Stops at the first unanswered query, so a silent
    printer costs one `timeout`, not four."""
    kind = _link_kind(printer)
    if kind == "none":
        return PrinterStatus(PrinterState.NOT_READABLE, detail=type(printer).__name__)
    replies: dict[int, bytes] = {}
    started = time.monotonic()
    try:
        _drain(printer, kind)
        if kind == "network":
            # _drain left the socket non-blocking: after a long job the send buffer may
            # still be full (the printer is busy), and the query must wait for room
            # within the write timeout instead of failing as "unreachable".
            printer.device.settimeout(restore_timeout if restore_timeout is not None else timeout)
        for n in STATUS_QUERIES:
            printer._raw(DLE_EOT + bytes([n]))
            reply = _read_reply(printer, kind, timeout)
            if not reply:
                break
            replies[n] = reply[:1]
    except OSError as exc:
        return PrinterStatus(PrinterState.UNREACHABLE, detail=f"{type(exc).__name__}: {exc}")
    finally:
        if kind == "network" and restore_timeout is not None:
            try:
                printer.device.settimeout(restore_timeout)
            except OSError:
                pass
        if kind == "serial" and restore_timeout is not None:
            printer.device.timeout = restore_timeout
    status = decode_status(replies)
    if status.state is PrinterState.NO_ANSWER:
        return PrinterStatus(status.state, status.replies,
                             detail=f"{status.detail}; waited {time.monotonic() - started:.2f} s")
    return status
