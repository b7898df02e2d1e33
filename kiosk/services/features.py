"""What this kiosk can do right now, so no screen, paper or guide promises more.

The composition root fills this in from what it actually started: the after-hours
drop-off once its flow exists and the camera works, the public pages once the
hall server serves them. Notices and guide fields that name a capability are
shown only while it is on.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Features:
    dropoff: bool = False  # the after-hours drop-off flow (自助投递) is built and its camera works
    public_pages: bool = False  # the hall server serves the QR codes' pages (progress, online guide)

    def notices(self, kiosk_settings) -> tuple[str, ...]:
        """The Home notices to rotate: the hall's own, plus those that need a feature that is on."""
        return tuple(kiosk_settings.notices) + (tuple(kiosk_settings.dropoff_notices) if self.dropoff else ())
