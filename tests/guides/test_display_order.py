"""A villager reading a guide on the kiosk sees what to bring before the paperwork codes."""

from kiosk.guides import labels_zh as zh
from kiosk.guides.catalogue import load_catalogue


def test_materials_and_process_come_before_codes_and_legal_basis():
    for guide in load_catalogue().guides:
        labels = [label for label, _ in guide.display_fields()]
        first_admin = min(labels.index(zh.FIELD[k]) for k in ("basic_code", "implementation_code", "legal_basis"))
        for citizen_field in ("materials", "process", "fee", "accept_window", "contact_phone"):
            assert labels.index(zh.FIELD[citizen_field]) < first_admin, (guide.id, citizen_field)
