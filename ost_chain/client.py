"""A connection to one chain: deploy contracts, send signed transactions, decode reverts.

Every transaction is built, signed locally with the sender's key (eth-account) and sent raw, so
the same code runs on the embedded chain and on any public chain. A call that would revert is
refused before anything is sent, with the decoded custom error.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar
from urllib.parse import urlsplit

import requests
from eth_account.signers.local import LocalAccount
from eth_typing import ChecksumAddress
from web3 import Web3
from web3.contract import Contract
from web3.contract.contract import ContractFunction
from web3.exceptions import ContractLogicError, TimeExhausted, TransactionNotFound, Web3Exception, Web3RPCError
from web3.types import BlockIdentifier, RPCEndpoint, TxParams, TxReceipt, Wei

from .abi import Function
from .artifacts import Artifacts
from .compiler import compile_contracts
from .exceptions import ChainError, ContractRevert, NoFunds, TransactionFailed
from .logwindows import LogWindows
from .redact import scrub
from .settings import Settings, get_settings
from .units import money

T = TypeVar("T")

RECEIPT_TIMEOUT = 120.0


class ChainClient:
    """Web3 plus the project's artifacts, for one chain."""

    def __init__(self, w3: Web3, artifacts: Artifacts) -> None:
        self.w3 = w3
        self.artifacts = artifacts
        self._factories: dict[str, type[Contract]] = {}
        try:
            self.chain_id = int(w3.eth.chain_id)
        except (requests.RequestException, Web3Exception, OSError, ValueError) as exc:  # no answer, or not JSON-RPC
            raise ChainError(f"Cannot reach the chain: {scrub(str(exc))}") from None

    @classmethod
    def connect(
        cls, rpc_url: str, *, settings: Settings | None = None, compile: bool = True, timeout: float = 30.0
    ) -> ChainClient:
        """Connect to ``rpc_url``, compiling the contracts first unless the build is current."""
        settings = settings or get_settings()
        if compile:
            compile_contracts(settings)
        session = requests.Session()
        # requests reads proxy settings from the environment on every request (milliseconds each);
        # a node on this machine never goes through a proxy.
        session.trust_env = urlsplit(rpc_url).hostname not in ("127.0.0.1", "localhost", "::1")
        provider = Web3.HTTPProvider(
            rpc_url,
            request_kwargs={"timeout": timeout},
            session=session,
            # web3 checks the chain id before every call and transaction: one request is enough.
            cache_allowed_requests=True,
            cacheable_requests={RPCEndpoint("eth_chainId")},
        )
        w3 = Web3(provider)
        w3.middleware_onion.add(LogWindows, "log_windows")  # a provider's cap on a log query's blocks, met
        return cls(w3, Artifacts(settings.build_dir))

    # ── contracts ──

    def at(self, name: str, address: str) -> Contract:
        """The deployed contract ``name`` at ``address`` (web3 derives a contract's class from its ABI once per name:
        a town's hundred sales are a hundred instances of one class, not a hundred classes)."""
        factory = self._factories.get(name)
        if factory is None:
            factory = self._factories[name] = self.w3.eth.contract(abi=self.artifacts.get(name)["abi"])
        return factory(address=Web3.to_checksum_address(address))

    def deploy(self, name: str, *args: Any, sender: LocalAccount, value: int = 0) -> tuple[Contract, TxReceipt]:
        """Deploy ``name`` with constructor ``args``; return the contract and the receipt."""
        artifact = self.artifacts.get(name)
        factory = self.w3.eth.contract(abi=artifact["abi"], bytecode=artifact["bytecode"])
        receipt = self._send(lambda params: factory.constructor(*args).build_transaction(params), sender, value)
        address = receipt["contractAddress"]
        if address is None:
            raise TransactionFailed(f"Deploying {name} produced no contract address.")
        return self.at(name, address), receipt

    # ── calls and transactions ──

    def call(self, fn: ContractFunction, *, block: BlockIdentifier = "latest", sender: str | None = None) -> Any:
        """Call a view (or simulate a transaction) and decode a revert."""
        try:
            return fn.call({"from": sender} if sender else {}, block_identifier=block)
        except ContractLogicError as exc:
            raise self.decode(exc) from None

    def view(self, fn: ContractFunction, *, block: BlockIdentifier = "latest") -> Any:
        """Call one view with structs returned as named tuples (``terms.price``), never read by position."""
        return self.call_many([fn], block=block)[0]

    def call_many(self, fns: Sequence[ContractFunction], *, block: BlockIdentifier = "latest") -> list[Any]:
        """Call many views in one JSON-RPC batch (one round trip); structs come back as named tuples."""
        tag = block if isinstance(block, str) else hex(int(block))
        return self.read_many([(fn.address, Function.entry(fn.abi), tuple(fn.args)) for fn in fns], block=tag)

    def read_many(self, calls: Sequence[tuple[str, Function, tuple[Any, ...]]], *, block: str = "latest") -> list[Any]:
        """:meth:`call_many` for a hot path: each call an address, a :class:`~ost_chain.abi.Function` derived once
        and its arguments, encoded and decoded without web3's contract objects."""
        if not calls:
            return []
        requests = [("eth_call", [{"to": to, "data": "0x" + fn.encode(*args).hex()}, block]) for to, fn, args in calls]
        responses = self.w3.provider.make_batch_request(requests)  # type: ignore[attr-defined]
        if not isinstance(responses, list):
            raise ChainError(f"The node refused a batch of calls: {responses}")
        out = []
        for (_, fn, _), response in zip(calls, sorted(responses, key=lambda r: r["id"]), strict=True):
            if "error" in response:
                data = response["error"].get("data")
                if isinstance(data, str) and data.startswith("0x"):
                    raise self.artifacts.errors.decode(data)
                raise ChainError(f"{fn.abi['name']} failed: {response['error'].get('message')}")
            out.append(fn.decode(bytes.fromhex(response["result"][2:])))
        return out

    def transact(
        self, fn: ContractFunction, sender: LocalAccount, *, value: int = 0, gas: int | None = None
    ) -> TxReceipt:
        """Send ``fn`` signed by ``sender``, wait for the receipt, raise on a revert."""
        return self._send(lambda params: fn.build_transaction(params), sender, value, gas)

    def send_value(self, sender: LocalAccount, to: str, value: int) -> TxReceipt:
        """Send ``value`` wei of the native coin from ``sender`` to ``to``."""

        def build(params: TxParams) -> TxParams:
            params = {**params, "to": Web3.to_checksum_address(to)}
            params["gas"] = self.w3.eth.estimate_gas(params)
            priority = self.w3.eth.max_priority_fee
            base = self.w3.eth.get_block("latest").get("baseFeePerGas", 0)
            params["maxPriorityFeePerGas"] = priority
            params["maxFeePerGas"] = Wei(2 * base + priority)  # what web3 itself picks for contract calls
            return params

        return self._send(build, sender, value)

    def decode(self, exc: ContractLogicError) -> ContractRevert:
        """The custom error behind a web3 revert exception."""
        data = exc.data
        if isinstance(data, dict):
            data = data.get("data")
        if isinstance(data, str) and data.startswith("0x"):
            return self.artifacts.errors.decode(data)
        return ContractRevert("Error", (str(exc),), {"message": str(exc)}, f"The call reverted: {exc}")

    def _send(
        self, build: Callable[[TxParams], TxParams], sender: LocalAccount, value: int, gas: int | None = None
    ) -> TxReceipt:
        params: TxParams = {
            "from": sender.address,
            "value": value,  # type: ignore[typeddict-item]
            "chainId": self.chain_id,
            "nonce": self.w3.eth.get_transaction_count(sender.address, "pending"),
        }
        if gas is not None:
            params["gas"] = gas
        try:
            tx = build(params)
        except ContractLogicError as exc:
            raise self.decode(exc) from None
        except Web3RPCError as exc:
            raise self._refused(sender, params, value, exc) from None
        signed = sender.sign_transaction(tx)  # type: ignore[arg-type]
        tx_hash = signed.hash  # the keccak of the signed bytes: ours whatever the node answers
        try:
            self.w3.eth.send_raw_transaction(signed.raw_transaction)
        except (ContractLogicError, Web3RPCError) as exc:
            # A node may answer with an error for a transaction it took, even mined (Hardhat's reports a revert so):
            # what happened is read from the chain, never from the node's words.
            if not self._knows(tx_hash):
                if isinstance(exc, ContractLogicError):
                    raise self.decode(exc) from None
                raise self._refused(sender, tx, value, exc) from None
        try:
            receipt = self.w3.eth.wait_for_transaction_receipt(tx_hash, timeout=RECEIPT_TIMEOUT, poll_latency=0.05)
        except TimeExhausted as exc:
            raise ChainError(
                f"Transaction {tx_hash.hex()} was not mined within {RECEIPT_TIMEOUT:.0f} s; "
                "check the chain and the fee, then retry."
            ) from exc
        if receipt["status"] != 1:
            raise self._explain_failure(tx, receipt)
        return receipt

    def _knows(self, tx_hash: bytes) -> bool:
        """Whether the node holds or has mined the transaction of ``tx_hash``."""
        try:
            return self.w3.eth.get_transaction(tx_hash) is not None  # type: ignore[arg-type]
        except TransactionNotFound:
            return False

    def _refused(self, sender: LocalAccount, tx: TxParams, value: int, exc: Exception) -> ChainError:
        """The sentence for a transaction the node refused: a signer that cannot pay its most is told so (decided
        from its balance and the fee, whatever the node's words); any other refusal says the node's reason."""
        price = int(tx.get("maxFeePerGas") or self.w3.eth.gas_price)
        most = int(tx.get("gas") or 21_000) * price + value
        if self.balance(sender.address) < most:
            return self._no_funds(sender, value)
        message = exc.args[0] if exc.args else exc
        if isinstance(message, dict):
            message = message.get("message", message)
        return ChainError(f"The node refused the transaction from {sender.address}: {message}.")

    def _no_funds(self, sender: LocalAccount, value: int) -> NoFunds:
        """The sentence for a signer who cannot pay: what it holds, and what it needs it for (in whole units, plain
        digits, whatever the size)."""
        held = self.balance(sender.address)
        coin = "ETH"  # the development chain's and most networks' native coin
        what = "the network fee" if not value else f"the {money(value, 18, coin)} it sends and the network fee"
        return NoFunds(
            f"{sender.address} has {'no ' + coin if not held else 'only ' + money(held, 18, coin)} to pay {what}: "
            f"send it some {coin} (on the development chain, from any dev:N account), then run the same command again."
        )

    def _explain_failure(self, tx: TxParams, receipt: TxReceipt) -> Exception:
        """Replay a failed transaction as a call at its block to recover the reason."""
        replay = {k: v for k, v in tx.items() if k in ("from", "to", "data", "value", "gas")}
        try:
            self.w3.eth.call(replay, block_identifier=receipt["blockNumber"] - 1)  # type: ignore[arg-type]
        except ContractLogicError as exc:
            return self.decode(exc)
        except Exception:  # noqa: BLE001 - any failure here leaves the generic explanation
            pass
        return TransactionFailed(
            f"Transaction {receipt['transactionHash'].hex()} failed in block {receipt['blockNumber']} "
            f"(gas used {receipt['gasUsed']} of {tx.get('gas')})."
        )

    def balance(self, address: ChecksumAddress | str) -> int:
        return int(self.w3.eth.get_balance(Web3.to_checksum_address(address)))
