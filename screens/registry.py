"""The screens of the kiosk, in the order the ScreenManager holds them."""

from __future__ import annotations


def build_screens() -> list:
    from screens.card import CardScreen
    from screens.guide_detail import GuideDetailScreen
    from screens.guide_list import GuideListScreen
    from screens.guide_search import GuideSearchScreen
    from screens.guides import GuidesScreen
    from screens.home import HomeScreen
    from screens.queue_choice import QueueChoiceScreen
    from screens.staff import StaffPinScreen, StaffScreen
    from screens.ticket import TicketScreen

    return [
        HomeScreen(name="home"),
        CardScreen(name="card"),
        QueueChoiceScreen(name="queue"),
        TicketScreen(name="ticket"),
        GuidesScreen(name="guides"),
        GuideListScreen(name="guide_list"),
        GuideSearchScreen(name="guide_search"),
        GuideDetailScreen(name="guide_detail"),
        StaffPinScreen(name="staff_pin"),
        StaffScreen(name="staff"),
    ]
