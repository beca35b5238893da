// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IBusinessFactory} from "./IBusinessFactory.sol";
import {ITownRegistry} from "./ITownRegistry.sol";

/// @title IProfitDistributor
/// @notice One per town. Businesses deposit net profit, in the native coin or ERC-20 tokens,
/// each asset accounted on its own. An optional investor part of a business's deposit goes
/// pro-rata to its share holders; the rest is split equally among the town's members at the
/// moment of the deposit. Members and holders claim (pull). Nothing loops over members or
/// holders: every operation costs the same in a town of ten members and in one of ten thousand.
///
/// How the equal split stays exact without loops: each asset keeps a running total "paid per
/// member", recorded in a history keyed by the registry's membership epoch (which moves at
/// every membership change). A member's entitlement is the growth of that total over the
/// epochs during which they were a member, read from the registry's membership periods. The
/// remainder of each division, and everything deposited while the town has no member, is
/// carried into the next distribution.
interface IProfitDistributor {
    // ───────────────────────────── Errors ─────────────────────────────

    /// @notice A constructor argument has no code.
    error ProfitDistributorNoCode(address account);
    /// @notice No business has id `businessId` in this town's factory.
    error ProfitDistributorUnknownBusiness(uint256 businessId);
    /// @notice The deposit amount is zero.
    error ProfitDistributorZeroAmount();
    /// @notice For the native coin the value sent must equal `amount`; for a token, no value may be sent.
    error ProfitDistributorWrongValue(uint256 expected, uint256 sent);
    /// @notice An investor part above 10,000 basis points.
    error ProfitDistributorInvalidShare(uint16 basisPoints);
    /// @notice A business's investor part may be paid in at most this many assets.
    error ProfitDistributorTooManyInvestorAssets(uint256 businessId, uint256 maximum);
    /// @notice `account` has nothing to claim in `asset`.
    error ProfitDistributorNothingToClaim(address account, address asset);
    /// @notice A town takes profit in at most `maximum` assets, so that a recovery can move every claim.
    error ProfitDistributorTooManyAssets(uint256 maximum);
    /// @notice Only the town's registry may report a recovery; `caller` is not it.
    error ProfitDistributorOnlyRegistry(address caller);
    /// @notice `account` was moved to a new address after a lost wallet; its profit is claimed there.
    error ProfitDistributorRecoveredAccount(address account);
    /// @notice Only business `businessId`'s treasury, `treasury`, deposits its profit; `caller` is not it.
    error ProfitDistributorNotTreasury(uint256 businessId, address caller, address treasury);
    /// @notice The town does not accept profit in `asset`; the Town Ambassador accepts an asset first.
    error ProfitDistributorAssetNotAccepted(address asset);

    // ───────────────────────────── Events ─────────────────────────────

    /// @notice `depositor` deposited `amount` of `asset` (zero address: native coin) as business
    /// `businessId`'s profit: `toInvestors` for its share holders, the rest (with what was carried)
    /// split among `memberCount` members at `perMember` each, `carried` kept for the next split,
    /// at membership epoch `epoch`.
    event ProfitDeposited(
        uint256 indexed businessId,
        address indexed asset,
        address indexed depositor,
        uint256 amount,
        uint256 toInvestors,
        uint256 memberCount,
        uint256 perMember,
        uint256 carried,
        uint48 epoch
    );
    /// @notice Profit held for lack of members (or carried remainders) was split: `perMember` to each of `memberCount`.
    event HeldProfitDistributed(address indexed asset, uint256 memberCount, uint256 perMember, uint256 carried, uint48 epoch);
    /// @notice `member` claimed `amount` of `asset` from the members' equal split.
    event ProfitClaimed(address indexed member, address indexed asset, uint256 amount);
    /// @notice `holder` claimed `amount` of `asset` as an investor in business `businessId`.
    event InvestorProfitClaimed(uint256 indexed businessId, address indexed holder, address indexed asset, uint256 amount);
    /// @notice `by` made the town accept (or stop accepting) profit in `asset`.
    event AssetAcceptanceSet(address indexed asset, bool accepted, address indexed by);
    /// @notice The Town Ambassador set business `businessId`'s investor part to `basisPoints` of future deposits.
    event InvestorShareSet(uint256 indexed businessId, uint16 basisPoints, address indexed townAmbassador);

    // ───────────────────────────── Views ─────────────────────────────

    /// @notice The town whose members share the profit.
    function registry() external view returns (ITownRegistry);

    /// @notice The town's business factory, which names the businesses.
    function factory() external view returns (IBusinessFactory);

    /// @notice Business `businessId`'s investor part, in basis points of each deposit.
    function investorShare(uint256 businessId) external view returns (uint16 basisPoints);

    /// @notice What `member` may claim now of the native coin from the members' split.
    function claimable(address member) external view returns (uint256);

    /// @notice What `member` may claim now of `asset` (zero address: native coin) from the members' split.
    function claimable(address member, address asset) external view returns (uint256);

    /// @notice What `holder` may claim now of `asset` as an investor in business `businessId`.
    function claimableAsInvestor(uint256 businessId, address holder, address asset) external view returns (uint256);

    /// @notice The running total paid to each member of `asset`, the amount carried to the next
    /// split (remainders and profit held while the town had no member), and all deposited.
    function pool(address asset) external view returns (uint256 perMemberTotal, uint256 carried, uint256 deposited);

    /// @notice What `member` has claimed of `asset` so far.
    function claimed(address member, address asset) external view returns (uint256);

    // ───────────────────────────── Businesses ─────────────────────────────

    /// @notice Deposits `amount` of `asset` (zero address: native coin, sent as value) as the net
    /// profit of business `businessId`. Only the business's treasury (the one its sale's terms name)
    /// may deposit, and only in an asset the town accepts (the native coin always). A token must be
    /// approved first; what arrives is what counts. Emits {ProfitDeposited}.
    function deposit(uint256 businessId, address asset, uint256 amount) external payable;

    /// @notice Splits among the members what was carried in `asset` (held while the town had no
    /// member, or remainders). Anyone may call. Emits {HeldProfitDistributed}.
    function distributeHeld(address asset) external;

    // ───────────────────────────── Members and holders ─────────────────────────────

    /// @notice Pays the caller's claimable native coin. Emits {ProfitClaimed}.
    function claim() external returns (uint256 amount);

    /// @notice Pays the caller's claimable `asset`. Emits {ProfitClaimed}.
    function claim(address asset) external returns (uint256 amount);

    /// @notice Pays the caller's claimable `asset` as an investor in business `businessId`. Emits {InvestorProfitClaimed}.
    function claimAsInvestor(uint256 businessId, address asset) external returns (uint256 amount);

    // ───────────────────────────── Town Ambassador ─────────────────────────────

    /// @notice Whether the town accepts profit in `asset` (the native coin, zero address, always).
    function isAcceptedAsset(address asset) external view returns (bool);

    /// @notice Accepts (or stops accepting) profit in the ERC-20 `asset`. Town Ambassador or OST office.
    /// Profit already deposited in it stays claimable. Emits {AssetAcceptanceSet}.
    function setAcceptedAsset(address asset, bool accepted) external;

    /// @notice Sets business `businessId`'s investor part for future deposits. Town Ambassador only.
    /// Emits {InvestorShareSet}.
    function setInvestorShare(uint256 businessId, uint16 basisPoints) external;

    // ───────────────────────────── Share tokens ─────────────────────────────

    /// @notice Called by a business's share token when it moves a recovered holder's shares to the
    /// replacement: the holder's investor account (entitlement and withdrawals) moves with them.
    /// A caller for which no investor profit was ever booked changes nothing.
    function onSharesRecovered(address lost, address replacement) external;

    /// @notice Called by the town's registry when it confirms a recovery: what `lost` already
    /// claimed moves to `replacement`, whose membership now carries the same entitlement.
    function onMembershipRecovered(address lost, address replacement) external;

    /// @notice Called by a business's share token on every transfer between holders, so that a
    /// transfer does not move entitlements to deposits made before it. A caller for which no
    /// investor profit was ever booked changes nothing (only a listed business's token can have any).
    function onSharesTransferred(address from, address to, uint256 shares) external;
}
