"""`ost network …` on a real anvil: three towns deployed from plans into one network (two in South Africa, one in
Lebanon), residents verified once for a country, Country Ambassadors appointed and revoked, the towns by country."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from ost_chain.chain import LocalChain, dev_accounts
from ost_chain.cli import app
from ost_chain.client import ChainClient
from ost_chain.deploy import deploy_plan
from ost_chain.exceptions import ConfigError
from ost_chain.plan import TownPlan
from ost_chain.townclient import Town

runner = CliRunner()
DEV = dev_accounts()
LOCAL, COUNTRY, WORLD = 0, 1, 2


def deploy(client: ChainClient, folder: Path, **plan: Any) -> Town:
    signers = {a.address: a for a in DEV}
    slug = str(plan["town"]).lower().replace(" ", "-")
    manifest = deploy_plan(client, TownPlan.model_validate(plan), folder / f"{slug}.json", signers)
    return Town(client, manifest.record())


def test_a_network_of_towns_by_country_with_residents_verified_once(
    client: ChainClient, node: LocalChain, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "deployments" / str(client.chain_id)
    prince_albert = deploy(client, folder, town="Prince Albert", country="ZA", members=["dev:10"])
    klaarstroom = deploy(client, folder, town="Klaarstroom", country="ZA")
    douma = deploy(client, folder, town="Douma", country="LB", country_ambassador="dev:7")
    assert prince_albert.network.address == klaarstroom.network.address == douma.network.address

    def ost(*args: str) -> Any:
        result = runner.invoke(app, ["network", *args, "--rpc-url", node.rpc_url, "--json"])
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)

    shown = ost("show")
    assert [(t["name"], t["country"], t["members"]) for t in shown["towns"]] == [
        ("Prince Albert", "ZA", 1),
        ("Klaarstroom", "ZA", 0),
        ("Douma", "LB", 0),
    ]
    assert shown["countryAmbassadors"] == {"LB": DEV[7].address, "ZA": DEV[1].address}

    verified = ost("residents", "ZA", "dev:15", "dev:16")  # the Country Ambassador of ZA, once
    assert verified["changed"] == [DEV[15].address, DEV[16].address]
    tiers = [t.registry.functions.tierOf(DEV[15].address).call() for t in (prince_albert, klaarstroom, douma)]
    assert tiers == [COUNTRY, COUNTRY, WORLD]
    assert ost("residents", "ZA", "dev:15")["changed"] == []  # already so: nothing sent
    assert DEV[15].address in prince_albert.residents() and DEV[15].address in klaarstroom.residents()

    # Lebanon's ambassador verifies nobody in South Africa.
    refused = runner.invoke(
        app, ["network", "residents", "ZA", "dev:17", "--account", "dev:7", "--rpc-url", node.rpc_url]
    )
    assert refused.exit_code != 0 and "NotCountryAmbassador" in str(refused.exception or refused.output)

    assert ost("appoint", "ZA", "dev:6")["ambassador"] == DEV[6].address
    assert klaarstroom.has_role("COUNTRY_AMBASSADOR_ROLE", DEV[6].address)  # in every town of the country at once
    ost("residents", "ZA", "dev:17")  # the new one signs (the default on the development chain)
    ost("appoint", "ZA", "dev:6", "--revoke")
    assert not prince_albert.has_role("COUNTRY_AMBASSADOR_ROLE", DEV[6].address)
    assert prince_albert.registry.functions.launched().call()  # launched towns run on

    # A plan naming another Country Ambassador for a country that has one is refused, not obeyed for every town.
    ost("appoint", "ZA", "dev:1")
    with pytest.raises(ConfigError, match="Country Ambassador for ZA is"):
        deploy(client, folder, town="Merweville", country="ZA", country_ambassador="dev:8")
