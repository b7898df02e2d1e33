"""`kiosk idcard decode|read` and `kiosk sim idcard`."""

from __future__ import annotations

import argparse
import re
import signal
import sys
import threading
from pathlib import Path

from devices.idcard import messages_zh as zh
from devices.idcard.errors import CaptureFileError, IdCardError, NoCardPlaced, SimulatorHoldersError

_HEX_TEXT = re.compile(rb"^[0-9A-Fa-f\s]*$")


def register(cli) -> None:
    from devices.base.cli_output import add_json_flag

    decode = cli.command("decode", "decode a captured reader byte stream (raw bytes or hex text)", _decode,
                         group="idcard", group_help="ID-card reader")
    decode.add_argument("file", help="capture file: raw bytes, or hex text (whitespace and # comments allowed)")
    decode.add_argument("--reveal", action="store_true", help="show personal fields in clear (default: masked)")
    add_json_flag(decode)

    read = cli.command("read", "read one card from the configured reader", _read, group="idcard",
                       group_help="ID-card reader")
    read.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for a card (default 30)")
    read.add_argument("--place", metavar="HOLDER",
                      help="simulator only: place this invented holder's card (e.g. elderly, hmt)")
    read.add_argument("--reveal", action="store_true", help="show personal fields in clear (default: masked)")
    add_json_flag(read)

    sim = cli.command("idcard", "run the ID-card reader simulator on a pty (driver end published at --link)",
                      _simulate, group="sim", group_help="device simulators")
    sim.add_argument("--link", required=True, metavar="PTY",
                     help="path where the driver end of the pty pair appears (a symlink, like socat link=)")
    sim.add_argument("--baud", type=int, default=115200, help="baud rate the simulated module listens at")
    sim.add_argument("--holders", help="JSON file of invented holders (default: the packaged set)")
    sim.add_argument("--place", metavar="HOLDER", help="place this holder's card at start")
    sim.add_argument("--halt-after-read", action="store_true",
                     help="answer 'no card' for a card already read (some modules do)")


# -- decode -------------------------------------------------------------------------------


def load_capture(path: str) -> bytes:
    """Raw bytes, or hex text (any whitespace, `#` comments) turned into bytes."""
    try:
        content = Path(path).read_bytes()
    except OSError as exc:
        raise CaptureFileError(path, exc.strerror or str(exc)) from None
    without_comments = re.sub(rb"#[^\n]*", b"", content)
    if without_comments.strip() and _HEX_TEXT.match(without_comments):
        digits = re.sub(rb"\s+", b"", without_comments)
        if len(digits) % 2:
            raise CaptureFileError(path, "hex text has an odd number of digits")
        return bytes.fromhex(digits.decode("ascii"))
    return content


def describe_capture(data: bytes, reveal: bool = False) -> list[dict]:
    """Every frame and problem in a capture, as plain dicts (personal fields masked unless `reveal`)."""
    from devices.idcard import codec
    from devices.idcard.errors import CardDataError
    from devices.idcard.holder import decode_latest_address, decode_text_block

    items: list[dict] = []
    last_command: tuple[int, int] | None = None
    for item in codec.parse_all(data):
        if isinstance(item, codec.StreamProblem):
            items.append({"type": "problem", "kind": item.kind, "offset": item.offset, "size": item.size,
                          "detail": item.detail, "text": item.describe()})
            continue
        entry: dict = {"type": "frame", "offset": item.offset, "size": item.size}
        if not item.is_answer:
            last_command = item.command
            entry.update(direction="host->reader", command=" ".join(f"{b:02X}" for b in item.body[:2]),
                         name=codec.COMMAND_NAMES.get(item.command, "unknown command"))
        else:
            sw3 = item.sw3
            entry.update(direction="reader->host", sw3=f"{sw3:02X}" if sw3 is not None else None,
                         status=codec.STATUS_NAMES.get(sw3, "unknown status"), data_bytes=len(item.data))
            if not item.sw1_sw2_ok:
                entry["warning"] = f"SW1 SW2 are {item.status_words.hex(' ').upper()}, not 00 00"
            if sw3 == codec.SW_OK:
                try:
                    card = _card_from_answer(item.data, last_command, decode_text_block, decode_latest_address)
                except CardDataError as exc:
                    entry["card_error"] = exc.message_en
                else:
                    if card is not None:
                        holder_fields, extra = card
                        entry.update(extra)
                        if holder_fields is not None:
                            entry["card"] = holder_fields.to_dict(reveal=reveal)
                        if "latest_address" in entry and not reveal:
                            entry["latest_address"] = "***" if entry["latest_address"] else ""
        items.append(entry)
    return items


def _card_from_answer(data: bytes, last_command, decode_text_block, decode_latest_address):
    from devices.idcard import codec
    from devices.idcard.holder import TEXT_BLOCK_SIZE

    def length_at(offset: int) -> int:
        return int.from_bytes(data[offset:offset + 2], "big")

    if len(data) >= 4 + TEXT_BLOCK_SIZE and length_at(0) == TEXT_BLOCK_SIZE:
        text_length, photo_length = length_at(0), length_at(2)
        if len(data) == 4 + text_length + photo_length:
            return decode_text_block(data[4:4 + text_length]), {"photo_bytes": photo_length}
        if len(data) >= 6 + TEXT_BLOCK_SIZE:
            finger_length = length_at(4)
            if len(data) == 6 + text_length + photo_length + finger_length:
                # Templates are reported by size only, never decoded.
                return (decode_text_block(data[6:6 + text_length]),
                        {"photo_bytes": photo_length, "fingerprint_bytes": finger_length})
        return None
    if last_command == codec.READ_LATEST_ADDRESS and data:
        return None, {"latest_address": decode_latest_address(data)}
    return None


def _format_item(entry: dict) -> str:
    if entry["type"] == "problem":
        return f"  !! {entry['text']}"
    where = f"@{entry['offset']:<6}"
    if entry["direction"] == "host->reader":
        return f"{where} host->reader  {entry['command']}  {entry['name']}"
    line = f"{where} reader->host  SW3={entry['sw3']}  {entry['status']}, {entry['data_bytes']} data bytes"
    if "warning" in entry:
        line += f"  [{entry['warning']}]"
    if "card_error" in entry:
        line += f"\n           text block rejected: {entry['card_error']}"
    card = entry.get("card")
    if card:
        line += f"\n           {card['card_type_zh']} ({card['card_type']})"
        for key in ("name", "english_name", "sex", "nation", "nationality", "birth_date", "address", "id_number",
                    "issuer", "valid_from", "valid_until", "pass_number", "issue_count", "renewal_count",
                    "card_version", "previous_number_link"):
            if card.get(key):
                line += f"\n             {key}: {card[key]}"
        line += f"\n             photo: {entry.get('photo_bytes', 0)} bytes, not decoded"
        if "fingerprint_bytes" in entry:
            line += f"; fingerprint: {entry['fingerprint_bytes']} bytes, not decoded"
    if "latest_address" in entry:
        line += f"\n           latest address: {entry['latest_address']}"
    return line


def _decode(args: argparse.Namespace) -> int:
    from devices.base.cli_output import print_json

    data = load_capture(args.file)
    items = describe_capture(data, reveal=args.reveal)
    frames = sum(1 for i in items if i["type"] == "frame")
    problems = [i for i in items if i["type"] == "problem"]
    if args.json:
        print_json({"file": args.file, "bytes": len(data), "frames": frames, "problems": len(problems),
                    "items": items})
    else:
        print(f"{args.file}: {len(data)} bytes, {frames} frames, {len(problems)} problems")
        for entry in items:
            print(_format_item(entry))
    # Exit 0 even with junk: reporting it is the point. 3 = nothing decodable at all.
    return 0 if frames or not data else 3


# -- read ---------------------------------------------------------------------------------


def _read(args: argparse.Namespace) -> int:
    from devices.idcard.service import CardRead, IdCardReaderService, ProblemAction, ReaderProblem, with_port
    from devices.base.cli_output import print_json
    settings = args.hall_settings().devices.idcard
    simulator = None
    if settings.driver == "simulator":
        from devices.idcard.simulator import start_simulated_reader

        simulator, port = start_simulated_reader(settings)
        settings = with_port(settings, port)
        if args.place:
            simulator.place_card(args.place)
    elif args.place:
        raise IdCardError("--place works only with the simulator driver", zh.SIMULATOR_ONLY_OPTION)

    done = threading.Event()
    outcome: dict = {}

    def on_event(event) -> None:
        if isinstance(event, CardRead):
            outcome["card"] = event
            done.set()
        elif isinstance(event, ReaderProblem):
            outcome["problem"] = event
            print(f"{event.message_zh} ({event.message_en})", file=sys.stderr)

    service = IdCardReaderService(settings, on_event)
    service.start()
    try:
        if not args.json:
            print(f"{zh.WAITING_FOR_CARD} (waiting for a card)", file=sys.stderr)
        done.wait(args.timeout)
    finally:
        service.stop()
        if simulator is not None:
            simulator.stop()
    event = outcome.get("card")
    if event is None:
        problem = outcome.get("problem")
        if problem is not None and problem.action in (ProblemAction.DISCONNECTED, ProblemAction.READER_FAULT,
                                                      ProblemAction.OUT_OF_SERVICE):
            # The reader itself is the trouble: say that, not "no card".
            raise IdCardError(problem.message_en, problem.message_zh)
        raise NoCardPlaced(args.timeout)
    data = event.holder.to_dict(reveal=args.reveal)
    data.update(age=event.age, expired=event.expired)
    if args.json:
        print_json(data)
    else:
        print(f"{data['card_type_zh']}: {data['name']}  {data['id_number']}  {event.age} {zh.AGE_SUFFIX}"
              + (f"  {zh.EXPIRED_MARK}" if event.expired else ""))
    return 0


# -- simulator ------------------------------------------------------------------------------

_CONSOLE_HELP = """commands: place KEY | nonid | remove | fault SW3_HEX [STAGE [TIMES]] |
          corrupt checksum|truncate|silence [STAGE [TIMES]] | noise JUNK_BYTES [split] |
          clear | unplug | replug | list | quit"""


def _simulate(args: argparse.Namespace) -> int:
    from devices.idcard.simulator import CardReaderSimulator, SimulatedReaderLink, load_holders

    try:
        holders = load_holders(args.holders)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise SimulatorHoldersError(args.holders or "sim_holders.json", f"{type(exc).__name__}: {exc}") from None
    simulator = CardReaderSimulator(holders, halt_after_read=args.halt_after_read)
    link = SimulatedReaderLink(simulator, baud=args.baud, link_path=args.link)
    try:
        port = link.start()
    except OSError as exc:
        link.stop()
        raise IdCardError(f"cannot publish the simulated reader at {args.link}: {exc}",
                          zh.SIMULATOR_LINK_FAILED) from None
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    print(f"simulated ID-card reader at {port} ({args.baud} baud); holders: {', '.join(holders)}", flush=True)
    print(_CONSOLE_HELP, flush=True)
    if args.place:
        simulator.place_card(args.place)
    try:
        console = threading.Thread(target=_console, args=(link, simulator, stop), daemon=True)
        console.start()
        while not stop.wait(0.2):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        link.stop()
    return 0


def _console(link, simulator, stop: threading.Event) -> None:
    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        try:
            if not _console_command(words, link, simulator, stop):
                return
        except (KeyError, ValueError, IndexError) as exc:
            print(f"? {exc}\n{_CONSOLE_HELP}", flush=True)
    # stdin closed (running in the background): keep serving until a signal.


def _console_command(words: list[str], link, simulator, stop: threading.Event) -> bool:
    verb, rest = words[0], words[1:]
    if verb == "place":
        simulator.place_card(rest[0])
    elif verb == "nonid":
        simulator.place_non_id_card()
    elif verb == "remove":
        simulator.remove_card()
    elif verb in ("fault", "corrupt"):
        stage = rest[1] if len(rest) > 1 else "read"
        times = int(rest[2]) if len(rest) > 2 else 1
        if verb == "fault":
            simulator.set_fault(int(rest[0], 16), on=stage, times=times)
        else:
            simulator.set_fault(corrupt=rest[0], on=stage, times=times)
    elif verb == "noise":
        link.set_noise(int(rest[0]), split_writes="split" in rest[1:])
    elif verb == "clear":
        simulator.clear_faults()
        link.set_noise(0, False)
    elif verb == "unplug":
        link.unplug()
    elif verb == "replug":
        link.replug()
    elif verb == "list":
        for key, holder in simulator.holders.items():
            print(f"  {key:14} {holder!r}", flush=True)
    elif verb == "quit":
        stop.set()
        return False
    else:
        raise ValueError(f"unknown command {verb!r}")
    print("ok", flush=True)
    return True
