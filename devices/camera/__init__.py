"""The document camera (高拍仪): capture, page detection, finished pages and PDFs.

Kept cheap to import (no OpenCV here); the parts live in their own modules:

- `settings`      — `[devices.camera]` (pure data).
- `source`        — `CameraSource`, the interface every camera offers the service.
- `opencv_driver` — `OpenCvCamera`: a real UVC camera through cv2.VideoCapture.
- `simulator`     — `SimulatedCamera` playing a script (`Show`, `Slide`, `Unplug`), images or a video.
- `factory`       — `open_camera(settings)`: the driver or the simulator the settings ask for.
- `service`       — `CameraService(source, on_event)`, its own thread with a watchdog; pages are
                    made on a second thread so the preview never waits for them.
- `io_worker`     — `IoWorker`: the thread driver calls run on, so a hung call can be abandoned.
- `events`        — `PreviewFrame`, `PageCaptured`, `CameraProblem`, `CameraReconnected`.
- `page_detect`   — `detect_page(image, reference=None) -> Detection | None`, `PlatenReference`.
- `page_make`     — `make_page(image, detection) -> FinishedPage` (warp, upright, enhance, quality gate, codes).
- `page_orient`   — `text_direction(page)`: which way is up, from the text lines (ONNX models).
- `autocapture`   — `StillTrigger`: one capture per page.
- `bundle`        — `bundle_pdf(pages, path)` (img2pdf, JPEG bytes kept), atomic writes.
- `synthetic`     — synthetic platen frames with known corners (simulator, tests, bench).
- `messages_zh`   — every Chinese sentence shown to the citizen.
- `cli`           — `kiosk scan detect|page|pdf` and `kiosk sim camera`.
"""
