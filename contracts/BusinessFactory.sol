// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";
import {RLP} from "@openzeppelin/contracts/utils/RLP.sol";
import {IBusinessFactory} from "./interfaces/IBusinessFactory.sol";
import {IShareSale} from "./interfaces/IShareSale.sol";
import {IShareToken} from "./interfaces/IShareToken.sol";
import {ITownRegistry} from "./interfaces/ITownRegistry.sol";
import {TownRoles} from "./libraries/TownRoles.sol";
import {TownRoleGated} from "./utils/TownRoleGated.sol";

/// @title BusinessFactory
/// @notice One per town. The Town Ambassador lists businesses here; each gets a share token and a
/// sale as EIP-1167 clones of implementations shared by every town on the chain.
contract BusinessFactory is TownRoleGated, IBusinessFactory {
    using RLP for RLP.Encoder;

    // ───────────────────────────── Constants ─────────────────────────────

    address private immutable _SELF = address(this);

    // ───────────────────────────── Storage ─────────────────────────────

    IShareSale[] private _sales;
    mapping(uint256 businessId => mapping(DocumentKind kind => Document)) private _documents;

    // ───────────────────────────── Constructor ─────────────────────────────

    /// @dev The implementation: each town's factory is a clone of it, with the town's registry and the share
    /// sale and share token implementations as immutable arguments. The implementation itself lists nothing.
    constructor() {}

    // ───────────────────────────── External: views ─────────────────────────────

    /// @inheritdoc IBusinessFactory
    function registry() external view returns (ITownRegistry townRegistry) {
        (townRegistry,,) = _args();
    }

    /// @inheritdoc IBusinessFactory
    function implementations() external view returns (address saleImplementation, address tokenImplementation) {
        (, saleImplementation, tokenImplementation) = _args();
    }

    /// @inheritdoc IBusinessFactory
    function businessCount() external view returns (uint256) {
        return _sales.length;
    }

    /// @inheritdoc IBusinessFactory
    function business(uint256 businessId) external view returns (IShareSale sale, IShareToken token) {
        if (businessId >= _sales.length) revert BusinessFactoryUnknownBusiness(businessId);
        sale = _sales[businessId];
        token = sale.token();
    }

    /// @inheritdoc IBusinessFactory
    function document(uint256 businessId, DocumentKind kind) external view returns (Document memory) {
        if (businessId >= _sales.length) revert BusinessFactoryUnknownBusiness(businessId);
        return _documents[businessId][kind];
    }

    // ───────────────────────────── External: Town Ambassador ─────────────────────────────

    /// @inheritdoc IBusinessFactory
    function publishDocument(uint256 businessId, DocumentKind kind, bytes32 contentHash, string calldata uri)
        external
        onlyTownRole(TownRoles.TOWN_AMBASSADOR)
    {
        if (businessId >= _sales.length) revert BusinessFactoryUnknownBusiness(businessId);
        if (contentHash == bytes32(0)) revert BusinessFactoryEmptyDocument();
        Document storage current = _documents[businessId][kind];
        uint32 version = current.version + 1;
        (current.contentHash, current.version, current.uri) = (contentHash, version, uri);
        emit DocumentPublished(businessId, kind, version, contentHash, uri);
    }

    /// @inheritdoc IBusinessFactory
    function listBusiness(
        string calldata name,
        string calldata symbol,
        IShareToken.OwnershipPolicy policy,
        IShareSale.Terms calldata terms
    ) external returns (uint256 businessId, IShareSale sale, IShareToken token) {
        // The check without the modifier: with this function's calldata strings, the modifier costs 145 gas more.
        _checkTownRole(TownRoles.TOWN_AMBASSADOR, _msgSender());
        businessId = _sales.length;
        (sale, token) = _clones(businessId, policy, terms);
        token.initialize(name, symbol);
        sale.initialize();
        _sales.push(sale);
        emit BusinessListed(businessId, address(sale), address(token), name, symbol, policy, terms);
    }

    // ───────────────────────────── Internal ─────────────────────────────

    function _townRegistry() internal view override returns (ITownRegistry townRegistry) {
        (townRegistry,,) = _args();
    }

    /// @dev The share token and sale of business `businessId`, as clones with their immutable arguments.
    function _clones(uint256 businessId, IShareToken.OwnershipPolicy policy, IShareSale.Terms calldata terms)
        private
        returns (IShareSale sale, IShareToken token)
    {
        (ITownRegistry townRegistry, address saleImplementation, address tokenImplementation) = _args();
        // The token and the sale name each other in their code. This factory creates nothing else,
        // two contracts a listing from nonce 1, so the sale's address is known before the token exists.
        address expectedSale = _createAddress(1 + 2 * businessId + 1);
        token = IShareToken(
            Clones.cloneWithImmutableArgs(tokenImplementation, abi.encode(townRegistry, policy, expectedSale))
        );
        sale = IShareSale(Clones.cloneWithImmutableArgs(saleImplementation, abi.encode(token, townRegistry, terms)));
        if (address(sale) != expectedSale) revert BusinessFactoryAddressMismatch(expectedSale, address(sale));
    }

    /// @dev The clone's immutable arguments. The implementation has none, and refuses.
    function _args() private view returns (ITownRegistry, address, address) {
        if (address(this) == _SELF) revert BusinessFactoryNoCode(address(0));
        return abi.decode(Clones.fetchCloneArgs(address(this)), (ITownRegistry, address, address));
    }

    /// @dev The address this contract's CREATE with account nonce `nonce` produces: keccak256(rlp([this, nonce])).
    function _createAddress(uint256 nonce) private view returns (address) {
        return address(uint160(uint256(keccak256(RLP.encoder().push(address(this)).push(nonce).encode()))));
    }
}
