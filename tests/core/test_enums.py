"""The Python enums and roles mirror the contracts exactly: checked against the compiler's own output."""

from __future__ import annotations

from ost_chain.artifacts import Artifacts
from ost_chain.compiler import compile_contracts
from ost_chain.enums import SOLIDITY, Role, solidity_members
from ost_chain.settings import get_settings


def _compiled() -> Artifacts:
    return Artifacts(compile_contracts(get_settings()).build_dir)


def test_every_enum_matches_the_solidity_enum_member_for_member() -> None:
    enums = _compiled().enums()
    for enum, name in SOLIDITY.items():
        assert enums.get(name) == solidity_members(enum), f"{enum.__name__} no longer mirrors {name}"


def test_every_solidity_enum_has_a_python_twin() -> None:
    """A new enum in an interface must be added to ost_chain.enums (test contracts aside)."""
    assert set(_compiled().enums()) == set(SOLIDITY.values())


def test_role_ids_are_the_registry_constants() -> None:
    artifacts = _compiled()
    abi = {item.get("name") for item in artifacts.get("TownRegistry")["abi"]}
    for name in Role.ALL:
        assert name in abi, f"TownRegistry has no {name} getter"
    assert Role.id(Role.OST_OFFICE) == bytes(32)
