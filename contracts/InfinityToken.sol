// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC2771Context} from "@openzeppelin/contracts/metatx/ERC2771Context.sol";
import {Context} from "@openzeppelin/contracts/utils/Context.sol";
import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ERC20Pausable} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Pausable.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {IInfinityToken} from "./interfaces/IInfinityToken.sol";
import {ITownRegistry} from "./interfaces/ITownRegistry.sol";
import {CloneArgs} from "./libraries/CloneArgs.sol";
import {TownRoles} from "./libraries/TownRoles.sol";
import {TownRoleGated} from "./utils/TownRoleGated.sol";

/// @title InfinityToken
/// @notice INFINITY (INF), the town's reward for time contributed. Roles and membership come from
/// the town's {TownRegistry}; nothing here can be granted without it.
contract InfinityToken is ERC20Pausable, ERC20Permit, ERC2771Context, TownRoleGated, IInfinityToken {
    // ───────────────────────────── Constants ─────────────────────────────

    /// @notice Minutes in a day: no member is credited more in one day, no shift is longer.
    uint256 public constant MAX_MINUTES_PER_DAY = 1440;

    /// @notice The EIP-712 type a coordinator signs in {rewardWithAttestation}.
    bytes32 public constant PARTICIPATION_TYPEHASH = keccak256(
        "Participation(address member,uint32 minutesWorked,bytes32 participationId,uint256 projectId,address coordinator,uint256 deadline)"
    );

    address private immutable _SELF = address(this);

    // ───────────────────────────── Storage ─────────────────────────────

    /// @dev An account's balance, the minutes credited to it on its last day of work, its membership and whether
    /// the registry moved that to a new address, in one slot: a reward reads and writes it once (nothing else of
    /// the member's), and a transfer reads the recovered flag with the balance it reads anyway. The registry
    /// reports every membership change ({onMembersAdded}, {onMemberRemoved}, {onMembershipRecovered}); the
    /// balances fit, the supply being held below 2**128.
    struct Account {
        uint128 balance;
        uint32 day;
        uint32 creditedMinutes;
        bool member;
        bool recovered;
    }

    /// @dev A coordinator's cap and what it has had minted on `day`; one slot per coordinator.
    struct CoordinatorDay {
        uint96 cap;
        uint32 day;
        uint128 minted;
    }

    /// @dev Each coordinator's ids are its own: one coordinator can never use up another's (as redemption ids are
    /// each member's own). A batch relayed by the bridge is its relayer's, the bridge scoping ids per coordinator.
    mapping(address coordinator => mapping(bytes32 participationId => bool)) private _rewarded;
    mapping(address member => mapping(bytes32 redemptionId => bool)) private _redeemed;
    mapping(uint256 projectId => Project) private _projects;
    mapping(address account => Account) private _accounts;
    uint256 private _supply;
    mapping(address coordinator => CoordinatorDay) private _coordinatorDays;
    /// @dev Set only while {recover} moves a recovered address's balance.
    bool private transient _recovering;

    // ───────────────────────────── Constructor ─────────────────────────────

    /// @dev The implementation: each town's token is a clone of it, with the town's registry as its immutable
    /// argument. The implementation itself has no town and refuses to act.
    /// @param trustedForwarder The network's {TownForwarder}: members transfer and redeem without gas through it.
    constructor(address trustedForwarder)
        ERC20("INFINITY", "INF")
        ERC20Permit("INFINITY")
        ERC2771Context(trustedForwarder)
    {}

    // ───────────────────────────── External: views ─────────────────────────────

    /// @inheritdoc IInfinityToken
    function registry() external view returns (ITownRegistry) {
        return _registry();
    }

    /// @inheritdoc IInfinityToken
    function isRewarded(address coordinator, bytes32 participationId) external view returns (bool) {
        return _rewarded[coordinator][participationId];
    }

    /// @inheritdoc IInfinityToken
    function isMember(address account) external view returns (bool) {
        return _accounts[account].member;
    }

    /// @inheritdoc IInfinityToken
    function isRedeemed(address member, bytes32 redemptionId) external view returns (bool) {
        return _redeemed[member][redemptionId];
    }

    /// @inheritdoc IInfinityToken
    function project(uint256 projectId) external view returns (Project memory) {
        return _projects[projectId];
    }

    /// @inheritdoc IInfinityToken
    function rewardAmount(uint256 projectId, uint256 minutesWorked) public view returns (uint256) {
        Project memory rate = _projects[projectId];
        if (!rate.active) revert InfinityTokenInactiveProject(projectId);
        return minutesWorked * rate.tokensPerShift / rate.shiftMinutes;
    }

    /// @inheritdoc IInfinityToken
    function coordinatorDay(address coordinator) external view returns (uint256 cap, uint256 mintedToday) {
        CoordinatorDay memory record = _coordinatorDays[coordinator];
        return (record.cap, record.day == _today() ? record.minted : 0);
    }

    /// @inheritdoc IInfinityToken
    function minutesCreditedToday(address member) external view returns (uint256) {
        Account memory account = _accounts[member];
        return account.day == _today() ? account.creditedMinutes : 0;
    }

    /// @inheritdoc IERC20
    function balanceOf(address account) public view override(ERC20, IERC20) returns (uint256) {
        return _accounts[account].balance;
    }

    /// @inheritdoc IERC20
    function totalSupply() public view override(ERC20, IERC20) returns (uint256) {
        return _supply;
    }

    /// @inheritdoc IInfinityToken
    function participationDigest(Participation calldata participation) public view returns (bytes32) {
        return _hashTypedDataV4(keccak256(abi.encode(PARTICIPATION_TYPEHASH, participation)));
    }

    // ───────────────────────────── External: coordinators ─────────────────────────────

    /// @inheritdoc IInfinityToken
    function reward(address member, uint32 minutesWorked, bytes32 participationId, uint256 projectId)
        external
        whenNotPaused
        onlyTownRole(TownRoles.COORDINATOR)
        returns (uint256 amount)
    {
        uint32 today = _today();
        address coordinator = _msgSender();
        amount = _reward(member, minutesWorked, participationId, projectId, coordinator, today);
        _chargeCoordinator(coordinator, amount, today);
        _grow(amount);
    }

    /// @inheritdoc IInfinityToken
    function rewardBatch(Reward[] calldata rewards)
        external
        whenNotPaused
        onlyTownRole(TownRoles.COORDINATOR)
        returns (uint256 total)
    {
        uint256 count = rewards.length;
        if (count == 0) revert InfinityTokenEmptyBatch();
        uint32 today = _today();
        address coordinator = _msgSender();
        for (uint256 i; i < count; ++i) {
            Reward calldata entry = rewards[i];
            total +=
                _reward(entry.member, entry.minutesWorked, entry.participationId, entry.projectId, coordinator, today);
        }
        _chargeCoordinator(coordinator, total, today);
        _grow(total);
    }

    /// @inheritdoc IInfinityToken
    function rewardWithAttestation(Participation calldata participation, bytes calldata signature)
        external
        whenNotPaused
        returns (uint256 amount)
    {
        amount = _rewardAttested(participation, signature, _today());
        _grow(amount);
    }

    /// @inheritdoc IInfinityToken
    function rewardBatchWithAttestations(Participation[] calldata participations, bytes[] calldata signatures)
        external
        whenNotPaused
        returns (uint256 total)
    {
        uint256 count = participations.length;
        if (count == 0) revert InfinityTokenEmptyBatch();
        if (signatures.length != count) revert InfinityTokenSignatureCountMismatch(count, signatures.length);
        uint32 today = _today();
        for (uint256 i; i < count; ++i) {
            total += _rewardAttested(participations[i], signatures[i], today);
        }
        _grow(total);
    }

    /// @inheritdoc IInfinityToken
    function redeem(uint256 amount, bytes32 redemptionId, string calldata basket) external {
        address member = _msgSender();
        _redeem(member, amount, redemptionId, basket, member);
    }

    /// @inheritdoc IInfinityToken
    function redeemFrom(address member, uint256 amount, bytes32 redemptionId, string calldata basket)
        external
        onlyTownRole(TownRoles.COORDINATOR)
    {
        address coordinator = _msgSender();
        _spendAllowance(member, coordinator, amount);
        _redeem(member, amount, redemptionId, basket, coordinator);
    }

    // ───────────────────────────── External: Town Ambassador ─────────────────────────────

    /// @inheritdoc IInfinityToken
    function setProject(uint256 projectId, uint96 tokensPerShift, uint32 shiftMinutes, bool active)
        external
        onlyTownRole(TownRoles.TOWN_AMBASSADOR)
    {
        if (tokensPerShift == 0 || shiftMinutes == 0 || shiftMinutes > MAX_MINUTES_PER_DAY) {
            revert InfinityTokenInvalidRate(tokensPerShift, shiftMinutes);
        }
        _projects[projectId] = Project(tokensPerShift, shiftMinutes, active);
        emit ProjectSet(projectId, tokensPerShift, shiftMinutes, active);
    }

    /// @inheritdoc IInfinityToken
    function setCoordinatorDailyCap(address coordinator, uint96 cap) external onlyTownRole(TownRoles.TOWN_AMBASSADOR) {
        _coordinatorDays[coordinator].cap = cap;
        emit CoordinatorDailyCapSet(coordinator, cap);
    }

    // ───────────────────────────── External: anyone ─────────────────────────────

    /// @inheritdoc IInfinityToken
    function recover(address lost) external returns (uint256 amount) {
        address replacement = _registry().recoveredTo(lost);
        if (replacement == address(0)) revert InfinityTokenNotRecovered(lost);
        amount = balanceOf(lost);
        if (amount == 0) return 0;
        _recovering = true;
        _transfer(lost, replacement, amount);
        _recovering = false;
    }

    // ───────────────────────────── External: OST office ─────────────────────────────

    /// @inheritdoc IInfinityToken
    function pause() external onlyTownRole(TownRoles.OST_OFFICE) {
        _pause();
    }

    /// @inheritdoc IInfinityToken
    function unpause() external onlyTownRole(TownRoles.OST_OFFICE) {
        _unpause();
    }

    // ───────────────────────────── Public: ERC-20 plumbing ─────────────────────────────

    /// @inheritdoc ERC20Permit
    function nonces(address owner) public view override(ERC20Permit, IERC20Permit) returns (uint256) {
        return super.nonces(owner);
    }

    // ───────────────────────────── Internal ─────────────────────────────

    /// @dev Checks one participation, records it and mints its reward: the member's membership, day and balance
    /// are one slot, read and written once. The callers check the pause, charge the coordinator's cap and grow the
    /// supply, once per transaction where they can.
    function _reward(
        address member,
        uint32 minutesWorked,
        bytes32 participationId,
        uint256 projectId,
        address coordinator,
        uint32 today
    ) private returns (uint256 amount) {
        if (_rewarded[coordinator][participationId]) revert InfinityTokenAlreadyRewarded(coordinator, participationId);
        if (minutesWorked == 0 || minutesWorked > MAX_MINUTES_PER_DAY) revert InfinityTokenInvalidMinutes(minutesWorked);
        amount = rewardAmount(projectId, minutesWorked);
        Account memory account = _accounts[member];
        if (!account.member) revert InfinityTokenNotMember(member);
        uint256 credited = account.day == today ? account.creditedMinutes : 0;
        if (credited + minutesWorked > MAX_MINUTES_PER_DAY) {
            revert InfinityTokenMemberDayExceeded(member, credited, minutesWorked);
        }
        _rewarded[coordinator][participationId] = true;
        // Cannot truncate: the minutes were just checked to be at most 1440; the balance is at most the supply,
        // which the caller grows once for the whole transaction and holds below 2**128 (or nothing of it stands).
        account.day = today;
        account.creditedMinutes = uint32(credited + minutesWorked);
        account.balance = uint128(account.balance + amount);
        _accounts[member] = account;
        emit Transfer(address(0), member, amount);
        emit Rewarded(member, participationId, projectId, amount, coordinator, minutesWorked);
    }

    /// @dev Checks a signed participation (deadline, signature, the signer's role), rewards it and charges the
    /// signer's cap, as if the signer had called {reward}.
    function _rewardAttested(Participation calldata participation, bytes calldata signature, uint32 today)
        private
        returns (uint256 amount)
    {
        if (block.timestamp > participation.deadline) revert InfinityTokenAttestationExpired(participation.deadline);
        address coordinator = participation.coordinator;
        if (!SignatureChecker.isValidSignatureNow(coordinator, participationDigest(participation), signature)) {
            revert InfinityTokenInvalidSignature(coordinator);
        }
        _checkTownRole(TownRoles.COORDINATOR, coordinator);
        amount = _reward(
            participation.member,
            participation.minutesWorked,
            participation.participationId,
            participation.projectId,
            coordinator,
            today
        );
        _chargeCoordinator(coordinator, amount, today);
    }

    function _chargeCoordinator(address coordinator, uint256 amount, uint32 today) private {
        CoordinatorDay memory record = _coordinatorDays[coordinator];
        uint256 minted = record.day == today ? record.minted : 0;
        if (minted + amount > record.cap) {
            revert InfinityTokenCoordinatorCapExceeded(coordinator, minted, amount, record.cap);
        }
        // Cannot truncate: the sum is at most the cap, a uint96.
        _coordinatorDays[coordinator] = CoordinatorDay(record.cap, today, uint128(minted + amount));
    }

    function _redeem(address member, uint256 amount, bytes32 redemptionId, string calldata basket, address by)
        private
    {
        if (amount == 0) revert InfinityTokenZeroRedemption();
        if (_redeemed[member][redemptionId]) revert InfinityTokenAlreadyRedeemed(member, redemptionId);
        _redeemed[member][redemptionId] = true;
        _burn(member, amount);
        emit BasketRedeemed(member, redemptionId, amount, basket, by);
    }

    /// @inheritdoc IInfinityToken
    function onMembershipRecovered(address lost, address replacement) external {
        _onlyRegistry();
        Account storage from = _accounts[lost];
        Account storage to = _accounts[replacement];
        // Nothing leaves the lost address from now on except by {recover}: the flag lives beside its balance.
        (from.member, from.recovered, to.member) = (false, true, true);
        (uint32 day, uint32 credited) = (from.day, from.creditedMinutes);
        if (day != _today() || credited == 0) return;
        // The replacement is fresh (the registry requires it): it was credited nothing today.
        (to.day, to.creditedMinutes) = (day, credited);
        (from.day, from.creditedMinutes) = (0, 0);
        emit MemberDayMoved(lost, replacement, credited);
    }

    /// @inheritdoc IInfinityToken
    function onMembersAdded(address[] calldata accounts) external {
        _onlyRegistry();
        for (uint256 i; i < accounts.length; ++i) {
            _accounts[accounts[i]].member = true;
        }
    }

    /// @inheritdoc IInfinityToken
    function onMemberRemoved(address account) external {
        _onlyRegistry();
        _accounts[account].member = false;
    }

    function _onlyRegistry() private view {
        if (msg.sender != address(_registry())) revert InfinityTokenOnlyRegistry(msg.sender);
    }

    /// @dev Every balance change passes the pause check; nothing leaves a recovered address except by {recover}.
    /// The balances are this contract's own (see {Account}); OpenZeppelin's checks of addresses and allowances
    /// run before this, unchanged.
    function _update(address from, address to, uint256 value) internal override(ERC20, ERC20Pausable) {
        _requireNotPaused();
        if (from == address(0)) {
            _grow(value);
        } else {
            Account storage source = _accounts[from];
            (uint256 balance, bool recovered) = (source.balance, source.recovered);
            // Written before the checks, with no branch between, so that the slot is read once; a failed check
            // undoes it. When the checks pass this cannot underflow, nor truncate (the new balance is below the
            // old one).
            unchecked {
                source.balance = uint128(balance - value);
            }
            if (recovered && !_recovering) revert InfinityTokenRecoveredAccount(from);
            if (balance < value) revert ERC20InsufficientBalance(from, balance, value);
        }
        if (to == address(0)) {
            // Cannot underflow: the value was taken from a balance, and every balance is part of the supply.
            unchecked {
                _supply -= value;
            }
        } else {
            Account storage target = _accounts[to];
            // Cannot overflow nor truncate: every balance is at most the supply, which is below 2**128.
            unchecked {
                target.balance = uint128(target.balance + value);
            }
        }
        emit Transfer(from, to, value);
    }

    /// @dev The supply grows by `value`, held below 2**128 so that every balance fits its account's slot.
    function _grow(uint256 value) private {
        uint256 supply = _supply + value;
        if (supply > type(uint128).max) revert InfinityTokenSupplyExceeded(supply);
        _supply = supply;
    }

    function _townRegistry() internal view override returns (ITownRegistry) {
        return _registry();
    }

    /// @dev The clone's immutable argument: its town's registry. The implementation has none, and refuses.
    function _registry() private view returns (ITownRegistry) {
        if (address(this) == _SELF) revert InfinityTokenZeroRegistry();
        return ITownRegistry(CloneArgs.addressAt(0));
    }

    /// @notice The token's name, the same in every town (its clones keep no name of their own).
    function name() public pure override returns (string memory) {
        return "INFINITY";
    }

    /// @notice The token's symbol.
    function symbol() public pure override returns (string memory) {
        return "INF";
    }

    // ───────────────────────────── ERC-2771 ─────────────────────────────

    /// @dev The caller: the member who signed a request the town's forwarder relays, else `msg.sender`.
    function _msgSender() internal view override(Context, ERC2771Context) returns (address) {
        return ERC2771Context._msgSender();
    }

    function _msgData() internal view override(Context, ERC2771Context) returns (bytes calldata) {
        return ERC2771Context._msgData();
    }

    function _contextSuffixLength() internal view override(Context, ERC2771Context) returns (uint256) {
        return ERC2771Context._contextSuffixLength();
    }

    function _today() private view returns (uint32) {
        // Cannot truncate before the year 11 million.
        return uint32(block.timestamp / 1 days);
    }
}
