"""A simulated ESC/POS thermal printer on 127.0.0.1 (raw TCP, like port 9100).

It parses the byte stream as a printer does, answers DLE EOT 1..4 from a state you
can switch (ok, near_end, paper_out, cover_open, offline, error, silent), stores every
job (a job ends at a cut or when the link closes) and renders each job to a PNG with
the CJK font, so the demo and a person can see what was printed.

The same engine also serves a pty (`PtyPrinterSimulator`) so the serial driver runs
over a real serial link through pyserial.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import socketserver
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from devices.printer import messages_zh as zh
from devices.printer.errors import SimulatorError
from devices.printer.escpos_parser import parse_stream
from devices.printer.settings import DOTS_BY_PAPER_WIDTH, PrinterSettings

log = logging.getLogger("devices.printer.simulator")

# DLE EOT 1, 2, 3, 4 answers per state (escpos-notes §4.1); None = never answers.
STATE_REPLIES: dict[str, tuple[int, int, int, int] | None] = {
    "ok": (0x12, 0x12, 0x12, 0x12),
    "near_end": (0x12, 0x12, 0x12, 0x1E),
    "paper_out": (0x1A, 0x32, 0x12, 0x7E),
    "cover_open": (0x1A, 0x16, 0x12, 0x12),
    "offline": (0x1A, 0x12, 0x12, 0x12),
    "error": (0x1A, 0x52, 0x1A, 0x12),  # error occurred + autocutter error
    "silent": None,
}
STATES = tuple(STATE_REPLIES)


# -- the printer engine -----------------------------------------------------------------
@dataclass
class SimulatedJob:
    data: bytes
    state: str
    received_at: dt.datetime
    status_queries: int = 0


class _Session:
    """One connection's stream: buffers partial commands, answers status, collects a job."""

    def __init__(self, engine: "PrinterEngine") -> None:
        self.engine = engine
        self.pending = b""
        self.chinese = False  # strict: Chinese only after FS &
        self.job = bytearray()
        self.printable = False
        self.queries = 0

    def feed(self, data: bytes) -> bytes:
        self.pending += data
        commands, used, self.chinese = parse_stream(self.pending, self.chinese)
        self.pending = self.pending[used:]
        replies = bytearray()
        for command in commands:
            if command.name == "DLE EOT":
                self.queries += 1
                reply = self.engine.status_reply(command.raw[2])
                if reply is not None:
                    replies.append(reply)
                continue
            self.job += command.raw
            if command.name not in ("ESC @", "FS &", "FS .", "ESC a", "ESC E", "GS !", "DLE DC4"):
                self.printable = True
            if command.name == "GS V":
                self._finish()
        return bytes(replies)

    def _finish(self) -> None:
        if self.printable:
            self.engine.add_job(bytes(self.job), self.queries)
        self.job = bytearray()
        self.printable = False
        self.queries = 0

    def close(self) -> None:
        self.job += self.pending
        self.pending = b""
        self._finish()


class PrinterEngine:
    def __init__(self, width_dots: int = 576, state: str = "ok",
                 on_job: Callable[[int, SimulatedJob], None] | None = None) -> None:
        self.width_dots = width_dots
        self._state = "ok"
        self.set_state(state)
        self.on_job = on_job
        self._lock = threading.Lock()
        self._jobs: list[SimulatedJob] = []
        # Every DLE EOT received, answered or not.
        self.status_queries = 0
        # Tests of a yanked cable: drop the TCP link once a job has this many bytes.
        self.hang_up_after: int | None = None

    @property
    def state(self) -> str:
        return self._state

    def set_state(self, name: str) -> None:
        if name not in STATE_REPLIES:
            raise SimulatorError(f"unknown simulator state {name!r}; use one of {', '.join(STATES)}",
                                 zh.ERROR_BAD_STATE)
        self._state = name

    def status_reply(self, n: int) -> int | None:
        with self._lock:
            self.status_queries += 1
        replies = STATE_REPLIES[self._state]
        if replies is None or not 1 <= n <= 4:
            return None
        return replies[n - 1]

    def session(self) -> _Session:
        return _Session(self)

    def add_job(self, data: bytes, queries: int) -> None:
        job = SimulatedJob(data, self._state, dt.datetime.now(dt.timezone.utc), queries)
        with self._lock:
            self._jobs.append(job)
            index = len(self._jobs) - 1
        if self.on_job is not None:
            try:
                self.on_job(index, job)
            except Exception:
                log.exception("simulator job callback failed")

    @property
    def job_records(self) -> list[SimulatedJob]:
        with self._lock:
            return list(self._jobs)

    @property
    def jobs(self) -> list[bytes]:
        return [job.data for job in self.job_records]

    def clear(self) -> None:
        with self._lock:
            self._jobs.clear()

    def render_png(self, job_index: int, path: str | os.PathLike) -> Path:
        records = self.job_records
        if not -len(records) <= job_index < len(records):
            raise SimulatorError(f"no job {job_index} (the simulator holds {len(records)})", zh.ERROR_NO_SUCH_JOB)
        from devices.printer.sim_render import render_job

        image, _ = render_job(records[job_index].data, self.width_dots)
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        image.save(target)
        return target


# -- TCP transport ----------------------------------------------------------------------
class _Handler(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        engine: PrinterEngine = self.server.engine  # type: ignore[attr-defined]
        session = engine.session()
        self.request.settimeout(None)
        try:
            while True:
                try:
                    data = self.request.recv(65536)
                except OSError:
                    break
                if not data:
                    break
                reply = session.feed(data)
                if engine.hang_up_after is not None and len(session.job) >= engine.hang_up_after:
                    # The cable is pulled mid-job: drop the link without a word, not even the
                    # answers to status queries that arrived in the same read as the job's
                    # bytes (on a busy machine the whole ticket and its queries come at once).
                    self.request.shutdown(socket.SHUT_RDWR)
                    break
                if reply:
                    try:
                        self.request.sendall(reply)
                    except OSError:
                        break
        finally:
            session.close()


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


class PrinterSimulator:
    """In-process simulator: `start()` returns the port (0 = pick a free one)."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, width_dots: int = 576, state: str = "ok",
                 on_job: Callable[[int, SimulatedJob], None] | None = None) -> None:
        self.host = host
        self.requested_port = port
        self.engine = PrinterEngine(width_dots, state, on_job)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self.port: int | None = None

    def __repr__(self) -> str:
        return f"PrinterSimulator({self.host}:{self.port}, state={self.engine.state}, jobs={len(self.engine.job_records)})"

    def start(self) -> int:
        try:
            server = _Server((self.host, self.requested_port), _Handler)
        except OSError as exc:
            raise SimulatorError(f"cannot listen on {self.host}:{self.requested_port}: {exc}",
                                 zh.ERROR_SIM_PORT_BUSY, port=self.requested_port) from exc
        server.engine = self.engine  # type: ignore[attr-defined]
        self._server = server
        self.port = server.server_address[1]
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                                        name=f"printer-sim-{self.port}", daemon=True)
        self._thread.start()
        log.info("printer simulator listening on %s:%d", self.host, self.port)
        return self.port

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(2)
            self._thread = None

    def __enter__(self) -> "PrinterSimulator":
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # Delegates, so callers need not know about the engine.
    def set_state(self, name: str) -> None:
        self.engine.set_state(name)

    @property
    def state(self) -> str:
        return self.engine.state

    @property
    def jobs(self) -> list[bytes]:
        return self.engine.jobs

    @property
    def job_records(self) -> list[SimulatedJob]:
        return self.engine.job_records

    @property
    def status_queries(self) -> int:
        return self.engine.status_queries

    def render_png(self, job_index: int, path: str | os.PathLike) -> Path:
        return self.engine.render_png(job_index, path)

    def wait_for_jobs(self, count: int, timeout: float = 5.0) -> bool:
        """True once at least `count` jobs have arrived (the link closes asynchronously)."""
        import time

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.engine.job_records) >= count:
                return True
            time.sleep(0.01)
        return len(self.engine.job_records) >= count


def start_simulated_printer(settings: PrinterSettings) -> tuple[PrinterSimulator, int]:
    """For the app's composition root when `settings.driver == "simulator"`.

    Listens on `settings.port` if free, else on any free port; give the returned port
    to `TicketPrinterService(settings, port=port)`.
    """
    width = DOTS_BY_PAPER_WIDTH[settings.paper_width_mm]
    simulator = PrinterSimulator(settings.host, settings.port, width)
    try:
        port = simulator.start()
    except SimulatorError:
        simulator = PrinterSimulator(settings.host, 0, width)
        port = simulator.start()
    return simulator, port


# -- serial transport (pty) -------------------------------------------------------------
class PtyPrinterSimulator:
    """The engine at the far end of a pty pair: open `device_path` with pyserial.

    Optionally paces reading to `baudrate` (10 bits a byte, 8N1), because a pty moves
    bytes at memory speed whatever speed is configured.
    """

    def __init__(self, width_dots: int = 576, state: str = "ok", pace_baudrate: int | None = None,
                 on_job: Callable[[int, SimulatedJob], None] | None = None) -> None:
        self.engine = PrinterEngine(width_dots, state, on_job)
        self.pace_baudrate = pace_baudrate
        self._master: int | None = None
        self._slave: int | None = None
        self.device_path = ""
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.bytes_received = 0
        self.last_byte_at: float | None = None

    def start(self) -> str:
        import pty
        import tty

        self._master, self._slave = pty.openpty()
        tty.setraw(self._master)
        tty.setraw(self._slave)
        self.device_path = os.ttyname(self._slave)
        self._thread = threading.Thread(target=self._serve, name="printer-sim-pty", daemon=True)
        self._thread.start()
        return self.device_path

    def _serve(self) -> None:
        import select
        import time

        session = self.engine.session()
        chunk = 4096 if not self.pace_baudrate else max(1, self.pace_baudrate // 10 // 100)
        while not self._stop.is_set():
            ready, _, _ = select.select([self._master], [], [], 0.05)
            if not ready:
                continue
            try:
                data = os.read(self._master, chunk)
            except OSError:
                time.sleep(0.01)
                continue
            if not data:
                continue
            self.bytes_received += len(data)
            self.last_byte_at = time.monotonic()
            reply = session.feed(data)
            if reply:
                os.write(self._master, reply)
            if self.pace_baudrate:
                time.sleep(len(data) * 10 / self.pace_baudrate)
        session.close()

    def set_state(self, name: str) -> None:
        self.engine.set_state(name)

    @property
    def jobs(self) -> list[bytes]:
        return self.engine.jobs

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(2)
        for fd in (self._master, self._slave):
            if fd is not None:
                try:
                    os.close(fd)
                except OSError:
                    pass
        self._master = self._slave = None
