// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title IOstNetwork
/// @notice One per chain: the OST office's list of towns, by country, and the people above a town — one
/// Country Ambassador per country, and the country residents each verifies once for every town there.
interface IOstNetwork {
    /// @notice A town's contracts, as the network made them (clones of the network's implementations).
    struct Town {
        address registry;
        address infinity;
        address factory;
        address distributor;
        bytes2 country;
    }

    // ───────────────────────────── Errors ─────────────────────────────

    /// @notice The country code `country` is not two upper-case letters (ISO 3166-1 alpha-2).
    error OstNetworkInvalidCountryCode(bytes2 country);
    /// @notice A town needs a name.
    error OstNetworkEmptyName();
    /// @notice The zero address cannot be an ambassador or a resident.
    error OstNetworkZeroAddress();
    /// @notice `account` is not the Country Ambassador of `country`.
    error OstNetworkNotCountryAmbassador(bytes2 country, address account);
    /// @notice `country` has no Country Ambassador to revoke.
    error OstNetworkNoCountryAmbassador(bytes2 country);
    /// @notice Only a town's registry of `country` may move a resident of it (after a recovery).
    error OstNetworkNotATownOf(bytes2 country, address caller);
    /// @notice `account` lost its wallet and was replaced in a town of the country: it is never verified again.
    error OstNetworkRecoveredAccount(address account);
    /// @notice No town has the number `townId`.
    error OstNetworkUnknownTown(uint256 townId);

    // ───────────────────────────── Events ─────────────────────────────

    /// @notice The OST office appointed `ambassador` for `country`, replacing `previous` (zero if none).
    event CountryAmbassadorAppointed(bytes2 indexed country, address indexed ambassador, address previous);
    /// @notice The OST office revoked `ambassador`, who was the Country Ambassador of `country`.
    event CountryAmbassadorRevoked(bytes2 indexed country, address indexed ambassador);
    /// @notice `countryAmbassador` verified (or withdrew) `account` as a resident of `country`.
    event CountryResidentSet(
        bytes2 indexed country, address indexed account, bool resident, address indexed countryAmbassador
    );
    /// @notice The OST office created town `townId`, `name`, in `country`, with its Town Ambassador (zero: none yet).
    event TownCreated(
        uint256 indexed townId,
        bytes2 indexed country,
        string name,
        address registry,
        address infinity,
        address factory,
        address distributor,
        address townAmbassador
    );

    // ───────────────────────────── Views ─────────────────────────────

    /// @notice The Country Ambassador of `country`, or zero if none is appointed.
    function countryAmbassador(bytes2 country) external view returns (address);

    /// @notice Whether the Country Ambassador of `country` verified `account` as a resident of it.
    function isCountryResident(bytes2 country, address account) external view returns (bool);

    /// @notice How many towns the network has.
    function townCount() external view returns (uint256);

    /// @notice Town `townId`'s contracts.
    function town(uint256 townId) external view returns (Town memory);

    /// @notice The ids of the towns of `country`, in the order they were created.
    function townsIn(bytes2 country) external view returns (uint256[] memory);

    /// @notice The implementations every town's INFINITY, factory and distributor are clones of, the share sale
    /// and token implementations its businesses' are, and the forwarder every town trusts.
    function implementations()
        external
        view
        returns (
            address infinity,
            address factory,
            address distributor,
            address sale,
            address token,
            address forwarder
        );

    // ───────────────────────────── OST office ─────────────────────────────

    /// @notice Appoints `ambassador` as the Country Ambassador of `country` (replacing any other).
    /// @dev Requires `DEFAULT_ADMIN_ROLE`. Emits {CountryAmbassadorAppointed}.
    function appointCountryAmbassador(bytes2 country, address ambassador) external;

    /// @notice Revokes the Country Ambassador of `country`: its verifications and new launches stop until
    /// another is appointed; launched towns keep running, and residents verified so far stay verified.
    /// @dev Requires `DEFAULT_ADMIN_ROLE`. Emits {CountryAmbassadorRevoked}.
    function revokeCountryAmbassador(bytes2 country) external;

    /// @notice Creates a town: a registry, and clones of INFINITY, the business factory and profit distributor,
    /// wired to each other, the OST office their admin and `townAmbassador` its Town Ambassador (zero: none
    /// yet, and the town cannot act until the office appoints one in its registry). Returns its id.
    /// @dev Requires `DEFAULT_ADMIN_ROLE`. Emits {TownCreated}.
    function createTown(string calldata name, bytes2 country, address townAmbassador) external returns (uint256);

    // ───────────────────────────── Country Ambassadors ─────────────────────────────

    /// @notice Verifies (`resident` true) or withdraws (false) `account` as a resident of `country`, for every
    /// town there. @dev Only the Country Ambassador of `country`. Emits {CountryResidentSet}.
    function setCountryResident(bytes2 country, address account, bool resident) external;

    /// @notice Many at once, as {setCountryResident}.
    function setCountryResidents(bytes2 country, address[] calldata accounts, bool resident) external;

    // ───────────────────────────── Towns ─────────────────────────────

    /// @notice A recovery confirmed in a town of `country` moves the lost address's residency to its
    /// replacement, and the lost address can never be verified again in the country.
    /// @dev Only a town's registry of `country`. Emits {CountryResidentSet} twice when it moves.
    function moveResident(bytes2 country, address lost, address replacement) external;
}
