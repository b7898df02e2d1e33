"""The public addresses printed as QR codes: a ticket's progress page, a guide's page."""

from __future__ import annotations

from kiosk.privacy import HolderKey


class PublicLinks:
    """Addresses for QR codes, given only while something serves them.

    A QR code on paper or on screen is a promise ("scan to see how far the queue
    has got"). Until the hall server runs and serves `public_url`, `served` is
    False and every link is "" — the printer and the screens then show no QR and
    no hint at all. The composition root sets `served` when it starts the server.
    """

    def __init__(self, public_url: str, holder_key: HolderKey, served: bool = False) -> None:
        self.base = public_url.rstrip("/")
        self.holder_key = holder_key
        self.served = served and bool(self.base)

    def ticket(self, ticket_id: int) -> str:
        if not self.served:
            return ""
        # A MAC of the id, not the id: progress pages cannot be walked by counting.
        return f"{self.base}/t/{self.holder_key.ticket_link_token(ticket_id)}"

    def issued_ticket(self, issued) -> str:
        """The QR link of a ticket just issued: the one the hall server gave a second kiosk's
        ticket (its own page, under its key), else this process's `ticket()`."""
        return getattr(issued, "link", "") or self.ticket(issued.ticket.id)

    def ticket_address(self, ticket_id: int) -> str:
        """The ticket's page whether or not this process serves it ('' without a public_url).

        For staff and scripts (`kiosk ticket issue --json`), who know whether the
        hall server runs; paper and screens use `ticket()`, which promises nothing
        that is not served.
        """
        if not self.base:
            return ""
        return f"{self.base}/t/{self.holder_key.ticket_link_token(ticket_id)}"

    def guide(self, guide_id: str) -> str:
        if not self.served:
            return ""
        return f"{self.base}/guides/{guide_id}"

    def dropoff(self, code: str) -> str:
        """The receipt's QR: the progress page with the code filled in (the last 4 of
        the ID number are still asked there)."""
        if not self.served:
            return ""
        return f"{self.base}/d/{code}"
