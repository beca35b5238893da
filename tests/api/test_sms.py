"""SMS receipts through Africa's Talking's own Python SDK, to a gateway on this machine that answers as Africa's
Talking's messaging API does (POST /version1/messaging, form in, JSON out): the SDK's real request, its real
answer read, a refusal kept for a later try, and the API key nowhere but in the request's header."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
from sqlalchemy import select

from api.db import Sms, utcnow
from ost_chain.phones import PhoneDesk
from tests import web
from tests.api.conftest import COORDINATOR, DEV, Bridge, Databases, Deployed, wait_until

API_KEY = "atsk_test_key_that_must_stay_in_the_header"
THANDI, SIPHO = "+27821111111", "+27822222222"  # Sipho's number the gateway refuses


class Gateway(BaseHTTPRequestHandler):
    seen: list[dict[str, Any]] = []

    def do_POST(self) -> None:
        form = {k: v[-1] for k, v in parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode()).items()}
        Gateway.seen.append({"path": self.path, "apiKey": self.headers.get("apiKey"), **form})
        ok = form.get("to") != SIPHO
        recipient = {
            "statusCode": 101 if ok else 403,
            "number": form.get("to"),
            "status": "Success" if ok else "InvalidPhoneNumber",
            "cost": "ZAR 0.2000" if ok else "0",
            "messageId": "ATXid_1" if ok else "None",
        }
        body = json.dumps({"SMSMessageData": {"Message": "Sent to 1/1", "Recipients": [recipient]}}).encode()
        self.send_response(201)
        self.send_header("Content-Type", "application/json")  # exactly: the SDK reads JSON only then
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def gateway() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Gateway)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    Gateway.seen = []
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.mark.databases("postgresql")
def test_receipts_are_sent_through_the_sdk_and_a_refusal_waits_for_a_later_try(
    fresh_town: Deployed, databases: Databases, gateway: str
) -> None:
    d = fresh_town
    database = databases.url("sms")
    env = {
        "OST_BRIDGE__SMS_USERNAME": "ost-town",
        "OST_BRIDGE__SMS_API_KEY": API_KEY,
        "OST_BRIDGE__SMS_SENDER_ID": "OSTTOWN",
        "OST_BRIDGE__SMS_API_URL": gateway,
    }
    bridge = Bridge(d, database, env=env).start()
    try:
        desk = PhoneDesk(d.town, bridge.url)
        where = {n: desk.sign_up(DEV[2], n, name)["address"] for n, name in ((THANDI, "Thandi"), (SIPHO, "Sipho"))}
        key, _ = bridge.new_key(COORDINATOR.address)
        for n, address in enumerate(where.values()):
            shift = {"participationId": f"sms-{n}", "member": address, "projectId": 1, "hours": 3}
            posted = web.post(f"{bridge.url}/v1/participations", json=shift, headers={"Authorization": f"Bearer {key}"})
            assert posted.status_code == 202, posted.text

        def outbox() -> dict[str, Sms]:
            with bridge.session() as session:
                return {s.phone: s for s in session.scalars(select(Sms))}

        wait_until(lambda: outbox().get(THANDI) is not None and outbox()[THANDI].status == "sent", timeout=60)
        wait_until(lambda: outbox().get(SIPHO) is not None and outbox()[SIPHO].attempts == 1, timeout=60)
        sent, refused = outbox()[THANDI], outbox()[SIPHO]
        assert sent.sent_at is not None and sent.error is None
        assert (refused.status, refused.error) == ("queued", "InvalidPhoneNumber")  # kept, with the gateway's word
        assert refused.not_before is not None and refused.not_before > utcnow() + timedelta(seconds=30)  # not at once
        to_thandi = [s for s in Gateway.seen if s["to"] == THANDI]
        assert to_thandi == [
            {
                "path": "/version1/messaging",
                "apiKey": API_KEY,
                "username": "ost-town",
                "to": THANDI,
                "message": "You earned 1 INF for 180 minutes of work.",
                "bulkSMSMode": "1",
                "from": "OSTTOWN",
            }
        ]  # once: a sent receipt is not sent again
        assert len([s for s in Gateway.seen if s["to"] == SIPHO]) == 1  # and a refused one waits its turn
    finally:
        bridge.stop()
    files = [bridge.log] + ([Path(database.removeprefix("sqlite:///"))] if database.startswith("sqlite") else [])
    assert all(API_KEY not in p.read_bytes().decode("latin-1") for p in files if p.exists())
