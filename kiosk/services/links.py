"""The public addresses printed as QR codes: a ticket's progress page, a guide's page."""

from __future__ import annotations

from kiosk.privacy import HolderKey


class PublicLinks:
    def __init__(self, public_url: str, holder_key: HolderKey) -> None:
        self.base = public_url.rstrip("/")
        self.holder_key = holder_key

    def ticket(self, ticket_id: int) -> str:
        # A MAC of the id, not the id: progress pages cannot be walked by counting.
        return f"{self.base}/t/{self.holder_key.ticket_link_token(ticket_id)}"

    def guide(self, guide_id: str) -> str:
        return f"{self.base}/guides/{guide_id}"
