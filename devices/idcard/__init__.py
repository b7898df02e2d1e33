"""Second-generation ID-card reader (SAM "AA AA AA 96 69" serial protocol).

Modules (import them directly; this package imports nothing heavy):
- `codec`: command encoding and the resynchronising stream parser.
- `holder`: `Holder` and the text-block decoder for all four card types.
- `service`: `IdCardReaderService`, its events, and `open_reader_service`.
- `simulator`: the module simulator on a pty pair (`start_simulated_reader`).
- `settings`: the `[devices.idcard]` section (pure data).
"""
