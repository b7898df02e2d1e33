"""`[devices.printer]` settings. Pure data: importing this pulls in no escpos code."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from devices.base.settings_schema import require

# Printable dots per line for the common paper widths at 203 dpi (58 mm -> 384, 80 mm -> 576).
DOTS_BY_PAPER_WIDTH = {58: 384, 80: 576}


def _is_hex_id(text: str) -> bool:
    try:
        return 0 < int(text, 16) <= 0xFFFF
    except ValueError:
        return False


@dataclass(frozen=True)
class PrinterSettings:
    # "simulator" starts the ESC/POS simulator on 127.0.0.1 and prints to it over TCP.
    driver: Literal["simulator", "network", "serial", "usb", "file"] = "simulator"
    host: str = "127.0.0.1"
    port: int = 9100
    serial_port: str = "/dev/ttyS0"
    baudrate: int = 9600
    usb_vendor_id: str = ""
    usb_product_id: str = ""
    usb_in_ep: int = 0x82
    usb_out_ep: int = 0x01
    file_path: str = "/dev/usb/lp0"
    paper_width_mm: Literal[58, 80] = 80
    # python-escpos capability profile name; empty = chosen from paper width
    # (POS-5890 for 58 mm, TM-T20II for 80 mm). "TM-T88V" means 512 dots.
    profile: str = ""
    # "image" renders the whole job as a raster for printers without a Chinese font.
    render_mode: Literal["text", "image"] = "text"
    qr_mode: Literal["native", "image"] = "native"
    # QR module size in dots; 0 = chosen from paper width (5 on 58 mm, 6 on 80 mm).
    qr_module_size: int = 0
    # Limit for connecting and for each write. On the file link (/dev/usb/lp0) a write
    # that makes no progress this long (usblp: paper out) ends the job unprinted.
    timeout_seconds: float = 5.0
    # Limit for one DLE EOT answer; a printer that stays silent this long is "no answer".
    status_timeout_seconds: float = 1.0
    # Some printers only have the two-byte GBK zones of GB18030; characters needing
    # four bytes are then replaced visibly. Set true only for printers with full GB18030.
    gb18030_four_byte: bool = False
    # Print the holder's masked name (张*) on the ticket.
    print_masked_name: bool = False

    def check(self, file: str, prefix: str) -> None:
        require(0 < self.port < 65536, file, f"{prefix}.port", f"{self.port} is not a TCP port", "use 9100")
        require(self.timeout_seconds > 0, file, f"{prefix}.timeout_seconds", "must be positive", "use 5")
        require(0 < self.status_timeout_seconds <= 5, file, f"{prefix}.status_timeout_seconds",
                "must be more than 0 and at most 5", "use 1")
        require(self.baudrate in (2400, 4800, 9600, 19200, 38400, 57600, 115200), file, f"{prefix}.baudrate",
                f"{self.baudrate} is not a serial printer speed", "use 9600 or 115200 (see the printer's self-test page)")
        require(0 <= self.qr_module_size <= 16, file, f"{prefix}.qr_module_size", "must be 0-16", "use 0 (automatic)")
        if self.driver == "usb":
            require(bool(self.usb_vendor_id and self.usb_product_id), file, f"{prefix}.usb_vendor_id",
                    "USB printer needs vendor and product id", 'set usb_vendor_id = "0416" and usb_product_id = "5011" (see `lsusb`)')
            require(_is_hex_id(self.usb_vendor_id), file, f"{prefix}.usb_vendor_id",
                    f"{self.usb_vendor_id!r} is not a hexadecimal USB id", 'write four hex digits like "0416"')
            require(_is_hex_id(self.usb_product_id), file, f"{prefix}.usb_product_id",
                    f"{self.usb_product_id!r} is not a hexadecimal USB id", 'write four hex digits like "5011"')
        if self.driver == "serial":
            require(bool(self.serial_port), file, f"{prefix}.serial_port", "empty", 'write the device like "/dev/ttyUSB0"')
        if self.driver == "file":
            require(bool(self.file_path), file, f"{prefix}.file_path", "empty", 'write the device like "/dev/usb/lp0"')

    @property
    def effective_profile(self) -> str:
        if self.profile:
            return self.profile
        return "POS-5890" if self.paper_width_mm == 58 else "TM-T20II"

    @property
    def effective_qr_module_size(self) -> int:
        if self.qr_module_size:
            return self.qr_module_size
        return 5 if self.paper_width_mm == 58 else 6
