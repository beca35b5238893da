// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";
import {IOstNetwork} from "./interfaces/IOstNetwork.sol";
import {ITownRegistry} from "./interfaces/ITownRegistry.sol";
import {TownRegistry} from "./TownRegistry.sol";

/// @title OstNetwork
/// @notice The OST network on one chain. The OST office (the admin) appoints one Country Ambassador per country
/// and creates towns; each country's ambassador verifies the country's residents once, and every town of that
/// country honours them (its `COUNTRY` tier) and takes its Country Ambassador from here.
/// @dev A town is a registry of its own and three clones (EIP-1167, with immutable arguments) of the
/// implementations deployed once with the network — INFINITY, business factory, profit distributor — so the
/// second town costs a fraction of the first. The registry is not a clone: every purchase and reward reads it,
/// and a clone would add a call to an implementation to each. Every town trusts the network's one forwarder for members without gas; a forward
/// request names the contract it calls, so a request for one town's contract does nothing in another.
contract OstNetwork is AccessControl, IOstNetwork {
    // ───────────────────────────── Storage ─────────────────────────────

    address private immutable _INFINITY_IMPLEMENTATION;
    address private immutable _FACTORY_IMPLEMENTATION;
    address private immutable _DISTRIBUTOR_IMPLEMENTATION;
    address private immutable _SALE_IMPLEMENTATION;
    address private immutable _TOKEN_IMPLEMENTATION;
    address private immutable _FORWARDER;

    mapping(bytes2 country => address) private _countryAmbassador;
    mapping(bytes2 country => mapping(address account => bool)) private _isCountryResident;
    /// @dev Addresses a recovery in a town of the country replaced: a lost key is never verified again.
    mapping(bytes2 country => mapping(address account => bool)) private _recovered;
    Town[] private _towns;
    mapping(bytes2 country => uint256[]) private _townsIn;
    mapping(address registry => bytes2 country) private _countryOfRegistry;

    // ───────────────────────────── Constructor ─────────────────────────────

    /// @param ostOffice The OST office, the network's admin.
    /// @param implementations The INFINITY, factory, distributor, share sale and share token implementations,
    /// and the forwarder they trust, in that order.
    constructor(address ostOffice, address[6] memory implementations) {
        if (ostOffice == address(0)) revert OstNetworkZeroAddress();
        for (uint256 i; i < 6; ++i) {
            if (implementations[i] == address(0)) revert OstNetworkZeroAddress();
        }
        _INFINITY_IMPLEMENTATION = implementations[0];
        _FACTORY_IMPLEMENTATION = implementations[1];
        _DISTRIBUTOR_IMPLEMENTATION = implementations[2];
        _SALE_IMPLEMENTATION = implementations[3];
        _TOKEN_IMPLEMENTATION = implementations[4];
        _FORWARDER = implementations[5];
        _grantRole(DEFAULT_ADMIN_ROLE, ostOffice);
    }

    // ───────────────────────────── Views ─────────────────────────────

    /// @inheritdoc IOstNetwork
    function countryAmbassador(bytes2 country) external view returns (address) {
        return _countryAmbassador[country];
    }

    /// @inheritdoc IOstNetwork
    function isCountryResident(bytes2 country, address account) external view returns (bool) {
        return _isCountryResident[country][account];
    }

    /// @inheritdoc IOstNetwork
    function townCount() external view returns (uint256) {
        return _towns.length;
    }

    /// @inheritdoc IOstNetwork
    function town(uint256 townId) external view returns (Town memory) {
        if (townId >= _towns.length) revert OstNetworkUnknownTown(townId);
        return _towns[townId];
    }

    /// @inheritdoc IOstNetwork
    function townsIn(bytes2 country) external view returns (uint256[] memory) {
        return _townsIn[country];
    }

    /// @inheritdoc IOstNetwork
    function implementations() external view returns (address, address, address, address, address, address) {
        return (
            _INFINITY_IMPLEMENTATION,
            _FACTORY_IMPLEMENTATION,
            _DISTRIBUTOR_IMPLEMENTATION,
            _SALE_IMPLEMENTATION,
            _TOKEN_IMPLEMENTATION,
            _FORWARDER
        );
    }

    // ───────────────────────────── OST office ─────────────────────────────

    /// @inheritdoc IOstNetwork
    function appointCountryAmbassador(bytes2 country, address ambassador) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _requireCountryCode(country);
        if (ambassador == address(0)) revert OstNetworkZeroAddress();
        address previous = _countryAmbassador[country];
        _countryAmbassador[country] = ambassador;
        emit CountryAmbassadorAppointed(country, ambassador, previous);
    }

    /// @inheritdoc IOstNetwork
    function revokeCountryAmbassador(bytes2 country) external onlyRole(DEFAULT_ADMIN_ROLE) {
        address ambassador = _countryAmbassador[country];
        if (ambassador == address(0)) revert OstNetworkNoCountryAmbassador(country);
        delete _countryAmbassador[country];
        emit CountryAmbassadorRevoked(country, ambassador);
    }

    /// @inheritdoc IOstNetwork
    function createTown(string calldata name, bytes2 country, address townAmbassador)
        external
        onlyRole(DEFAULT_ADMIN_ROLE)
        returns (uint256 townId)
    {
        if (bytes(name).length == 0) revert OstNetworkEmptyName();
        _requireCountryCode(country);
        address registry = address(new TownRegistry(country));
        address infinity = Clones.cloneWithImmutableArgs(_INFINITY_IMPLEMENTATION, abi.encode(registry));
        address factory = Clones.cloneWithImmutableArgs(
            _FACTORY_IMPLEMENTATION, abi.encode(registry, _SALE_IMPLEMENTATION, _TOKEN_IMPLEMENTATION)
        );
        address distributor = Clones.cloneWithImmutableArgs(_DISTRIBUTOR_IMPLEMENTATION, abi.encode(registry, factory));
        // The caller, the OST office, is the town's admin; the network holds no role in any town.
        ITownRegistry(registry).initialize(name, msg.sender, townAmbassador, infinity, distributor);
        townId = _towns.length;
        _towns.push(Town(registry, infinity, factory, distributor, country));
        _townsIn[country].push(townId);
        _countryOfRegistry[registry] = country;
        emit TownCreated(townId, country, name, registry, infinity, factory, distributor, townAmbassador);
    }

    // ───────────────────────────── Country Ambassadors ─────────────────────────────

    /// @inheritdoc IOstNetwork
    function setCountryResident(bytes2 country, address account, bool resident) external {
        _requireCountryAmbassador(country);
        _setResident(country, account, resident);
    }

    /// @inheritdoc IOstNetwork
    function setCountryResidents(bytes2 country, address[] calldata accounts, bool resident) external {
        _requireCountryAmbassador(country);
        uint256 count = accounts.length;
        for (uint256 i; i < count; ++i) {
            _setResident(country, accounts[i], resident);
        }
    }

    // ───────────────────────────── Towns ─────────────────────────────

    /// @inheritdoc IOstNetwork
    function moveResident(bytes2 country, address lost, address replacement) external {
        if (country == bytes2(0) || _countryOfRegistry[msg.sender] != country) {
            revert OstNetworkNotATownOf(country, msg.sender);
        }
        _recovered[country][lost] = true;
        if (!_isCountryResident[country][lost]) return;
        _isCountryResident[country][lost] = false;
        _isCountryResident[country][replacement] = true;
        emit CountryResidentSet(country, lost, false, msg.sender);
        emit CountryResidentSet(country, replacement, true, msg.sender);
    }

    // ───────────────────────────── Internal ─────────────────────────────

    function _setResident(bytes2 country, address account, bool resident) private {
        if (account == address(0)) revert OstNetworkZeroAddress();
        if (resident && _recovered[country][account]) revert OstNetworkRecoveredAccount(account);
        _isCountryResident[country][account] = resident;
        emit CountryResidentSet(country, account, resident, msg.sender);
    }

    function _requireCountryAmbassador(bytes2 country) private view {
        address ambassador = _countryAmbassador[country];
        if (ambassador == address(0) || ambassador != msg.sender) {
            revert OstNetworkNotCountryAmbassador(country, msg.sender);
        }
    }

    function _requireCountryCode(bytes2 country) private pure {
        if (!_isUpperLetter(country[0]) || !_isUpperLetter(country[1])) revert OstNetworkInvalidCountryCode(country);
    }

    function _isUpperLetter(bytes1 character) private pure returns (bool) {
        return character >= "A" && character <= "Z";
    }
}
