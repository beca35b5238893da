"""schemathesis against the bridge's own OpenAPI document, over HTTP to `ost api`: whatever it
generates — valid, invalid, absurd — the bridge answers without a server error."""

from __future__ import annotations

import os
import random

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from .conftest import COORDINATOR, MEMBERS, Bridge

EXAMPLES = int(os.environ.get("OST_SCHEMA_EXAMPLES", "20"))  # per operation; OST_SCHEMA_EXAMPLES=100 for a deeper run


@pytest.fixture(scope="module")
def api_schema(bridge: Bridge) -> schemathesis.BaseSchema:
    """The bridge's document. Every read of a town is also under /v1/towns/{town}/… (the same route, its town from
    the path): one of them stands for them all here — the town at a glance, with a generated town — so the other
    copies do not double the run."""
    document = schemathesis.openapi.from_url(f"{bridge.url}/openapi.json")
    return document.exclude(path_regex=r"^/v1/towns/\{town\}/(?!town$)")


@pytest.fixture(scope="module")
def headers(bridge: Bridge) -> dict[str, str]:
    return {"Authorization": f"Bearer {bridge.new_key(COORDINATOR.address, 'schemathesis')[0]}"}


schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.mark.databases("sqlite", "postgresql")
@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_input_makes_the_bridge_fail(case: schemathesis.Case, bridge: Bridge, headers: dict[str, str]) -> None:
    case.call_and_validate(base_url=bridge.url, headers=headers, checks=[not_a_server_error])


@pytest.mark.databases("sqlite", "postgresql")
def test_stateful_sequences_never_make_the_bridge_fail(
    api_schema: schemathesis.BaseSchema, bridge: Bridge, headers: dict[str, str]
) -> None:
    """schemathesis's stateful mode follows the document's links — submit a participation, read it back,
    record its meal, look up its member — with generated data at every step."""
    workflow = api_schema.as_state_machine()

    class Sequences(workflow):  # type: ignore[misc, valid-type]
        def get_call_kwargs(self, case: schemathesis.Case) -> dict[str, object]:
            return {"base_url": bridge.url, "headers": headers}

        def before_call(self, case: schemathesis.Case) -> None:
            # Steer half the generated submissions to a real member and project, so that they are accepted
            # and the links to reading them back, recording meals and looking up members get followed.
            body = case.body
            if case.operation.path == "/v1/participations" and isinstance(body, dict) and random.random() < 0.5:
                body.update(member=random.choice(MEMBERS), project_id=1, hours=1)
                body.pop("attestation", None)
                if not isinstance(body.get("participationId"), str) or not body["participationId"].isalnum():
                    body["participationId"] = f"fuzz-{random.getrandbits(48):x}"

        def validate_response(self, response: object, case: schemathesis.Case, *args: object, **kwargs: object) -> None:
            case.validate_response(response, checks=[not_a_server_error])  # type: ignore[arg-type]

    Sequences.run(
        settings=settings(
            max_examples=max(5, EXAMPLES // 3),
            stateful_step_count=8,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        )
    )
