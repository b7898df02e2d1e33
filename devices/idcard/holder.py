"""The card holder as read from the 256-byte UCS-2LE text block, for all four card types.

Layouts are in shared/data/idcard-protocol.md §2. The card type is the UCS-2
character at text offset 248: 'J' 港澳台居民居住证, 'I' old 外国人永久居留证,
'Y' 2023 外国人永久居留身份证, anything else 居民身份证. The photo and fingerprint
blocks never reach this module.

A `Holder` carries personal data: its repr/str show only masked values, and
`to_dict()` masks unless asked to reveal.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields

from devices.idcard import messages_zh as zh
from devices.idcard.errors import CardDataError
from devices.idcard.idnumber import foreigner_number_problem, resident_number_problem
from devices.idcard.nations import nation_name
from devices.base.masking import mask_id_number, mask_name

TEXT_BLOCK_SIZE = 256
TYPE_FLAG_OFFSET = 248

RESIDENT = "resident"
HMT_RESIDENCE = "hmt_residence"
FOREIGN_PERMANENT_OLD = "foreign_permanent_old"
FOREIGN_PERMANENT_2023 = "foreign_permanent_2023"
CARD_TYPES = (RESIDENT, HMT_RESIDENCE, FOREIGN_PERMANENT_OLD, FOREIGN_PERMANENT_2023)

_TYPE_FLAGS = {"J": HMT_RESIDENCE, "I": FOREIGN_PERMANENT_OLD, "Y": FOREIGN_PERMANENT_2023}
_FLAG_OF_TYPE = {card_type: flag for flag, card_type in _TYPE_FLAGS.items()}

# (field, byte offset, byte size) per card type; fields not listed are reserved.
LAYOUTS: dict[str, tuple[tuple[str, int, int], ...]] = {
    RESIDENT: (
        ("name", 0, 30), ("sex", 30, 2), ("nation", 32, 4), ("birth", 36, 16), ("address", 52, 70),
        ("number", 122, 36), ("issuer", 158, 30), ("valid_from", 188, 16), ("valid_until", 204, 16),
    ),
    HMT_RESIDENCE: (
        ("name", 0, 30), ("sex", 30, 2), ("birth", 36, 16), ("address", 52, 70), ("number", 122, 36),
        ("issuer", 158, 30), ("valid_from", 188, 16), ("valid_until", 204, 16), ("pass_number", 220, 18),
        ("issue_count", 238, 4),
    ),
    FOREIGN_PERMANENT_OLD: (
        ("english_name", 0, 120), ("sex", 120, 2), ("number", 122, 30), ("nationality", 152, 6),
        ("name", 158, 30), ("valid_from", 188, 16), ("valid_until", 204, 16), ("birth", 220, 16),
        ("card_version", 236, 4), ("issuer", 240, 8),
    ),
    FOREIGN_PERMANENT_2023: (
        ("name", 0, 30), ("sex", 30, 2), ("renewal_count", 32, 4), ("birth", 36, 16),
        ("english_name_1", 52, 70), ("number", 122, 36), ("valid_from", 188, 16), ("valid_until", 204, 16),
        ("english_name_2", 220, 22), ("nationality", 242, 6), ("previous_number_link", 250, 6),
    ),
}

# The 2023 card splits the English name over two fields (35 + 11 characters).
_ENGLISH_NAME_1_CHARS = 35


@dataclass(frozen=True, repr=False)
class Holder:
    card_type: str
    name: str
    sex: str
    birth_date: dt.date
    id_number: str
    valid_from: dt.date
    valid_until: dt.date | None  # None = 长期 (no end date)
    sex_code: str = ""
    nation: str = ""
    nation_code: str = ""
    address: str = ""
    issuer: str = ""
    english_name: str = ""
    nationality: str = ""  # ISO 3166 alpha-3 on foreigner cards
    pass_number: str = ""  # 港澳台 travel-permit number on J cards
    issue_count: str = ""
    renewal_count: str = ""
    card_version: str = ""
    previous_number_link: str = ""
    # From `30 03` when the reader has an appended address (0x91 = none).
    latest_address: str = ""

    # -- what the kiosk asks -------------------------------------------------------
    def age(self, on: dt.date) -> int:
        """Whole years on `on` (a 29 Feb birthday counts from 1 Mar in other years)."""
        years = on.year - self.birth_date.year
        if (on.month, on.day) < (self.birth_date.month, self.birth_date.day):
            years -= 1
        return years

    def is_expired(self, on: dt.date) -> bool:
        """The card is valid through its end date; 长期 never expires."""
        return self.valid_until is not None and on > self.valid_until

    @property
    def masked_id(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def masked_name(self) -> str:
        return mask_name(self.name or self.english_name)

    @property
    def card_type_zh(self) -> str:
        return zh.CARD_TYPE_NAMES[self.card_type]

    @property
    def current_address(self) -> str:
        return self.latest_address or self.address

    def with_latest_address(self, latest_address: str) -> "Holder":
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        values["latest_address"] = latest_address
        return Holder(**values)

    def to_dict(self, reveal: bool = False) -> dict:
        """Plain data for JSON; personal fields masked unless `reveal`."""
        data: dict = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, dt.date):
                value = value.isoformat()
            data[f.name] = value
        data["valid_until"] = self.valid_until.isoformat() if self.valid_until else zh.LONG_TERM
        data["card_type_zh"] = self.card_type_zh
        if not reveal:
            data["name"] = mask_name(self.name)
            data["english_name"] = mask_name(self.english_name)
            data["id_number"] = self.masked_id
            data["birth_date"] = f"{self.birth_date.year}-**-**"
            for key in ("address", "latest_address"):
                data[key] = "***" if getattr(self, key) else ""
            # A 9-character permit number masked 4+4 would show 8 of its 9 characters.
            data["pass_number"] = "***" if self.pass_number else ""
            data["previous_number_link"] = "***" if self.previous_number_link else ""
        return data

    def __repr__(self) -> str:
        until = self.valid_until.isoformat() if self.valid_until else "long-term"
        return f"Holder({self.card_type}, {self.masked_name}, {self.masked_id}, valid until {until})"

    __str__ = __repr__


# -- decoding ------------------------------------------------------------------------


def card_type_of(text_block: bytes) -> str:
    flag = text_block[TYPE_FLAG_OFFSET:TYPE_FLAG_OFFSET + 2].decode("utf-16-le", errors="replace")
    return _TYPE_FLAGS.get(flag, RESIDENT)


def _text(raw: bytes) -> str:
    # Padding is U+0020; some modules pad with NULs.
    return raw.decode("utf-16-le", errors="replace").strip(" \x00")


def _date(value: str, what: str, long_term_allowed: bool = False) -> dt.date | None:
    if long_term_allowed and value == zh.LONG_TERM:
        return None
    if len(value) != 8 or not value.isdigit():
        raise CardDataError(f"{what} is not a YYYYMMDD date", field=what)
    try:
        return dt.date(int(value[:4]), int(value[4:6]), int(value[6:]))
    except ValueError:
        raise CardDataError(f"{what} is not a calendar date", field=what) from None


def decode_text_block(text_block: bytes) -> Holder:
    """Decode the 256-byte text block; raises CardDataError (never the data itself in the message)."""
    if len(text_block) != TEXT_BLOCK_SIZE:
        raise CardDataError(f"text block is {len(text_block)} bytes, expected {TEXT_BLOCK_SIZE}")
    card_type = card_type_of(text_block)
    raw = {name: _text(text_block[offset:offset + size]) for name, offset, size in LAYOUTS[card_type]}

    sex_code = raw["sex"]
    if sex_code not in zh.SEX_NAMES:
        raise CardDataError("sex code is not 0, 1, 2 or 9", field="sex")
    birth_date = _date(raw["birth"], "birth date")
    valid_from = _date(raw["valid_from"], "valid-from date")
    valid_until = _date(raw["valid_until"], "valid-until date", long_term_allowed=True)
    if valid_until is not None and valid_until < valid_from:
        raise CardDataError("valid-until date is before valid-from date", field="valid_until")
    number = raw["number"].upper()

    extra: dict[str, str] = {}
    if card_type in (RESIDENT, HMT_RESIDENCE):
        problem = resident_number_problem(number, birth_date, sex_code)
        if card_type == HMT_RESIDENCE and problem is None and number[:2] not in ("81", "82", "83"):
            problem = "residence-permit number does not start with 81, 82 or 83"
    else:
        problem = foreigner_number_problem(number, new_format=card_type == FOREIGN_PERMANENT_2023)
    if problem:
        raise CardDataError(f"{card_type} number invalid: {problem}", field="id_number")

    if card_type == RESIDENT:
        extra["nation_code"] = raw["nation"]
        extra["nation"] = nation_name(raw["nation"])
    if card_type == FOREIGN_PERMANENT_2023:
        # A name longer than part 1 fills it and runs on into part 2 with no separator;
        # a part 1 with padding left over ended at a word, so a space joins them.
        part1 = text_block[52:122].decode("utf-16-le", errors="replace").replace("\x00", " ")
        part2 = text_block[220:242].decode("utf-16-le", errors="replace").replace("\x00", " ").rstrip(" ")
        joiner = "" if len(part1.rstrip(" ")) == _ENGLISH_NAME_1_CHARS else " "
        extra["english_name"] = (part1.strip(" ") + joiner + part2).strip(" ")
    for key in ("address", "issuer", "english_name", "nationality", "pass_number", "issue_count",
                "renewal_count", "card_version", "previous_number_link"):
        if key in raw and key not in extra:
            extra[key] = raw[key]
    return Holder(
        card_type=card_type,
        name=raw["name"],
        sex=zh.SEX_NAMES[sex_code],
        sex_code=sex_code,
        birth_date=birth_date,
        id_number=number,
        valid_from=valid_from,
        valid_until=valid_until,
        **extra,
    )


def decode_latest_address(data: bytes) -> str:
    """The `30 03` answer data: UCS-2LE text padded like the main block."""
    return _text(data[: len(data) - len(data) % 2])


# -- encoding (simulator side) -------------------------------------------------------------


def _put(block: bytearray, offset: int, size: int, value: str, what: str) -> None:
    encoded = value.encode("utf-16-le")
    if len(encoded) > size:
        raise ValueError(f"{what} does not fit in {size} bytes")
    block[offset:offset + size] = encoded + " ".encode("utf-16-le") * ((size - len(encoded)) // 2)


def encode_text_block(holder: Holder) -> bytes:
    """The 256-byte block a card of this holder carries (what the simulator sends)."""
    block = bytearray(" ".encode("utf-16-le") * (TEXT_BLOCK_SIZE // 2))
    until = holder.valid_until.strftime("%Y%m%d") if holder.valid_until else zh.LONG_TERM
    values = {
        "name": holder.name,
        "sex": holder.sex_code,
        "nation": holder.nation_code,
        "birth": holder.birth_date.strftime("%Y%m%d"),
        "address": holder.address,
        "number": holder.id_number,
        "issuer": holder.issuer,
        "valid_from": holder.valid_from.strftime("%Y%m%d"),
        "valid_until": until,
        "english_name": holder.english_name,
        "nationality": holder.nationality,
        "pass_number": holder.pass_number,
        "issue_count": holder.issue_count,
        "renewal_count": holder.renewal_count,
        "card_version": holder.card_version,
        "previous_number_link": holder.previous_number_link,
        "english_name_1": holder.english_name[:_ENGLISH_NAME_1_CHARS],
        "english_name_2": holder.english_name[_ENGLISH_NAME_1_CHARS:],
    }
    for name, offset, size in LAYOUTS[holder.card_type]:
        _put(block, offset, size, values[name], name)
    flag = _FLAG_OF_TYPE.get(holder.card_type)
    if flag:
        _put(block, TYPE_FLAG_OFFSET, 2, flag, "type flag")
    return bytes(block)


def holder_from_json(record: dict) -> Holder:
    """A simulator holder from sim_holders.json (dates ISO, `valid_until` may be 长期)."""
    values = {k: v for k, v in record.items() if not k.startswith("_") and k != "key"}
    for key in ("birth_date", "valid_from"):
        values[key] = dt.date.fromisoformat(values[key])
    until = values.get("valid_until")
    values["valid_until"] = None if until in (None, zh.LONG_TERM) else dt.date.fromisoformat(until)
    if values["card_type"] == RESIDENT and "nation_code" in values and "nation" not in values:
        values["nation"] = nation_name(values["nation_code"])
    values.setdefault("sex", zh.SEX_NAMES[values.get("sex_code", "0")])
    return Holder(**values)

