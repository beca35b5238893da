"""Members without coin for gas: every member action through the town's forwarder (ERC-2771), and its pitfalls —
replayed, expired, tampered and other towns' requests, spoofed senders, Multicall, every caller read as
``_msgSender()``."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount
from web3.contract import Contract
from web3.exceptions import ContractLogicError, Web3RPCError

from ost_chain.client import ChainClient
from ost_chain.enums import NATIVE
from ost_chain.gasless import ForwardRequest, permit, prepare, sign
from ost_chain.terms import SaleTerms
from ost_chain.units import hash_id
from tests.api.conftest import deploy_town
from tests.helpers import advance_time, events, now, reverts
from tests.towns import Business, CoreTown, deploy_core, list_business

ONE_INF = 10**18
DAY = 86_400
PROJECT = 1
CONTRACTS = ("InfinityToken", "ProfitDistributor", "ShareSale", "ShareToken")


def request_for(town: CoreTown, signer: LocalAccount, fn: Any, **changes: Any) -> ForwardRequest:
    """``fn`` by ``signer``, signed as a forward request for ``town``'s forwarder (``changes`` made first)."""
    unsigned = replace(prepare(town, signer.address, fn), **changes)
    name = town.forwarder.functions.eip712Domain().call()[1]
    return sign(signer, unsigned, town.client.chain_id, town.forwarder.address, name)


def relay(town: CoreTown, request: ForwardRequest, relayer: LocalAccount, forwarder: Contract | None = None) -> Any:
    """Send ``request`` through the forwarder from ``relayer``, who pays the gas."""
    return town.client.transact((forwarder or town.forwarder).functions.execute(request.as_call()), relayer)


@pytest.fixture
def penniless(client: ChainClient, town: CoreTown, ambassador: LocalAccount, coordinator: LocalAccount) -> LocalAccount:
    """A member who never held the native coin, with 3 INF earned."""
    member = Account.create()
    client.transact(town.registry.functions.addMember(member.address), ambassador)
    client.transact(town.infinity.functions.reward(member.address, 540, hash_id("p-penniless"), PROJECT), coordinator)
    assert client.balance(member.address) == 0
    return member


@pytest.fixture
def relayer(accounts: tuple[LocalAccount, ...]) -> LocalAccount:
    return accounts[7]


def test_a_member_without_coin_sends_and_redeems_inf_through_the_forwarder(
    client: ChainClient, town: CoreTown, penniless: LocalAccount, alice: LocalAccount, relayer: LocalAccount
) -> None:
    inf = town.infinity.functions
    before = inf.balanceOf(alice.address).call()
    relay(town, request_for(town, penniless, inf.transfer(alice.address, ONE_INF)), relayer)
    receipt = relay(town, request_for(town, penniless, inf.redeem(ONE_INF, hash_id("basket-1"), "maize")), relayer)
    assert inf.balanceOf(alice.address).call() == before + ONE_INF
    assert inf.balanceOf(penniless.address).call() == ONE_INF
    (redeemed,) = events(receipt, town.infinity, "BasketRedeemed")
    assert (redeemed["member"], redeemed["recordedBy"]) == (penniless.address, penniless.address)
    assert client.balance(penniless.address) == 0
    (executed,) = events(receipt, town.forwarder, "ExecutedForwardRequest")
    assert (executed["signer"], executed["nonce"], executed["success"]) == (penniless.address, 1, True)


def test_the_forwarder_refuses_replayed_expired_and_tampered_requests(
    client: ChainClient, town: CoreTown, penniless: LocalAccount, alice: LocalAccount, relayer: LocalAccount
) -> None:
    send = town.infinity.functions.transfer(alice.address, ONE_INF)
    request = request_for(town, penniless, send)
    relay(town, request, relayer)
    with reverts("ERC2771ForwarderInvalidSigner"):  # the nonce moved on: the old signature no longer matches
        relay(town, request, relayer)
    expired = request_for(town, penniless, send, deadline=now(client) - 1)
    with reverts("ERC2771ForwarderExpiredRequest"):
        relay(town, expired, relayer)
    signed = request_for(town, penniless, send)
    more = town.infinity.functions.transfer(relayer.address, 2 * ONE_INF)
    tampered = replace(signed, data=bytes.fromhex(more._encode_transaction_data()[2:]))
    with reverts("ERC2771ForwarderInvalidSigner"):
        relay(town, tampered, relayer)
    relay(town, signed, relayer)  # the genuine one still goes, once
    assert town.infinity.functions.balanceOf(penniless.address).call() == ONE_INF


def test_a_request_for_one_town_is_refused_by_another(
    client: ChainClient,
    town: CoreTown,
    penniless: LocalAccount,
    alice: LocalAccount,
    relayer: LocalAccount,
    ost_office: LocalAccount,
) -> None:
    other = deploy_core(client, name="Laingsburg", country="ZA", ost_office=ost_office)  # another network's town
    request = request_for(town, penniless, town.infinity.functions.transfer(alice.address, ONE_INF))
    # A town of the same network shares its forwarder; a request names the contract it calls, and changing it
    # breaks the signature: Prince Albert's transfer cannot be aimed at Klaarstroom's token.
    neighbour = deploy_core(client, name="Klaarstroom", country="ZA", ost_office=ost_office, network=town.network)
    assert neighbour.forwarder.address == town.forwarder.address
    aimed_next_door = replace(request, to=neighbour.infinity.address)
    assert town.forwarder.functions.verify(aimed_next_door.as_call()).call() is False
    with reverts("ERC2771ForwarderInvalidSigner"):
        relay(town, aimed_next_door, relayer)
    # Signed for Prince Albert's forwarder, sent to Laingsburg's: refused, whichever check comes first.
    assert other.forwarder.functions.verify(request.as_call()).call() is False
    with reverts("ERC2771UntrustfulTarget"):
        relay(town, request, relayer, forwarder=other.forwarder)
    assert town.forwarder.functions.verify(request.as_call()).call() is True
    # Signed for Prince Albert's forwarder, calling Laingsburg's token: that token does not trust it.
    unsigned = replace(request, to=other.infinity.address, signature=b"")
    name = town.forwarder.functions.eip712Domain().call()[1]
    aimed = sign(penniless, unsigned, client.chain_id, town.forwarder.address, name)
    with reverts("ERC2771UntrustfulTarget"):
        relay(town, aimed, relayer)
    assert other.infinity.functions.isTrustedForwarder(town.forwarder.address).call() is False


def test_an_address_appended_by_anyone_but_the_forwarder_is_ignored(
    client: ChainClient,
    town: CoreTown,
    penniless: LocalAccount,
    alice: LocalAccount,
    bob: LocalAccount,
    coordinator: LocalAccount,
) -> None:
    """ERC-2771's spoofing risk: only the trusted forwarder's last 20 bytes name the caller."""
    client.transact(town.infinity.functions.reward(alice.address, 180, hash_id("p-alice-spoof"), PROJECT), coordinator)
    data = town.infinity.functions.transfer(bob.address, ONE_INF)._encode_transaction_data()
    spoofed = data + penniless.address[2:].lower()  # "I am the penniless member"
    before = town.infinity.functions.balanceOf(penniless.address).call()
    tx = {"to": town.infinity.address, "data": spoofed, "from": alice.address, "chainId": client.chain_id}
    tx.update(gas=200_000, nonce=client.w3.eth.get_transaction_count(alice.address), gasPrice=client.w3.eth.gas_price)
    receipt = client.w3.eth.wait_for_transaction_receipt(
        client.w3.eth.send_raw_transaction(alice.sign_transaction(tx).raw_transaction)
    )
    (moved,) = events(receipt, town.infinity, "Transfer")
    assert moved["from"] == alice.address  # the caller, not the address it appended
    assert town.infinity.functions.balanceOf(penniless.address).call() == before


def test_no_contract_that_trusts_the_forwarder_has_multicall(client: ChainClient) -> None:
    """The December 2023 advisory: Multicall's delegatecalls drop the forwarder's suffix, so a signer could name any
    caller. None of the town's trusting contracts has it."""
    for name in CONTRACTS:
        functions = {e["name"].lower() for e in client.artifacts.get(name)["abi"] if e["type"] == "function"}
        assert "istrustedforwarder" in functions, name
        assert not any("multicall" in f for f in functions), name
    for name in ("TownRegistry", "BusinessFactory"):  # officers' contracts: direct calls only
        functions = {e["name"] for e in client.artifacts.get(name)["abi"] if e["type"] == "function"}
        assert "isTrustedForwarder" not in functions, name


def test_a_coordinator_relayed_reward_is_charged_to_the_coordinator_not_the_forwarder(
    client: ChainClient, town: CoreTown, coordinator: LocalAccount, alice: LocalAccount, relayer: LocalAccount
) -> None:
    """Every `msg.sender` reviewed: the role is checked on the signer, and the cap charged to the same signer."""
    fn = town.infinity.functions.reward(alice.address, 180, hash_id("p-relayed-reward"), PROJECT)
    receipt = relay(town, request_for(town, coordinator, fn), relayer)
    (rewarded,) = events(receipt, town.infinity, "Rewarded")
    assert rewarded["coordinator"] == coordinator.address
    _, minted_today = town.infinity.functions.coordinatorDay(coordinator.address).call()
    assert minted_today == ONE_INF
    assert town.infinity.functions.coordinatorDay(town.forwarder.address).call()[1] == 0


@pytest.fixture
def coin_sale(
    client: ChainClient, factory: Contract, ambassador: LocalAccount, treasury: LocalAccount, stablecoin: Contract
) -> Business:
    """A sale in the permit stablecoin: 10 shares at 5 tZAR, 5 needed, a day of local phase."""
    terms = SaleTerms(
        price=5 * 10**6,
        shares_offered=10,
        min_shares=5,
        start=now(client),
        local_duration=DAY,
        treasury=treasury.address,
        payment_asset=stablecoin.address,
    )
    return list_business(client, factory, ambassador, name="Bakery", symbol="BAKE", terms=terms)


def bought(town: CoreTown, member: LocalAccount, business: Business, coin: Contract, shares: int, relayer: Any) -> Any:
    """``member``, holding no coin, is minted 5 tZAR a share and buys ``shares`` with one permit, relayed."""
    cost = shares * 5 * 10**6
    town.client.transact(coin.functions.mint(member.address, cost), relayer)
    signed = permit(town.client, coin.address, member, business.sale.address, cost)
    return relay(town, request_for(town, member, business.sale.functions.buyWithPermit(shares, *signed)), relayer)


def test_a_member_without_coin_buys_with_one_permit_signature_and_refunds_a_failed_sale(
    client: ChainClient,
    town: CoreTown,
    penniless: LocalAccount,
    coin_sale: Business,
    stablecoin: Contract,
    relayer: LocalAccount,
) -> None:
    coin = stablecoin.functions
    client.transact(coin.mint(penniless.address, 5 * 10**6), relayer)  # 5 tZAR more than the purchase
    (purchase,) = events(bought(town, penniless, coin_sale, stablecoin, 3, relayer), coin_sale.sale, "SharesPurchased")
    assert (purchase["buyer"], purchase["shares"], purchase["cost"]) == (penniless.address, 3, 15 * 10**6)
    assert coin_sale.token.functions.balanceOf(penniless.address).call() == 3
    assert coin.allowance(penniless.address, coin_sale.sale.address).call() == 0
    advance_time(client, DAY + 1)  # 3 of the 5 needed: the sale failed
    receipt = relay(town, request_for(town, penniless, coin_sale.sale.functions.refund()), relayer)
    (refunded,) = events(receipt, coin_sale.sale, "Refunded")
    assert (refunded["buyer"], refunded["amount"]) == (penniless.address, 15 * 10**6)
    assert coin.balanceOf(penniless.address).call() == 20 * 10**6
    assert client.balance(penniless.address) == 0


def test_a_front_run_permit_does_not_stop_the_purchase(
    client: ChainClient,
    town: CoreTown,
    penniless: LocalAccount,
    coin_sale: Business,
    stablecoin: Contract,
    relayer: LocalAccount,
    stranger: LocalAccount,
) -> None:
    client.transact(stablecoin.functions.mint(penniless.address, 10 * 10**6), relayer)
    signed = permit(client, stablecoin.address, penniless, coin_sale.sale.address, 10 * 10**6)
    buy = coin_sale.sale.functions.buyWithPermit(2, *signed)
    request = request_for(town, penniless, buy)
    # Someone copies the permit from the mempool and submits it first: the allowance it leaves pays.
    client.transact(
        stablecoin.functions.permit(penniless.address, coin_sale.sale.address, 10 * 10**6, *signed), stranger
    )
    relay(town, request, relayer)
    assert coin_sale.token.functions.balanceOf(penniless.address).call() == 2


def test_buy_with_permit_in_the_native_coin_is_refused(
    client: ChainClient, factory: Contract, ambassador: LocalAccount, treasury: LocalAccount, alice: LocalAccount
) -> None:
    terms = SaleTerms(
        price=10**15, shares_offered=10, min_shares=1, start=now(client), local_duration=DAY, treasury=treasury.address
    )
    business = list_business(client, factory, ambassador, name="Laundry", symbol="WASH", terms=terms)
    with reverts("ShareSaleNativeCoinHasNoPermit"):
        client.transact(business.sale.functions.buyWithPermit(1, now(client) + 60, 27, b"\0" * 32, b"\0" * 32), alice)


def test_a_member_without_coin_claims_both_parts_and_moves_shares(
    client: ChainClient,
    town: CoreTown,
    penniless: LocalAccount,
    coin_sale: Business,
    stablecoin: Contract,
    distributor: Contract,
    ambassador: LocalAccount,
    treasury: LocalAccount,
    alice: LocalAccount,
    relayer: LocalAccount,
) -> None:
    coin = stablecoin.functions
    client.transact(coin.mint(penniless.address, 5 * 10**6), relayer)  # 5 tZAR more than the purchase
    bought(town, penniless, coin_sale, stablecoin, 5, relayer)
    advance_time(client, DAY + 1)
    client.transact(coin_sale.sale.functions.finalize(), relayer)
    client.transact(distributor.functions.setInvestorShare(coin_sale.business_id, 2_000), ambassador)
    client.transact(distributor.functions.setAcceptedAsset(stablecoin.address, True), ambassador)
    client.transact(coin.mint(treasury.address, 100 * 10**6), treasury)
    client.transact(coin.approve(distributor.address, 100 * 10**6), treasury)
    client.transact(distributor.functions.deposit(coin_sale.business_id, stablecoin.address, 100 * 10**6), treasury)
    client.transact(distributor.functions.deposit(coin_sale.business_id, NATIVE, 10**15), treasury, value=10**15)
    d = distributor.functions
    paid = []
    for fn in (
        d.claimAsInvestor(coin_sale.business_id, stablecoin.address),
        d.claim(stablecoin.address),
        d.claimAsInvestor(coin_sale.business_id, NATIVE),
    ):
        paid += [
            e["args"]["amount"] for e in fn_events(relay(town, request_for(town, penniless, fn), relayer), distributor)
        ]
    assert coin.balanceOf(penniless.address).call() == 5 * 10**6 + paid[0] + paid[1]
    assert paid[0] == 20 * 10**6  # the whole investor part: the only shareholder
    assert client.balance(penniless.address) == paid[2]  # coin only as profit, never spent on gas
    relay(town, request_for(town, penniless, coin_sale.token.functions.transfer(alice.address, 2)), relayer)
    assert coin_sale.token.functions.balanceOf(alice.address).call() == 2
    assert client.balance(penniless.address) == paid[2]


def fn_events(receipt: Any, distributor: Contract) -> list[Any]:
    from web3.logs import DISCARD

    return [
        *distributor.events.ProfitClaimed().process_receipt(receipt, errors=DISCARD),
        *distributor.events.InvestorProfitClaimed().process_receipt(receipt, errors=DISCARD),
    ]


def test_clones_trust_the_forwarder_through_their_implementation(
    client: ChainClient, town: CoreTown, coin_sale: Business, factory: Contract
) -> None:
    sale_impl, token_impl = factory.functions.implementations().call()
    for contract in (
        coin_sale.sale,
        coin_sale.token,
        client.at("ShareSale", sale_impl),
        client.at("ShareToken", token_impl),
    ):
        assert contract.functions.trustedForwarder().call() == town.forwarder.address


def _send_raw(client: ChainClient, fn: Any, sender: LocalAccount, gas: int) -> bool:
    """``fn`` sent by ``sender`` with exactly ``gas``, whatever it does: whether it succeeded (read from its receipt:
    a node may answer with an error for a transaction it mined)."""
    tx = fn.build_transaction(
        {"from": sender.address, "gas": gas, "nonce": client.w3.eth.get_transaction_count(sender.address)}
    )
    signed = sender.sign_transaction(tx)
    with contextlib.suppress(ContractLogicError, Web3RPCError):
        client.w3.eth.send_raw_transaction(signed.raw_transaction)
    return bool(client.w3.eth.wait_for_transaction_receipt(signed.hash, timeout=30)["status"])


def test_a_batch_skips_requests_to_a_target_that_does_not_trust_it_however_often_and_sends_the_rest(
    client: ChainClient,
    town: CoreTown,
    alice: LocalAccount,
    relayer: LocalAccount,
    ost_office: LocalAccount,
    ambassador: LocalAccount,
    coordinator: LocalAccount,
) -> None:
    """The forwarder asks a target whether it trusts it once per transaction and keeps the answer: a batch with two
    requests aimed at another network's token (which does not trust it) between requests to this town's token sends
    the town's and skips the others, each time as OpenZeppelin's forwarder does (no nonce used, no event)."""
    other = deploy_core(client, name="Laingsburg", country="ZA", ost_office=ost_office)
    members = [Account.create() for _ in range(4)]
    for i, m in enumerate(members):
        client.transact(town.registry.functions.addMember(m.address), ambassador)
        client.transact(town.infinity.functions.reward(m.address, 180, hash_id(f"p-trust-{i}"), PROJECT), coordinator)
    name = town.forwarder.functions.eip712Domain().call()[1]

    def signed(member: LocalAccount, to: str) -> ForwardRequest:
        unsigned = prepare(town, member.address, town.infinity.functions.transfer(alice.address, ONE_INF))
        return sign(member, replace(unsigned, to=to), client.chain_id, town.forwarder.address, name)

    batch = [
        signed(members[0], town.infinity.address),
        signed(members[1], other.infinity.address),
        signed(members[2], other.infinity.address),
        signed(members[3], town.infinity.address),
    ]
    before = town.infinity.functions.balanceOf(alice.address).call()
    receipt = client.transact(
        town.forwarder.functions.executeBatch([r.as_call() for r in batch], relayer.address), relayer
    )
    executed = events(receipt, town.forwarder, "ExecutedForwardRequest")
    assert [(e["signer"], e["success"]) for e in executed] == [(members[0].address, True), (members[3].address, True)]
    assert town.infinity.functions.balanceOf(alice.address).call() == before + 2 * ONE_INF
    nonces = [town.forwarder.functions.nonces(m.address).call() for m in members]
    assert nonces == [1, 0, 0, 1]
    # Without a refund receiver the first untrusted request ends the batch, as OpenZeppelin's does.
    again = [signed(members[1], town.infinity.address), signed(members[2], other.infinity.address)]
    with reverts("ERC2771UntrustfulTarget"):
        client.transact(town.forwarder.functions.executeBatch([r.as_call() for r in again], NATIVE), relayer)
    assert town.forwarder.functions.verify(batch[1].as_call()).call() is False


@pytest.fixture(params=["anvil", "edr"])
def any_node(request: pytest.FixtureRequest, town: CoreTown, tmp_path: Path) -> Iterator[Any]:
    """The module's town on anvil, or a town of its own on Hardhat's EDR node (its own rules for gas)."""
    if request.param == "anvil":
        yield town
        return
    deployed = deploy_town(tmp_path, node_kind="edr")
    yield deployed.town
    deployed.node.stop()


def test_no_gas_limit_lets_a_relayer_spend_a_coordinators_nonce_on_a_call_starved_of_gas(
    any_node: Any, coordinator: LocalAccount, ambassador: LocalAccount, relayer: LocalAccount
) -> None:
    """A relayer chooses the transaction's gas. With a limit between what the forwarder needs after the call (a
    sixty-fourth of it is left when the call runs out) and what the call needs, the call would run out while the
    request counted as sent: the coordinator's nonce spent and ten members unpaid (ERC-2771's insufficient-gas
    griefing). For every limit up to enough, the nonce moves only with the rewards."""
    town, client = any_node, any_node.client
    members = [Account.create().address for _ in range(10)]
    client.transact(town.registry.functions.addMembers(members), ambassador)
    rows = [(m, 180, hash_id(f"p-starved-{m}"), PROJECT) for m in members]
    name = town.forwarder.functions.eip712Domain().call()[1]
    outcomes = []
    for gas in range(100_000, 1_500_001, 25_000):
        nonce = town.forwarder.functions.nonces(coordinator.address).call()
        request = sign(
            coordinator,
            prepare(town, coordinator.address, town.infinity.functions.rewardBatch(rows)),
            client.chain_id,
            town.forwarder.address,
            name,
        )
        fn = town.forwarder.functions.executeBatch([request.as_call()], relayer.address)  # a failed call is kept
        sent = _send_raw(client, fn, relayer, gas)
        moved = town.forwarder.functions.nonces(coordinator.address).call() == nonce + 1
        paid = town.infinity.functions.balanceOf(members[0]).call() == ONE_INF
        assert moved == paid, f"at {gas:,} gas the coordinator's nonce moved and nobody was paid"
        outcomes.append(sent)
        if paid:
            break
    assert outcomes[-1] and not any(outcomes[:-1]) and len(outcomes) > 10  # too little many times, then enough
