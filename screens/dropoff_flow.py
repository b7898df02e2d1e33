"""The drop-off (自助投递) as the touch screen runs it: the citizen's draft, the camera's
events, and the steps from identity to receipt.

The app owns one `DropoffFlow`; the drop-off screens call it and never touch the
service, the camera or the draft's bytes themselves. Every service call runs off
the UI thread (`app.calls`). Camera events arrive on the camera's thread: preview
frames are reduced there (at most 640 px wide, flipped for a Kivy texture) and the
newest one replaces any the UI has not shown yet; the UI takes it at its next frame,
so a busy UI skips frames instead of falling behind; captured pages get their thumbnail there too.

Everything of the citizen (holder, typed ID number, draft pages, phone,
thumbnails, the preview) is dropped by `wipe()`: idle, 返回首页, 不同意, done.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from functools import partial
from typing import Any

from kivy.clock import Clock

from devices.base.errors import KioskError
from screens import texts_zh as zh

log = logging.getLogger(__name__)

PREVIEW_MAX_WIDTH = 640
THUMB_WIDTH = 150


@dataclass(frozen=True)
class PreviewImage:
    """One preview frame ready to blit: BGR bytes bottom row first, and the page outline."""

    pixels: bytes
    size: tuple[int, int]
    outline: tuple[tuple[float, float], ...]  # corners as fractions of the frame, y up; () = none
    hint_zh: str


@dataclass(frozen=True)
class Thumbnail:
    pixels: bytes  # BGR, bottom row first
    size: tuple[int, int]


def _reduce_frame(frame, detection) -> PreviewImage:
    import cv2

    height, width = frame.shape[:2]
    if width > PREVIEW_MAX_WIDTH:
        scale = PREVIEW_MAX_WIDTH / width
        frame = cv2.resize(frame, (PREVIEW_MAX_WIDTH, max(1, round(height * scale))), interpolation=cv2.INTER_AREA)
    outline: tuple = ()
    if detection is not None:
        dw, dh = detection.image_size
        outline = tuple((float(x) / dw, 1.0 - float(y) / dh) for x, y in detection.corners)
    small_h, small_w = frame.shape[:2]
    return PreviewImage(cv2.flip(frame, 0).tobytes(), (small_w, small_h), outline, "")


def _thumbnail(page) -> Thumbnail:
    import cv2
    import numpy as np

    image = page.image
    if image is None:
        image = cv2.imdecode(np.frombuffer(page.jpeg_bytes, np.uint8), cv2.IMREAD_REDUCED_COLOR_4)
    if image.ndim == 2:
        image = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    height, width = image.shape[:2]
    size = (THUMB_WIDTH, max(1, round(height * THUMB_WIDTH / width)))
    small = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    return Thumbnail(cv2.flip(small, 0).tobytes(), size)


class DropoffFlow:
    def __init__(self, app: Any) -> None:
        self.app = app
        self.draft: Any = None
        self.material_index = 0
        self.thumbnails: list[list[Thumbnail]] = []
        self.holder: Any = None  # from the card (also in the session, as for a ticket)
        self.typed_id_number = ""
        self.submitted: Any = None
        self.submitting = False
        self.camera_lost = False
        self._visit = 0
        # Camera thread -> UI thread hand-over: the newest preview, one waiting at most.
        self._camera_screen_open = False
        self._latest_preview: PreviewImage | None = None
        self._preview_poll: Any = None  # a Clock interval while the camera screen is open
        self._preview_lock = threading.Lock()
        self.previews_shown = 0
        self.preview_started_at = 0.0

    # -- entry ---------------------------------------------------------------------------
    def begin(self) -> None:
        """Home tile 自助投递: a fresh visit, the identity step."""
        self.wipe()
        self.app.session.wipe("new drop-off")
        self.app.session.started_at = self.app.runtime.now()
        self.app.go("dropoff_identity")
        self.app.say(zh.VOICE_DROPOFF)

    @property
    def has_identity(self) -> bool:
        return self.holder is not None or bool(self.typed_id_number)

    def card_read(self, event: Any) -> None:
        """A card read while the identity step is open."""
        screen = self.app.screen("dropoff_identity")
        if event.expired:
            self.app.session.wipe("expired card")
            screen.show_problem(zh.DROPOFF_EXPIRED)
            self.app.say(zh.DROPOFF_EXPIRED)
            return
        self.app.session.set_holder(event.holder, event.age, event.expired, "normal")
        self.holder = event.holder
        self.typed_id_number = ""
        self.app.go("dropoff_matter")

    def submit_typed_id(self, text: str) -> None:
        screen = self.app.screen("dropoff_identity")
        screen.checking = True
        visit = self._visit

        def accepted(number: str) -> None:
            if visit != self._visit:
                return
            screen.checking = False
            self.holder = None
            self.typed_id_number = number
            self.app.go("dropoff_matter")

        def refused(error: BaseException) -> None:
            if visit != self._visit:
                return
            screen.checking = False
            self._expect_kiosk_error(error)
            screen.show_problem(error.message_zh)
            self.app.say(error.message_zh)

        self.app.calls.run(partial(self.app.runtime.dropoff.check_typed_id_number, text), accepted, refused)

    # -- the matter ------------------------------------------------------------------------
    def load_matters(self, on_done) -> None:
        visit = self._visit
        self.app.calls.run(self.app.runtime.dropoff.matters,
                           lambda matters: on_done(matters) if visit == self._visit else None,
                           lambda error: on_done([]) if visit == self._visit else None)

    def choose_matter(self, matter_id: str) -> None:
        visit = self._visit
        if self.holder is not None:
            call = partial(self.app.runtime.dropoff.start, matter_id, self.holder.id_number, self.holder.name,
                           from_card=True)
        else:
            call = partial(self.app.runtime.dropoff.start, matter_id, self.typed_id_number)

        def started(draft: Any) -> None:
            if visit != self._visit:
                draft.wipe()
                return
            self._drop_draft()
            self.draft = draft
            self.material_index = 0
            self.thumbnails = [[] for _ in draft.pages]
            self.app.go("dropoff_capture")

        def refused(error: BaseException) -> None:
            self._expect_kiosk_error(error)
            if visit == self._visit:
                self.app.screen("dropoff_matter").problem = error.message_zh

        self.app.calls.run(call, started, refused)

    # -- the camera screen -----------------------------------------------------------------
    @property
    def material(self) -> Any:
        return self.draft.matter.materials[self.material_index]

    def material_count(self) -> int:
        return len(self.draft.pages[self.material_index]) if self.draft else 0

    def camera_screen_opened(self) -> None:
        with self._preview_lock:
            self._camera_screen_open = True
            self._latest_preview = None
        self.previews_shown = 0
        self.preview_started_at = time.monotonic()
        if self._preview_poll is None:
            self._preview_poll = Clock.schedule_interval(self._show_preview, 0)
        self.app.runtime.start_camera()

    def camera_screen_closed(self) -> None:
        with self._preview_lock:
            self._camera_screen_open = False
            self._latest_preview = None
        if self._preview_poll is not None:
            self._preview_poll.cancel()
            self._preview_poll = None
        self.app.runtime.stop_camera()

    @property
    def preview_fps(self) -> float:
        """Preview pictures put on screen per second since the camera screen opened (measured)."""
        seconds = time.monotonic() - self.preview_started_at
        return self.previews_shown / seconds if seconds > 0 else 0.0

    def post_camera_event(self, event: Any) -> None:
        """On the camera thread: reduce frames and thumbnails here, act on the UI thread."""
        from devices.camera.events import PageCaptured, PreviewFrame

        if isinstance(event, PreviewFrame):
            if not self._camera_screen_open:
                return
            reduced = _reduce_frame(event.frame, event.detection)
            image = PreviewImage(reduced.pixels, reduced.size, reduced.outline, event.hint_zh)
            with self._preview_lock:
                # The newest frame replaces one the UI has not shown yet; the UI picks it up
                # at its next frame (a call scheduled from this thread would wait a frame more).
                self._latest_preview = image
            return
        if isinstance(event, PageCaptured):
            if not self._camera_screen_open:
                return
            thumb = _thumbnail(event.page) if event.page.ok else None
            Clock.schedule_once(partial(self._page_captured, event, thumb, self._visit), 0)
            return
        Clock.schedule_once(partial(self._camera_state, event), 0)

    def _show_preview(self, _dt: float = 0) -> None:
        with self._preview_lock:
            image, self._latest_preview = self._latest_preview, None
        if image is None or self.app.current != "dropoff_capture":
            return
        self.previews_shown += 1
        self.app.screen("dropoff_capture").show_preview(image)

    def _camera_state(self, event: Any, _dt: float = 0) -> None:
        from devices.camera.events import CameraProblem, CameraReconnected

        if isinstance(event, CameraProblem):
            self.camera_lost = True
        elif isinstance(event, CameraReconnected):
            self.camera_lost = False
        if self.app.current == "dropoff_capture":
            self.app.screen("dropoff_capture").show_camera_state(self.camera_lost)

    def _page_captured(self, event: Any, thumb: Thumbnail | None, visit: int, _dt: float = 0) -> None:
        screen = self.app.screen("dropoff_capture")
        if visit != self._visit or self.draft is None or self.app.current != "dropoff_capture":
            return
        # Laying pages under the camera is using the kiosk, though the screen is not touched.
        self.app.idle.touch()
        page = event.page
        if not page.ok:
            # Not added: say why (the first, most important problem) and let them lay it again.
            reason = page.quality_problems[0].message_zh
            screen.show_status(zh.DROPOFF_NOT_ADDED.format(reason=reason), problem=True)
            self.app.say(reason)
            return
        draft, index = self.draft, self.material_index
        width, height = page.size_px

        def added(_page: Any) -> None:
            if visit != self._visit or self.draft is not draft:
                return
            self.thumbnails[index].append(thumb)
            if self.app.current == "dropoff_capture":
                screen.refresh()
                screen.show_status(zh.DROPOFF_PAGE_ADDED.format(n=len(draft.pages[index])))

        def refused(error: BaseException) -> None:
            self._expect_kiosk_error(error)
            if visit == self._visit:
                screen.show_status(error.message_zh, problem=True)

        self.app.calls.run(partial(self.app.runtime.dropoff.add_page, draft, index, page.jpeg_bytes, width, height,
                                   page.orientation_confident),
                           added, refused)

    def shoot(self) -> None:
        """拍照: take the page now, without waiting for it to lie still."""
        camera = self.app.runtime.camera
        if camera is not None:
            camera.capture_now()

    def retake(self) -> None:
        """重拍: the last page of this material goes."""
        screen = self.app.screen("dropoff_capture")
        pages = self.draft.pages[self.material_index]
        if not pages:
            screen.show_status(zh.DROPOFF_NOTHING_TO_REMOVE, problem=True)
            return
        pages.pop()
        thumbs = self.thumbnails[self.material_index]
        if thumbs:
            thumbs.pop()
        screen.refresh()
        screen.show_status(zh.DROPOFF_RETAKE_DONE)

    def another_page(self) -> None:
        self.app.screen("dropoff_capture").show_status(zh.DROPOFF_ANOTHER)

    def next_material(self) -> None:
        screen = self.app.screen("dropoff_capture")
        if self.material.required and not self.draft.pages[self.material_index]:
            message = zh.DROPOFF_REQUIRED_MISSING.format(name=self.material.name)
            screen.show_status(message, problem=True)
            self.app.say(message)
            return
        if self.material_index + 1 < len(self.draft.pages):
            self.material_index += 1
            screen.refresh()
            screen.show_status("")
            self.app.say(zh.DROPOFF_PLACE.format(name=self.material.name))
        else:
            self.app.go("dropoff_review")

    # -- review, phone, consent --------------------------------------------------------------
    def remove_page(self, material_index: int, page_index: int) -> None:
        pages = self.draft.pages[material_index]
        if 0 <= page_index < len(pages):
            pages.pop(page_index)
            thumbs = self.thumbnails[material_index]
            if page_index < len(thumbs):
                thumbs.pop(page_index)

    def shoot_more(self) -> None:
        self.material_index = 0
        self.app.go("dropoff_capture")

    def review_done(self) -> str:
        """"" when the pages may go on; else what is missing (said on the review screen)."""
        if self.draft.page_count == 0:
            return zh.DROPOFF_NO_PAGES
        missing = self.draft.missing_required()
        if missing:
            return zh.DROPOFF_MISSING.format(names="、".join(missing))
        self.app.go("dropoff_phone")
        return ""

    def submit_phone(self, phone: str) -> None:
        screen = self.app.screen("dropoff_phone")
        visit = self._visit

        def checked(verdict: Any) -> None:
            if visit != self._visit or self.draft is None:
                return
            if not verdict.ok:
                screen.problem = verdict.message_zh
                self.app.say(verdict.message_zh)
                return
            self.draft.phone = phone
            self.app.go("dropoff_consent")

        self.app.calls.run(partial(self.app.runtime.dropoff.check_phone, phone), checked,
                           lambda error: self._expect_kiosk_error(error))

    def consent_notice(self) -> str:
        matter = self.draft.matter if self.draft is not None else None
        return zh.DROPOFF_CONSENT_NOTICE.format(
            matter=matter.name if matter else "", department=matter.department if matter else "",
            days=self.app.settings.dropoff.scan_retention_days)

    def disagree(self) -> None:
        """不同意: nothing is submitted; the draft and everything of the citizen go."""
        log.info("drop-off consent declined: draft wiped")
        self.app.go_home("drop-off consent declined")

    def agree_and_submit(self) -> None:
        if self.submitting or self.draft is None:
            return
        screen = self.app.screen("dropoff_consent")
        draft, visit = self.draft, self._visit
        draft.consent = True
        self.submitting = True
        screen.show_saving(True)

        def saved(submitted: Any) -> None:
            self.submitting = False
            screen.show_saving(False)
            if visit != self._visit:
                return  # the citizen left meanwhile: it is stored, staff will see it
            self.submitted = submitted
            self._drop_draft()  # stored and sealed: nothing of the pages stays in memory
            self.app.screen("dropoff_receipt").show_submitted(submitted)
            self.app.go("dropoff_receipt")
            self.app.say(zh.VOICE_DROPOFF_DONE)
            self._print_receipt(submitted, visit)

        def failed(error: BaseException) -> None:
            self.submitting = False
            screen.show_saving(False)
            self._expect_kiosk_error(error)
            log.warning("drop-off not submitted: %s", error.message_en)
            if visit != self._visit:
                return
            # The draft is kept as it was: tapping 同意并提交 again tries again.
            screen.show_problem(error.message_zh)
            self.app.say(error.message_zh)

        self.app.calls.run(partial(self.app.runtime.dropoff.submit, draft, actor="kiosk"), saved, failed,
                           write=True)

    def _print_receipt(self, submitted: Any, visit: int) -> None:
        runtime = self.app.runtime

        def printed(result: Any) -> None:  # on the printer's worker
            Clock.schedule_once(lambda _dt: self._receipt_printed(result, visit), 0)

        self.app.calls.run(partial(runtime.dropoff.receipt, submitted),
                           lambda job: runtime.printing.print_receipt(job, printed))

    def _receipt_printed(self, result: Any, visit: int) -> None:
        if visit != self._visit:
            return
        self.app.screen("dropoff_receipt").show_print_result(result.printed, result.message_zh)
        if not result.printed:
            log.warning("drop-off receipt not printed: %s", result.message_en)
            self.app.say(zh.VOICE_DROPOFF_NOT_PRINTED)

    # -- leaving -----------------------------------------------------------------------------
    def _drop_draft(self) -> None:
        if self.draft is not None:
            self.draft.wipe()
        self.draft = None
        self.thumbnails = []
        self.material_index = 0

    def wipe(self) -> None:
        """Idle, 返回首页, 不同意: forget the citizen (the session's holder is wiped by the app)."""
        self._visit += 1
        if self._camera_screen_open:
            self.camera_screen_closed()
        self._drop_draft()
        self.holder = None
        self.typed_id_number = ""
        self.submitted = None
        self.camera_lost = False

    @staticmethod
    def _expect_kiosk_error(error: BaseException) -> None:
        if not isinstance(error, KioskError):
            raise error
