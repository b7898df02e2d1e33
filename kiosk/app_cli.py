"""`kiosk run`: start the touch-screen app with the hall's settings.

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

from kiosk.cli import CommandLine

log = logging.getLogger("kiosk.app")


def register(cli: CommandLine) -> None:
    parser = cli.command("run", "start the touch-screen kiosk (simulated devices with the default settings)", _run)
    parser.add_argument("--fullscreen", action="store_true", help="kiosk mode: fullscreen, no cursor, no closing "
                        "(also [kiosk] fullscreen = true)")
    parser.add_argument("--portrait", action="store_true", help="a 1080×1920 portrait window instead of 1920×1080")
    parser.add_argument("--size", help="window size as WIDTHxHEIGHT, e.g. 1280x800")
    parser.add_argument("--at", help="run the hall clock from this local time, e.g. 2026-11-27T09:30 (demos, tests)")
    parser.add_argument("--mute", action="store_true", help="no voice prompts")


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
    from kiosk.clock import SystemClock, parse_local
    from kiosk.config import load_settings

    settings = load_settings(args.config)
    faulthandler.enable()
    # Kivy reads these at import: nothing in ~/.kivy, no argv parsing, logs through Python logging.
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("KIVY_HOME", str(settings.data_dir / "kivy"))
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    os.environ.setdefault("KIVY_LOG_MODE", "PYTHON")
    os.environ.setdefault("KIVY_NO_FILELOG", "1")
    from screens.kivy_setup import configure_kivy

    fullscreen = args.fullscreen or settings.kiosk.fullscreen
    configure_kivy(fullscreen=fullscreen, size=_size(args))

    from kiosk.runtime import KioskRuntime, OffsetClock
    from kiosk.voice import VoicePrompter
    from screens.fonts import register_cjk_font

    clock = OffsetClock(parse_local(args.at)) if args.at else SystemClock()
    runtime = KioskRuntime(settings, clock)
    font = register_cjk_font()
    log.info("kiosk starting: hall %s, data %s, font %s", settings.hall.name, settings.data_dir, font)
    voice = VoicePrompter(enabled=settings.kiosk.voice_prompts and not args.mute,
                          wav_dir=os.environ.get("KIOSK_VOICE_WAV_DIR") or None)
    from screens.app import KioskApp

    app = KioskApp(runtime, voice=voice, kiosk_mode=fullscreen)
    try:
        app.run()
    finally:
        voice.close()
        runtime.stop()
    log.info("kiosk stopped")
    return 0
