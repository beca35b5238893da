"""Compiled contract artifacts in ``build/``, read once per process."""

from __future__ import annotations

import json
from functools import cached_property
from pathlib import Path
from typing import Any

from ._reverts import ErrorDecoder
from .exceptions import ToolchainError


class Artifacts:
    """The ABI, bytecode and NatSpec of every compiled contract, by contract name."""

    def __init__(self, build_dir: Path) -> None:
        self.build_dir = build_dir
        self._cache: dict[str, dict[str, Any]] = {}

    def get(self, name: str) -> dict[str, Any]:
        if name not in self._cache:
            path = self.build_dir / f"{name}.json"
            if not path.is_file():
                raise ToolchainError(f"No artifact for {name} in {self.build_dir}; run `ost compile`.")
            self._cache[name] = json.loads(path.read_text())
        return self._cache[name]

    def names(self) -> list[str]:
        return list(self._info["contracts"])

    def enums(self) -> dict[str, list[str]]:
        """Every enum of the sources, by canonical name (``IShareSale.Phase``), as the compiler saw them."""
        return dict(self._info.get("enums", {}))

    @cached_property
    def _info(self) -> dict[str, Any]:
        info = self.build_dir / "build-info.json"
        if not info.is_file():
            raise ToolchainError(f"Nothing compiled in {self.build_dir}; run `ost compile`.")
        return dict(json.loads(info.read_text()))

    @cached_property
    def errors(self) -> ErrorDecoder:
        return ErrorDecoder(self.get(name) for name in self.names())
