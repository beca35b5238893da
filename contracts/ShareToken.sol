// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC2771Context} from "@openzeppelin/contracts/metatx/ERC2771Context.sol";
import {Context} from "@openzeppelin/contracts/utils/Context.sol";
import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {Initializable} from "@openzeppelin/contracts/proxy/utils/Initializable.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {IProfitDistributor} from "./interfaces/IProfitDistributor.sol";
import {IShareSale} from "./interfaces/IShareSale.sol";
import {IShareToken} from "./interfaces/IShareToken.sol";
import {CloneArgs} from "./libraries/CloneArgs.sol";
import {ITownRegistry} from "./interfaces/ITownRegistry.sol";

/// @title ShareToken
/// @notice The implementation behind every business's INVESTOR share token. Each clone carries
/// its registry, ownership policy and sale in its code (immutable arguments); its name and symbol
/// are set once by the factory.
contract ShareToken is ERC20, ERC2771Context, Initializable, IShareToken {
    // ───────────────────────────── Storage ─────────────────────────────

    /// @dev One slot, read by every transfer (mints and burns never read it).
    struct Control {
        bool transferable;
        ITownRegistry.Tier reachedTier;
    }

    /// @dev The implementation's own address: its clones have another, and their arguments.
    address private immutable _SELF = address(this);

    Control private _control;
    string private _shareName;
    string private _shareSymbol;
    /// @dev Each holder's shares. The supply is not stored: it is what the sale sold less what refunds burned
    /// ({totalSupply}), so a purchase writes the buyer's balance and the sale's progress, not a third slot.
    mapping(address holder => uint256) private _holdings;
    uint256 private _burned;

    // ───────────────────────────── Constructor ─────────────────────────────

    /// @dev The implementation is never initialized, so nobody can take it over. Its clones share its code, and
    /// with it the forwarder they trust.
    /// @param trustedForwarder The town's {TownForwarder}: members transfer shares without gas through it.
    constructor(address trustedForwarder) ERC20("", "") ERC2771Context(trustedForwarder) {
        _disableInitializers();
    }

    // ───────────────────────────── External: factory ─────────────────────────────

    /// @inheritdoc IShareToken
    function initialize(string calldata shareName, string calldata shareSymbol) external initializer {
        _shareName = shareName;
        _shareSymbol = shareSymbol;
    }

    // ───────────────────────────── External: sale ─────────────────────────────

    /// @inheritdoc IShareToken
    function mint(address to, uint256 shares) external returns (uint256 balance) {
        _checkSale();
        _mint(to, shares);
        return balanceOf(to);
    }

    /// @inheritdoc IShareToken
    function burnAll(address from) external returns (uint256 shares) {
        _checkSale();
        shares = balanceOf(from);
        _burn(from, shares);
    }

    /// @inheritdoc IShareToken
    function unlock(ITownRegistry.Tier tier) external {
        _checkSale();
        _control.transferable = true;
        _control.reachedTier = tier;
        emit TransfersUnlocked(tier);
    }

    // ───────────────────────────── External: anyone ─────────────────────────────

    /// @inheritdoc IShareToken
    function recover(address lost) external returns (uint256 shares) {
        (ITownRegistry townRegistry,,) = _args();
        address replacement = townRegistry.recoveredTo(lost);
        if (replacement == address(0)) revert ShareTokenNotRecovered(lost);
        shares = balanceOf(lost);
        // The same member's shares under a new address: no lock, no policy, no transfer bookkeeping;
        // the investor account moves whole instead — even with no shares left, profit they earned may remain.
        if (shares != 0) _move(lost, replacement, shares);
        address distributor = townRegistry.profitDistributor();
        if (distributor != address(0)) IProfitDistributor(distributor).onSharesRecovered(lost, replacement);
    }

    // ───────────────────────────── External: views ─────────────────────────────

    /// @inheritdoc IShareToken
    function sale() external view returns (address shareSale) {
        (,, shareSale) = _args();
    }

    /// @inheritdoc IShareToken
    function registry() public view returns (ITownRegistry townRegistry) {
        (townRegistry,,) = _args();
    }

    /// @inheritdoc IShareToken
    function policy() external view returns (OwnershipPolicy ownershipPolicy) {
        (, ownershipPolicy,) = _args();
    }

    /// @inheritdoc IShareToken
    function transferable() external view returns (bool) {
        return _control.transferable;
    }

    /// @inheritdoc IShareToken
    function reachedTier() external view returns (ITownRegistry.Tier) {
        return _control.reachedTier;
    }

    // ───────────────────────────── Public: ERC-20 ─────────────────────────────

    /// @inheritdoc IERC20
    function balanceOf(address holder) public view override(ERC20, IERC20) returns (uint256) {
        return _holdings[holder];
    }

    /// @notice Every share held: those the sale sold, less those its refunds burned (only the sale mints, one share
    /// for each sold, and burns, a refund's).
    function totalSupply() public view override(ERC20, IERC20) returns (uint256) {
        (,, address shareSale) = _args();
        return IShareSale(shareSale).sharesSold() - _burned;
    }

    // ───────────────────────────── Public: ERC-20 metadata ─────────────────────────────

    /// @inheritdoc IERC20Metadata
    function name() public view override(ERC20, IERC20Metadata) returns (string memory) {
        return _shareName;
    }

    /// @inheritdoc IERC20Metadata
    function symbol() public view override(ERC20, IERC20Metadata) returns (string memory) {
        return _shareSymbol;
    }

    /// @notice Shares are whole: 0 decimals.
    function decimals() public pure override(ERC20, IERC20Metadata) returns (uint8) {
        return 0;
    }

    // ───────────────────────────── Internal ─────────────────────────────

    /// @dev Mints and burns are the sale's (checked by the callers); a transfer needs a succeeded
    /// sale and, under `KEEP_LOCAL`, a receiver within the tier the sale reached, and is reported
    /// to the town's profit distributor.
    function _update(address from, address to, uint256 value) internal override {
        if (from != address(0)) {
            // Nothing leaves a recovered address (no transfer, no refund) except by {recover}.
            (ITownRegistry registry_,,) = _args();
            if (registry_.recoveredTo(from) != address(0)) revert ShareTokenRecoveredAccount(from);
        }
        if (from != address(0) && to != address(0)) {
            Control memory control = _control;
            if (!control.transferable) revert ShareTokenLocked();
            (ITownRegistry townRegistry, OwnershipPolicy ownershipPolicy,) = _args();
            if (ownershipPolicy == OwnershipPolicy.KEEP_LOCAL) {
                ITownRegistry.Tier tier = townRegistry.tierOf(to);
                if (tier > control.reachedTier) revert ShareTokenReceiverNotAllowed(to, tier, control.reachedTier);
            }
            _move(from, to, value);
            // Profit deposited before this transfer stays with the shares' previous holder.
            address distributor = townRegistry.profitDistributor();
            if (distributor != address(0)) IProfitDistributor(distributor).onSharesTransferred(from, to, value);
            return;
        }
        _move(from, to, value);
    }

    /// @dev The balances move as OpenZeppelin's {ERC20-_update} moves them, but a mint adds to no stored supply
    /// (the sale's progress counts it) and a burn counts what it burned.
    function _move(address from, address to, uint256 value) private {
        if (from != address(0)) {
            uint256 balance = _holdings[from];
            if (balance < value) revert ERC20InsufficientBalance(from, balance, value);
            unchecked {
                _holdings[from] = balance - value;
            }
        }
        if (to == address(0)) {
            _burned += value;
        } else {
            // Cannot overflow: every share held was sold once, and the sale sells at most a uint64 of them.
            unchecked {
                _holdings[to] += value;
            }
        }
        emit Transfer(from, to, value);
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

    /// @dev Every mint and burn asks: the sale alone, its one word read from the clone's code.
    function _checkSale() private view {
        if (address(this) == _SELF) revert ShareTokenNotAClone();
        address shareSale = CloneArgs.addressAt(2);
        if (msg.sender != shareSale) revert ShareTokenOnlySale(msg.sender);
    }

    /// @dev The clone's immutable arguments. On the implementation itself there are none, so this
    /// reverts there and nothing can mint, burn or unlock on it.
    function _args()
        private
        view
        returns (ITownRegistry townRegistry, OwnershipPolicy ownershipPolicy, address shareSale)
    {
        if (address(this) == _SELF) revert ShareTokenNotAClone();
        // The factory encoded them (three static words): read, not decoded again.
        uint256 at = CloneArgs.copy(0, 3);
        assembly ("memory-safe") {
            townRegistry := mload(at)
            ownershipPolicy := mload(add(at, 0x20))
            shareSale := mload(add(at, 0x40))
        }
    }
}
