"""The document camera (高拍仪): capture, page detection, finished pages and PDFs.

Kept cheap to import (no OpenCV here); the parts live in their own modules:

- `settings`     — `[devices.camera]` (pure data).
- `capture`      — `CameraSource` (`OpenCvCamera`, `SimulatedCamera`), `open_camera(settings)`,
                   and `CameraService(source, on_event)` emitting `PreviewFrame`, `PageCaptured`,
                   `CameraProblem`, `CameraReconnected` from its own thread.
- `page_detect`  — `detect_page(image, reference=None) -> Detection | None`, `PlatenReference`.
- `page_make`    — `make_page(image, detection) -> FinishedPage` (warp, upright, enhance, quality gate, codes).
- `autocapture`  — `StillTrigger`: one capture per page.
- `bundle`       — `bundle_pdf(pages, path)` (img2pdf, JPEG bytes kept), atomic writes.
- `synthetic`    — synthetic platen frames with known corners (simulator, tests, bench).
- `messages_zh`  — every Chinese sentence shown to the citizen.
- `cli`          — `kiosk scan detect|page|pdf` and `kiosk sim camera`.
"""
