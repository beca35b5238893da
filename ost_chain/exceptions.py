"""Every error `ost_chain` raises on purpose: one root, a subclass per domain.

Messages say what went wrong and what to do next; contract reverts are decoded into
:class:`ContractRevert` with the custom error's name and arguments.
"""

from __future__ import annotations

from typing import Any


class OstError(Exception):
    """Root of every error raised by ost_chain on purpose."""


class ToolchainError(OstError):
    """The compiler, node or another tool is missing or failed."""


class CompilationError(ToolchainError):
    """The Solidity sources do not compile."""


class ChainError(OstError):
    """The chain cannot be reached, started or used."""


class ConfigError(OstError):
    """Settings, a plan or an argument is invalid."""


class NoFunds(ChainError):
    """The signer holds too little of the chain's coin to pay for its transaction (decided from its balance)."""


class TransactionFailed(ChainError):
    """A transaction was mined but failed without a decodable reason."""


class ContractRevert(OstError):
    """A contract refused a call with a custom error.

    ``error`` is the custom error's name (``"InfinityTokenNotMember"``), ``args`` its arguments
    in order and ``named`` the same by parameter name.
    """

    def __init__(self, error: str, args: tuple[Any, ...], named: dict[str, Any], sentence: str) -> None:
        super().__init__(sentence)
        self.error = error
        self.args_ = args
        self.named = named
        self.sentence = sentence

    @property
    def arguments(self) -> tuple[Any, ...]:
        return self.args_
