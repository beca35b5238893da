// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ITownRegistry} from "./interfaces/ITownRegistry.sol";
import {TownRoles} from "./libraries/TownRoles.sol";

/// @title TownRegistry
/// @notice The roles, members and country residents of one town. The OST office is the admin:
/// it appoints the Country and Town Ambassadors; the Town Ambassador appoints coordinators.
contract TownRegistry is AccessControl, ITownRegistry {
    // ───────────────────────────── Constants ─────────────────────────────

    /// @inheritdoc ITownRegistry
    bytes32 public constant COUNTRY_AMBASSADOR_ROLE = TownRoles.COUNTRY_AMBASSADOR;
    /// @inheritdoc ITownRegistry
    bytes32 public constant TOWN_AMBASSADOR_ROLE = TownRoles.TOWN_AMBASSADOR;
    /// @inheritdoc ITownRegistry
    bytes32 public constant COORDINATOR_ROLE = TownRoles.COORDINATOR;

    // ───────────────────────────── Storage ─────────────────────────────

    bytes2 private immutable _COUNTRY_CODE;
    string private _name;
    uint256 private _memberCount;
    uint256 private _launchedAt;
    mapping(address account => bool) private _isMember;
    mapping(address account => bool) private _isCountryResident;
    mapping(bytes32 role => uint256) private _roleHolderCount;

    // ───────────────────────────── Constructor ─────────────────────────────

    /// @param townName The town's name, not empty.
    /// @param country The town's ISO 3166-1 alpha-2 country code, two upper-case letters.
    /// @param ostOffice The OST office, admin of the town.
    constructor(string memory townName, bytes2 country, address ostOffice) {
        if (bytes(townName).length == 0) revert TownRegistryEmptyName();
        if (!_isUpperLetter(country[0]) || !_isUpperLetter(country[1])) {
            revert TownRegistryInvalidCountryCode(country);
        }
        if (ostOffice == address(0)) revert TownRegistryZeroAddress();
        _name = townName;
        _COUNTRY_CODE = country;
        _setRoleAdmin(COORDINATOR_ROLE, TOWN_AMBASSADOR_ROLE);
        _grantRole(DEFAULT_ADMIN_ROLE, ostOffice);
    }

    // ───────────────────────────── External: views ─────────────────────────────

    /// @inheritdoc ITownRegistry
    function name() external view returns (string memory) {
        return _name;
    }

    /// @inheritdoc ITownRegistry
    function countryCode() external view returns (bytes2) {
        return _COUNTRY_CODE;
    }

    /// @inheritdoc ITownRegistry
    function isMember(address account) external view returns (bool) {
        return _isMember[account];
    }

    /// @inheritdoc ITownRegistry
    function memberCount() external view returns (uint256) {
        return _memberCount;
    }

    /// @inheritdoc ITownRegistry
    function isCountryResident(address account) external view returns (bool) {
        return _isCountryResident[account];
    }

    /// @inheritdoc ITownRegistry
    function tierOf(address account) external view returns (Tier) {
        if (_isMember[account]) return Tier.LOCAL;
        if (_isCountryResident[account]) return Tier.COUNTRY;
        return Tier.WORLD;
    }

    /// @inheritdoc ITownRegistry
    function roleHolderCount(bytes32 role) external view returns (uint256) {
        return _roleHolderCount[role];
    }

    /// @inheritdoc ITownRegistry
    function launched() external view returns (bool) {
        return _launchedAt != 0;
    }

    /// @inheritdoc ITownRegistry
    function launchedAt() external view returns (uint256) {
        return _launchedAt;
    }

    // ───────────────────────────── External: Town Ambassador ─────────────────────────────

    /// @inheritdoc ITownRegistry
    function addMember(address account) external onlyRole(TOWN_AMBASSADOR_ROLE) {
        _addMember(account);
    }

    /// @inheritdoc ITownRegistry
    function addMembers(address[] calldata accounts) external onlyRole(TOWN_AMBASSADOR_ROLE) {
        uint256 count = accounts.length;
        for (uint256 i; i < count; ++i) {
            _addMember(accounts[i]);
        }
    }

    /// @inheritdoc ITownRegistry
    function removeMember(address account) external onlyRole(TOWN_AMBASSADOR_ROLE) {
        if (!_isMember[account]) revert TownRegistryNotMember(account);
        _isMember[account] = false;
        uint256 count;
        // Cannot underflow: `account` was a member, so the count is at least one.
        unchecked {
            count = --_memberCount;
        }
        emit MemberRemoved(account, count);
    }

    /// @inheritdoc ITownRegistry
    function launch() external onlyRole(TOWN_AMBASSADOR_ROLE) {
        if (_launchedAt != 0) revert TownRegistryAlreadyLaunched();
        bool hasCountryAmbassador = _roleHolderCount[COUNTRY_AMBASSADOR_ROLE] != 0;
        bool hasTownAmbassador = _roleHolderCount[TOWN_AMBASSADOR_ROLE] != 0;
        if (!hasCountryAmbassador || !hasTownAmbassador) {
            revert TownRegistryAmbassadorsMissing(hasCountryAmbassador, hasTownAmbassador);
        }
        _launchedAt = block.timestamp;
        emit TownLaunched(msg.sender, block.timestamp);
    }

    // ───────────────────────────── External: Country Ambassador ─────────────────────────────

    /// @inheritdoc ITownRegistry
    function setCountryResident(address account, bool resident) external onlyRole(COUNTRY_AMBASSADOR_ROLE) {
        if (account == address(0)) revert TownRegistryZeroAddress();
        _isCountryResident[account] = resident;
        emit CountryResidentSet(account, resident, msg.sender);
    }

    // ───────────────────────────── Internal ─────────────────────────────

    function _addMember(address account) private {
        if (account == address(0)) revert TownRegistryZeroAddress();
        if (_isMember[account]) revert TownRegistryAlreadyMember(account);
        _isMember[account] = true;
        uint256 count;
        // Cannot overflow: there are fewer than 2**256 addresses.
        unchecked {
            count = ++_memberCount;
        }
        emit MemberAdded(account, count);
    }

    /// @dev Counts role holders so that {launch} can tell whether both ambassadors are appointed.
    function _grantRole(bytes32 role, address account) internal override returns (bool granted) {
        if (account == address(0)) revert TownRegistryZeroAddress();
        granted = super._grantRole(role, account);
        if (granted) {
            // Cannot overflow: each grant adds a distinct holder.
            unchecked {
                ++_roleHolderCount[role];
            }
        }
    }

    /// @dev Keeps {roleHolderCount} true when a role is revoked or renounced.
    function _revokeRole(bytes32 role, address account) internal override returns (bool revoked) {
        revoked = super._revokeRole(role, account);
        if (revoked) {
            // Cannot underflow: `account` held the role, so the count is at least one.
            unchecked {
                --_roleHolderCount[role];
            }
        }
    }

    function _isUpperLetter(bytes1 character) private pure returns (bool) {
        return character >= "A" && character <= "Z";
    }
}
