"""The launch process on record: a plan's business plans, investor pack and 12-month plan published by `ost deploy`
(their SHA-256 on chain, their bytes in the town's content-addressed store), served by the bridge after it checks
them, a mismatching document refused by `ost deploy` and by the bridge, and the seed's checklist."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from ost_chain.client import ChainClient
from ost_chain.deploy import deploy_plan
from ost_chain.documents import Mismatch
from ost_chain.enums import DocumentKind
from ost_chain.plan import load_plan
from ost_chain.townclient import Reward, Town
from tests import launch, web
from tests.api.conftest import COORDINATOR, DEV, MEMBERS, PLAN, Deployed, deploy_town, serving

BAKERY_PLAN = b"# Bakery\n\nBread every morning, sold at the hall.\n"
PACK = b"# Bakery: investor pack\n\n100 shares, 50 needed.\n"


def write_plan(folder: Path, extra: str = "") -> Path:
    (folder / "docs").mkdir(exist_ok=True)
    (folder / "docs" / "bakery.md").write_bytes(BAKERY_PLAN)
    (folder / "docs" / "pack.md").write_bytes(PACK)
    text = PLAN.replace(
        "businesses: [{name: Bakery, symbol: BAKE}]",
        "businesses:\n  - {name: Bakery, symbol: BAKE, business_plan: docs/bakery.md, investor_pack: docs/pack.md}\n"
        "  - {name: Mill, symbol: MILL, business_plan: {uri: 'ipfs://bafymill', sha256: '" + "ab" * 32 + "'}}\n"
        "twelve_month_plan:\n"
        "  - {month: 1, what: 'Town meeting'}\n"
        "  - {month: 1, what: 'Start the river clean-up and the kitchen', projects: [1, 2]}\n"
        "  - {month: 3, what: 'Fifty businesses listed', businesses: 50}\n" + extra,
    )
    path = folder / "plan.yaml"
    path.write_text(text)
    return path


@pytest.fixture
def documented(tmp_path: Path) -> Deployed:
    d = deploy_town(tmp_path, write_plan(tmp_path))
    yield d
    d.node.stop()


def test_documents_are_published_stored_served_and_checked(documented: Deployed) -> None:
    d = documented
    town = Town.load(d.client, d.manifest)
    factory = town.factory.functions
    digest = hashlib.sha256(BAKERY_PLAN).hexdigest()
    published = factory.document(0, DocumentKind.BUSINESS_PLAN).call()
    assert (bytes(published[0]).hex(), published[1], published[2]) == (digest, 1, f"/v1/documents/{digest}")
    assert factory.document(0, DocumentKind.INVESTOR_PACK).call()[0] == hashlib.sha256(PACK).digest()
    assert factory.document(1, DocumentKind.BUSINESS_PLAN).call()[2] == "ipfs://bafymill"  # a URI, as given
    store = d.folder / "documents"
    assert (store / digest).read_bytes() == BAKERY_PLAN

    with serving(d) as bridge:
        served = web.get(f"{bridge.url}/v1/documents/{digest}")
        assert served.status_code == 200 and served.content == BAKERY_PLAN
        assert hashlib.sha256(served.content).hexdigest() == digest  # what a reader checks against the chain
        assert web.get(f"{bridge.url}/v1/documents/{'00' * 32}").status_code == 404
        assert served.headers["content-security-policy"] == "sandbox"  # read, never run
        # Found by review: the store is served for what this town published, not for any file it holds.
        stray = b"a file someone put in the store\n"
        (store / hashlib.sha256(stray).hexdigest()).write_bytes(stray)
        assert web.get(f"{bridge.url}/v1/documents/{hashlib.sha256(stray).hexdigest()}").status_code == 404
        (store / digest).write_bytes(BAKERY_PLAN + b"one line added later\n")  # changed after publishing
        tampered = web.get(f"{bridge.url}/v1/documents/{digest}")
        assert tampered.status_code == 409 and "does not match its hash" in tampered.json()["detail"]

        where = ["--manifest", str(d.manifest), "--rpc-url", d.node.rpc_url, "--json"]
        checklist = json.loads(launch.run(["town", "checklist", *where, "--bridge", bridge.url], check=True).stdout)
        by_step = {s["step"]: s for s in checklist}
        assert by_step["Town Ambassador appointed"]["done"] and by_step["Country Ambassador in place"]["done"]
        assert by_step["Businesses listed"]["done"] is False and "2 listed" in by_step["Businesses listed"]["detail"]
        assert by_step["Business plans written for the first 3"]["done"] is False  # two listings, both with a plan
        assert by_step["Kitchen meals served"]["done"] is False  # the bridge answers: none yet
        assert by_step["12-month plan published"]["done"] and by_step["Launched"]["done"]

        plan = json.loads(launch.run(["town", "plan", *where], check=True).stdout)
        assert plan["matches"] and plan["version"] == 1
        assert [(m["done"], m["underWay"]) for m in plan["milestones"]] == [(None, None), (None, False), (False, None)]
        # Issue 27 #17: a shift on the river alone is part of the milestone, said so (was "no shift worked on it yet").
        town.reward(COORDINATOR, Reward(MEMBERS[0], 180, "plan-river-shift", 1))
        where_text = [w for w in where if w != "--json"]
        said = launch.run(["town", "plan", *where_text], check=True).stdout
        assert "partly under way: shifts worked on 1 project of its 2 (1)" in " ".join(said.split()), said

    # A changed document is published as a new version; every version stays in the events.
    (d.folder / "docs" / "bakery.md").write_bytes(BAKERY_PLAN + b"\nNow with rusks.\n")
    plan_model, digest_text = load_plan(d.folder / "plan.yaml")
    deploy_plan(d.client, plan_model, d.manifest, {a.address: a for a in DEV}, digest_text)
    assert factory.document(0, DocumentKind.BUSINESS_PLAN).call()[1] == 2
    versions = town.factory.events.DocumentPublished().get_logs(from_block=0, argument_filters={"businessId": 0})
    assert [e["args"]["version"] for e in versions if e["args"]["kind"] == DocumentKind.BUSINESS_PLAN] == [1, 2]


def test_a_document_whose_bytes_do_not_match_the_plan_is_refused_and_nothing_is_published(tmp_path: Path) -> None:
    plan_path = write_plan(tmp_path)
    wrong = "cd" * 32
    plan_path.write_text(
        plan_path.read_text().replace(
            "business_plan: docs/bakery.md", f"business_plan: {{file: docs/bakery.md, sha256: '{wrong}'}}"
        )
    )
    (tmp_path / "ok").mkdir()
    d = deploy_town(tmp_path / "ok", write_plan(tmp_path / "ok"))  # a chain with a town; then the wrong plan on it
    try:
        client: ChainClient = d.client
        plan, digest = load_plan(plan_path)
        with pytest.raises(Mismatch, match=f"the plan says {wrong}"):
            deploy_plan(client, plan, tmp_path / "wrong.json", {a.address: a for a in DEV}, digest)
        # Checked before anything is sent: no step at all (a trial's deployment stopped half-way at a missing file).
        wrote = tmp_path / "wrong.json"
        assert not wrote.exists() or json.loads(wrote.read_text()).get("steps", {}) == {}
        assert not (tmp_path / "documents").exists() or not any((tmp_path / "documents").iterdir())
    finally:
        d.node.stop()


def test_a_plan_whose_document_files_are_missing_is_refused_by_plan_check_and_before_a_deployment_sends(
    tmp_path: Path,
) -> None:
    """Found by a new user's trial: `ost plan check` said OK to a plan copied without its documents folder, and `ost
    up` then stopped at step 36 of 242. Both now name every missing file, before anything is sent (a deployment's
    check is the one above: no step recorded)."""
    plan_path = write_plan(tmp_path)
    (tmp_path / "docs" / "bakery.md").unlink()
    checked = launch.run(["plan", "check", str(plan_path)], timeout=60)
    assert checked.returncode != 0
    said = checked.stdout + checked.stderr
    assert "The plan's documents cannot all be read: the business plan of BAKE" in said and "bakery.md" in said
