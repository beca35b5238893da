"""The bridge's index of the town's events (issue 29), on a real anvil and a real database (a SQLite file, and a
PostgreSQL server): what it serves equals what the chain's own reads say after a mixed history; an index rebuilt from
the chain equals one that followed it live; a reorganisation at depth 1 and at depth 5 is undone and read again."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from api.db import IndexedEvent, IndexTotal, make_engine, sessions
from api.index import Book, IndexFollower, IndexReader
from api.index.book import first_block
from api.index.follow import NodeRefused, Superseded
from api.nodelink import NodeLink
from ost_chain._owed import profit_assets
from ost_chain.artifacts import Artifacts
from ost_chain.deploy import deploy_plan
from ost_chain.documents import published
from ost_chain.enums import NATIVE
from ost_chain.figures import raised
from ost_chain.history import history
from ost_chain.manifest import TownManifest
from ost_chain.pictures import pictures
from ost_chain.plan import load_plan
from ost_chain.settings import get_settings
from ost_chain.townclient import Reward, Town
from tests import launch, web
from tests.api.conftest import DEV, Bridge, Databases, Deployed, deploy_town, wait_until

# The index on each database: what it holds, a rebuild, a reorganisation's undoing. What does not depend on the
# database (where it begins, learning a town) runs on SQLite; replicas sharing one index, on PostgreSQL.
pytestmark = pytest.mark.databases("sqlite", "postgresql")

ONE = 10**18
PLAN = """
town: Index Town
country: ZA
time_zone: Africa/Johannesburg
coordinators: [dev:3]
members: [dev:10, dev:11, dev:12]
projects: [{id: 1, name: River}, {id: 2, name: School roof}]
businesses:
  - {name: Bakery, symbol: BAKE, shares: 10, minimum: 10, price: 0.1, investor_bps: 5000}
  - {name: Laundry, symbol: WASH, shares: 10, minimum: 10, price: 0.01}
"""
MEMBER, OTHER, LOST, NEW, INVESTOR, RESIDENT = DEV[10], DEV[11], DEV[12], DEV[13], DEV[15], DEV[16]


def indexing(d: Deployed, url: str, window: int = 2_000) -> tuple[IndexFollower, IndexReader]:
    """An indexer and a reader of ``d``'s town on the database at ``url``, as the bridge makes them."""
    manifest = TownManifest.read(d.manifest)
    make = sessions(make_engine(url))
    book = Book(manifest, Artifacts(get_settings().build_dir))
    follower = IndexFollower(
        make, NodeLink(d.node.rpc_url, 30), book, first_block(manifest), confirmations=0, window=window
    )
    return follower, IndexReader(make, book.own, manifest.projects, manifest.timeZone)


def stored(reader: IndexReader) -> tuple[list[tuple[Any, ...]], dict[tuple[str, str], str]]:
    """Every indexed event (without its row id) and every town's totals, as the database holds them."""
    with reader.make_session() as session:
        events = [
            (
                e.town,
                e.block,
                e.log_index,
                e.tx,
                e.contract,
                e.kind,
                e.business_id,
                e.account,
                e.other,
                e.asset,
                e.amount,
                e.args,
            )
            for e in session.scalars(select(IndexedEvent).order_by(IndexedEvent.block, IndexedEvent.log_index))
        ]
        totals = {(t.town, t.key): t.value for t in session.scalars(select(IndexTotal))}
    return events, totals


def as_chain_reads_it(town: Town, reader: IndexReader) -> None:
    """The index says what the chain's own reads say: figures, every member's history, the pictures, the rewards."""
    summary, shown = town.summary(), reader.figures([NATIVE])
    for key in ("infinityIssued", "infinityRedeemed", "infinityInCirculation", "members"):
        assert shown[key] == summary[key], key
    assert shown["profit"] == [town.profit_figures(NATIVE)]
    totals = reader.totals()  # what each sale raised, bought less refunded, as `ost network show` reads it
    assert raised(town) == {b: totals.get(f"raised:{b}", 0) for b in range(len(town.businesses()))}
    for who in (MEMBER, OTHER, LOST, NEW, INVESTOR):
        assert reader.history(who.address) == history(town, who.address), who.address
    assert reader.pictures() == pictures(town)
    now = int(town.client.w3.eth.get_block("latest")["timestamp"])
    assert reader.sales(now) == town.sales()
    assert reader.documents() == published(town)
    assert reader.profit_assets() == profit_assets(town)
    assert reader.investing() == {0}  # the bakery's investors' part
    assert reader.latest_rewards(10) == town.recent_rewards(10)
    assert (
        reader.latest_rewards(5, member=MEMBER.address)
        == [r for r in town.recent_rewards(50) if r["member"] == MEMBER.address][:5]
    )


@pytest.fixture(scope="module")
def lived(tmp_path_factory: pytest.TempPathFactory, databases: Databases) -> Iterator[tuple[Deployed, IndexReader]]:
    """A town with every kind of history, indexed live: a step after each thing that happened, in windows of 3
    blocks (so a step stops mid-history, and a sale is listed in one window and bought in the next)."""
    folder = tmp_path_factory.mktemp("index")
    (folder / "plan.yaml").write_text(PLAN)
    d = deploy_town(folder, folder / "plan.yaml")
    town = Town(d.client, json.loads(d.manifest.read_text()))
    follower, reader = indexing(d, databases.url("index"), window=3)
    follower.catch_up()
    happened = [
        lambda: town.reward_batch(
            DEV[3], [Reward(MEMBER.address, 360, "i/1", 1), Reward(OTHER.address, 180, "i/2", 2)]
        ),
        lambda: town.reward(DEV[3], Reward(LOST.address, 540, "i/3", 1)),
        lambda: town.redeem(MEMBER, ONE // 2, "i/basket", "maize meal"),
        lambda: town.buy(MEMBER, "BAKE", 5),
        lambda: town.buy(OTHER, "WASH", 2),
        lambda: town.set_residents(DEV[1], [RESIDENT.address]),  # the Country Ambassador verifies a resident
        lambda: town.advance(DEV[2], "BAKE"),  # to the country: the resident, no member, buys
        lambda: town.buy(RESIDENT, "BAKE", 2),
        lambda: town.advance(DEV[2], "BAKE"),  # to the world: an investor from anywhere
        lambda: town.buy(INVESTOR, "BAKE", 3),
        lambda: town.finalize(DEV[2], "BAKE"),
        lambda: [town.advance(DEV[2], "WASH") for _ in range(3)],  # the laundry's raise fails
        lambda: town.finalize(DEV[2], "WASH"),
        lambda: town.refund(OTHER, "WASH"),
        lambda: town.deposit(DEV[2], "BAKE", 2 * ONE),
        lambda: town.claim(OTHER),
        lambda: town.claim_everything(INVESTOR),
        lambda: town.propose_recovery(DEV[2], LOST.address, NEW.address),
        lambda: town.confirm_recovery(DEV[1], LOST.address, NEW.address),
        lambda: town.send_inf(MEMBER, NEW.address, ONE // 4),
    ]
    for thing in happened:
        thing()
        follower.catch_up()
    yield d, reader
    d.node.stop()


def test_the_index_says_what_the_chain_says_after_every_kind_of_history(lived: tuple[Deployed, IndexReader]) -> None:
    d, reader = lived
    as_chain_reads_it(d.town, reader)
    assert reader.figures()["infinityRedeemed"] == ONE // 2 and reader.totals()["sold:1"] == 0  # refunded in full


@pytest.mark.databases("sqlite")
def test_the_index_begins_where_the_network_began_and_never_at_block_0(lived: tuple[Deployed, IndexReader]) -> None:
    """The review of issue 29's network index: a town manifest recorded the network without its block, so the index
    began at block 0 (a public chain's whole history, read before any figure). Now the town's manifest keeps it, and
    one written before reads it from the network manifest beside it."""
    d, _ = lived
    began = json.loads((d.folder / "network.json").read_text())["contracts"]["OstNetwork"]["block"]
    manifest = TownManifest.read(d.manifest)
    assert began > 0 and manifest.contracts["OstNetwork"].block == began == first_block(manifest)
    written_before = json.loads(d.manifest.read_text())
    written_before["contracts"]["OstNetwork"]["block"] = None
    (d.folder / "before.json").write_text(json.dumps(written_before))
    assert first_block(TownManifest.read(d.folder / "before.json")) == began


def test_an_index_rebuilt_from_the_chain_equals_the_one_that_followed_it(
    lived: tuple[Deployed, IndexReader], databases: Databases
) -> None:
    d, live = lived
    follower, rebuilt = indexing(d, databases.url("rebuilt"))
    assert follower.rebuild() >= 1
    assert stored(rebuilt) == stored(live)
    follower.rebuild()  # again, over what it built: the same
    assert stored(rebuilt) == stored(live)


SECOND = """
town: Second Town
country: ZA
time_zone: Africa/Johannesburg
coordinators: [dev:3]
members: [dev:17]
projects: [{id: 1, name: Dam}]
businesses: [{name: Mill, symbol: MILL, shares: 20, minimum: 20, price: 0.01}]
"""


@pytest.mark.databases("sqlite")
def test_a_town_created_while_the_index_follows_is_learned_and_kept_apart(
    tmp_path_factory: pytest.TempPathFactory, databases: Databases
) -> None:
    """The network's index learns a town created while it follows (its contracts from the network's TownCreated in
    one window, its sale from its listing in a later one), reads it as the chain's own reads do, keeps it apart from
    the first town, and a rebuild in one wide window gives the same index, town for town."""
    folder = tmp_path_factory.mktemp("second")
    (folder / "plan.yaml").write_text(PLAN)
    d = deploy_town(folder, folder / "plan.yaml")
    try:
        follower, first = indexing(d, databases.url("second"), window=3)
        follower.catch_up()
        (folder / "second.yaml").write_text(SECOND)
        plan, digest = load_plan(folder / "second.yaml")
        made = deploy_plan(d.client, plan, folder / "second.json", {a.address: a for a in DEV}, digest)
        second = Town.load(d.client, made.path)
        second.reward(DEV[3], Reward(DEV[17].address, 360, "second/1", 1))
        second.buy(DEV[17], "MILL", 3)
        follower.catch_up()
        manifest = TownManifest.read(made.path)
        reader = IndexReader(first.make_session, second.registry.address, manifest.projects, manifest.timeZone)
        assert reader.figures()["infinityIssued"] == 2 * ONE and first.figures()["infinityIssued"] == 0
        assert reader.history(DEV[17].address) == history(second, DEV[17].address) != []
        assert first.history(DEV[17].address) == []
        assert reader.pictures() == pictures(second)
        now = int(d.client.w3.eth.get_block("latest")["timestamp"])
        assert reader.sales(now) == second.sales() and [s.symbol for s in first.sales(now)] == ["BAKE", "WASH"]
        again, rebuilt = indexing(d, databases.url("second-rebuilt"))
        again.rebuild()
        assert stored(rebuilt) == stored(first)
    finally:
        d.node.stop()


@pytest.mark.parametrize("depth", [1, 5])
def test_a_reorganisation_is_undone_and_the_new_branch_read(
    depth: int, tmp_path_factory: pytest.TempPathFactory, databases: Databases
) -> None:
    """Blocks the index read are replaced by a branch of the same length or longer with other events: it finds the
    common ancestor by the hashes it kept, forgets what came after, and reads the new branch."""
    folder = tmp_path_factory.mktemp(f"reorg-{depth}")
    (folder / "plan.yaml").write_text(PLAN)
    d = deploy_town(folder, folder / "plan.yaml")
    try:
        town, w3 = Town(d.client, json.loads(d.manifest.read_text())), d.client.w3
        follower, reader = indexing(d, databases.url(f"reorg{depth}"))
        town.reward(DEV[3], Reward(MEMBER.address, 180, "r/before", 1))
        follower.catch_up()
        fork = w3.provider.make_request("evm_snapshot", [])["result"]  # type: ignore[arg-type]
        for n in range(depth):  # the branch the index reads first: a reward a block
            town.reward(DEV[3], Reward(OTHER.address, 180, f"r/old/{n}", 1))
        follower.catch_up()
        assert reader.figures()["infinityIssued"] == (1 + depth) * ONE
        assert reader.pictures()["infPerWeek"] and reader.sales(0)  # drawn and kept for the block it stands on
        w3.provider.make_request("evm_revert", [fork])  # type: ignore[arg-type]
        town.buy(MEMBER, "BAKE", 3)  # the branch that wins: other events, and longer
        for n in range(depth):
            town.reward(DEV[3], Reward(MEMBER.address, 180, f"r/new/{n}", 2))
        follower.catch_up()
        as_chain_reads_it(town, reader)
        assert reader.figures()["infinityIssued"] == (1 + depth) * ONE  # the lost branch's rewards are not counted
        assert reader.history(OTHER.address) == []  # the rewards of the lost branch are gone
        from_scratch, rebuilt = indexing(d, databases.url(f"reorg{depth}-rebuilt"))
        from_scratch.catch_up()
        assert stored(rebuilt) == stored(reader)
    finally:
        d.node.stop()


def test_the_index_stays_its_confirmations_behind_the_head(tmp_path_factory: pytest.TempPathFactory) -> None:
    folder = tmp_path_factory.mktemp("confirmations")
    (folder / "plan.yaml").write_text(PLAN)
    d = deploy_town(folder, folder / "plan.yaml")
    try:
        follower, reader = indexing(d, f"sqlite:///{folder / 'index.sqlite'}")
        follower.confirmations = 2
        d.town.reward(DEV[3], Reward(MEMBER.address, 180, "c/1", 1))
        follower.catch_up()
        assert reader.figures()["infinityIssued"] == 0  # the reward's block is the head: not confirmed yet
        d.client.w3.provider.make_request("anvil_mine", [2])  # type: ignore[arg-type]
        follower.catch_up()
        assert reader.figures()["infinityIssued"] == ONE
        head = d.client.w3.eth.block_number
        assert reader.cursor() is not None and reader.cursor()[0] == head - 2  # type: ignore[index]
    finally:
        d.node.stop()


@pytest.mark.databases("postgresql")
def test_health_says_how_far_behind_the_index_is_and_one_replica_writes_it(
    tmp_path_factory: pytest.TempPathFactory, databases: Databases
) -> None:
    """Two replicas on one database: one holds the index's lease and follows the chain, the other reads; a replica
    whose index is further behind than the limit says so in /healthz, with 503. `ost api index rebuild` refuses while
    a replica follows the chain, and reads it all again once none does."""
    folder = tmp_path_factory.mktemp("index-health")
    (folder / "plan.yaml").write_text(PLAN)
    d = deploy_town(folder, folder / "plan.yaml")
    url = databases.url("replicas")
    late = Bridge(d, url, env={"OST_BRIDGE__RUN_INDEX": "false", "OST_BRIDGE__INDEX_LAG_LIMIT": "1"}).start()
    try:
        said = web.get(f"{late.url}/healthz", timeout=30)
        assert said.status_code == 503, said.text
        index = said.json()["index"]
        assert index["late"] and index["behind"] > 1 and not index["writer"] and index["indexedBlock"] is None
        assert any("The index is" in w and "blocks behind the chain" in w for w in said.json()["warnings"])
        replicas = [Bridge(d, url).start() for _ in range(2)]
        try:
            d.town.reward(DEV[3], Reward(MEMBER.address, 180, "h/1", 1))
            head = d.client.w3.eth.block_number
            wait_until(
                lambda: all(
                    web.get(f"{b.url}/healthz", timeout=30).json()["index"]["indexedBlock"] == head for b in replicas
                )
            )
            writers = [web.get(f"{b.url}/healthz", timeout=30).json()["index"]["writer"] for b in replicas]
            assert writers.count(True) == 1, writers  # one writer; the other reads what it wrote
            shown = [web.get(f"{b.url}/v1/town", timeout=30).json() for b in (*replicas, late)]
            assert {s["infinityIssued"] for s in shown} == {str(ONE)} and {s["indexBehind"] for s in shown} == {0}
            assert web.get(f"{late.url}/healthz", timeout=30).status_code == 200  # written by another replica
            where = ["--manifest", str(d.manifest), "--rpc-url", d.node.rpc_url, "--database-url", url]
            refused = launch.run(["api", "index", "rebuild", *where], timeout=120)
            assert refused.returncode == 1 and "stop it first" in refused.stdout + refused.stderr
        finally:
            for b in replicas:
                b.stop()
        # The stopped replicas let the lease go as they stop: no wait for it to expire.
        done = launch.run(["api", "index", "rebuild", *where, "--json"], timeout=120)
        assert done.returncode == 0, done.stdout + done.stderr
        rebuilt = json.loads(done.stdout)
        assert rebuilt["indexedBlock"] == rebuilt["head"] and rebuilt["infinityIssued"] == str(ONE)
    finally:
        late.stop()
        d.node.stop()


class Node:
    """The node as the index asks it, with a hand on each batch: ``then`` runs after the next batch's answers come
    (a reorganisation between two asks); ``refuse`` answers a log query wider than that many blocks with an error;
    ``behind`` answers as a node that many blocks behind would."""

    def __init__(self, link: NodeLink) -> None:
        self.link, self.then, self.refuse, self.behind = link, None, None, 0
        self.refused = 0

    def ask(self, calls: list[tuple[str, list[Any]]]) -> list[dict[str, Any]]:
        answers = self.link.ask(calls)
        for n, (method, params) in enumerate(calls):
            if method == "eth_getLogs" and self.refuse is not None:
                low, high = (int(params[0][k], 16) for k in ("fromBlock", "toBlock"))
                if high - low + 1 > self.refuse:
                    self.refused += 1
                    answers[n] = {"id": n, "error": {"code": -32005, "message": "query exceeds the allowed range"}}
            if method == "eth_blockNumber" and self.behind:
                answers[n] = {"id": n, "result": hex(int(answers[n]["result"], 16) - self.behind)}
            if method == "eth_getBlockByNumber" and self.behind and answers[n].get("result") is not None:
                if int(params[0], 16) > int(self.link.ask([("eth_blockNumber", [])])[0]["result"], 16) - self.behind:
                    answers[n] = {"id": n, "result": None}
        then, self.then = self.then, None
        if then is not None:
            then()
        return answers


def test_the_index_holds_against_a_node_that_refuses_lags_and_reorganises_between_two_asks(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """From the review of the index: a node's refusal spun the index in place and said nothing; a node behind the
    index was taken for a reorganisation and events were deleted; a reorganisation between a step's two asks left
    the lost branch's events in; and a writer whose step outlived another's wrote over it, and the index stopped for
    good. Each is met here, and the index ends equal to one read afresh."""
    folder = tmp_path_factory.mktemp("node-hands")
    (folder / "plan.yaml").write_text(PLAN)
    d = deploy_town(folder, folder / "plan.yaml")
    try:
        town, w3 = Town(d.client, json.loads(d.manifest.read_text())), d.client.w3
        url = f"sqlite:///{folder / 'index.sqlite'}"
        follower, reader = indexing(d, url)
        node = Node(follower.link)
        follower.link = node  # type: ignore[assignment]
        # A node that answers a log query of at most 4 blocks: the window narrows to it, the refusal is raised.
        node.refuse = 4
        with pytest.raises(NodeRefused):
            follower.step()
        for _ in range(100):  # as the thread does: each refusal halves the window, down to what the node answers
            try:
                if not follower.step():
                    break
            except NodeRefused:
                continue
        assert node.refused and follower.window <= 4 and reader.cursor() is not None
        assert reader.behind(w3.eth.block_number) == 0
        node.refuse = None
        # A node 3 blocks behind the index: it waits, and deletes nothing.
        town.reward(DEV[3], Reward(MEMBER.address, 180, "n/1", 1))
        follower.catch_up()
        before = stored(reader)
        node.behind = 3
        assert follower.step() is False and stored(reader) == before
        node.behind = 0
        # A reorganisation after the step's first ask: the second sees the cursor's block changed; nothing is kept
        # of the lost branch.
        fork = w3.provider.make_request("evm_snapshot", [])["result"]  # type: ignore[arg-type]
        town.reward(DEV[3], Reward(OTHER.address, 180, "n/lost", 1))
        follower.catch_up()

        def reorganise() -> None:
            w3.provider.make_request("evm_revert", [fork])  # type: ignore[arg-type]
            for n in range(3):
                town.reward(DEV[3], Reward(MEMBER.address, 180, f"n/won/{n}", 2))

        town.reward(DEV[3], Reward(OTHER.address, 180, "n/lost/2", 1))
        node.then = reorganise
        follower.catch_up()
        assert reader.history(OTHER.address) == [] and reader.figures()["infinityIssued"] == 4 * ONE
        # Two writers: another moves the index while this one's step is under way; this one writes nothing, and
        # reads on from where the other left it.
        other, _ = indexing(d, url)
        town.reward(DEV[3], Reward(LOST.address, 180, "n/2", 1))
        write = follower._write

        def overtaken(*args: Any) -> None:
            other.catch_up()
            write(*args)

        follower._write = overtaken  # type: ignore[method-assign]
        with pytest.raises(Superseded):
            follower.step()
        follower._write = write  # type: ignore[method-assign]
        town.reward(DEV[3], Reward(LOST.address, 180, "n/3", 1))
        follower.catch_up()
        as_chain_reads_it(town, reader)
        fresh, again = indexing(d, f"sqlite:///{folder / 'again.sqlite'}")
        fresh.catch_up()
        assert stored(again) == stored(reader)
    finally:
        d.node.stop()


def test_the_index_follows_hardhat_s_edr_node_through_a_reorganisation_too(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """Nodes word their answers their own way: the same following and undoing on Hardhat's EDR node."""
    folder = tmp_path_factory.mktemp("edr-index")
    (folder / "plan.yaml").write_text(PLAN)
    d = deploy_town(folder, folder / "plan.yaml", node_kind="edr")
    try:
        town, w3 = Town(d.client, json.loads(d.manifest.read_text())), d.client.w3
        follower, reader = indexing(d, f"sqlite:///{folder / 'index.sqlite'}", window=3)
        town.reward(DEV[3], Reward(MEMBER.address, 180, "e/1", 1))
        town.buy(MEMBER, "BAKE", 2)
        follower.catch_up()
        fork = w3.provider.make_request("evm_snapshot", [])["result"]  # type: ignore[arg-type]
        town.reward(DEV[3], Reward(OTHER.address, 180, "e/lost", 1))
        follower.catch_up()
        w3.provider.make_request("evm_revert", [fork])  # type: ignore[arg-type]
        for n in range(2):
            town.reward(DEV[3], Reward(MEMBER.address, 180, f"e/won/{n}", 2))
        follower.catch_up()
        as_chain_reads_it(town, reader)
        assert reader.history(OTHER.address) == [] and reader.figures()["infinityIssued"] == 3 * ONE
    finally:
        d.node.stop()
