"""Offline voice prompts for each step, never blocking the UI, mutable by the citizen.

Speech is synthesised by `espeak-ng` with the Mandarin pinyin voice (`cmn-latn-pinyin`
reads Chinese characters as Mandarin; the plain `cmn` voice reads tone digits in
English). Each prompt starts a short-lived process from a worker thread; a new prompt
cuts the previous one off, so prompts never pile up behind a fast citizen. With
`wav_dir` set, prompts are written to WAV files instead of played (tests, a kiosk
without a sound card, pre-rendering).
"""

from __future__ import annotations

import collections
import hashlib
import logging
import queue
import shutil
import subprocess
import threading
from pathlib import Path

log = logging.getLogger(__name__)

DEFAULT_VOICE = "cmn-latn-pinyin"


class VoicePrompter:
    def __init__(self, enabled: bool = True, voice: str = DEFAULT_VOICE, speed_wpm: int = 150,
                 wav_dir: str | Path | None = None, program: str = "espeak-ng") -> None:
        self.voice = voice
        self.speed_wpm = speed_wpm
        self.wav_dir = Path(wav_dir) if wav_dir else None
        self.program = shutil.which(program)
        self.enabled = enabled and self.program is not None
        if enabled and self.program is None:
            log.warning("voice prompts off: %s not installed", program)
        self.muted = False
        # What was asked to be spoken (for the staff panel and tests), newest last.
        self.spoken: collections.deque[str] = collections.deque(maxlen=50)
        self.files: collections.deque[Path] = collections.deque(maxlen=50)
        self._requests: queue.Queue = queue.Queue()
        self._current: subprocess.Popen | None = None
        self._lock = threading.Lock()
        self._worker: threading.Thread | None = None

    # -- called from the UI thread: returns at once ------------------------------------------
    def say(self, text: str) -> None:
        if not text or not self.enabled or self.muted:
            return
        self.spoken.append(text)
        self._ensure_worker()
        self._drain()
        self._requests.put(text)
        self._kill_current()

    def set_muted(self, muted: bool) -> None:
        self.muted = muted
        if muted:
            self.stop()

    def stop(self) -> None:
        """Cut off whatever is being said (idle reset, mute)."""
        self._drain()
        self._kill_current()

    def close(self) -> None:
        self.stop()
        if self._worker is not None:
            self._requests.put(None)
            self._worker.join(2.0)
            self._worker = None

    # -- worker -------------------------------------------------------------------------
    def _ensure_worker(self) -> None:
        if self._worker is None or not self._worker.is_alive():
            self._worker = threading.Thread(target=self._work, name="voice", daemon=True)
            self._worker.start()

    def _drain(self) -> None:
        try:
            while True:
                self._requests.get_nowait()
        except queue.Empty:
            pass

    def _kill_current(self) -> None:
        with self._lock:
            process = self._current
        if process is not None and process.poll() is None:
            process.kill()

    def _work(self) -> None:
        while True:
            text = self._requests.get()
            if text is None:
                return
            command = [self.program, "-v", self.voice, "-s", str(self.speed_wpm)]
            target = None
            if self.wav_dir is not None:
                self.wav_dir.mkdir(parents=True, exist_ok=True)
                target = self.wav_dir / (hashlib.sha1(text.encode("utf-8")).hexdigest()[:12] + ".wav")
                command += ["-w", str(target)]
            command.append(text)
            try:
                process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                           stderr=subprocess.DEVNULL)
            except OSError as exc:
                log.warning("voice prompt failed to start: %s", exc)
                continue
            with self._lock:
                self._current = process
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
            with self._lock:
                self._current = None
            if target is not None and process.returncode == 0:
                self.files.append(target)


# The hall display's announcements (kiosk.web) are rendered to WAV on the server
# only when the display's browser has no Chinese voice of its own. The plain `cmn`
# voice, not the pinyin one above: it reads Latin letters as English letters, which
# is how halls call a number ("A 零一二号"); the digits are written as 汉字 first
# (kiosk.services.hall_board.spoken_code), so no tone digits are involved.
ANNOUNCEMENT_VOICE = "cmn"


def render_wav(text: str, voice: str = ANNOUNCEMENT_VOICE, speed_wpm: int = 140,
               program: str = "espeak-ng", timeout: float = 10.0) -> bytes | None:
    """`text` spoken as WAV bytes by espeak-ng, or None if it is not installed or fails."""
    path = shutil.which(program)
    if path is None or not text:
        return None
    try:
        result = subprocess.run([path, "-v", voice, "-s", str(speed_wpm), "--stdout", text],
                                stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout)
    except (OSError, subprocess.TimeoutExpired) as exc:
        log.warning("announcement audio failed: %s", exc)
        return None
    if result.returncode != 0 or not result.stdout.startswith(b"RIFF"):
        log.warning("announcement audio failed: espeak-ng exit %s", result.returncode)
        return None
    return result.stdout
