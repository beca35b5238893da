// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title TownRoles
/// @notice The role identifiers of a town, shared by every contract that checks them against the
/// town's {TownRegistry}. The OST office holds the registry's `DEFAULT_ADMIN_ROLE` (zero).
library TownRoles {
    /// @notice The OST office: the registry's `DEFAULT_ADMIN_ROLE`.
    bytes32 internal constant OST_OFFICE = 0x00;
    /// @notice Oversees funding and legal requirements for the country; verifies country residents.
    bytes32 internal constant COUNTRY_AMBASSADOR = keccak256("COUNTRY_AMBASSADOR_ROLE");
    /// @notice Launches the town, signs up members, lists businesses and appoints coordinators.
    bytes32 internal constant TOWN_AMBASSADOR = keccak256("TOWN_AMBASSADOR_ROLE");
    /// @notice Runs community projects and confirms who took part.
    bytes32 internal constant COORDINATOR = keccak256("COORDINATOR_ROLE");
}
