"""Layouts of the queue ticket, the drop-off receipt and the materials checklist.

Inputs are plain frozen dataclasses, independent of the queue engine, so the engine,
the drop-off service and the guides can each fill one in. A layout never prints
personal data beyond an already masked name, and only when configured to.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from devices.printer import messages_zh as zh
from devices.printer.document import Feed, PrintDocument, QrBlock, Rule, TextLine, wrapped
from devices.base.clock import HALL_TZ


def _check_masked(masked_name: str) -> None:
    # One-character names mask to themselves; anything longer must carry the mask.
    if len(masked_name) > 1 and "*" not in masked_name:
        raise ValueError("masked_name must already be masked (use devices.base.masking.mask_name)")


@dataclass(frozen=True)
class QueueTicket:
    hall_name: str
    queue_name: str
    code: str
    people_ahead: int
    wait_minutes_low: int | None
    # None = the upper bound is unknown.
    wait_minutes_high: int | None
    issued_at: dt.datetime
    qr_url: str
    masked_name: str = ""
    window_hint: str = ""
    reprint: bool = False
    # The queue engine's id of this ticket: a reprint carries the same id and code.
    ticket_id: str = ""
    # The wait as the kiosk's screen words it (lunch break, no open window …); empty: worded
    # here from the minutes.
    wait_text: str = ""

    def __post_init__(self) -> None:
        _check_masked(self.masked_name)
        if not self.code:
            raise ValueError("a ticket needs its number")


@dataclass(frozen=True)
class DropoffReceipt:
    hall_name: str
    # The submission code (8 characters without look-alikes), printed big and in the QR.
    submission_code: str
    matter_name: str
    page_count: int
    submitted_at: dt.datetime
    qr_url: str
    masked_name: str = ""
    # (material name, pages) in the guide's order.
    pages_per_material: tuple[tuple[str, int], ...] = ()
    # "12月4日（星期五）" — when staff look at it, from the hall calendar.
    review_day_text: str = ""
    # The matter's promised time limit, counted from acceptance ("受理后5个工作日内").
    time_limit_text: str = ""
    reprint: bool = False

    def __post_init__(self) -> None:
        _check_masked(self.masked_name)
        if not self.submission_code:
            raise ValueError("a receipt needs its submission code")


@dataclass(frozen=True)
class ChecklistItem:
    name: str
    form: str  # 原件 / 复印件 …
    copies: str  # "1份"
    required: str  # 必须 / 按情况


@dataclass(frozen=True)
class MaterialsChecklist:
    hall_name: str
    matter_name: str
    # ChecklistItem or plain (name, form, copies, required) tuples.
    items: tuple = field(default_factory=tuple)
    notes: tuple[str, ...] = ()
    qr_url: str = ""


def _local(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(HALL_TZ) if moment.tzinfo else moment


def format_when(moment: dt.datetime) -> str:
    local = _local(moment)
    return zh.DATE_TIME_FORMAT.format(y=local.year, m=local.month, d=local.day, hh=local.hour, mm=local.minute)


def wait_text(low: int | None, high: int | None) -> str:
    if low is None:
        return zh.LABEL_WAIT_UNKNOWN
    if high is None:
        return zh.LABEL_WAIT_AT_LEAST.format(low=low)
    if high <= low:
        return zh.LABEL_WAIT_ABOUT.format(low=low)
    return zh.LABEL_WAIT_RANGE.format(low=low, high=high)


def _big_number_scale(width_dots: int, code: str) -> int:
    # As large as the paper allows, at most 4x on 58 mm and 5x on 80 mm (beyond that the
    # number is taller than it is readable on a short ticket).
    limit = 5 if width_dots >= 512 else 4
    for scale in range(limit, 0, -1):
        if len(code) * 12 * scale <= width_dots:
            return scale
    return 1


def _largest_fitting_module(url: str, width_dots: int) -> int:
    """The largest module size at which the code and a 2-module quiet zone on each side
    (raster.qr_image's border) fit the paper; a wider picture is refused by python-escpos."""
    import qrcode

    code = qrcode.QRCode(border=0, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(url)
    code.make(fit=True)
    return max(1, width_dots // (code.modules_count + 4))


def _qr(url: str, width_dots: int, module_size: int | None) -> list:
    if not url:
        return []
    wanted = module_size or (5 if width_dots < 512 else 6)
    return [QrBlock(url, min(wanted, _largest_fitting_module(url, width_dots)))]


def queue_ticket(ticket: QueueTicket, width_dots: int, show_masked_name: bool = False,
                 qr_module_size: int | None = None) -> PrintDocument:
    blocks: list = []
    blocks += wrapped(ticket.hall_name, width_dots, 2, True, "center")
    if ticket.reprint:  # large, so staff and citizen see at a glance it is a copy
        blocks += wrapped(zh.LABEL_TICKET_TITLE + zh.LABEL_REPRINT, width_dots, 2, True, "center")
    else:
        blocks += wrapped(zh.LABEL_TICKET_TITLE, width_dots, 1, False, "center")
    blocks.append(Rule())
    blocks += wrapped(ticket.queue_name, width_dots, 2, False, "center")
    blocks.append(TextLine(ticket.code, _big_number_scale(width_dots, ticket.code), True, "center"))
    ahead = zh.LABEL_PEOPLE_AHEAD.format(n=ticket.people_ahead) if ticket.people_ahead > 0 else zh.LABEL_NOBODY_AHEAD
    blocks += wrapped(ahead, width_dots, 1, True, "center")
    blocks += wrapped(ticket.wait_text or wait_text(ticket.wait_minutes_low, ticket.wait_minutes_high), width_dots, 1,
                      False, "center")
    if ticket.window_hint:
        blocks += wrapped(zh.LABEL_WINDOW.format(window=ticket.window_hint), width_dots, 1, False, "center")
    blocks.append(Rule())
    if show_masked_name and ticket.masked_name:
        blocks += wrapped(zh.LABEL_HOLDER.format(name=ticket.masked_name), width_dots)
    blocks += wrapped(zh.LABEL_ISSUED_AT.format(when=format_when(ticket.issued_at)), width_dots)
    if ticket.ticket_id:
        blocks += wrapped(zh.LABEL_TICKET_ID.format(ticket_id=ticket.ticket_id), width_dots)
    if ticket.qr_url:
        blocks += _qr(ticket.qr_url, width_dots, qr_module_size)
        blocks += wrapped(zh.LABEL_TICKET_QR, width_dots, 1, False, "center")
    for tip in zh.LABEL_TICKET_TIPS:
        blocks += wrapped(tip, width_dots, 1, False, "center")
    return PrintDocument("queue_ticket", tuple(blocks), width_dots, key=ticket.ticket_id, reprint=ticket.reprint)


def dropoff_receipt(receipt: DropoffReceipt, width_dots: int, show_masked_name: bool = False,
                    qr_module_size: int | None = None) -> PrintDocument:
    blocks: list = []
    blocks += wrapped(receipt.hall_name, width_dots, 2, True, "center")
    title = zh.LABEL_RECEIPT_TITLE + (zh.LABEL_REPRINT if receipt.reprint else "")
    blocks += wrapped(title, width_dots, 2 if receipt.reprint else 1, receipt.reprint, "center")
    blocks.append(Rule())
    blocks += wrapped(zh.LABEL_SUBMISSION_CODE, width_dots, 1, False, "center")
    code = receipt.submission_code
    shown = f"{code[:4]} {code[4:]}" if len(code) == 8 else code
    blocks.append(TextLine(shown, _big_number_scale(width_dots, shown), True, "center"))
    blocks.append(Rule())
    blocks += wrapped(zh.LABEL_MATTER.format(matter=receipt.matter_name), width_dots)
    blocks += wrapped(zh.LABEL_PAGES.format(pages=receipt.page_count), width_dots)
    for name, pages in receipt.pages_per_material:
        blocks += wrapped(zh.LABEL_MATERIAL_PAGES.format(name=name, pages=pages), width_dots)
    if show_masked_name and receipt.masked_name:
        blocks += wrapped(zh.LABEL_SUBMITTER.format(name=receipt.masked_name), width_dots)
    blocks += wrapped(zh.LABEL_SUBMITTED_AT.format(when=format_when(receipt.submitted_at)), width_dots)
    if receipt.review_day_text:
        blocks += wrapped(zh.LABEL_REVIEW_DAY.format(day=receipt.review_day_text), width_dots)
    if receipt.time_limit_text:
        blocks += wrapped(zh.LABEL_TIME_LIMIT.format(limit=receipt.time_limit_text), width_dots)
    if receipt.qr_url:
        blocks += _qr(receipt.qr_url, width_dots, qr_module_size)
        blocks += wrapped(zh.LABEL_RECEIPT_QR, width_dots, 1, False, "center")
    for tip in zh.LABEL_RECEIPT_TIPS:
        blocks += wrapped(tip, width_dots)
    return PrintDocument("dropoff_receipt", tuple(blocks), width_dots, key="receipt:" + receipt.submission_code,
                         reprint=receipt.reprint)


def materials_checklist(checklist: MaterialsChecklist, width_dots: int, qr_module_size: int | None = None) -> PrintDocument:
    blocks: list = []
    blocks += wrapped(checklist.hall_name, width_dots, 1, False, "center")
    blocks += wrapped(zh.LABEL_CHECKLIST_TITLE, width_dots, 2, True, "center")
    blocks += wrapped(checklist.matter_name, width_dots, 1, True, "center")
    blocks.append(Rule())
    for index, item in enumerate(checklist.items, start=1):
        item = item if isinstance(item, ChecklistItem) else ChecklistItem(*item)
        blocks += wrapped(zh.LABEL_CHECKLIST_ITEM.format(index=index, name=item.name), width_dots, 1, True)
        blocks += wrapped(zh.LABEL_CHECKLIST_DETAIL.format(form=item.form, copies=item.copies, required=item.required),
                          width_dots)
    if checklist.notes:
        blocks.append(Rule())
        blocks += wrapped(zh.LABEL_CHECKLIST_NOTES, width_dots, 1, True)
        for note in checklist.notes:
            blocks += wrapped(note, width_dots)
    if checklist.qr_url:
        blocks += _qr(checklist.qr_url, width_dots, qr_module_size)
        blocks += wrapped(zh.LABEL_CHECKLIST_QR, width_dots, 1, False, "center")
    return PrintDocument("materials_checklist", tuple(blocks), width_dots)


def layout(job: object, width_dots: int, show_masked_name: bool = False,
           qr_module_size: int | None = None) -> PrintDocument:
    """The document for any printable job (a ready PrintDocument passes through)."""
    if isinstance(job, PrintDocument):
        return job
    if isinstance(job, QueueTicket):
        return queue_ticket(job, width_dots, show_masked_name, qr_module_size)
    if isinstance(job, DropoffReceipt):
        return dropoff_receipt(job, width_dots, show_masked_name, qr_module_size)
    if isinstance(job, MaterialsChecklist):
        return materials_checklist(job, width_dots, qr_module_size)
    from devices.printer.errors import UnknownPrintJob

    raise UnknownPrintJob(job)


def sample_ticket(queue_id: str, queue_name: str, hall_name: str, public_url: str, now: dt.datetime) -> QueueTicket:
    """A clearly fake ticket for `kiosk ticket render` (never a number from the queue)."""
    code = f"{queue_id}000"
    return QueueTicket(
        hall_name=hall_name, queue_name=queue_name, code=code, people_ahead=3, wait_minutes_low=10,
        wait_minutes_high=25, issued_at=now, qr_url=f"{public_url.rstrip('/')}/t/SAMPLE-{queue_id}",
        window_hint=zh.SAMPLE_WINDOW_HINT, ticket_id=f"SAMPLE-{queue_id}",
    )


def sample_receipt(hall_name: str, public_url: str, now: dt.datetime) -> DropoffReceipt:
    return DropoffReceipt(hall_name=hall_name, submission_code="SAMPLE00", matter_name=zh.SAMPLE_MATTER, page_count=4,
                          submitted_at=now, qr_url=f"{public_url.rstrip('/')}/d/SAMPLE", masked_name=zh.SAMPLE_MASKED_NAME,
                          pages_per_material=zh.SAMPLE_PAGES_PER_MATERIAL, review_day_text=zh.SAMPLE_REVIEW_DAY,
                          time_limit_text=zh.SAMPLE_TIME_LIMIT)


def sample_checklist(hall_name: str, public_url: str) -> MaterialsChecklist:
    return MaterialsChecklist(hall_name=hall_name, matter_name=zh.SAMPLE_MATTER, items=zh.SAMPLE_CHECKLIST_ITEMS,
                              notes=zh.SAMPLE_NOTES, qr_url=f"{public_url.rstrip('/')}/g/SAMPLE")
