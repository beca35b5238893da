// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {Context} from "@openzeppelin/contracts/utils/Context.sol";
import {ITownRegistry} from "../interfaces/ITownRegistry.sol";

/// @title TownRoleGated
/// @notice Gates functions on a role held in the town's {TownRegistry}, the one place a town's roles
/// live; the pattern of OpenZeppelin's `AccessManaged.restricted`, with the registry as authority.
/// A refusal is the registry's own error, `AccessControlUnauthorizedAccount(account, role)`.
abstract contract TownRoleGated is Context {
    // ───────────────────────────── Modifiers ─────────────────────────────

    /// @dev Only a caller holding `role` in the town may run the function.
    modifier onlyTownRole(bytes32 role) {
        _checkTownRole(role, _msgSender());
        _;
    }

    // ───────────────────────────── Internal ─────────────────────────────

    /// @dev The town whose roles gate this contract.
    function _townRegistry() internal view virtual returns (ITownRegistry);

    /// @dev Reverts with `AccessControlUnauthorizedAccount` unless `account` holds `role` in the town.
    function _checkTownRole(bytes32 role, address account) internal view {
        if (!_townRegistry().hasRole(role, account)) {
            revert IAccessControl.AccessControlUnauthorizedAccount(account, role);
        }
    }
}
