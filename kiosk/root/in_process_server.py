"""The hall server inside `kiosk run`: uvicorn on a daemon thread over the kiosk's own hall.

One box is a complete hall: the touch screen and the hall server (counter console,
wall display, the pages behind the QR codes) share one process, one Hall and one
set of services. The socket is bound here, before uvicorn runs, so a port another
program holds is known at once (an OSError) rather than as a SystemExit deep in
uvicorn's start-up; then the thread serves until `stop()`.

The caller (KioskRuntime) turns QR links on only once `start()` returned True: a
ticket never carries a link to a server that is not answering.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from typing import Any

log = logging.getLogger(__name__)

# How long start() waits for the app's start-up (its lifespan: live feed, threshold watch).
START_TIMEOUT_SECONDS = 15.0
STOP_TIMEOUT_SECONDS = 5.0


class ServerStartFailed(Exception):
    """The hall server could not start: `reason` says why in English, for the log and the alert."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class InProcessHallServer:
    """uvicorn serving `create_app(hall)` on a daemon thread, bound to host:port."""

    def __init__(self, hall: Any, host: str, port: int) -> None:
        self.hall = hall
        self.host = host
        self.port = port
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None
        self._failure: BaseException | None = None

    @property
    def running(self) -> bool:
        return (self._server is not None and self._server.started and self._thread is not None
                and self._thread.is_alive())

    @property
    def address(self) -> str:
        """http://host:port actually bound (the port is the real one when 0 was asked)."""
        return f"http://{self.host}:{self.port}"

    def start(self) -> None:
        """Bind, start serving, wait until the app has started. Raises ServerStartFailed."""
        import uvicorn

        from kiosk.web.app import create_app

        try:
            self._socket = _bind(self.host, self.port)
        except OSError as exc:
            raise ServerStartFailed(f"cannot listen on {self.host}:{self.port}: {exc.strerror or exc}") from None
        self.port = self._socket.getsockname()[1]
        try:
            # The threshold watch's live check runs while the server does, as under `kiosk serve`.
            app = create_app(self.hall, background=(self.hall.thresholds,))
            config = uvicorn.Config(app, log_level="warning", proxy_headers=False, server_header=False,
                                    lifespan="on", access_log=False)
            self._server = uvicorn.Server(config)
        except Exception as exc:
            self._close_socket()
            raise ServerStartFailed(f"the hall server could not be built: {exc}") from exc
        self._thread = threading.Thread(target=self._serve, name="hall-server", daemon=True)
        self._thread.start()
        deadline_hit = not _wait_for(lambda: self._server.started or not self._thread.is_alive(),
                                     START_TIMEOUT_SECONDS)
        if self._server.started:
            log.info("hall server in this process on %s", self.address)
            return
        reason = (f"did not start within {START_TIMEOUT_SECONDS:.0f} s" if deadline_hit
                  else f"stopped while starting: {self._failure!r}")
        self.stop()
        raise ServerStartFailed(f"the hall server {reason}")

    def _serve(self) -> None:
        try:
            # Off the main thread uvicorn installs no signal handlers: SIGTERM stays the app's.
            self._server.run(sockets=[self._socket])
        except BaseException as exc:  # SystemExit from a failed start-up included: never the kiosk's
            self._failure = exc
            log.error("the hall server stopped: %r", exc)

    def stop(self) -> None:
        """Stop serving (idempotent): open requests finish, the live feeds end, the thread joins."""
        server, thread = self._server, self._thread
        if server is not None:
            server.should_exit = True
        if thread is not None and thread is not threading.current_thread():
            thread.join(STOP_TIMEOUT_SECONDS)
            if thread.is_alive():
                log.warning("the hall server did not stop within %.0f s", STOP_TIMEOUT_SECONDS)
                server.force_exit = True
                thread.join(STOP_TIMEOUT_SECONDS)
        self._thread = None
        self._close_socket()

    def _close_socket(self) -> None:
        if self._socket is not None:
            try:
                self._socket.close()
            except OSError:
                pass
            self._socket = None


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        # As uvicorn does: a port left in TIME_WAIT by the kiosk's last run is reusable,
        # one another program listens on is not.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
        sock.set_inheritable(True)
    except BaseException:
        sock.close()
        raise
    return sock


def _wait_for(predicate, timeout: float) -> bool:
    """Poll `predicate` (every 20 ms) until it holds or `timeout` s pass; its last answer."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return bool(predicate())
