"""InfinityToken: rewards from minutes worked, once-only ids, attestations, caps, redemption, pause."""

from __future__ import annotations

from typing import Any

import pytest
from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_account.signers.local import LocalAccount

from ost_chain.client import ChainClient
from ost_chain.eip712 import sign_permit
from ost_chain.units import ONE_INF
from tests.conftest import COORDINATOR_CAP, PROJECT
from tests.helpers import advance_time, events, now, reverts, sign_participation
from tests.towns import CoreTown

DAY = 86_400


def pid(n: int) -> bytes:
    return n.to_bytes(32, "big")


def start_of_next_day(client: ChainClient) -> None:
    """Move the clock to one second after the next UTC midnight."""
    advance_time(client, DAY - now(client) % DAY + 1)


def participation(member: str, coordinator: str, deadline: int, n: int = 1, minutes: int = 180) -> dict[str, Any]:
    return {
        "member": member,
        "minutesWorked": minutes,
        "participationId": pid(n),
        "projectId": PROJECT,
        "coordinator": coordinator,
        "deadline": deadline,
    }


# ── metadata ──


def test_token_is_infinity_inf_with_18_decimals(town: CoreTown) -> None:
    inf = town.infinity.functions
    assert (inf.name().call(), inf.symbol().call(), inf.decimals().call()) == ("INFINITY", "INF", 18)
    assert inf.registry().call() == town.registry.address


def test_the_implementation_has_no_town_and_every_clone_is_named_infinity(
    client: ChainClient, town: CoreTown, ost_office: LocalAccount, alice: LocalAccount
) -> None:
    implementation = client.at("InfinityToken", town.network.functions.implementations().call()[0])
    with reverts("InfinityTokenZeroRegistry"):
        client.call(implementation.functions.registry())
    inf = town.infinity.functions
    assert (inf.name().call(), inf.symbol().call(), inf.registry().call()) == ("INFINITY", "INF", town.registry.address)
    assert inf.eip712Domain().call()[1:4] == ["INFINITY", "1", client.chain_id]


# ── reward ──


def test_reward_mints_one_inf_per_three_hour_shift_and_emits_rewarded(
    town: CoreTown, client: ChainClient, coordinator: LocalAccount, alice: LocalAccount
) -> None:
    receipt = client.transact(town.infinity.functions.reward(alice.address, 180, pid(1), PROJECT), coordinator)
    assert town.infinity.functions.balanceOf(alice.address).call() == ONE_INF
    assert events(receipt, town.infinity, "Rewarded") == [
        {
            "member": alice.address,
            "participationId": pid(1),
            "projectId": PROJECT,
            "amount": ONE_INF,
            "coordinator": coordinator.address,
            "minutesWorked": 180,
        }
    ]
    assert town.infinity.functions.isRewarded(coordinator.address, pid(1)).call()
    assert town.infinity.functions.minutesCreditedToday(alice.address).call() == 180


@pytest.mark.parametrize(
    ("minutes", "expected"), [(1, ONE_INF // 180), (60, ONE_INF // 3), (90, ONE_INF // 2), (1440, 8 * ONE_INF)]
)
def test_reward_amount_follows_minutes_at_project_rate_rounding_down(
    town: CoreTown, client: ChainClient, coordinator: LocalAccount, alice: LocalAccount, minutes: int, expected: int
) -> None:
    assert town.infinity.functions.rewardAmount(PROJECT, minutes).call() == expected
    client.transact(town.infinity.functions.reward(alice.address, minutes, pid(7), PROJECT), coordinator)
    assert town.infinity.functions.balanceOf(alice.address).call() == expected


def test_project_rate_is_per_project(
    town: CoreTown, client: ChainClient, ambassador: LocalAccount, coordinator: LocalAccount, alice: LocalAccount
) -> None:
    client.transact(town.infinity.functions.setProject(2, 3 * ONE_INF, 240, True), ambassador)
    client.transact(town.infinity.functions.reward(alice.address, 80, pid(1), 2), coordinator)
    assert town.infinity.functions.balanceOf(alice.address).call() == ONE_INF


def test_reward_refuses_non_member_and_removed_member(
    town: CoreTown,
    client: ChainClient,
    ambassador: LocalAccount,
    coordinator: LocalAccount,
    alice: LocalAccount,
    carol: LocalAccount,
) -> None:
    inf = town.infinity.functions
    with reverts("InfinityTokenNotMember", carol.address):
        client.transact(inf.reward(carol.address, 60, pid(1), PROJECT), coordinator)
    client.transact(town.registry.functions.removeMember(alice.address), ambassador)
    with reverts("InfinityTokenNotMember", alice.address):
        client.transact(inf.reward(alice.address, 60, pid(1), PROJECT), coordinator)


@pytest.mark.parametrize("minutes", [0, 1441, 2**32 - 1])
def test_reward_refuses_minutes_outside_one_day(
    town: CoreTown, client: ChainClient, coordinator: LocalAccount, alice: LocalAccount, minutes: int
) -> None:
    with reverts("InfinityTokenInvalidMinutes", minutes):
        client.transact(town.infinity.functions.reward(alice.address, minutes, pid(1), PROJECT), coordinator)


def test_reward_refuses_unknown_and_closed_project(
    town: CoreTown, client: ChainClient, ambassador: LocalAccount, coordinator: LocalAccount, alice: LocalAccount
) -> None:
    inf = town.infinity.functions
    with reverts("InfinityTokenInactiveProject", 99):
        client.transact(inf.reward(alice.address, 60, pid(1), 99), coordinator)
    client.transact(inf.setProject(PROJECT, ONE_INF, 180, False), ambassador)
    with reverts("InfinityTokenInactiveProject", PROJECT):
        client.transact(inf.reward(alice.address, 60, pid(1), PROJECT), coordinator)


@pytest.mark.parametrize(("tokens", "shift"), [(0, 180), (ONE_INF, 0), (ONE_INF, 1441)])
def test_set_project_refuses_invalid_rate(
    town: CoreTown, client: ChainClient, ambassador: LocalAccount, tokens: int, shift: int
) -> None:
    with reverts("InfinityTokenInvalidRate", tokens, shift):
        client.transact(town.infinity.functions.setProject(3, tokens, shift, True), ambassador)


def test_set_project_emits_project_set(town: CoreTown, client: ChainClient, ambassador: LocalAccount) -> None:
    receipt = client.transact(town.infinity.functions.setProject(5, 2 * ONE_INF, 120, True), ambassador)
    assert events(receipt, town.infinity, "ProjectSet") == [
        {"projectId": 5, "tokensPerShift": 2 * ONE_INF, "shiftMinutes": 120, "active": True}
    ]
    assert town.infinity.functions.project(5).call() == (2 * ONE_INF, 120, True)


# ── once-only participation ids ──


def test_participation_id_rewarded_once(
    town: CoreTown, client: ChainClient, coordinator: LocalAccount, alice: LocalAccount, bob: LocalAccount
) -> None:
    inf = town.infinity.functions
    client.transact(inf.reward(alice.address, 60, pid(1), PROJECT), coordinator)
    with reverts("InfinityTokenAlreadyRewarded", coordinator.address, pid(1)):
        client.transact(inf.reward(bob.address, 60, pid(1), PROJECT), coordinator)
    with reverts("InfinityTokenAlreadyRewarded", coordinator.address, pid(1)):
        client.transact(inf.rewardBatch([(bob.address, 60, pid(1), PROJECT)]), coordinator)


def test_batch_holding_an_id_twice_reverts_whole_batch(
    town: CoreTown, client: ChainClient, coordinator: LocalAccount, alice: LocalAccount, bob: LocalAccount
) -> None:
    inf = town.infinity.functions
    batch = [(alice.address, 60, pid(1), PROJECT), (bob.address, 60, pid(2), PROJECT), (bob.address, 30, pid(1), 1)]
    with reverts("InfinityTokenAlreadyRewarded", coordinator.address, pid(1)):
        client.transact(inf.rewardBatch(batch), coordinator)
    assert inf.totalSupply().call() == 0
    assert not inf.isRewarded(coordinator.address, pid(1)).call()


def test_reward_batch_mints_each_entry_and_charges_cap_once(
    town: CoreTown, client: ChainClient, coordinator: LocalAccount, alice: LocalAccount, bob: LocalAccount
) -> None:
    inf = town.infinity.functions
    batch = [(alice.address, 180, pid(1), PROJECT), (bob.address, 360, pid(2), PROJECT), (alice.address, 90, pid(3), 1)]
    receipt = client.transact(inf.rewardBatch(batch), coordinator)
    assert [e["participationId"] for e in events(receipt, town.infinity, "Rewarded")] == [pid(1), pid(2), pid(3)]
    assert inf.balanceOf(alice.address).call() == ONE_INF + ONE_INF // 2
    assert inf.balanceOf(bob.address).call() == 2 * ONE_INF
    assert inf.coordinatorDay(coordinator.address).call() == [COORDINATOR_CAP, 3 * ONE_INF + ONE_INF // 2]
    assert inf.minutesCreditedToday(alice.address).call() == 270


def test_empty_batch_is_refused(town: CoreTown, client: ChainClient, coordinator: LocalAccount) -> None:
    with reverts("InfinityTokenEmptyBatch"):
        client.transact(town.infinity.functions.rewardBatch([]), coordinator)


# ── daily limits ──


def test_member_day_holds_at_exactly_1440_minutes(
    town: CoreTown, client: ChainClient, coordinator: LocalAccount, alice: LocalAccount
) -> None:
    inf = town.infinity.functions
    start_of_next_day(client)
    client.transact(inf.rewardBatch([(alice.address, 1000, pid(1), 1), (alice.address, 439, pid(2), 1)]), coordinator)
    client.transact(inf.reward(alice.address, 1, pid(3), PROJECT), coordinator)  # exactly 1440
    with reverts("InfinityTokenMemberDayExceeded", alice.address, 1440, 1):
        client.transact(inf.reward(alice.address, 1, pid(4), PROJECT), coordinator)
    start_of_next_day(client)
    assert inf.minutesCreditedToday(alice.address).call() == 0
    client.transact(inf.reward(alice.address, 1440, pid(4), PROJECT), coordinator)


def test_member_day_counts_across_a_batch(
    town: CoreTown, client: ChainClient, coordinator: LocalAccount, alice: LocalAccount
) -> None:
    start_of_next_day(client)
    batch = [(alice.address, 1000, pid(1), PROJECT), (alice.address, 441, pid(2), PROJECT)]
    with reverts("InfinityTokenMemberDayExceeded", alice.address, 1000, 441):
        client.transact(town.infinity.functions.rewardBatch(batch), coordinator)


def test_coordinator_cap_holds_at_its_exact_edge_and_resets_next_day(
    town: CoreTown,
    client: ChainClient,
    ambassador: LocalAccount,
    coordinator: LocalAccount,
    alice: LocalAccount,
    bob: LocalAccount,
) -> None:
    inf = town.infinity.functions
    start_of_next_day(client)
    cap = 2 * ONE_INF + 1
    receipt = client.transact(inf.setCoordinatorDailyCap(coordinator.address, cap), ambassador)
    assert events(receipt, town.infinity, "CoordinatorDailyCapSet") == [
        {"coordinator": coordinator.address, "cap": cap}
    ]
    client.transact(inf.reward(alice.address, 360, pid(1), PROJECT), coordinator)  # 2 INF
    with reverts("InfinityTokenCoordinatorCapExceeded", coordinator.address, 2 * ONE_INF, 2 * ONE_INF // 180, cap):
        client.transact(inf.reward(bob.address, 2, pid(2), PROJECT), coordinator)
    client.transact(inf.setCoordinatorDailyCap(coordinator.address, 2 * ONE_INF + ONE_INF // 90), ambassador)
    client.transact(inf.reward(bob.address, 2, pid(2), PROJECT), coordinator)  # exactly at the cap
    assert inf.coordinatorDay(coordinator.address).call() == [2 * ONE_INF + ONE_INF // 90] * 2
    start_of_next_day(client)
    assert inf.coordinatorDay(coordinator.address).call()[1] == 0
    client.transact(inf.reward(bob.address, 360, pid(3), PROJECT), coordinator)


def test_coordinator_without_cap_mints_nothing(
    town: CoreTown, client: ChainClient, ambassador: LocalAccount, alice: LocalAccount, stranger: LocalAccount
) -> None:
    client.transact(town.registry.functions.grantRole(town.role("COORDINATOR_ROLE"), stranger.address), ambassador)
    with reverts("InfinityTokenCoordinatorCapExceeded", stranger.address, 0, ONE_INF, 0):
        client.transact(town.infinity.functions.reward(alice.address, 180, pid(1), PROJECT), stranger)


# ── attestations (EIP-712) ──


def test_relayer_submits_coordinator_signed_participation(
    town: CoreTown, client: ChainClient, coordinator: LocalAccount, alice: LocalAccount, stranger: LocalAccount
) -> None:
    p = participation(alice.address, coordinator.address, now(client) + 3600)
    signature = sign_participation(client, town.infinity, coordinator, **p)
    receipt = client.transact(town.infinity.functions.rewardWithAttestation(p, signature), stranger)
    (event,) = events(receipt, town.infinity, "Rewarded")
    assert event["coordinator"] == coordinator.address and event["amount"] == ONE_INF
    assert town.infinity.functions.balanceOf(alice.address).call() == ONE_INF
    assert town.infinity.functions.coordinatorDay(coordinator.address).call()[1] == ONE_INF


def test_attestation_digest_matches_eip712_encoding(
    town: CoreTown, client: ChainClient, coordinator: LocalAccount, alice: LocalAccount
) -> None:
    p = participation(alice.address, coordinator.address, 10**10)
    digest = town.infinity.functions.participationDigest(p).call()
    signature = sign_participation(client, town.infinity, coordinator, **p)
    assert Account._recover_hash(digest, signature=signature) == coordinator.address


def test_attestation_refused_for_wrong_signer(
    town: CoreTown, client: ChainClient, coordinator: LocalAccount, alice: LocalAccount, stranger: LocalAccount
) -> None:
    p = participation(alice.address, coordinator.address, now(client) + 3600)
    forged = sign_participation(client, town.infinity, stranger, **p)
    with reverts("InfinityTokenInvalidSignature", coordinator.address):
        client.transact(town.infinity.functions.rewardWithAttestation(p, forged), stranger)


def test_attestation_refused_for_signer_without_coordinator_role(
    town: CoreTown, client: ChainClient, alice: LocalAccount, stranger: LocalAccount
) -> None:
    p = participation(alice.address, stranger.address, now(client) + 3600)
    signature = sign_participation(client, town.infinity, stranger, **p)
    with reverts("AccessControlUnauthorizedAccount", stranger.address, town.role("COORDINATOR_ROLE")):
        client.transact(town.infinity.functions.rewardWithAttestation(p, signature), stranger)


def test_attestation_refused_after_deadline_and_accepted_at_it(
    town: CoreTown, client: ChainClient, coordinator: LocalAccount, alice: LocalAccount, stranger: LocalAccount
) -> None:
    inf = town.infinity.functions
    expired = participation(alice.address, coordinator.address, now(client) - 1)
    signature = sign_participation(client, town.infinity, coordinator, **expired)
    with reverts("InfinityTokenAttestationExpired", expired["deadline"]):
        client.transact(inf.rewardWithAttestation(expired, signature), stranger)
    # The next block's timestamp is exactly the deadline: still accepted.
    edge = participation(alice.address, coordinator.address, now(client) + 100, n=2)
    client.w3.provider.make_request("evm_setNextBlockTimestamp", [edge["deadline"]])  # type: ignore[arg-type]
    client.transact(
        inf.rewardWithAttestation(edge, sign_participation(client, town.infinity, coordinator, **edge)), stranger
    )
    assert inf.isRewarded(coordinator.address, pid(2)).call()


def test_attestation_replay_and_reward_of_same_id_refused(
    town: CoreTown, client: ChainClient, coordinator: LocalAccount, alice: LocalAccount, stranger: LocalAccount
) -> None:
    inf = town.infinity.functions
    p = participation(alice.address, coordinator.address, now(client) + 3600)
    signature = sign_participation(client, town.infinity, coordinator, **p)
    client.transact(inf.rewardWithAttestation(p, signature), stranger)
    with reverts("InfinityTokenAlreadyRewarded", coordinator.address, pid(1)):
        client.transact(inf.rewardWithAttestation(p, signature), stranger)
    with reverts("InfinityTokenAlreadyRewarded", coordinator.address, pid(1)):
        client.transact(inf.reward(alice.address, 180, pid(1), PROJECT), coordinator)
    # And the other way round: an id rewarded directly cannot come back through attestation.
    client.transact(inf.reward(alice.address, 60, pid(2), PROJECT), coordinator)
    q = participation(alice.address, coordinator.address, now(client) + 3600, n=2)
    with reverts("InfinityTokenAlreadyRewarded", coordinator.address, pid(2)):
        client.transact(
            inf.rewardWithAttestation(q, sign_participation(client, town.infinity, coordinator, **q)), stranger
        )


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("member", "bob"),
        ("minutesWorked", 1440),
        ("participationId", 2),
        ("projectId", 2),
        ("deadline", 1),
        ("coordinator", "ambassador"),
    ],
)
def test_attestation_refused_when_any_field_is_tampered(
    town: CoreTown,
    client: ChainClient,
    ambassador: LocalAccount,
    coordinator: LocalAccount,
    alice: LocalAccount,
    bob: LocalAccount,
    stranger: LocalAccount,
    field: str,
    value: Any,
) -> None:
    client.transact(town.infinity.functions.setProject(2, 10 * ONE_INF, 60, True), ambassador)
    p = participation(alice.address, coordinator.address, now(client) + 3600)
    signature = sign_participation(client, town.infinity, coordinator, **p)
    tampered = dict(p)
    if field == "member":
        tampered[field] = bob.address
    elif field == "coordinator":
        tampered[field] = ambassador.address
    elif field == "participationId":
        tampered[field] = pid(value)
    elif field == "deadline":
        tampered[field] = p["deadline"] + value
    else:
        tampered[field] = value
    with reverts("InfinityTokenInvalidSignature", tampered["coordinator"]):
        client.transact(town.infinity.functions.rewardWithAttestation(tampered, signature), stranger)


def test_attestation_for_another_chain_or_contract_refused(
    town: CoreTown, client: ChainClient, coordinator: LocalAccount, alice: LocalAccount, stranger: LocalAccount
) -> None:
    p = participation(alice.address, coordinator.address, now(client) + 3600)
    full = {
        "types": {
            "EIP712Domain": [
                {"name": "name", "type": "string"},
                {"name": "version", "type": "string"},
                {"name": "chainId", "type": "uint256"},
                {"name": "verifyingContract", "type": "address"},
            ],
            "Participation": [
                {"name": n, "type": t}
                for n, t in [
                    ("member", "address"),
                    ("minutesWorked", "uint32"),
                    ("participationId", "bytes32"),
                    ("projectId", "uint256"),
                    ("coordinator", "address"),
                    ("deadline", "uint256"),
                ]
            ],
        },
        "primaryType": "Participation",
        "message": p,
    }
    for domain in (
        {"name": "INFINITY", "version": "1", "chainId": 1, "verifyingContract": town.infinity.address},
        {"name": "INFINITY", "version": "1", "chainId": client.chain_id, "verifyingContract": town.registry.address},
    ):
        signature = coordinator.sign_message(encode_typed_data(full_message={**full, "domain": domain})).signature
        with reverts("InfinityTokenInvalidSignature", coordinator.address):
            client.transact(town.infinity.functions.rewardWithAttestation(p, signature), stranger)


# ── redemption ──


def test_redeem_burns_and_records_the_basket(
    town: CoreTown, client: ChainClient, coordinator: LocalAccount, alice: LocalAccount
) -> None:
    inf = town.infinity.functions
    client.transact(inf.reward(alice.address, 540, pid(1), PROJECT), coordinator)
    receipt = client.transact(inf.redeem(2 * ONE_INF, pid(100), "November basket: maize 5kg, beans 2kg"), alice)
    assert events(receipt, town.infinity, "BasketRedeemed") == [
        {
            "member": alice.address,
            "redemptionId": pid(100),
            "amount": 2 * ONE_INF,
            "basket": "November basket: maize 5kg, beans 2kg",
            "recordedBy": alice.address,
        }
    ]
    assert inf.balanceOf(alice.address).call() == ONE_INF
    assert inf.totalSupply().call() == ONE_INF
    assert inf.isRedeemed(alice.address, pid(100)).call()
    with reverts("InfinityTokenAlreadyRedeemed", alice.address, pid(100)):
        client.transact(inf.redeem(ONE_INF, pid(100), "again"), alice)
    with reverts("InfinityTokenZeroRedemption"):
        client.transact(inf.redeem(0, pid(101), "nothing"), alice)
    with reverts("ERC20InsufficientBalance", alice.address, ONE_INF, 2 * ONE_INF):
        client.transact(inf.redeem(2 * ONE_INF, pid(101), "too much"), alice)


def test_coordinator_records_basket_with_members_permit(
    town: CoreTown, client: ChainClient, coordinator: LocalAccount, alice: LocalAccount
) -> None:
    inf = town.infinity.functions
    client.transact(inf.reward(alice.address, 360, pid(1), PROJECT), coordinator)
    deadline = now(client) + 3600
    v, r, s = sign_permit(
        alice,
        client.chain_id,
        town.infinity.address,
        "INFINITY",
        owner=alice.address,
        spender=coordinator.address,
        value=2 * ONE_INF,
        nonce=0,
        deadline=deadline,
    )
    client.transact(
        inf.permit(alice.address, coordinator.address, 2 * ONE_INF, deadline, v, r, s),
        coordinator,
    )
    receipt = client.transact(inf.redeemFrom(alice.address, 2 * ONE_INF, pid(9), "basket"), coordinator)
    (event,) = events(receipt, town.infinity, "BasketRedeemed")
    assert event["recordedBy"] == coordinator.address and event["member"] == alice.address
    assert inf.balanceOf(alice.address).call() == 0
    assert inf.allowance(alice.address, coordinator.address).call() == 0


def test_redeem_from_needs_allowance(
    town: CoreTown, client: ChainClient, coordinator: LocalAccount, alice: LocalAccount
) -> None:
    inf = town.infinity.functions
    client.transact(inf.reward(alice.address, 180, pid(1), PROJECT), coordinator)
    with reverts("ERC20InsufficientAllowance", coordinator.address, 0, ONE_INF):
        client.transact(inf.redeemFrom(alice.address, ONE_INF, pid(9), "basket"), coordinator)


# ── transfers and pause ──


def test_members_send_inf_to_each_other(
    town: CoreTown, client: ChainClient, coordinator: LocalAccount, alice: LocalAccount, bob: LocalAccount
) -> None:
    inf = town.infinity.functions
    client.transact(inf.reward(alice.address, 180, pid(1), PROJECT), coordinator)
    client.transact(inf.transfer(bob.address, ONE_INF // 4), alice)
    assert inf.balanceOf(bob.address).call() == ONE_INF // 4


def test_pause_stops_rewards_transfers_and_redemptions_until_unpaused(
    town: CoreTown,
    client: ChainClient,
    ost_office: LocalAccount,
    coordinator: LocalAccount,
    alice: LocalAccount,
    bob: LocalAccount,
) -> None:
    inf = town.infinity.functions
    client.transact(inf.reward(alice.address, 180, pid(1), PROJECT), coordinator)
    client.transact(inf.pause(), ost_office)
    with reverts("EnforcedPause"):
        client.transact(inf.reward(alice.address, 180, pid(2), PROJECT), coordinator)
    with reverts("EnforcedPause"):
        client.transact(inf.transfer(bob.address, 1), alice)
    with reverts("EnforcedPause"):
        client.transact(inf.redeem(1, pid(3), "basket"), alice)
    client.transact(inf.unpause(), ost_office)
    client.transact(inf.reward(alice.address, 180, pid(2), PROJECT), coordinator)
    assert inf.balanceOf(alice.address).call() == 2 * ONE_INF


# ── access control: every privileged function refuses every other role ──

ROLES = ["ost_office", "country_ambassador", "ambassador", "coordinator", "alice", "stranger"]
PRIVILEGED = {
    # function: (role that may call it, builder)
    "reward": ("coordinator", lambda inf, a: inf.reward(a.address, 60, pid(50), PROJECT)),
    "rewardBatch": ("coordinator", lambda inf, a: inf.rewardBatch([(a.address, 60, pid(50), PROJECT)])),
    "redeemFrom": ("coordinator", lambda inf, a: inf.redeemFrom(a.address, 0, pid(50), "basket")),
    "setProject": ("ambassador", lambda inf, a: inf.setProject(9, ONE_INF, 60, True)),
    "setCoordinatorDailyCap": ("ambassador", lambda inf, a: inf.setCoordinatorDailyCap(a.address, 1)),
    "pause": ("ost_office", lambda inf, a: inf.pause()),
    "unpause": ("ost_office", lambda inf, a: inf.unpause()),
}
ROLE_IDS = {"coordinator": "COORDINATOR_ROLE", "ambassador": "TOWN_AMBASSADOR_ROLE", "ost_office": "DEFAULT_ADMIN_ROLE"}


@pytest.mark.parametrize(
    ("function", "caller"), [(f, c) for f in sorted(PRIVILEGED) for c in ROLES if c != PRIVILEGED[f][0]]
)
def test_privileged_function_refuses_every_other_role(
    town: CoreTown, client: ChainClient, request: pytest.FixtureRequest, alice: LocalAccount, function: str, caller: str
) -> None:
    allowed, build = PRIVILEGED[function]
    account: LocalAccount = request.getfixturevalue(caller)
    with reverts("AccessControlUnauthorizedAccount", account.address, town.role(ROLE_IDS[allowed])):
        client.transact(build(town.infinity.functions, alice), account)


def test_a_stranger_burning_dust_under_a_guessable_id_blocks_no_member_s_basket(
    town: CoreTown, client: ChainClient, coordinator: LocalAccount, alice: LocalAccount, stranger: LocalAccount
) -> None:
    """Redemption ids were global: anyone with 1 wei of INF could burn it under the id a coordinator was about to
    use, and the real redeemFrom for that id reverted for ever. Ids are each member's own (issue 15 #10)."""
    inf = town.infinity.functions
    client.transact(inf.reward(alice.address, 540, pid(1), PROJECT), coordinator)
    client.transact(inf.transfer(stranger.address, 1), alice)
    basket = pid(2_026_11)  # an id anyone can guess
    client.transact(inf.redeem(1, basket, "dust"), stranger)
    client.transact(inf.approve(coordinator.address, ONE_INF), alice)
    client.transact(inf.redeemFrom(alice.address, ONE_INF, basket, "November basket"), coordinator)
    assert inf.isRedeemed(alice.address, basket).call() and inf.isRedeemed(stranger.address, basket).call()
    with reverts("InfinityTokenAlreadyRedeemed", alice.address, basket):
        client.transact(inf.redeem(1, basket, "again"), alice)


def test_signed_participations_are_relayed_in_one_batch_each_charged_to_its_signer(
    town: CoreTown,
    client: ChainClient,
    ambassador: LocalAccount,
    coordinator: LocalAccount,
    alice: LocalAccount,
    bob: LocalAccount,
    stranger: LocalAccount,
    accounts: tuple[LocalAccount, ...],
) -> None:
    """A flood of signed participations used to cost one transaction each; a batch shares the cost, and every
    entry is still the signer's own: its role, its cap, its deadline (issue 15 #7)."""
    inf = town.infinity.functions
    other = accounts[7]
    client.transact(town.registry.functions.grantRole(town.role("COORDINATOR_ROLE"), other.address), ambassador)
    client.transact(inf.setCoordinatorDailyCap(other.address, 10 * ONE_INF), ambassador)
    deadline = now(client) + 3600
    entries = [
        {**participation(alice.address, coordinator.address, deadline), "participationId": pid(500)},
        {**participation(bob.address, other.address, deadline), "participationId": pid(501)},
    ]
    signatures = [
        sign_participation(client, town.infinity, s, **e) for s, e in zip((coordinator, other), entries, strict=True)
    ]
    with reverts("InfinityTokenSignatureCountMismatch", 2, 1):
        client.transact(inf.rewardBatchWithAttestations(entries, signatures[:1]), stranger)
    swapped = [signatures[1], signatures[0]]
    with reverts("InfinityTokenInvalidSignature", coordinator.address):
        client.transact(inf.rewardBatchWithAttestations(entries, swapped), stranger)
    receipt = client.transact(inf.rewardBatchWithAttestations(entries, signatures), stranger)
    assert [(e["member"], e["coordinator"]) for e in events(receipt, town.infinity, "Rewarded")] == [
        (alice.address, coordinator.address),
        (bob.address, other.address),
    ]
    assert inf.coordinatorDay(coordinator.address).call()[1] == ONE_INF
    assert inf.coordinatorDay(other.address).call()[1] == ONE_INF
