"""schemathesis against the bridge's own OpenAPI document, over HTTP to `ost api`: whatever it
generates — valid, invalid, absurd — the bridge answers without a server error."""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from .conftest import COORDINATOR, Bridge

EXAMPLES = int(os.environ.get("OST_SCHEMA_EXAMPLES", "30"))


@pytest.fixture(scope="module")
def api_schema(bridge: Bridge) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_url(f"{bridge.url}/openapi.json")


@pytest.fixture(scope="module")
def headers(bridge: Bridge) -> dict[str, str]:
    return {"Authorization": f"Bearer {bridge.new_key(COORDINATOR.address, 'schemathesis')[0]}"}


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_input_makes_the_bridge_fail(case: schemathesis.Case, bridge: Bridge, headers: dict[str, str]) -> None:
    case.call_and_validate(base_url=bridge.url, headers=headers, checks=[not_a_server_error])
