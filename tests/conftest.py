"""Shared fixtures: one anvil for the session, a deployed town, and a snapshot per test.

Every test runs against the same deployed town and sees it as it was after deployment: an
autouse fixture takes an EVM snapshot before each test and reverts to it after.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator

import pytest
from eth_account.signers.local import LocalAccount
from hypothesis import HealthCheck, settings
from web3.contract import Contract

from ost_chain.chain import LocalChain, dev_accounts
from ost_chain.client import ChainClient
from ost_chain.deploy import deploy_plan
from ost_chain.manifest import Manifest
from ost_chain.plan import TownPlan
from ost_chain.units import ONE_INF
from tests.towns import DEFAULT_SHIFT_MINUTES, CoreTown

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


def pytest_collection_finish(session: pytest.Session) -> None:
    """What collecting loaded (every module of the project and its libraries) lives as long as the run: later
    collections of the test process need not walk it again (see ost_chain._startup)."""
    gc.freeze()


PROJECT = 1  # 1 INF per 180-minute shift
COORDINATOR_CAP = 1_000 * ONE_INF


# The longest tests, each alone in its module (nothing set up is shared with another): collected last, they ran last,
# and the run waited for them alone at its end. xdist's worksteal hands each worker a run of the collection in order,
# so each goes to the front of one worker's run instead.
LONG_POLES = ("tests/invariants/test_profit_invariants.py", "tests/invariants/test_sale_invariants.py")


# A bridge test runs on the databases its `databases` marker names: SQLite unless it says otherwise. Those whose subject
# is the database itself (concurrent writers, replicas, a kill mid-write, migrations, the index, the types of bad
# input) name both; a share of the end-to-end flows name PostgreSQL alone, so that each database serves every kind of
# request somewhere. OST_TESTS_EVERY_DATABASE=1 (`make test-every-database`) runs every one on both.
EVERY_DATABASE = os.environ.get("OST_TESTS_EVERY_DATABASE") == "1"


def _on_its_databases(config: pytest.Config, items: list[pytest.Item]) -> None:
    kept, left = [], []
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        marker = item.get_closest_marker("databases")
        named = marker.args if marker is not None else ("sqlite",)
        (kept if EVERY_DATABASE or "databases" not in params or params["databases"] in named else left).append(item)
    if left:
        config.hook.pytest_deselected(items=left)
        items[:] = kept


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    _on_its_databases(config, items)
    workers = int(getattr(config, "workerinput", {}).get("workercount", 0) or config.getoption("numprocesses") or 0)
    if workers < 2:
        return
    poles = [item for item in items if item.nodeid.split("::")[0] in LONG_POLES]
    rest = [item for item in items if item not in poles]
    share = len(items) // workers
    for n, item in enumerate(poles):
        rest.insert(min(len(rest), n * share), item)
    items[:] = rest


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
def deployed_town(
    client: ChainClient,
    tmp_path_factory: pytest.TempPathFactory,
    ost_office: LocalAccount,
    country_ambassador: LocalAccount,
    ambassador: LocalAccount,
    coordinator: LocalAccount,
    alice: LocalAccount,
    bob: LocalAccount,
    carol: LocalAccount,
) -> Manifest:
    """A launched town, built by the deployment engine from a plan, as `ost deploy` builds one: ambassadors and a
    coordinator appointed, alice and bob members, carol a country resident, project 1 paying 1 INF per 3-hour
    shift, the coordinator capped at 1,000 INF a day (the Town Ambassador not also a coordinator, as a plan may
    choose); no business listed yet."""
    plan = TownPlan.model_validate(
        {
            "town": "Prince Albert",
            "country": "ZA",
            "ost_office": ost_office.address,
            "country_ambassador": country_ambassador.address,
            "town_ambassador": ambassador.address,
            "coordinators": [coordinator.address],
            "ambassador_coordinates": False,  # each role held apart, so the access matrix tells them apart
            "coordinator_daily_cap_inf": COORDINATOR_CAP // ONE_INF,
            "members": [alice.address, bob.address],
            "country_residents": [carol.address],
            "projects": [
                {"id": PROJECT, "name": "River clean-up", "inf_per_shift": 1, "shift_minutes": DEFAULT_SHIFT_MINUTES}
            ],
        }
    )
    signers = {a.address: a for a in (ost_office, country_ambassador, ambassador)}
    return deploy_plan(client, plan, tmp_path_factory.mktemp("town") / "town.json", signers)


@pytest.fixture(scope="session")
def town(client: ChainClient, deployed_town: Manifest) -> CoreTown:
    """The shared town's contracts, and its network's."""
    return CoreTown(
        client,
        *(
            client.at(name, deployed_town.address(name))
            for name in (
                "TownRegistry",
                "InfinityToken",
                "TownForwarder",
                "BusinessFactory",
                "ProfitDistributor",
                "OstNetwork",
            )
        ),
    )


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
def factory(client: ChainClient, deployed_town: Manifest) -> Contract:
    """The town's BusinessFactory."""
    return client.at("BusinessFactory", deployed_town.address("BusinessFactory"))


@pytest.fixture(scope="session")
def distributor(client: ChainClient, deployed_town: Manifest) -> Contract:
    """The town's ProfitDistributor, named in its registry."""
    return client.at("ProfitDistributor", deployed_town.address("ProfitDistributor"))


@pytest.fixture(scope="session")
def stablecoin(client: ChainClient, ost_office: LocalAccount) -> Contract:
    """A 6-decimal test stablecoin anyone can mint."""
    coin, _ = client.deploy("TestStablecoin", sender=ost_office)
    return coin
