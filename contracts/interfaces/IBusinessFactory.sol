// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IShareSale} from "./IShareSale.sol";
import {IShareToken} from "./IShareToken.sol";
import {ITownRegistry} from "./ITownRegistry.sol";

/// @title IBusinessFactory
/// @notice Lists a town's businesses: each gets a {IShareToken} and a {IShareSale}, both EIP-1167
/// clones whose fixed terms live in the clone's code, so listing a business stays cheap.
interface IBusinessFactory {
    /// @notice The documents a listing carries before investors are asked to buy (the seed's pre-launch plan).
    enum DocumentKind {
        BUSINESS_PLAN,
        INVESTOR_PACK
    }

    /// @notice A document as published: its SHA-256, where to fetch it, and how many versions came before.
    struct Document {
        bytes32 contentHash;
        uint32 version;
        string uri;
    }

    /// @notice A document's SHA-256 is zero: publish the hash of its bytes.
    error BusinessFactoryEmptyDocument();
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

    /// @notice The Town Ambassador published version `version` (1, 2, …) of business `businessId`'s document of
    /// `kind`: the SHA-256 of its bytes and where to fetch it. Every version stays in these events.
    event DocumentPublished(
        uint256 indexed businessId, DocumentKind indexed kind, uint32 version, bytes32 contentHash, string uri
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

    /// @notice The latest version of business `businessId`'s document of `kind` (version 0: none yet).
    function document(uint256 businessId, DocumentKind kind) external view returns (Document memory);

    /// @notice Publishes a new version of business `businessId`'s document of `kind`: the SHA-256 of its bytes,
    /// and a URI to fetch them (`ipfs://…`, `https://…`, or the town bridge's `/v1/documents/<sha256>`).
    /// @dev Requires `TOWN_AMBASSADOR_ROLE`; the business must exist. Emits {DocumentPublished}.
    function publishDocument(uint256 businessId, DocumentKind kind, bytes32 contentHash, string calldata uri) external;
}
