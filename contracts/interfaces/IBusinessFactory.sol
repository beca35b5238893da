// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IShareSale} from "./IShareSale.sol";
import {IShareToken} from "./IShareToken.sol";
import {ITownRegistry} from "./ITownRegistry.sol";

/// @title IBusinessFactory
/// @notice Lists a town's businesses: each gets a {IShareToken} and a {IShareSale}, both EIP-1167
/// clones whose fixed terms live in the clone's code, so listing a business stays cheap.
interface IBusinessFactory {
    /// @notice An implementation address has no code.
    error BusinessFactoryNoCode(address implementation);
    /// @notice No business has id `businessId`.
    error BusinessFactoryUnknownBusiness(uint256 businessId);
    /// @notice The sale was created at `actual`, not at `expected` where its token already points.
    /// Cannot happen while the factory creates nothing but listings; guards the token's trust in its sale.
    error BusinessFactoryAddressMismatch(address expected, address actual);

    /// @notice Business `businessId` was listed with its sale and share token.
    event BusinessListed(
        uint256 indexed businessId,
        address indexed sale,
        address indexed token,
        string name,
        string symbol,
        IShareToken.OwnershipPolicy policy,
        IShareSale.Terms terms
    );

    /// @notice The town the businesses belong to.
    function registry() external view returns (ITownRegistry);

    /// @notice The implementations every clone delegates to.
    function implementations() external view returns (address saleImplementation, address tokenImplementation);

    /// @notice How many businesses have been listed.
    function businessCount() external view returns (uint256);

    /// @notice The sale and token of business `businessId`.
    function business(uint256 businessId) external view returns (IShareSale sale, IShareToken token);

    /// @notice Lists a business and creates its share token and sale.
    /// @dev Requires `TOWN_AMBASSADOR_ROLE`; the terms must be valid (see {IShareSale-initialize}).
    /// Emits {BusinessListed}.
    function listBusiness(
        string calldata name,
        string calldata symbol,
        IShareToken.OwnershipPolicy policy,
        IShareSale.Terms calldata terms
    ) external returns (uint256 businessId, IShareSale sale, IShareToken token);
}
