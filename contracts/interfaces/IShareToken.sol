// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {ITownRegistry} from "./ITownRegistry.sol";

/// @title IShareToken
/// @notice INVESTOR shares of one business: whole shares (0 decimals), minted only by the
/// business's {IShareSale}. Locked until the sale succeeds (so nobody can resell and then be
/// refunded); after that, transfers follow the business's ownership policy.
interface IShareToken is IERC20Metadata {
    /// @notice `OPEN`: anyone may receive shares. `KEEP_LOCAL`: a receiver must be of a tier the
    /// sale reached (a raise that closed in the local phase keeps its shares among members).
    enum OwnershipPolicy {
        OPEN,
        KEEP_LOCAL
    }

    // ───────────────────────────── Errors ─────────────────────────────

    /// @notice `account` was moved to a new address after a lost wallet; its shares move with {recover}.
    error ShareTokenRecoveredAccount(address account);
    /// @notice `account` was never moved to a new address, so there is nothing to recover.
    error ShareTokenNotRecovered(address account);
    /// @notice Only the business's sale may mint, burn or unlock; `caller` is not it.
    error ShareTokenOnlySale(address caller);
    /// @notice Shares cannot move before the sale has succeeded.
    error ShareTokenLocked();
    /// @notice `receiver` is of tier `receiverTier`, but this business keeps its shares within tier `reachedTier`.
    error ShareTokenReceiverNotAllowed(address receiver, ITownRegistry.Tier receiverTier, ITownRegistry.Tier reachedTier);
    /// @notice This is the share token's implementation, which holds no business: only its clones do.
    error ShareTokenNotAClone();
    // ───────────────────────────── Events ─────────────────────────────

    /// @notice The sale succeeded: shares may move among holders of tier `reachedTier` or closer
    /// (anyone under the `OPEN` policy).
    event TransfersUnlocked(ITownRegistry.Tier reachedTier);

    // ───────────────────────────── Views ─────────────────────────────

    /// @notice The business's sale, the only minter.
    function sale() external view returns (address);

    /// @notice The town whose tiers the `KEEP_LOCAL` policy follows.
    function registry() external view returns (ITownRegistry);

    /// @notice The business's ownership policy.
    function policy() external view returns (OwnershipPolicy);

    /// @notice Whether shares may move (the sale succeeded).
    function transferable() external view returns (bool);

    /// @notice The farthest tier the sale reached; meaningful once transferable.
    function reachedTier() external view returns (ITownRegistry.Tier);

    // ───────────────────────────── Factory ─────────────────────────────

    /// @notice Sets the name and symbol of a fresh clone (its registry, policy and sale are in its
    /// code). Once only, in the transaction that creates it; the implementation can never be initialized.
    function initialize(string calldata shareName, string calldata shareSymbol) external;

    // ───────────────────────────── Sale ─────────────────────────────

    /// @notice Mints `shares` to `to`. @dev Only the sale. Emits {Transfer}.
    /// @return balance `to`'s balance after the mint, so the sale can hold a per-buyer maximum without another call.
    function mint(address to, uint256 shares) external returns (uint256 balance);

    /// @notice Burns all of `from`'s shares, for a refund. @dev Only the sale. Emits {Transfer}.
    /// @return shares The shares burnt.
    function burnAll(address from) external returns (uint256 shares);

    /// @notice Lets shares move, within `tier` under `KEEP_LOCAL`. @dev Only the sale. Emits {TransfersUnlocked}.
    function unlock(ITownRegistry.Tier tier) external;

    /// @notice Moves every share of `lost`, whose recovery the registry confirmed, to its replacement,
    /// with its investor account (also when no share is left) and its refund rights; anyone may
    /// call it. Returns the shares moved.
    /// @dev Moves regardless of transfer locks and policy: the shares stay with the same member.
    function recover(address lost) external returns (uint256 shares);
}
