"""What the relay desk asks the chain of a member's request, in one round trip, and what it makes of the answers: the
signer's tier and forwarder nonce, the latest block, the call simulated as the forwarder will make it (a revert said
in the member's units), the gas the relay will cost, and whether the relayer can pay it. Every failure is decided
from the answer's form, never a node's words."""

from __future__ import annotations

import time
from typing import Any

from ost_chain.abi import Function
from ost_chain.artifacts import Artifacts
from ost_chain.exceptions import ContractRevert
from ost_chain.gasless import ForwardRequest, forwarded_call
from ost_chain.redact import scrub
from ost_chain.townclient import Town
from ost_chain.units import money

from .chain import Unreachable
from .i18n import Words
from .problems import Problem
from .worker.relay import Reverted, Rpc, RpcError

FUNDS_RECHECK_SECONDS = 5.0
GAS_MARGIN = 8  # a request gives its call at least an eighth more gas than the call needs now
FORWARDER_WORK = 25_000  # gas the forwarder spends on a request besides its call (measured: about 21,000)
FIRST_NONCE = 17_100  # more on a signer's first request: its nonce slot goes from zero


class ChainCheck:
    """The relay desk's reads of the chain for one request, and its relayer's funds (read every few seconds)."""

    def __init__(self, artifacts: Artifacts, relayer: str, rpc_url: str) -> None:
        self.relayer, self.rpc_url = relayer, rpc_url
        self._tier_of = Function.of(artifacts.get("TownRegistry")["abi"], "tierOf")
        self._nonces = Function.of(artifacts.get("TownForwarder")["abi"], "nonces")
        self._funds: tuple[float, int, int] | None = None  # when read, the relayer's balance, the gas price

    def reads(self, town: Town, request: ForwardRequest, signer: str) -> list[Any]:
        """What the checks read of the chain, in one round trip: the signer's tier (a revert: a recovered address),
        its forwarder nonce, the latest block, and the gas the call needs as the forwarder will make it (a revert,
        or no more than a node's error for a call that fails)."""
        forwarder = town.forwarder.address
        call = {"from": forwarder, "to": request.to, "data": "0x" + forwarded_call(signer, request.data).hex()}
        answers = Rpc(town).batch(
            [
                ("eth_call", [{"to": town.registry.address, "data": _hex(self._tier_of.encode(signer))}, "latest"]),
                ("eth_call", [{"to": forwarder, "data": _hex(self._nonces.encode(signer))}, "latest"]),
                ("eth_getBlockByNumber", ["latest", False]),
                ("eth_estimateGas", [call]),
            ]
        )
        for answer in answers:
            if isinstance(answer, RpcError):
                raise Unreachable(scrub(str(answer), self.rpc_url))
        if isinstance(answers[0], Reverted) and not answers[0].certain:  # no revert's data: the node's trouble
            raise Unreachable("the signer's tier could not be read")
        if isinstance(answers[3], Reverted) and not answers[3].certain and isinstance(answers[0], Reverted):
            raise Unreachable("the call could not be simulated")  # the node ran none of the calls
        if isinstance(answers[1], Reverted) or isinstance(answers[2], Reverted):
            raise Unreachable("the forwarder's nonce or the latest block could not be read")
        return answers

    def simulate(
        self, town: Town, request: ForwardRequest, needed: Any, contract: str | None, *, follower: bool = False
    ) -> int:
        """The call as the forwarder will make it (a revert refused, decoded; a request whose gas is short of the
        call's with a margin refused: it would run out on the way), then the relay's own gas — derived from the
        call's, the forwarder's own work measured once (a follower, whose nonce is not yet the forwarder's next,
        counts the gas its member signed for); a relayer that cannot pay for it refuses it with 503. Every failure
        is decided from the answer's form, never a node's words."""
        if isinstance(needed, Reverted):
            said = self.said(town, needed, contract)
            raise Problem(422, Words("This action would fail: {said}", said=said), kind="would-revert")
        needed = int(needed, 16)
        least = needed + needed // GAS_MARGIN + 5_000
        if request.gas < least:
            raise Problem(
                422,
                Words(
                    "The request gives its call {gas} gas and the call needs about {needed}: sign it again with at "
                    "least {least}.",
                    gas=f"{request.gas:,}",
                    needed=f"{needed:,}",
                    least=f"{least:,}",
                ),
                kind="gas-too-low",
            )
        # The forwarder's own work on top of the call: the signature, the member's nonce (its slot written afresh on
        # the first action), the event; measured on an INF transfer as 20,900 more, 37,700 on a first action.
        estimate = request.gas if follower else needed + FORWARDER_WORK + (FIRST_NONCE if request.nonce == 0 else 0)
        self.can_pay(Rpc(town), estimate)
        return estimate

    def can_pay(self, rpc: Rpc, gas: int) -> None:
        """Refuse, before anything is queued, while the relayer's balance cannot pay ``gas`` at twice today's price
        (what a batch offers); read at most every few seconds."""
        now = time.monotonic()
        if self._funds is None or now > self._funds[0] + FUNDS_RECHECK_SECONDS:
            balance, price = rpc.batch([("eth_getBalance", [self.relayer, "latest"]), ("eth_gasPrice", [])])
            for answer in (balance, price):
                if isinstance(answer, Exception):
                    raise Unreachable(scrub(str(answer), self.rpc_url))
            self._funds = (now, int(balance, 16), int(price, 16))
        _, balance, price = self._funds
        if balance < gas * 2 * price:
            raise Problem(
                503,
                Words(
                    "The town's relayer has no coin left to pay for gas: nothing was sent. The town is told (in "
                    "the bridge's health report); try again later."
                ),
                kind="relayer-empty",
                headers={"Retry-After": "600"},
            )

    def said(self, town: Town, exc: Reverted, contract: str | None) -> str:
        """Why the call would revert, in a sentence (on the town's ``contract``, by its name)."""
        if exc.empty:
            return Words("it runs out of gas, or fails without giving a reason.")
        return _in_units(town.client.artifacts.errors.decode(exc.data), contract)


def _hex(data: bytes) -> str:
    return "0x" + data.hex()


def _in_units(revert: ContractRevert, contract: str | None) -> str:
    """A balance refusal of the town's own tokens in whole units (INF, shares), not the token's smallest ones."""
    units = {"InfinityToken": (18, "INF"), "ShareToken": (0, "shares")}.get(contract or "")
    if revert.error != "ERC20InsufficientBalance" or units is None:
        return revert.sentence
    named = revert.named
    held, needed = money(int(named["balance"]), *units), money(int(named["needed"]), *units)
    return Words(
        "{sender} holds {held}, less than the {needed} asked for.", sender=named["sender"], held=held, needed=needed
    )
