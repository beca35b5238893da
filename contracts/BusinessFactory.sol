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

    ITownRegistry private immutable _REGISTRY;
    address private immutable _SALE_IMPLEMENTATION;
    address private immutable _TOKEN_IMPLEMENTATION;

    // ───────────────────────────── Storage ─────────────────────────────

    IShareSale[] private _sales;

    // ───────────────────────────── Constructor ─────────────────────────────

    /// @param townRegistry The town the businesses belong to.
    /// @param saleImplementation A deployed {ShareSale}.
    /// @param tokenImplementation A deployed {ShareToken}.
    constructor(ITownRegistry townRegistry, address saleImplementation, address tokenImplementation) {
        if (address(townRegistry).code.length == 0) revert BusinessFactoryNoCode(address(townRegistry));
        if (saleImplementation.code.length == 0) revert BusinessFactoryNoCode(saleImplementation);
        if (tokenImplementation.code.length == 0) revert BusinessFactoryNoCode(tokenImplementation);
        _REGISTRY = townRegistry;
        _SALE_IMPLEMENTATION = saleImplementation;
        _TOKEN_IMPLEMENTATION = tokenImplementation;
    }

    // ───────────────────────────── External: views ─────────────────────────────

    /// @inheritdoc IBusinessFactory
    function registry() external view returns (ITownRegistry) {
        return _REGISTRY;
    }

    /// @inheritdoc IBusinessFactory
    function implementations() external view returns (address saleImplementation, address tokenImplementation) {
        return (_SALE_IMPLEMENTATION, _TOKEN_IMPLEMENTATION);
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

    // ───────────────────────────── External: Town Ambassador ─────────────────────────────

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
        // The token and the sale name each other in their code. This factory creates nothing else,
        // two contracts a listing from nonce 1, so the sale's address is known before the token exists.
        address expectedSale = _createAddress(1 + 2 * businessId + 1);
        token = IShareToken(
            Clones.cloneWithImmutableArgs(_TOKEN_IMPLEMENTATION, abi.encode(_REGISTRY, policy, expectedSale))
        );
        sale = IShareSale(Clones.cloneWithImmutableArgs(_SALE_IMPLEMENTATION, abi.encode(token, _REGISTRY, terms)));
        if (address(sale) != expectedSale) revert BusinessFactoryAddressMismatch(expectedSale, address(sale));
        token.initialize(name, symbol);
        sale.initialize();
        _sales.push(sale);
        emit BusinessListed(businessId, address(sale), address(token), name, symbol, policy, terms);
    }

    // ───────────────────────────── Internal ─────────────────────────────

    function _townRegistry() internal view override returns (ITownRegistry) {
        return _REGISTRY;
    }

    /// @dev The address this contract's CREATE with account nonce `nonce` produces: keccak256(rlp([this, nonce])).
    function _createAddress(uint256 nonce) private view returns (address) {
        return address(uint160(uint256(keccak256(RLP.encoder().push(address(this)).push(nonce).encode()))));
    }
}
