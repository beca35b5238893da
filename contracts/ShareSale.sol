// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC2771Context} from "@openzeppelin/contracts/metatx/ERC2771Context.sol";
import {Context} from "@openzeppelin/contracts/utils/Context.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Address} from "@openzeppelin/contracts/utils/Address.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {Initializable} from "@openzeppelin/contracts/proxy/utils/Initializable.sol";
import {IShareSale} from "./interfaces/IShareSale.sol";
import {IShareToken} from "./interfaces/IShareToken.sol";
import {ITownRegistry} from "./interfaces/ITownRegistry.sol";
import {CloneArgs} from "./libraries/CloneArgs.sol";
import {TownRoles} from "./libraries/TownRoles.sol";
import {TownRoleGated} from "./utils/TownRoleGated.sol";

/// @title ShareSale
/// @notice The implementation behind every business's sale. A clone carries its token, registry
/// and terms in its code (immutable arguments); its only storage is one slot of progress.
contract ShareSale is Initializable, ReentrancyGuardTransient, ERC2771Context, TownRoleGated, IShareSale {
    using SafeERC20 for IERC20;

    // ───────────────────────────── Constants ─────────────────────────────

    address private immutable _SELF = address(this);

    // ───────────────────────────── Storage ─────────────────────────────

    /// @dev All the sale's progress in one slot: read and written once per purchase.
    struct State {
        uint64 sold;
        uint40 start;
        uint40 localEnd;
        uint40 countryEnd;
        uint40 worldEnd;
        Phase outcome; // Pending until finalized, then Succeeded or Failed
        Phase soldOutIn; // the phase in which the last share sold, Pending if none
        bool launchSeen; // the town had launched at an earlier purchase (launch is for ever)
    }

    /// @dev Everything fixed at creation, decoded from the clone's code.
    struct Config {
        IShareToken token;
        ITownRegistry registry;
        Terms terms;
    }

    State private _state;

    // ───────────────────────────── Constructor ─────────────────────────────

    /// @dev The implementation is never initialized and refuses to run sales. Its clones share its code, and
    /// with it the forwarder they trust.
    /// @param trustedForwarder The town's {TownForwarder}: members buy and take refunds without gas through it.
    constructor(address trustedForwarder) ERC2771Context(trustedForwarder) {
        _disableInitializers();
    }

    // ───────────────────────────── External: factory ─────────────────────────────

    /// @inheritdoc IShareSale
    function initialize() external initializer {
        Terms memory t = _config().terms;
        if (t.price == 0) revert ShareSaleZeroPrice();
        if (t.sharesOffered == 0) revert ShareSaleZeroOffer();
        if (t.minShares == 0 || t.minShares > t.sharesOffered) {
            revert ShareSaleMinimumOutOfRange(t.minShares, t.sharesOffered);
        }
        if (t.maxPerBuyer > t.sharesOffered) revert ShareSaleBuyerCapAboveOffer(t.maxPerBuyer, t.sharesOffered);
        if (t.localDuration == 0) revert ShareSaleZeroLocalPhase();
        if (t.treasury == address(0)) revert ShareSaleZeroTreasury();
        if (t.paymentAsset != address(0) && t.paymentAsset.code.length == 0) {
            revert ShareSaleAssetWithoutCode(t.paymentAsset);
        }
        _setSchedule(t.start, t);
    }

    // ───────────────────────────── External: views ─────────────────────────────

    /// @inheritdoc IShareSale
    function token() external view returns (IShareToken) {
        return _config().token;
    }

    /// @inheritdoc IShareSale
    function registry() external view returns (ITownRegistry) {
        return _config().registry;
    }

    /// @inheritdoc IShareSale
    function terms() external view returns (Terms memory) {
        return _config().terms;
    }

    /// @inheritdoc IShareSale
    function phase() public view returns (Phase) {
        return _phase(_state, _config().terms);
    }

    /// @inheritdoc IShareSale
    function schedule() external view returns (uint40 start, uint40 localEnd, uint40 countryEnd, uint40 worldEnd) {
        State memory s = _state;
        return (s.start, s.localEnd, s.countryEnd, s.worldEnd);
    }

    /// @inheritdoc IShareSale
    function sharesSold() external view returns (uint256) {
        return _state.sold;
    }

    /// @inheritdoc IShareSale
    function finalized() external view returns (bool) {
        return _state.outcome != Phase.Pending;
    }

    /// @inheritdoc IShareSale
    function eligibility(address buyer) external view returns (Eligibility reason, uint256 maxShares, uint256 opensAt) {
        Config memory c = _config();
        State memory s = _state;
        (ITownRegistry.Tier tier, address predecessor) = c.registry.buyerOf(buyer);
        opensAt = _opensAt(s, tier);
        reason = _eligibility(_phase(s, c.terms), tier, s.launchSeen || c.registry.launched());
        if (reason != Eligibility.Eligible) return (reason, 0, opensAt);
        maxShares = _allowance(c, s, buyer, predecessor);
        if (maxShares == 0) reason = Eligibility.CapReached;
    }

    // ───────────────────────────── External: buyers ─────────────────────────────

    /// @inheritdoc IShareSale
    function buy(uint256 shares) external payable nonReentrant {
        _buy(_msgSender(), shares);
    }

    /// @inheritdoc IShareSale
    function buyWithPermit(uint256 shares, uint256 deadline, uint8 v, bytes32 r, bytes32 s) external nonReentrant {
        address buyer = _msgSender();
        Terms memory t = _config().terms;
        if (t.paymentAsset == address(0)) revert ShareSaleNativeCoinHasNoPermit();
        // A permit someone else already submitted (it is public in the mempool) fails here, yet its allowance
        // stands: go on, and let the payment itself decide. OpenZeppelin's advice for front-run permits.
        try IERC20Permit(t.paymentAsset).permit(buyer, address(this), shares * t.price, deadline, v, r, s) {} catch {}
        _buy(buyer, shares);
    }

    /// @inheritdoc IShareSale
    function refund() external nonReentrant {
        address buyer = _msgSender();
        Config memory c = _config();
        Phase current = _phase(_state, c.terms);
        if (current != Phase.Failed) revert ShareSaleNotFailed(current);
        uint256 shares = c.token.burnAll(buyer);
        if (shares == 0) revert ShareSaleNothingToRefund(buyer);
        uint256 amount = shares * c.terms.price;
        emit Refunded(buyer, shares, amount);
        _pay(c.terms.paymentAsset, buyer, amount);
    }

    // ───────────────────────────── External: anyone ─────────────────────────────

    /// @inheritdoc IShareSale
    function finalize() external nonReentrant {
        Config memory c = _config();
        State memory s = _state;
        if (s.outcome != Phase.Pending) revert ShareSaleAlreadyFinalized();
        Phase current = _phase(s, c.terms);
        if (current != Phase.Succeeded && current != Phase.Failed) revert ShareSaleNotClosed(current);
        _state.outcome = current;
        ITownRegistry.Tier reached = _reachedTier(s);
        uint256 raised = uint256(s.sold) * c.terms.price;
        if (current == Phase.Succeeded) {
            c.token.unlock(reached);
            emit SaleFinalized(true, s.sold, raised, reached);
            _pay(c.terms.paymentAsset, c.terms.treasury, raised);
        } else {
            emit SaleFinalized(false, s.sold, raised, reached);
        }
    }

    // ───────────────────────────── External: Town Ambassador ─────────────────────────────

    /// @inheritdoc IShareSale
    function advancePhase() external onlyTownRole(TownRoles.TOWN_AMBASSADOR) {
        Config memory c = _config();
        State memory s = _state;
        Phase from = _phase(s, c.terms);
        uint40 nowTs = uint40(block.timestamp);
        Terms memory t = c.terms;
        if (from == Phase.Pending) {
            _setSchedule(nowTs, t);
        } else if (from == Phase.Local) {
            _writeSchedule(s.start, nowTs, nowTs + t.countryDuration, nowTs + t.countryDuration + t.worldDuration);
        } else if (from == Phase.Country) {
            _writeSchedule(s.start, s.localEnd, nowTs, nowTs + t.worldDuration);
        } else if (from == Phase.World) {
            _writeSchedule(s.start, s.localEnd, s.countryEnd, nowTs);
        } else {
            revert ShareSaleCannotAdvance(from);
        }
        emit PhaseAdvanced(from, phase(), _msgSender());
    }

    // ───────────────────────────── Internal ─────────────────────────────

    /// @dev A purchase by `buyer`: the caller of {buy}, or the signer of a relayed request.
    function _buy(address buyer, uint256 shares) private {
        Config memory c = _config();
        State memory s = _state;
        Phase current = _phase(s, c.terms);
        bool launched = s.launchSeen || c.registry.launched();
        (ITownRegistry.Tier tier, address predecessor) = c.registry.buyerOf(buyer);
        Eligibility reason = _eligibility(current, tier, launched);
        if (reason != Eligibility.Eligible) revert ShareSaleNotEligible(buyer, reason);
        if (shares == 0) revert ShareSaleZeroShares();
        uint256 remaining = c.terms.sharesOffered - s.sold;
        if (shares > remaining) revert ShareSaleExceedsOffer(shares, remaining);
        uint256 cost = shares * c.terms.price;
        uint256 expectedValue = c.terms.paymentAsset == address(0) ? cost : 0;
        if (msg.value != expectedValue) revert ShareSaleWrongPayment(expectedValue, msg.value);

        // Only the fields that change are written: one storage write in the common case.
        // Cannot truncate: `shares` is at most the remaining offer, a uint64.
        uint64 sold = s.sold + uint64(shares);
        _state.sold = sold;
        if (!s.launchSeen) _state.launchSeen = true;
        if (sold == c.terms.sharesOffered) _state.soldOutIn = current;
        // The mint reports the buyer's new balance: the per-buyer maximum is held without a second call.
        uint256 balance = c.token.mint(buyer, shares);
        // A replacement's unswept shares at its lost address count too: a recovery does not renew the maximum.
        if (c.terms.maxPerBuyer != 0 && (balance > c.terms.maxPerBuyer || predecessor != address(0))) {
            uint256 held = balance - shares + _unswept(c, predecessor);
            if (held + shares > c.terms.maxPerBuyer) {
                if (held >= c.terms.maxPerBuyer) revert ShareSaleNotEligible(buyer, Eligibility.CapReached);
                revert ShareSaleExceedsBuyerCap(buyer, shares, c.terms.maxPerBuyer - held);
            }
        }
        emit SharesPurchased(buyer, current, shares, cost);
        if (c.terms.paymentAsset != address(0)) _collect(IERC20(c.terms.paymentAsset), buyer, cost);
    }

    /// @dev Takes `cost` of `asset` from `buyer`. What arrives must be the whole cost, or the escrow would owe
    /// refunds it does not hold.
    function _collect(IERC20 asset, address buyer, uint256 cost) private {
        uint256 before = asset.balanceOf(address(this));
        asset.safeTransferFrom(buyer, address(this), cost);
        uint256 arrived = asset.balanceOf(address(this)) - before;
        if (arrived != cost) revert ShareSaleShortPayment(cost, arrived);
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

    function _townRegistry() internal view override returns (ITownRegistry registry) {
        if (address(this) == _SELF) revert ShareSaleNotAClone();
        return ITownRegistry(CloneArgs.addressAt(1));
    }

    /// @dev The clone's arguments (its token, registry and terms, as the factory encoded them) as a {Config}, copied
    /// once into memory without decoding them again: the struct's two addresses, then its pointer to the terms, the
    /// ten words that follow.
    function _config() private view returns (Config memory c) {
        if (address(this) == _SELF) revert ShareSaleNotAClone();
        uint256 header = CloneArgs.copy(0, 2);
        assembly ("memory-safe") {
            mstore(0x40, add(header, 0x60))
        }
        uint256 terms_ = CloneArgs.copy(2, 10);
        assembly ("memory-safe") {
            mstore(add(header, 0x40), terms_)
            c := header
        }
    }

    function _phase(State memory s, Terms memory t) private view returns (Phase) {
        if (s.outcome != Phase.Pending) return s.outcome;
        if (s.sold == t.sharesOffered) return Phase.Succeeded;
        uint256 time = block.timestamp;
        if (time < s.start) return Phase.Pending;
        if (time < s.localEnd) return Phase.Local;
        if (time < s.countryEnd) return Phase.Country;
        if (time < s.worldEnd) return Phase.World;
        return s.sold >= t.minShares ? Phase.Succeeded : Phase.Failed;
    }

    function _eligibility(Phase current, ITownRegistry.Tier tier, bool launched) private pure returns (Eligibility) {
        if (current >= Phase.Succeeded) return Eligibility.Closed;
        if (!launched) return Eligibility.TownNotLaunched;
        if (current == Phase.Pending) return Eligibility.NotStarted;
        // Phase Local admits tier LOCAL, Country admits LOCAL and COUNTRY, World admits everyone.
        if (uint8(tier) >= uint8(current)) {
            return current == Phase.Local ? Eligibility.NotMember : Eligibility.PhaseNotReached;
        }
        return Eligibility.Eligible;
    }

    /// @dev How many more shares `buyer` may buy: what is left of the offer, within the per-buyer maximum.
    function _allowance(Config memory c, State memory s, address buyer, address predecessor)
        private
        view
        returns (uint256 allowed)
    {
        allowed = c.terms.sharesOffered - s.sold;
        if (c.terms.maxPerBuyer != 0) {
            uint256 held = c.token.balanceOf(buyer) + _unswept(c, predecessor);
            uint256 room = held >= c.terms.maxPerBuyer ? 0 : c.terms.maxPerBuyer - held;
            if (room < allowed) allowed = room;
        }
    }

    /// @dev Shares still held at the lost addresses `predecessor` leads back through (each a confirmed two-key
    /// recovery, so the walk is short); {ShareToken-recover} sweeps them to the replacement.
    function _unswept(Config memory c, address predecessor) private view returns (uint256 held) {
        while (predecessor != address(0)) {
            held += c.token.balanceOf(predecessor);
            predecessor = c.registry.predecessorOf(predecessor);
        }
    }

    /// @dev When the phase that admits `tier` opens, or 0 if it never will.
    function _opensAt(State memory s, ITownRegistry.Tier tier) private pure returns (uint256) {
        if (tier == ITownRegistry.Tier.LOCAL) return s.start;
        if (tier == ITownRegistry.Tier.COUNTRY) return s.countryEnd > s.localEnd ? s.localEnd : 0;
        return s.worldEnd > s.countryEnd ? s.countryEnd : 0;
    }

    /// @dev The farthest tier the sale admitted before it closed.
    function _reachedTier(State memory s) private pure returns (ITownRegistry.Tier) {
        if (s.soldOutIn != Phase.Pending) return ITownRegistry.Tier(uint8(s.soldOutIn) - 1);
        if (s.worldEnd > s.countryEnd) return ITownRegistry.Tier.WORLD;
        if (s.countryEnd > s.localEnd) return ITownRegistry.Tier.COUNTRY;
        return ITownRegistry.Tier.LOCAL;
    }

    function _setSchedule(uint40 start, Terms memory t) private {
        uint40 localEnd = start + t.localDuration;
        uint40 countryEnd = localEnd + t.countryDuration;
        _writeSchedule(start, localEnd, countryEnd, countryEnd + t.worldDuration);
    }

    function _writeSchedule(uint40 start, uint40 localEnd, uint40 countryEnd, uint40 worldEnd) private {
        State storage s = _state;
        (s.start, s.localEnd, s.countryEnd, s.worldEnd) = (start, localEnd, countryEnd, worldEnd);
        emit ScheduleSet(start, localEnd, countryEnd, worldEnd);
    }

    function _pay(address asset, address to, uint256 amount) private {
        if (asset == address(0)) Address.sendValue(payable(to), amount);
        else IERC20(asset).safeTransfer(to, amount);
    }
}
