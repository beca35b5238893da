// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {ITownRegistry} from "./ITownRegistry.sol";

/// @title IInfinityToken
/// @notice INFINITY (INF): proof of time contributed to the town. It is minted only as the reward
/// for a participation that a coordinator confirmed, to a current member, at most once per
/// participation id. The reward follows from the minutes worked at the project's rate (by default
/// one INF per three-hour shift). Members spend it in town and redeem it for a monthly basket,
/// which burns it.
interface IInfinityToken is IERC20, IERC20Permit {
    /// @notice One confirmed participation.
    /// @param member The member who took part; must be a member when the reward is minted.
    /// @param minutesWorked Time worked, in minutes: 1 to 1440.
    /// @param participationId The participation's id, unique among its coordinator's; rewarded at most once, ever.
    /// @param projectId The community project, which sets the rate.
    struct Reward {
        address member;
        uint32 minutesWorked;
        bytes32 participationId;
        uint256 projectId;
    }

    /// @notice A participation signed by a coordinator (EIP-712), which anyone may relay.
    /// @param coordinator The signer; must hold `COORDINATOR_ROLE` when it is relayed.
    /// @param deadline The last second at which it may be relayed.
    struct Participation {
        address member;
        uint32 minutesWorked;
        bytes32 participationId;
        uint256 projectId;
        address coordinator;
        uint256 deadline;
    }

    /// @notice A community project's reward rate: `tokensPerShift` for every `shiftMinutes` worked.
    struct Project {
        uint96 tokensPerShift;
        uint32 shiftMinutes;
        bool active;
    }

    // ───────────────────────────── Errors ─────────────────────────────

    /// @notice This is the implementation towns clone: it has no town (no registry) of its own.
    error InfinityTokenZeroRegistry();
    /// @notice `account` is not a member of the town, so it cannot be rewarded.
    error InfinityTokenNotMember(address account);
    /// @notice Participation `participationId` of `coordinator` was rewarded already.
    error InfinityTokenAlreadyRewarded(address coordinator, bytes32 participationId);
    /// @notice Project `projectId` is unknown or closed.
    error InfinityTokenInactiveProject(uint256 projectId);
    /// @notice A project rate needs a positive reward and a shift of 1 to 1440 minutes, not `tokensPerShift` per `shiftMinutes`.
    error InfinityTokenInvalidRate(uint256 tokensPerShift, uint256 shiftMinutes);
    /// @notice Minutes worked must be 1 to 1440, not `minutesWorked`.
    error InfinityTokenInvalidMinutes(uint256 minutesWorked);
    /// @notice `member` has `creditedToday` minutes credited today; `minutesWorked` more would exceed the 1440 minutes of a day.
    error InfinityTokenMemberDayExceeded(address member, uint256 creditedToday, uint256 minutesWorked);
    /// @notice Coordinator `coordinator` has had `mintedToday` minted today; `amount` more would pass its daily cap of `cap`.
    error InfinityTokenCoordinatorCapExceeded(address coordinator, uint256 mintedToday, uint256 amount, uint256 cap);
    /// @notice The attestation expired at `deadline` (unix time).
    error InfinityTokenAttestationExpired(uint256 deadline);
    /// @notice The signature is not a signature of this participation by `coordinator`.
    error InfinityTokenInvalidSignature(address coordinator);
    /// @notice The batch is empty.
    error InfinityTokenEmptyBatch();
    /// @notice `participations` signed participations came with `signatures` signatures: one each is needed.
    error InfinityTokenSignatureCountMismatch(uint256 participations, uint256 signatures);
    /// @notice A redemption needs a positive amount.
    error InfinityTokenZeroRedemption();
    /// @notice `member`'s redemption `redemptionId` was recorded already.
    error InfinityTokenAlreadyRedeemed(address member, bytes32 redemptionId);
    /// @notice `account` was moved to a new address after a lost wallet; its INF moves with {recover}.
    error InfinityTokenRecoveredAccount(address account);
    /// @notice `account` was not moved to a new address: there is nothing to recover.
    error InfinityTokenNotRecovered(address account);
    /// @notice Only the town's registry reports recoveries; `caller` is not it.
    error InfinityTokenOnlyRegistry(address caller);

    /// @notice A mint would take the supply to 2**128 or beyond: no account's balance could hold it.
    error InfinityTokenSupplyExceeded(uint256 supply);

    // ───────────────────────────── Events ─────────────────────────────

    /// @notice `coordinator` confirmed `participationId` and `member` received `amount` INF for
    /// `minutesWorked` minutes on `projectId`.
    event Rewarded(
        address indexed member,
        bytes32 indexed participationId,
        uint256 indexed projectId,
        uint256 amount,
        address coordinator,
        uint32 minutesWorked
    );
    /// @notice The Town Ambassador set the rate of `projectId` and whether it takes rewards.
    event ProjectSet(uint256 indexed projectId, uint96 tokensPerShift, uint32 shiftMinutes, bool active);
    /// @notice The Town Ambassador set how much INF `coordinator` may have minted in one day.
    event CoordinatorDailyCapSet(address indexed coordinator, uint256 cap);
    /// @notice The minutes `lost` was credited today now count for `replacement`, the same member.
    event MemberDayMoved(address indexed lost, address indexed replacement, uint256 creditedMinutes);
    /// @notice `member` redeemed `amount` INF, burnt, for the basket described by `basket`.
    event BasketRedeemed(
        address indexed member, bytes32 indexed redemptionId, uint256 amount, string basket, address recordedBy
    );

    // ───────────────────────────── Views ─────────────────────────────

    /// @notice The town whose roles and members this token follows.
    function registry() external view returns (ITownRegistry);

    /// @notice Whether `account` may be rewarded: the town's membership, as the registry reported it to this token
    /// (kept beside the account's balance, so a reward reads one slot for both). Always the registry's
    /// {ITownRegistry-isMember}.
    function isMember(address account) external view returns (bool);

    /// @notice Whether `coordinator`'s participation `participationId` has been rewarded. Each coordinator's ids are
    /// its own (the one who confirmed it directly or by its signed attestation; for a batch, its sender).
    function isRewarded(address coordinator, bytes32 participationId) external view returns (bool);

    /// @notice Whether `member`'s redemption `redemptionId` has been recorded (ids are each member's own).
    function isRedeemed(address member, bytes32 redemptionId) external view returns (bool);

    /// @notice The rate of `projectId` and whether it takes rewards.
    function project(uint256 projectId) external view returns (Project memory);

    /// @notice The INF a reward of `minutesWorked` on `projectId` would mint.
    function rewardAmount(uint256 projectId, uint256 minutesWorked) external view returns (uint256);

    /// @notice The daily cap of `coordinator` and what it has had minted today.
    function coordinatorDay(address coordinator) external view returns (uint256 cap, uint256 mintedToday);

    /// @notice The minutes credited to `member` today (UTC day of the chain's clock).
    function minutesCreditedToday(address member) external view returns (uint256);

    /// @notice The EIP-712 digest a coordinator signs for `participation`.
    function participationDigest(Participation calldata participation) external view returns (bytes32);

    // ───────────────────────────── Coordinators ─────────────────────────────

    /// @notice Mints the reward for one confirmed participation.
    /// @dev Requires `COORDINATOR_ROLE`, a not-paused token, a current member, an active project,
    /// a fresh `participationId`, 1–1440 minutes, the member's day and the caller's daily cap.
    /// Emits {Rewarded} and {Transfer}.
    /// @return amount The INF minted.
    function reward(address member, uint32 minutesWorked, bytes32 participationId, uint256 projectId)
        external
        returns (uint256 amount);

    /// @notice Mints the rewards of many confirmed participations, all or none.
    /// @dev Each entry as in {reward}; an id twice in one batch reverts. Emits {Rewarded} for each.
    /// @return total The INF minted in all.
    function rewardBatch(Reward[] calldata rewards) external returns (uint256 total);

    /// @notice Mints the reward for a participation that `participation.coordinator` signed.
    /// Anyone may relay it; the signer's role and daily cap apply as if it had called {reward}.
    /// @dev Requires `block.timestamp <= deadline` and a valid EIP-712 signature (ECDSA or
    /// ERC-1271) by the coordinator. Emits {Rewarded}.
    function rewardWithAttestation(Participation calldata participation, bytes calldata signature)
        external
        returns (uint256 amount);

    /// @notice {rewardWithAttestation} for several signed participations in one transaction, each checked and
    /// charged to its own signer; the whole batch reverts if any entry is refused.
    /// @dev `signatures[i]` signs `participations[i]`. Emits {Rewarded} for each.
    function rewardBatchWithAttestations(Participation[] calldata participations, bytes[] calldata signatures)
        external
        returns (uint256 total);

    /// @notice Burns `amount` of the caller's INF for a basket and records it.
    /// @dev `redemptionId` must be fresh for the caller. Emits {BasketRedeemed} and {Transfer}.
    function redeem(uint256 amount, bytes32 redemptionId, string calldata basket) external;

    /// @notice A coordinator records a basket handed to `member`, burning `amount` from the
    /// member's allowance to the caller (which the member may grant by {permit}).
    /// @dev Requires `COORDINATOR_ROLE`. Emits {BasketRedeemed} and {Transfer}.
    function redeemFrom(address member, uint256 amount, bytes32 redemptionId, string calldata basket) external;

    // ───────────────────────────── Town Ambassador ─────────────────────────────

    /// @notice Sets the rate of `projectId` and whether it takes rewards.
    /// @dev Requires `TOWN_AMBASSADOR_ROLE`, `tokensPerShift > 0` and `1 <= shiftMinutes <= 1440`.
    /// Emits {ProjectSet}.
    function setProject(uint256 projectId, uint96 tokensPerShift, uint32 shiftMinutes, bool active) external;

    /// @notice Sets how much INF `coordinator` may have minted per day.
    /// @dev Requires `TOWN_AMBASSADOR_ROLE`. Emits {CoordinatorDailyCapSet}.
    function setCoordinatorDailyCap(address coordinator, uint96 cap) external;

    // ───────────────────────────── OST office ─────────────────────────────

    /// @notice Moves all INF of `lost`, whose recovery the registry confirmed, to its replacement;
    /// anyone may call it. Returns the amount moved. @dev Reverts unless `lost` was recovered.
    function recover(address lost) external returns (uint256 amount);

    /// @notice The registry reports a confirmed recovery: the membership and the minutes `lost` was credited today
    /// move to `replacement`, so a new address is no new day, and nothing leaves `lost` but by {recover}. Registry
    /// only. Emits {MemberDayMoved} when minutes move.
    function onMembershipRecovered(address lost, address replacement) external;

    /// @notice The registry reports new members: they may be rewarded. Registry only.
    function onMembersAdded(address[] calldata accounts) external;

    /// @notice The registry reports a removed member: it is rewarded no more. Registry only.
    function onMemberRemoved(address account) external;

    /// @notice Stops rewards, transfers and redemptions. @dev Requires the registry's `DEFAULT_ADMIN_ROLE`.
    function pause() external;

    /// @notice Resumes them. @dev Requires the registry's `DEFAULT_ADMIN_ROLE`.
    function unpause() external;
}
