"""Shared fixtures: one anvil for the session, a deployed town, and a snapshot per test.

Every test runs against the same deployed town and sees it as it was after deployment: an
autouse fixture takes an EVM snapshot before each test and reverts to it after.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from eth_account.signers.local import LocalAccount
from hypothesis import HealthCheck, settings
from web3.contract import Contract

from ost_chain.chain import LocalChain, dev_accounts
from ost_chain.client import ChainClient
from ost_chain.town import (
    DEFAULT_SHIFT_MINUTES,
    ONE_INF,
    CoreTown,
    deploy_core,
    deploy_distributor,
    deploy_factory,
    deploy_share_implementations,
)

# Invariant runs: a fast profile for CI, an intense one by hand (HYPOTHESIS_PROFILE=intense).
settings.register_profile(
    "ci",
    max_examples=12,
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
settings.register_profile(
    "intense",
    max_examples=400,
    stateful_step_count=80,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

PROJECT = 1  # 1 INF per 180-minute shift
COORDINATOR_CAP = 1_000 * ONE_INF


@pytest.fixture(scope="session")
def node() -> Iterator[LocalChain]:
    with LocalChain() as chain:
        yield chain


@pytest.fixture(scope="session")
def client(node: LocalChain) -> ChainClient:
    return ChainClient.connect(node.rpc_url)


@pytest.fixture(scope="session")
def accounts() -> tuple[LocalAccount, ...]:
    return dev_accounts()


@pytest.fixture(scope="session")
def ost_office(accounts: tuple[LocalAccount, ...]) -> LocalAccount:
    return accounts[0]


@pytest.fixture(scope="session")
def country_ambassador(accounts: tuple[LocalAccount, ...]) -> LocalAccount:
    return accounts[1]


@pytest.fixture(scope="session")
def ambassador(accounts: tuple[LocalAccount, ...]) -> LocalAccount:
    """The Town Ambassador."""
    return accounts[2]


@pytest.fixture(scope="session")
def coordinator(accounts: tuple[LocalAccount, ...]) -> LocalAccount:
    return accounts[3]


@pytest.fixture(scope="session")
def alice(accounts: tuple[LocalAccount, ...]) -> LocalAccount:
    """A member."""
    return accounts[4]


@pytest.fixture(scope="session")
def bob(accounts: tuple[LocalAccount, ...]) -> LocalAccount:
    """A member."""
    return accounts[5]


@pytest.fixture(scope="session")
def carol(accounts: tuple[LocalAccount, ...]) -> LocalAccount:
    """A verified country resident, not a member."""
    return accounts[6]


@pytest.fixture(scope="session")
def stranger(accounts: tuple[LocalAccount, ...]) -> LocalAccount:
    """Anyone in the world: no role, not a member, not a resident."""
    return accounts[9]


@pytest.fixture(scope="session")
def town(
    client: ChainClient,
    ost_office: LocalAccount,
    country_ambassador: LocalAccount,
    ambassador: LocalAccount,
    coordinator: LocalAccount,
    alice: LocalAccount,
    bob: LocalAccount,
    carol: LocalAccount,
) -> CoreTown:
    """A launched town: ambassadors and a coordinator appointed, alice and bob members, carol a
    country resident, project 1 paying 1 INF per 3-hour shift, the coordinator capped at 1,000 INF a day."""
    core = deploy_core(
        client,
        name="Prince Albert",
        country="ZA",
        ost_office=ost_office,
        country_ambassador=country_ambassador.address,
        town_ambassador=ambassador.address,
    )
    reg, inf = core.registry.functions, core.infinity.functions
    client.transact(reg.grantRole(core.role("COORDINATOR_ROLE"), coordinator.address), ambassador)
    client.transact(reg.addMembers([alice.address, bob.address]), ambassador)
    client.transact(reg.setCountryResident(carol.address, True), country_ambassador)
    client.transact(inf.setProject(PROJECT, ONE_INF, DEFAULT_SHIFT_MINUTES, True), ambassador)
    client.transact(inf.setCoordinatorDailyCap(coordinator.address, COORDINATOR_CAP), ambassador)
    client.transact(reg.launch(), ambassador)
    return core


@pytest.fixture(autouse=True)
def _isolated_chain(request: pytest.FixtureRequest) -> Iterator[None]:
    """Revert the chain to its state before the test, for tests that use it."""
    if "client" not in request.fixturenames:
        yield
        return
    client: ChainClient = request.getfixturevalue("client")
    for name in ("town", "factory", "distributor", "stablecoin"):
        if name in request.fixturenames:
            request.getfixturevalue(name)  # deploy before the snapshot, once per session
    snapshot = client.w3.provider.make_request("evm_snapshot", [])["result"]  # type: ignore[arg-type]
    yield
    client.w3.provider.make_request("evm_revert", [snapshot])  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def treasury(accounts: tuple[LocalAccount, ...]) -> LocalAccount:
    """A business's treasury."""
    return accounts[8]


@pytest.fixture(scope="session")
def factory(town: CoreTown, client: ChainClient, ost_office: LocalAccount) -> Contract:
    """The town's BusinessFactory, over freshly deployed share implementations."""
    return deploy_factory(client, town.registry, deploy_share_implementations(client, ost_office), ost_office)


@pytest.fixture(scope="session")
def distributor(town: CoreTown, factory: Contract, client: ChainClient, ost_office: LocalAccount) -> Contract:
    """The town's ProfitDistributor, named in its registry."""
    return deploy_distributor(client, town.registry, factory, ost_office)


@pytest.fixture(scope="session")
def stablecoin(client: ChainClient, ost_office: LocalAccount) -> Contract:
    """A 6-decimal test stablecoin anyone can mint."""
    coin, _ = client.deploy("TestStablecoin", sender=ost_office)
    return coin
