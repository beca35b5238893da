// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IShareToken} from "./IShareToken.sol";
import {ITownRegistry} from "./ITownRegistry.sol";

/// @title IShareSale
/// @notice The raise of one business: town members first (local phase), then verified country
/// residents too (country phase), then anyone (world phase) — only while shares remain. Funds stay
/// in escrow until the sale closes: success releases exactly the raise to the business's treasury;
/// failure lets every buyer take back, in full, what they paid.
///
/// A phase lasts from its start up to, not including, its deadline. The Town Ambassador may end a
/// phase early ({advancePhase}); the next phases then run their full lengths from that moment.
/// The sale closes as soon as every share is sold.
interface IShareSale {
    enum Phase {
        Pending,
        Local,
        Country,
        World,
        Succeeded,
        Failed
    }

    /// @notice Why a buyer may not buy now (`Eligible` when they may).
    enum Eligibility {
        Eligible,
        TownNotLaunched,
        NotStarted,
        NotMember,
        PhaseNotReached,
        CapReached,
        Closed
    }

    /// @notice Terms fixed at creation.
    /// @param price Price of one share, in the payment asset's smallest unit (wei, or 10^-6 of a 6-decimal stablecoin).
    /// @param sharesOffered Shares for sale; the sale closes when all are sold.
    /// @param minShares Shares that must be sold for the raise to succeed.
    /// @param maxPerBuyer Most shares one buyer may hold from this sale; 0 for no limit.
    /// @param start When the local phase opens (unix time).
    /// @param localDuration Length of the local phase in seconds; positive.
    /// @param countryDuration Length of the country phase in seconds; 0 to skip it.
    /// @param worldDuration Length of the world phase in seconds; 0 to skip it.
    /// @param treasury Receives the raise on success.
    /// @param paymentAsset The ERC-20 buyers pay with, or the zero address for the chain's native coin.
    struct Terms {
        uint128 price;
        uint64 sharesOffered;
        uint64 minShares;
        uint64 maxPerBuyer;
        uint40 start;
        uint32 localDuration;
        uint32 countryDuration;
        uint32 worldDuration;
        address treasury;
        address paymentAsset;
    }

    // ───────────────────────────── Errors ─────────────────────────────

    /// @notice The price per share must be positive.
    error ShareSaleZeroPrice();
    /// @notice At least one share must be offered.
    error ShareSaleZeroOffer();
    /// @notice The minimum to succeed, `minShares`, must be between 1 and the `sharesOffered`.
    error ShareSaleMinimumOutOfRange(uint64 minShares, uint64 sharesOffered);
    /// @notice The per-buyer maximum, `maxPerBuyer`, exceeds the `sharesOffered`.
    error ShareSaleBuyerCapAboveOffer(uint64 maxPerBuyer, uint64 sharesOffered);
    /// @notice The local phase must last at least a second: town residents are offered shares first.
    error ShareSaleZeroLocalPhase();
    /// @notice The treasury that receives a successful raise must not be the zero address.
    error ShareSaleZeroTreasury();
    /// @notice The payment asset `asset` has no code: it is not a token on this chain.
    error ShareSaleAssetWithoutCode(address asset);
    /// @notice This is the implementation contract; only its clones run sales.
    error ShareSaleNotAClone();
    /// @notice `buyer` may not buy now: `reason`.
    error ShareSaleNotEligible(address buyer, Eligibility reason);
    /// @notice The payment token delivered `arrived` of the `cost` (it takes a fee on transfer): such a token
    /// cannot pay for shares, since the escrow must hold every refund in full.
    error ShareSaleShortPayment(uint256 cost, uint256 arrived);
    /// @notice A purchase needs at least one share.
    error ShareSaleZeroShares();
    /// @notice `requested` shares are more than the `remaining` shares on offer.
    error ShareSaleExceedsOffer(uint256 requested, uint256 remaining);
    /// @notice `buyer` may buy at most `allowed` more shares, not `requested`.
    error ShareSaleExceedsBuyerCap(address buyer, uint256 requested, uint256 allowed);
    /// @notice The purchase costs `expected` of the native coin, but `sent` was sent.
    error ShareSaleWrongPayment(uint256 expected, uint256 sent);
    /// @notice The sale has not closed; it is in phase `phase`.
    error ShareSaleNotClosed(Phase phase);
    /// @notice The sale has been finalized already.
    error ShareSaleAlreadyFinalized();
    /// @notice Refunds are for failed sales; this one is in phase `phase`.
    error ShareSaleNotFailed(Phase phase);
    /// @notice {buyWithPermit} on a sale paid in the native coin, which has no permits.
    error ShareSaleNativeCoinHasNoPermit();
    /// @notice `buyer` holds no shares of this sale to refund.
    error ShareSaleNothingToRefund(address buyer);
    /// @notice No phase follows phase `phase`.
    error ShareSaleCannotAdvance(Phase phase);

    // ───────────────────────────── Events ─────────────────────────────

    /// @notice The sale's phase deadlines, at creation and after every {advancePhase}.
    event ScheduleSet(uint40 start, uint40 localEnd, uint40 countryEnd, uint40 worldEnd);
    /// @notice The Town Ambassador ended phase `from` early; the sale is now in phase `to`.
    event PhaseAdvanced(Phase indexed from, Phase indexed to, address indexed townAmbassador);
    /// @notice `buyer` bought `shares` for `cost` in phase `phase`.
    event SharesPurchased(address indexed buyer, Phase indexed phase, uint256 shares, uint256 cost);
    /// @notice The sale was finalized: on success `amountRaised` went to the treasury.
    event SaleFinalized(bool indexed succeeded, uint256 sharesSold, uint256 amountRaised, ITownRegistry.Tier reachedTier);
    /// @notice `buyer` got `amount` back for `shares`, which were burnt.
    event Refunded(address indexed buyer, uint256 shares, uint256 amount);

    // ───────────────────────────── Views ─────────────────────────────

    /// @notice The business's share token.
    function token() external view returns (IShareToken);

    /// @notice The town whose members and residents the phases admit.
    function registry() external view returns (ITownRegistry);

    /// @notice The terms fixed at creation.
    function terms() external view returns (Terms memory);

    /// @notice The phase now.
    function phase() external view returns (Phase);

    /// @notice When each phase ends (after any {advancePhase}).
    function schedule() external view returns (uint40 start, uint40 localEnd, uint40 countryEnd, uint40 worldEnd);

    /// @notice Shares sold so far (refunds do not reduce it).
    function sharesSold() external view returns (uint256);

    /// @notice Whether {finalize} has run.
    function finalized() external view returns (bool);

    /// @notice Whether `buyer` may buy now and, if not, why; the most shares they could buy now;
    /// and when the phase open to their tier starts (0 if it never will).
    function eligibility(address buyer) external view returns (Eligibility reason, uint256 maxShares, uint256 opensAt);

    // ───────────────────────────── Buyers ─────────────────────────────

    /// @notice Buys `shares` at the fixed price; the payment stays in escrow.
    /// @dev In the native coin, `msg.value` must be exactly `shares * price`; in an ERC-20, the sale
    /// must be approved for that amount and `msg.value` must be zero. Assets that take a fee on
    /// transfer are not supported. Emits {SharesPurchased} and the token's {Transfer}.
    function buy(uint256 shares) external payable;

    /// @notice Buys `shares` in the sale's ERC-2612 stablecoin with one signature: the buyer's permit for
    /// exactly `shares * price` to this sale, used here, so no approval transaction comes first. Relayed
    /// through the town's forwarder, a buyer who holds no native coin buys.
    /// @dev A permit already used (front-run from the mempool) is skipped: the payment then needs the allowance
    /// it left. Reverts {ShareSaleNativeCoinHasNoPermit} for a sale in the native coin.
    function buyWithPermit(uint256 shares, uint256 deadline, uint8 v, bytes32 r, bytes32 s) external;

    /// @notice After a failed sale: burns the caller's shares and pays back what they cost.
    /// @dev Emits {Refunded}.
    function refund() external;

    // ───────────────────────────── Anyone ─────────────────────────────

    /// @notice Settles a closed sale: on success unlocks the shares and sends the raise to the
    /// treasury; on failure records it (buyers then {refund}). Once only.
    /// @dev Emits {SaleFinalized}.
    function finalize() external;

    // ───────────────────────────── Town Ambassador ─────────────────────────────

    /// @notice Ends the current phase now (or opens a pending sale now). Never goes back.
    /// @dev Requires `TOWN_AMBASSADOR_ROLE` in the registry. Emits {PhaseAdvanced} and {ScheduleSet}.
    function advancePhase() external;

    // ───────────────────────────── Factory ─────────────────────────────

    /// @notice Checks the terms and sets the schedule of a fresh clone. Once only.
    /// @dev Emits {ScheduleSet}.
    function initialize() external;
}
