// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC2771Context} from "@openzeppelin/contracts/metatx/ERC2771Context.sol";
import {Context} from "@openzeppelin/contracts/utils/Context.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Address} from "@openzeppelin/contracts/utils/Address.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {Checkpoints} from "@openzeppelin/contracts/utils/structs/Checkpoints.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IBusinessFactory} from "./interfaces/IBusinessFactory.sol";
import {IProfitDistributor} from "./interfaces/IProfitDistributor.sol";
import {IShareSale} from "./interfaces/IShareSale.sol";
import {IShareToken} from "./interfaces/IShareToken.sol";
import {ITownRegistry} from "./interfaces/ITownRegistry.sol";
import {CloneArgs} from "./libraries/CloneArgs.sol";
import {TownRoles} from "./libraries/TownRoles.sol";
import {TownRoleGated} from "./utils/TownRoleGated.sol";

/// @title ProfitDistributor
/// @notice Net profit of the town's businesses, split equally among its members (and, where a
/// business says so, partly pro-rata among its share holders), claimed by pull, in constant gas.
contract ProfitDistributor is ReentrancyGuardTransient, ERC2771Context, TownRoleGated, IProfitDistributor {
    using SafeERC20 for IERC20;
    using Checkpoints for Checkpoints.Trace208;

    // ───────────────────────────── Constants ─────────────────────────────

    uint16 private constant _ALL = 10_000; // basis points
    uint256 private constant _MAX_INVESTOR_ASSETS = 4;
    uint256 private constant _MAX_ASSETS = 16;
    address private constant _NATIVE = address(0);

    address private immutable _SELF = address(this);

    // ───────────────────────────── Storage ─────────────────────────────

    /// @dev What is carried to the next split and what was ever deposited, of one asset.
    struct Pool {
        uint128 carried;
        uint128 deposited;
    }

    /// @dev One business's investor profit in one asset: paid per share so far, and the
    /// remainder of the last division, carried to the next.
    struct Book {
        uint128 perShare;
        uint128 carried;
    }

    /// @dev One holder's investor account: entitlement = perShare * balance + correction - withdrawn. Full words:
    /// perShare (128 bits) times any share balance (64 bits) fits, whatever a deposit's size.
    struct Holder {
        int256 correction;
        uint256 withdrawn;
    }

    /// @dev Per asset: the total paid to each member, by membership epoch.
    mapping(address asset => Checkpoints.Trace208) private _perMember;
    mapping(address asset => Pool) private _pools;
    mapping(address asset => mapping(address member => uint256)) private _claimed;
    /// @dev Every asset profit was ever deposited in, so that a recovery can move each claim.
    address[] private _assets;

    mapping(uint256 businessId => uint16) private _investorBps;
    mapping(address asset => bool) private _accepted;
    /// @dev Each business's treasury, read once from its sale's terms (fixed at creation) and kept here.
    mapping(uint256 businessId => address) private _treasuries;
    mapping(address token => address[]) private _investorAssets;
    mapping(address token => mapping(address asset => Book)) private _books;
    mapping(address token => mapping(address asset => mapping(address holder => Holder))) private _holders;

    // ───────────────────────────── Constructor ─────────────────────────────

    /// @dev The implementation: each town's distributor is a clone of it, with the town's registry and business
    /// factory as immutable arguments. The implementation itself has no town and refuses to act.
    /// @param trustedForwarder The network's {TownForwarder}: members claim without gas through it.
    constructor(address trustedForwarder) ERC2771Context(trustedForwarder) {}

    // ───────────────────────────── External: views ─────────────────────────────

    /// @inheritdoc IProfitDistributor
    function registry() external view returns (ITownRegistry) {
        return _registry();
    }

    /// @inheritdoc IProfitDistributor
    function factory() external view returns (IBusinessFactory) {
        return _factory();
    }

    /// @inheritdoc IProfitDistributor
    function investorShare(uint256 businessId) external view returns (uint16) {
        return _investorBps[businessId];
    }

    /// @inheritdoc IProfitDistributor
    function claimable(address member) external view returns (uint256) {
        return _earned(member, _NATIVE) - _claimed[_NATIVE][member];
    }

    /// @inheritdoc IProfitDistributor
    function claimable(address member, address asset) external view returns (uint256) {
        return _earned(member, asset) - _claimed[asset][member];
    }

    /// @inheritdoc IProfitDistributor
    function claimableAsInvestor(uint256 businessId, address holder, address asset) external view returns (uint256) {
        return _investorClaimable(_token(businessId), holder, asset);
    }

    /// @inheritdoc IProfitDistributor
    function pool(address asset) external view returns (uint256 perMemberTotal, uint256 carried, uint256 deposited) {
        Pool memory p = _pools[asset];
        return (_perMember[asset].latest(), p.carried, p.deposited);
    }

    /// @inheritdoc IProfitDistributor
    function isAcceptedAsset(address asset) external view returns (bool) {
        return asset == _NATIVE || _accepted[asset];
    }

    /// @inheritdoc IProfitDistributor
    function claimed(address member, address asset) external view returns (uint256) {
        return _claimed[asset][member];
    }

    // ───────────────────────────── External: businesses ─────────────────────────────

    /// @inheritdoc IProfitDistributor
    function deposit(uint256 businessId, address asset, uint256 amount) external payable nonReentrant {
        if (amount == 0) revert ProfitDistributorZeroAmount();
        if (businessId >= _factory().businessCount()) revert ProfitDistributorUnknownBusiness(businessId);
        address treasury = _treasury(businessId);
        address depositor = _msgSender();
        if (depositor != treasury) revert ProfitDistributorNotTreasury(businessId, depositor, treasury);
        if (asset != _NATIVE && !_accepted[asset]) revert ProfitDistributorAssetNotAccepted(asset);
        if (_pools[asset].deposited == 0) _addAsset(asset);
        uint256 received = _receive(asset, amount, depositor);
        uint256 toInvestors = _bookInvestors(businessId, asset, received);
        (uint256 count, uint256 perMember, uint256 carried, uint48 epoch) = _split(asset, received - toInvestors);
        _pools[asset].deposited += SafeCast.toUint128(received);
        emit ProfitDeposited(businessId, asset, treasury, received, toInvestors, count, perMember, carried, epoch);
    }

    /// @inheritdoc IProfitDistributor
    function distributeHeld(address asset) external nonReentrant {
        (uint256 count, uint256 perMember, uint256 carried, uint48 epoch) = _split(asset, 0);
        emit HeldProfitDistributed(asset, count, perMember, carried, epoch);
    }

    // ───────────────────────────── External: members and holders ─────────────────────────────

    /// @inheritdoc IProfitDistributor
    function claim() external nonReentrant returns (uint256) {
        return _claim(_NATIVE);
    }

    /// @inheritdoc IProfitDistributor
    function claim(address asset) external nonReentrant returns (uint256) {
        return _claim(asset);
    }

    /// @inheritdoc IProfitDistributor
    function claimAsInvestor(uint256 businessId, address asset) external nonReentrant returns (uint256 amount) {
        address holder = _msgSender();
        if (_registry().recoveredTo(holder) != address(0)) revert ProfitDistributorRecoveredAccount(holder);
        IShareToken token = _token(businessId);
        amount = _investorClaimable(token, holder, asset);
        if (amount == 0) revert ProfitDistributorNothingToClaim(holder, asset);
        _holders[address(token)][asset][holder].withdrawn += amount;
        emit InvestorProfitClaimed(businessId, holder, asset, amount);
        _pay(asset, holder, amount);
    }

    // ───────────────────────────── External: Town Ambassador ─────────────────────────────

    /// @inheritdoc IProfitDistributor
    function setInvestorShare(uint256 businessId, uint16 basisPoints) external onlyTownRole(TownRoles.TOWN_AMBASSADOR) {
        if (businessId >= _factory().businessCount()) revert ProfitDistributorUnknownBusiness(businessId);
        if (basisPoints > _ALL) revert ProfitDistributorInvalidShare(basisPoints);
        _investorBps[businessId] = basisPoints;
        emit InvestorShareSet(businessId, basisPoints, _msgSender());
    }

    /// @inheritdoc IProfitDistributor
    function setAcceptedAsset(address asset, bool accepted) external {
        address caller = _msgSender();
        if (!_registry().hasRole(TownRoles.OST_OFFICE, caller)) _checkTownRole(TownRoles.TOWN_AMBASSADOR, caller);
        _accepted[asset] = accepted;
        emit AssetAcceptanceSet(asset, accepted, caller);
    }

    // ───────────────────────────── External: share tokens ─────────────────────────────

    /// @inheritdoc IProfitDistributor
    function onSharesTransferred(address from, address to, uint256 shares) external {
        // Books exist only for tokens a deposit found through the factory, so any other caller
        // finds none and changes nothing. `msg.sender` on purpose here and below: the caller is the share
        // token itself, never a member (the town's forwarder calling finds no books either). A business's books: at most _MAX_INVESTOR_ASSETS.
        address[] storage assets = _investorAssets[msg.sender];
        uint256 count = assets.length;
        for (uint256 i; i < count; ++i) {
            address asset = assets[i];
            int256 moved = SafeCast.toInt256(uint256(_books[msg.sender][asset].perShare) * shares);
            _holders[msg.sender][asset][from].correction += moved;
            _holders[msg.sender][asset][to].correction -= moved;
        }
    }

    /// @inheritdoc IProfitDistributor
    function onSharesRecovered(address lost, address replacement) external {
        // As in {onSharesTransferred}: only a listed business's token has books to move.
        address[] storage assets = _investorAssets[msg.sender];
        uint256 count = assets.length;
        for (uint256 i; i < count; ++i) {
            mapping(address holder => Holder) storage holders = _holders[msg.sender][assets[i]];
            Holder memory old = holders[lost];
            holders[replacement].correction += old.correction;
            holders[replacement].withdrawn += old.withdrawn;
            delete holders[lost];
        }
    }

    // ───────────────────────────── External: registry ─────────────────────────────

    /// @inheritdoc IProfitDistributor
    function onMembershipRecovered(address lost, address replacement) external {
        if (msg.sender != address(_registry())) revert ProfitDistributorOnlyRegistry(msg.sender);
        uint256 count = _assets.length;
        for (uint256 i; i < count; ++i) {
            mapping(address member => uint256) storage claimed = _claimed[_assets[i]];
            uint256 amount = claimed[lost];
            if (amount != 0) {
                claimed[replacement] += amount;
                claimed[lost] = 0;
            }
        }
    }

    // ───────────────────────────── Internal ─────────────────────────────

    function _townRegistry() internal view override returns (ITownRegistry) {
        return _registry();
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

    /// @dev The treasury the business's sale names; read from the sale once, then from storage.
    function _treasury(uint256 businessId) private returns (address treasury) {
        treasury = _treasuries[businessId];
        if (treasury == address(0)) {
            (IShareSale sale,) = _factory().business(businessId);
            treasury = sale.terms().treasury;
            _treasuries[businessId] = treasury;
        }
    }

    function _addAsset(address asset) private {
        if (_assets.length == _MAX_ASSETS) revert ProfitDistributorTooManyAssets(_MAX_ASSETS);
        _assets.push(asset);
    }

    function _receive(address asset, uint256 amount, address from) private returns (uint256) {
        if (asset == _NATIVE) {
            if (msg.value != amount) revert ProfitDistributorWrongValue(amount, msg.value);
            return amount;
        }
        if (msg.value != 0) revert ProfitDistributorWrongValue(0, msg.value);
        // What arrives is what counts, for tokens that take a fee on transfer.
        uint256 before = IERC20(asset).balanceOf(address(this));
        IERC20(asset).safeTransferFrom(from, address(this), amount);
        uint256 received = IERC20(asset).balanceOf(address(this)) - before;
        if (received == 0) revert ProfitDistributorZeroAmount();
        return received;
    }

    /// @dev Adds the members' part (with what was carried) to the per-member total at the current
    /// epoch; the remainder of the division, or all of it when there is no member, is carried.
    function _split(address asset, uint256 amount)
        private
        returns (uint256 count, uint256 perMember, uint256 carried, uint48 epoch)
    {
        (count, epoch) = _registry().census();
        Pool storage p = _pools[asset];
        uint256 total = amount + p.carried;
        if (count == 0) {
            carried = total;
        } else {
            perMember = total / count;
            carried = total % count;
        }
        if (perMember != 0) {
            Checkpoints.Trace208 storage paid = _perMember[asset];
            paid.push(epoch, SafeCast.toUint208(paid.latest() + perMember));
        }
        if (carried != p.carried) p.carried = SafeCast.toUint128(carried);
    }

    /// @dev Books a business's investor part of `amount`, pro-rata to its shares, and returns it.
    /// Nothing is booked (all goes to the members) unless the business's sale succeeded.
    function _bookInvestors(uint256 businessId, address asset, uint256 amount) private returns (uint256 part) {
        uint16 bps = _investorBps[businessId];
        if (bps == 0) return 0;
        (IShareSale sale, IShareToken token) = _factory().business(businessId);
        if (!token.transferable()) return 0;
        uint256 supply = token.totalSupply();
        if (supply == 0 || address(sale) == address(0)) return 0;
        part = (amount * bps) / _ALL;
        Book storage book = _books[address(token)][asset];
        if (book.perShare == 0 && book.carried == 0) _addInvestorAsset(businessId, address(token), asset);
        uint256 total = part + book.carried;
        book.perShare += SafeCast.toUint128(total / supply);
        book.carried = SafeCast.toUint128(total % supply);
    }

    function _addInvestorAsset(uint256 businessId, address token, address asset) private {
        address[] storage assets = _investorAssets[token];
        uint256 count = assets.length;
        for (uint256 i; i < count; ++i) {
            if (assets[i] == asset) return;
        }
        if (count == _MAX_INVESTOR_ASSETS) revert ProfitDistributorTooManyInvestorAssets(businessId, count);
        assets.push(asset);
    }

    function _claim(address asset) private returns (uint256 amount) {
        address member = _msgSender();
        amount = _earned(member, asset) - _claimed[asset][member];
        if (amount == 0) revert ProfitDistributorNothingToClaim(member, asset);
        _claimed[asset][member] += amount;
        emit ProfitClaimed(member, asset, amount);
        _pay(asset, member, amount);
    }

    /// @dev All `member` ever earned of `asset`: the growth of the per-member total over each of
    /// their membership periods. Loops only over this member's own periods.
    function _earned(address member, address asset) private view returns (uint256 earned) {
        Checkpoints.Trace208 storage paid = _perMember[asset];
        (bool active, uint48 since, uint32 pastPeriods) = _registry().membership(member);
        for (uint256 i; i < pastPeriods; ++i) {
            (uint48 from, uint48 until) = _registry().pastMembership(member, i);
            earned += _paidBefore(paid, until) - _paidBefore(paid, from);
        }
        if (active) earned += paid.latest() - _paidBefore(paid, since);
    }

    /// @dev The per-member total of deposits made before epoch `epoch`.
    function _paidBefore(Checkpoints.Trace208 storage paid, uint48 epoch) private view returns (uint256) {
        // Epochs of membership start at 1, so `epoch - 1` cannot underflow; zero reads as "before anything".
        return epoch == 0 ? 0 : paid.upperLookupRecent(epoch - 1);
    }

    function _investorClaimable(IShareToken token, address holder, address asset) private view returns (uint256) {
        Holder memory h = _holders[address(token)][asset][holder];
        int256 entitled = SafeCast.toInt256(uint256(_books[address(token)][asset].perShare) * token.balanceOf(holder))
            + h.correction;
        // An entitlement is never negative: corrections only shift what transfers moved.
        return SafeCast.toUint256(entitled) - h.withdrawn;
    }

    /// @dev Reverts with the factory's `BusinessFactoryUnknownBusiness` for an unknown id.
    function _token(uint256 businessId) private view returns (IShareToken token) {
        (, token) = _factory().business(businessId);
    }

    function _pay(address asset, address to, uint256 amount) private {
        if (asset == _NATIVE) Address.sendValue(payable(to), amount);
        else IERC20(asset).safeTransfer(to, amount);
    }

    /// @dev One word of the arguments, read from the clone's code rather than all of them decoded.
    function _registry() private view returns (ITownRegistry) {
        if (address(this) == _SELF) revert ProfitDistributorNoCode(address(0));
        return ITownRegistry(CloneArgs.addressAt(0));
    }

    function _factory() private view returns (IBusinessFactory) {
        if (address(this) == _SELF) revert ProfitDistributorNoCode(address(0));
        return IBusinessFactory(CloneArgs.addressAt(1));
    }
}
