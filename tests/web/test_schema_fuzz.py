"""The hall server against its own OpenAPI schema (schemathesis, in process over ASGI).

GIVEN a hall at 09:30 with tickets waiting and a logged-in window staff member (or manager),
WHEN schemathesis sends requests generated from /openapi.json (valid and invalid
bodies, paths and query strings) with the session cookie and the CSRF header,
THEN no answer is a 5xx and every answer matches its declared status codes,
content type and schema.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis.config import SchemathesisConfig
from hall_server import MANAGER, STAFF, login

from kiosk.web.app import create_app

# The SSE stream never ends, and logging out would end the session the other cases use.
EXCLUDED_PATHS = ("/api/live", "/api/logout")
# 12 examples per operation in the everyday suite (40 cost it a minute of CPU);
# `KIOSK_FUZZ_EXAMPLES=200 ./bootstrap.sh test tests/web/test_schema_fuzz.py` digs deeper.
EXAMPLES_PER_OPERATION = int(os.environ.get("KIOSK_FUZZ_EXAMPLES", "12"))
# A request the schema allows may still be refused for what it says (a wrong password, a locked
# account, nothing waiting at that window, an unknown queue): not 422, which would mean the
# schema let through something malformed.
ACCEPTABLE_FOR_VALID_DATA = ["2xx", "400", "401", "403", "404", "409", "423", "429"]
CONFIG = SchemathesisConfig.from_dict(
    {"checks": {"positive_data_acceptance": {"expected-statuses": ACCEPTABLE_FOR_VALID_DATA}}})


@pytest.mark.slow
@pytest.mark.parametrize("who", [STAFF, MANAGER], ids=["window_staff", "hall_manager"])
def test_every_operation_keeps_to_the_schema(hall, accounts, who):
    for queue in ("A", "A", "B", "C"):
        hall.tickets.take_number(queue)
    app = create_app(hall, poll_seconds=0.05, speech=lambda text: b"RIFF-test-audio")
    with TestClient(app) as browser:
        assert login(browser, who).status_code == 200
        cookies = dict(browser.cookies)
        headers = {"X-CSRF-Token": browser.cookies["qx_csrf"]}
        schema = schemathesis.openapi.from_asgi("/openapi.json", app, config=CONFIG).exclude(path=list(EXCLUDED_PATHS))
        failures: dict[str, str] = {}
        tried = []
        for result in schema.get_all_operations():
            operation = result.ok()
            tried.append(operation.label)

            @given(case=operation.as_strategy())
            @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None,
                      suppress_health_check=list(HealthCheck))
            def check(case):
                case.call_and_validate(cookies=cookies, headers=headers)

            try:
                check()
            except (KeyboardInterrupt, SystemExit):
                raise
            except BaseException as exc:  # noqa: BLE001 - collected, reported together below
                failures[operation.label] = f"{type(exc).__name__}: {exc}"[:3000]
    assert len(tried) >= 10, tried
    assert not failures, "\n\n".join(f"{label}\n{text}" for label, text in failures.items())
