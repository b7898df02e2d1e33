"""`kiosk run`: build the touch-screen front end (the Kivy app) over the hall and run it.

With the packaged default settings this is a whole working hall on one box: the
ID-card reader and the ticket printer are simulated at the far end of real links,
and the database lives in the data directory.
"""

from __future__ import annotations

import argparse
import faulthandler
import logging
import os
import sys
import tempfile

from kiosk.privacy import PRIVATE_UMASK, make_private_dir

log = logging.getLogger("kiosk.app")


def register(cli) -> None:
    parser = cli.command("run", "start the touch-screen kiosk (simulated devices with the default settings)", _run)
    parser.add_argument("--fullscreen", action="store_true", help="kiosk mode: fullscreen, no cursor, no closing "
                        "(also [kiosk] fullscreen = true)")
    parser.add_argument("--portrait", action="store_true", help="a 1080×1920 portrait window instead of 1920×1080")
    parser.add_argument("--size", help="window size as WIDTHxHEIGHT, e.g. 1280x800")
    parser.add_argument("--at", help="run the hall clock from this local time, e.g. 2026-11-27T09:30 (demos, tests)")
    parser.add_argument("--mute", action="store_true", help="no voice prompts")
    parser.add_argument("--no-server", action="store_true",
                        help="do not run the hall server (console, display, QR pages) in this process "
                             "(also [server] with_kiosk = false; e.g. when `kiosk serve` runs separately)")


def _size(args: argparse.Namespace) -> tuple[int, int]:
    from screens.kivy_setup import LANDSCAPE, PORTRAIT

    if args.size:
        try:
            width, height = (int(part) for part in args.size.lower().split("x"))
        except ValueError:
            raise SystemExit(f"--size {args.size!r}: write it like 1920x1080") from None
        return width, height
    return PORTRAIT if args.portrait else LANDSCAPE


def _run(args: argparse.Namespace) -> int:
    from devices.base.clock import SystemClock, parse_local
    from kiosk.config import load_settings
    from devices.base.errors import KioskError

    faulthandler.enable()
    # Everything the kiosk writes (database, key, caches, Kivy's folder) is its user's
    # alone; main() has set this already, `kiosk run` says so itself in case it is
    # started some other way.
    os.umask(PRIVATE_UMASK)
    try:
        settings = load_settings(args.config)
    except KioskError as problem:
        return _out_of_service(args, problem, settings=None)
    _prepare_kivy(settings.data_dir, args.fullscreen or settings.kiosk.fullscreen, _size(args))

    from kiosk.root.runtime import OffsetClock
    from kiosk.voice import VoicePrompter
    from screens.fonts import register_cjk_font

    clock = OffsetClock(parse_local(args.at)) if args.at else SystemClock()
    try:
        runtime, idle = build_kiosk(settings, clock, serve_hall=settings.server.with_kiosk and not args.no_server)
    except KioskError as problem:  # the database cannot be opened or read, a setting the app cannot use
        return _out_of_service(args, problem, settings=settings)
    font = register_cjk_font()
    log.info("kiosk starting: hall %s, data %s, font %s", settings.hall.name, settings.data_dir, font)
    voice = VoicePrompter(enabled=settings.kiosk.voice_prompts and not args.mute,
                          wav_dir=os.environ.get("KIOSK_VOICE_WAV_DIR") or None)
    from screens.app import KioskApp

    try:
        app = KioskApp(runtime, voice=voice, idle=idle, kiosk_mode=args.fullscreen or settings.kiosk.fullscreen)
    except KioskError as problem:  # never a restart loop: the out-of-service screen says what is wrong
        voice.close()
        runtime.stop()
        return _out_of_service(args, problem, settings=settings)
    try:
        app.run()
    finally:
        voice.close()
        runtime.stop()
    log.info("kiosk stopped")
    return 0


def build_kiosk(settings, clock=None, serve_hall: bool = False):
    """What the app is handed that the settings decide, built before any window: the
    runtime (database, services, devices not yet started) and the idle timer.

    `kiosk run` and the out-of-service screen's re-check both build it here, so a
    setting the app cannot use shows 本机暂停服务 (and keeps showing it until fixed)
    instead of crashing in the app and restarting in a loop. Raises KioskError.
    `serve_hall`: the runtime runs the hall server in this process once started.
    """
    from devices.base.errors import ConfigError
    from kiosk.idle import IdleTimer
    from kiosk.root.runtime import KioskRuntime

    kiosk = settings.kiosk
    try:
        idle = IdleTimer(kiosk.idle_seconds, kiosk.idle_warning_seconds)
    except ValueError as exc:  # the settings' own check should have caught it; never crash here
        raise ConfigError(settings.source, "kiosk.idle_warning_seconds", str(exc),
                          "use a number below kiosk.idle_seconds, e.g. 15") from None
    return KioskRuntime(settings, clock, serve_hall=serve_hall), idle


def _prepare_kivy(data_dir, fullscreen: bool, size: tuple[int, int]) -> None:
    # Kivy reads these at import: nothing in ~/.kivy, no argv parsing, logs through Python logging.
    if data_dir is not None:
        make_private_dir(data_dir)
        os.environ.setdefault("KIVY_HOME", str(data_dir / "kivy"))
    elif "KIVY_HOME" not in os.environ:
        # Settings unreadable, so no data directory: a private scratch folder, and
        # marked so the restarted kiosk does not inherit it.
        os.environ["KIVY_HOME"] = tempfile.mkdtemp(prefix="qinxin-kiosk-kivy-")
        os.environ[_SCRATCH_KIVY_HOME] = os.environ["KIVY_HOME"]
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    os.environ.setdefault("KIVY_LOG_MODE", "PYTHON")
    os.environ.setdefault("KIVY_NO_FILELOG", "1")
    from screens.kivy_setup import configure_kivy

    configure_kivy(fullscreen=fullscreen, size=size)


_SCRATCH_KIVY_HOME = "KIOSK_SCRATCH_KIVY_HOME"


def _out_of_service(args: argparse.Namespace, problem, settings) -> int:
    """Show 本机暂停服务 until the kiosk can start again, then start afresh (a new process)."""
    log.error("cannot start the kiosk: %s", problem.message_en)
    fullscreen = args.fullscreen or bool(settings and settings.kiosk.fullscreen)
    _prepare_kivy(settings.data_dir if settings else None, fullscreen, _size(args))
    from screens.fonts import register_cjk_font
    from screens.out_of_service import OutOfServiceApp

    register_cjk_font()
    app = OutOfServiceApp(problem, recheck=lambda: _starts_cleanly(args))
    app.run()
    if not app.recovered:
        return 0  # stopped on purpose (SIGTERM, systemctl stop) while out of service
    scratch = os.environ.pop(_SCRATCH_KIVY_HOME, None)
    if scratch and os.environ.get("KIVY_HOME") == scratch:
        del os.environ["KIVY_HOME"]  # the restarted kiosk uses the data directory's
    os.execv(sys.executable, [sys.executable, "-m", "kiosk", *sys.argv[1:]])
    return 0  # not reached


def _starts_cleanly(args: argparse.Namespace) -> bool:
    """Build what `_run` builds before the window (settings, database, queue, idle timer): can it start now?"""
    from kiosk.config import load_settings
    from devices.base.errors import KioskError

    try:
        runtime, _idle = build_kiosk(load_settings(args.config))
        runtime.stop()
    except KioskError as problem:
        log.info("still out of service: %s", problem.message_en)
        return False
    return True
