"""The Python enums and roles mirror the contracts exactly (checked against the compiler's own output); the one
Settings reads what it should."""

from __future__ import annotations

from pathlib import Path

import pytest

from api.settings import current_settings as with_bridge
from ost_chain.artifacts import Artifacts
from ost_chain.compiler import compile_contracts
from ost_chain.eip712 import participation_typed_data
from ost_chain.enums import SOLIDITY, Phase, Role, Tier, solidity_members
from ost_chain.exceptions import ConfigError
from ost_chain.settings import current_settings, get_settings


def _compiled() -> Artifacts:
    return Artifacts(compile_contracts(get_settings()).build_dir)


def test_every_enum_matches_the_solidity_enum_member_for_member() -> None:
    enums = _compiled().enums()
    for enum, name in SOLIDITY.items():
        assert enums.get(name) == solidity_members(enum), f"{enum.__name__} no longer mirrors {name}"


def test_every_solidity_enum_has_a_python_twin() -> None:
    """A new enum in an interface must be added to ost_chain.enums (test contracts aside)."""
    assert set(_compiled().enums()) == set(SOLIDITY.values())


def test_the_open_phases_are_those_between_pending_and_the_closed_ones() -> None:
    """One place says which phases sell (``Phase.is_open``): the phone, the launch checklist, the CLI and the page
    (served in /v1/config) take it from there instead of each writing the three out."""
    assert Phase.open_labels() == ["local", "country", "world"]
    assert [p.label for p in Phase if not p.is_open and not p.closed] == ["pending"]
    assert all(Tier(n).label == phase for n, phase in enumerate(Phase.open_labels()))  # a tier buys from its phase
    assert [p.buyers for p in Phase if p.is_open] == ["members", "residents", "anyone"]  # the phone's word for each


def test_role_ids_are_the_registry_constants() -> None:
    artifacts = _compiled()
    abi = {item.get("name") for item in artifacts.get("TownRegistry")["abi"]}
    for name in Role.ALL:
        assert name in abi, f"TownRegistry has no {name} getter"
    assert Role.id(Role.OST_OFFICE) == bytes(32)


def test_a_bridge_setting_under_its_old_name_is_refused_with_its_new_name(monkeypatch: pytest.MonkeyPatch) -> None:
    """The bridge's settings moved under OST_BRIDGE__: an old name must not be ignored in silence."""
    monkeypatch.setenv("OST_DATABASE_URL", "postgresql://bridge@127.0.0.1/ost")
    with pytest.raises(ConfigError, match="OST_DATABASE_URL is now OST_BRIDGE__DATABASE_URL"):
        with_bridge()  # the bridge's settings refuse it as the command's do
    with pytest.raises(ConfigError, match="OST_DATABASE_URL is now OST_BRIDGE__DATABASE_URL"):
        current_settings()
    monkeypatch.delenv("OST_DATABASE_URL")
    monkeypatch.setenv("OST_BRIDGE__DATABASE_URL", "postgresql://bridge@127.0.0.1/ost")
    assert with_bridge().bridge.database_url == "postgresql://bridge@127.0.0.1/ost"  # the bridge's own settings


def test_an_old_bridge_setting_in_the_env_file_is_refused_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".env").write_text("OST_BATCH_SIZE=5\n")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match="OST_BATCH_SIZE is now OST_BRIDGE__BATCH_SIZE"):
        current_settings()


def test_the_signed_participation_type_is_the_contract_s() -> None:
    """The EIP-712 type a coordinator's wallet signs matches rewardWithAttestation's struct, field for field, and
    hashes to the contract's PARTICIPATION_TYPEHASH source."""
    abi = _compiled().get("InfinityToken")["abi"]
    (entry,) = [e for e in abi if e.get("name") == "rewardWithAttestation"]
    components = [{"name": c["name"], "type": c["type"]} for c in entry["inputs"][0]["components"]]
    signed = participation_typed_data(1, "0x" + "11" * 20)["types"]["Participation"]
    assert signed == components
    source = (Path(get_settings().contracts_dir) / "InfinityToken.sol").read_text()
    encoded = "Participation(" + ",".join(f"{c['type']} {c['name']}" for c in components) + ")"
    assert f'"{encoded}"' in source


@pytest.mark.parametrize(
    "url",
    [
        "https://rpc.example.org/?apikey=s3cret",
        "https://user:s3cret@rpc.example.org/",
        "wss://user:s3cret@rpc.example/",
        "https://mainnet.infura.io/v3/s3cret0123456789abcdef0123456789",
        "https://eth-mainnet.g.alchemy.com/v2/s3cretAbCdEfGhIjKlMnOpQrStUv",
        "https://rpc.example.org/#key=s3cret",
        "http://rpc.example.org/s3cret",
    ],
)
def test_a_public_rpc_address_with_a_key_in_it_is_refused_without_saying_the_key(url: str) -> None:
    """The page offers this address to every visitor's wallet: a key in it would be published."""
    from api.settings import BridgeSettings

    with pytest.raises(ConfigError, match="OST_BRIDGE__PUBLIC_RPC_URL") as refused:
        BridgeSettings(public_rpc_url=url)
    assert "s3cret" not in str(refused.value)
    for public in ("https://forno.celo.org", "https://rpc.ankr.com/celo", "http://127.0.0.1:8545"):
        assert BridgeSettings(public_rpc_url=public).public_rpc_url == public


def test_no_module_of_the_command_or_the_bridge_and_no_page_script_is_over_400_lines() -> None:
    """Issue 28 #5, #6: the house limit, so a module reads in one sitting (plan.py, ussd.py, gasless.py, models.py,
    db.py, deploy.py, _town_reads.py and the page's app.js each passed it; they are split by what they do)."""
    root = Path(__file__).resolve().parents[2]
    sources = [*(root / "ost_chain").rglob("*.py"), *(root / "api").rglob("*.py"), *(root / "api/static").glob("*.js")]
    long = {
        str(path.relative_to(root)): lines
        for path in sorted(sources)
        if (lines := len(path.read_text().splitlines())) > 400
    }
    assert long == {}, long
