"""`[devices.printer]` settings. Pure data: importing this pulls in no escpos code."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from kiosk.settings_schema import require


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
    # python-escpos capability profile name; empty = chosen from paper width.
    profile: str = ""
    # "image" renders the whole job as a raster for printers without a Chinese font.
    render_mode: Literal["text", "image"] = "text"
    qr_mode: Literal["native", "image"] = "native"
    timeout_seconds: float = 5.0
    # Print the holder's masked name (张*) on the ticket.
    print_masked_name: bool = False

    def check(self, file: str, prefix: str) -> None:
        require(0 < self.port < 65536, file, f"{prefix}.port", f"{self.port} is not a TCP port", "use 9100")
        require(self.timeout_seconds > 0, file, f"{prefix}.timeout_seconds", "must be positive", "use 5")
        if self.driver == "usb":
            require(bool(self.usb_vendor_id and self.usb_product_id), file, f"{prefix}.usb_vendor_id",
                    "USB printer needs vendor and product id", 'set usb_vendor_id = "0416" and usb_product_id = "5011" (see `lsusb`)')
