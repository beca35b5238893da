"""The manifest model: every reader checks the format version and the shape, and says what is wrong."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ost_chain.exceptions import ConfigError
from ost_chain.manifest import FORMAT, Manifest, TownManifest

ADDRESS = "0x" + "12" * 20


def _write(path: Path, data: dict) -> Path:
    path.write_text(json.dumps(data))
    return path


def test_a_written_manifest_reads_back_as_the_model(tmp_path: Path) -> None:
    record = Manifest.open(tmp_path / "t.json", chain_id=31337, town="Prince Albert", plan_hash="abc")
    record.record_contract("TownRegistry", ADDRESS, block=3)
    record.record_business("BAKE", 0, ADDRESS, ADDRESS)
    manifest = TownManifest.read(record.path)
    assert (manifest.format, manifest.town, manifest.chainId, manifest.planHash) == (
        FORMAT,
        "Prince Albert",
        31337,
        "abc",
    )
    assert manifest.address("TownRegistry") == ADDRESS and manifest.contracts["TownRegistry"].block == 3
    assert manifest.businesses["BAKE"].id == 0


def test_another_format_version_is_refused_with_a_sentence(tmp_path: Path) -> None:
    path = _write(tmp_path / "t.json", {"format": FORMAT + 1, "town": "T", "chainId": 1})
    with pytest.raises(ConfigError, match=f"manifest format {FORMAT + 1}; this version of ost reads format {FORMAT}"):
        TownManifest.read(path)
    with pytest.raises(ConfigError, match="manifest format"):
        Manifest.open(path, chain_id=1, town="T", plan_hash="x")


def test_a_malformed_manifest_names_the_field(tmp_path: Path) -> None:
    path = _write(tmp_path / "t.json", {"format": FORMAT, "town": "T", "chainId": "not a number"})
    with pytest.raises(ConfigError, match="chainId"):
        TownManifest.read(path)
    (tmp_path / "broken.json").write_text("{")
    with pytest.raises(ConfigError, match="Cannot read the town manifest"):
        TownManifest.read(tmp_path / "broken.json")


def test_a_missing_contract_is_a_sentence(tmp_path: Path) -> None:
    manifest = TownManifest.of({"format": FORMAT, "town": "T", "chainId": 1})
    with pytest.raises(ConfigError, match="records no InfinityToken"):
        manifest.address("InfinityToken")


def test_saving_refuses_what_readers_would_refuse(tmp_path: Path) -> None:
    record = Manifest.open(tmp_path / "t.json", chain_id=1, town="T", plan_hash="x")
    record.data["businesses"]["BAKE"] = {"sale": ADDRESS}
    with pytest.raises(ConfigError, match="businesses.BAKE"):
        record.save()
    assert not record.path.exists()
