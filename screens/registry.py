"""The screens of the kiosk, built on first use.

Only Home is built before the first frame; the others are built one per frame just
after it (and on demand if a citizen is quicker), so start-up shows Home sooner.
"""

from __future__ import annotations

import importlib

SCREENS: dict[str, tuple[str, str]] = {
    "home": ("screens.home", "HomeScreen"),
    "card": ("screens.card", "CardScreen"),
    "queue": ("screens.queue_choice", "QueueChoiceScreen"),
    "ticket": ("screens.ticket", "TicketScreen"),
    "guides": ("screens.guides", "GuidesScreen"),
    "guide_list": ("screens.guide_list", "GuideListScreen"),
    "guide_search": ("screens.guide_search", "GuideSearchScreen"),
    "guide_detail": ("screens.guide_detail", "GuideDetailScreen"),
    "dropoff_identity": ("screens.dropoff_identity", "DropoffIdentityScreen"),
    "dropoff_matter": ("screens.dropoff_matter", "DropoffMatterScreen"),
    "dropoff_capture": ("screens.dropoff_capture", "DropoffCaptureScreen"),
    "dropoff_review": ("screens.dropoff_review", "DropoffReviewScreen"),
    "dropoff_phone": ("screens.dropoff_phone", "DropoffPhoneScreen"),
    "dropoff_consent": ("screens.dropoff_consent", "DropoffConsentScreen"),
    "dropoff_receipt": ("screens.dropoff_receipt", "DropoffReceiptScreen"),
    "dropoff_progress": ("screens.dropoff_progress", "DropoffProgressScreen"),
    "rating_lookup": ("screens.rating_lookup", "RatingLookupScreen"),
    "rating": ("screens.rating", "RatingScreen"),
    "staff_pin": ("screens.staff", "StaffPinScreen"),
    "staff": ("screens.staff", "StaffScreen"),
}


def build_screen(name: str):
    module_name, class_name = SCREENS[name]
    return getattr(importlib.import_module(module_name), class_name)(name=name)
