// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";

/// @title ITownRegistry
/// @notice One per town: the town's facts, its roles, its members (town residents) and the
/// country residents verified by the Country Ambassador. Other town contracts read roles,
/// membership and tiers from here.
interface ITownRegistry is IAccessControl {
    /// @notice How close an address stands to the town, which decides the sale phases it may buy in.
    enum Tier {
        LOCAL,
        COUNTRY,
        WORLD
    }

    // ───────────────────────────── Errors ─────────────────────────────

    /// @notice The zero address cannot be a member, a resident or an admin.
    error TownRegistryZeroAddress();
    /// @notice `account` is a member already.
    error TownRegistryAlreadyMember(address account);
    /// @notice `account` is not a member.
    error TownRegistryNotMember(address account);
    /// @notice The town cannot launch before both ambassadors are appointed (Country Ambassador: `hasCountryAmbassador`, Town Ambassador: `hasTownAmbassador`).
    error TownRegistryAmbassadorsMissing(bool hasCountryAmbassador, bool hasTownAmbassador);
    /// @notice The town has launched already.
    error TownRegistryAlreadyLaunched();
    /// @notice `account` lost its wallet and handed everything to a new address: it is no longer used in this town.
    error TownRegistryRecoveredAccount(address account);
    /// @notice No recovery of `lost` to `replacement` awaits confirmation.
    error TownRegistryNoRecoveryProposed(address lost, address replacement);
    /// @notice A recovery needs two keys: the Town Ambassador `proposer` cannot also confirm it.
    error TownRegistryRecoveryNeedsTwoKeys(address proposer);
    /// @notice `replacement` must be a fresh address: never a member, never recovered.
    error TownRegistryReplacementNotFresh(address replacement);
    /// @notice A published plan's SHA-256 is zero.
    error TownRegistryEmptyPlan();
    /// @notice A town's Country Ambassador is its country's, appointed in the OST network, not in the town.
    error TownRegistryCountryAmbassadorIsTheNetworks();

    // ───────────────────────────── Events ─────────────────────────────

    /// @notice `member` signed up; `memberCount` is the count after the change.
    /// @dev `epoch` is the membership epoch that began with this change (see {membershipEpoch}).
    event MemberAdded(address indexed member, uint256 memberCount, uint48 epoch);
    /// @notice `member` left or was removed; `memberCount` is the count after the change.
    event MemberRemoved(address indexed member, uint256 memberCount, uint48 epoch);
    /// @notice The town launched; sales may open from now on.
    event TownLaunched(address indexed townAmbassador, uint256 timestamp);
    /// @notice The Town Ambassador published version `version` of the town's 12-month plan: the SHA-256 of its
    /// canonical text and where to read it. Every version stays in these events.
    event TownPlanPublished(uint32 version, bytes32 contentHash, string uri);
    /// @notice The Town Ambassador published the address of the town's page (its bridge), for the network's list.
    event TownPageSet(string url);
    /// @notice The Town Ambassador proposed moving the member `lost` (a lost wallet) to `replacement`.
    event RecoveryProposed(address indexed lost, address indexed replacement, address indexed townAmbassador);
    /// @notice The Country Ambassador confirmed it: the membership of `lost` now belongs to `replacement`.
    event RecoveryConfirmed(address indexed lost, address indexed replacement, address indexed countryAmbassador);

    // ───────────────────────────── Views ─────────────────────────────

    /// @notice The role that verifies country residents (`keccak256("COUNTRY_AMBASSADOR_ROLE")`).
    function COUNTRY_AMBASSADOR_ROLE() external view returns (bytes32);

    /// @notice The role that launches and runs the town (`keccak256("TOWN_AMBASSADOR_ROLE")`).
    function TOWN_AMBASSADOR_ROLE() external view returns (bytes32);

    /// @notice The role that confirms participations (`keccak256("COORDINATOR_ROLE")`).
    function COORDINATOR_ROLE() external view returns (bytes32);

    /// @notice The town's name.
    function name() external view returns (string memory);

    /// @notice The town's country as an ISO 3166-1 alpha-2 code, e.g. "ZA".
    function countryCode() external view returns (bytes2);

    /// @notice Whether `account` is a member of the town.
    function isMember(address account) external view returns (bool);

    /// @notice How many members the town has now.
    function memberCount() external view returns (uint256);

    /// @notice Whether the Country Ambassador verified `account` as a resident of the country.
    function isCountryResident(address account) external view returns (bool);

    /// @notice `LOCAL` for a member, `COUNTRY` for a verified country resident, `WORLD` otherwise.
    function tierOf(address account) external view returns (Tier);

    /// @notice What a sale needs of a buyer in one call: its tier, as {tierOf}, and the lost address it replaced
    /// (zero for none) whose unswept shares count against a per-buyer maximum.
    function buyerOf(address account) external view returns (Tier tier, address predecessor);

    /// @notice The lost address `account` replaced through a confirmed recovery; zero for none.
    function predecessorOf(address account) external view returns (address);

    /// @notice How many accounts hold `role` now.
    function roleHolderCount(bytes32 role) external view returns (uint256);

    /// @notice Whether the town has launched.
    function launched() external view returns (bool);

    /// @notice When the town launched, or zero before.
    function launchedAt() external view returns (uint256);

    /// @notice The membership epoch: it moves forward with every transaction that changes
    /// membership, so that "who was a member when" can be told without a list of members. A
    /// profit deposit made at epoch `e` belongs to the members whose periods cover `e`.
    function membershipEpoch() external view returns (uint48);

    /// @notice The member count and the membership epoch, read together (one storage slot).
    function census() external view returns (uint256 memberCount, uint48 epoch);

    /// @notice `account`'s membership: whether it is a member now and since which epoch, and how
    /// many earlier, ended periods it has (see {pastMembership}).
    function membership(address account) external view returns (bool active, uint48 since, uint32 pastPeriods);

    /// @notice `account`'s ended membership period number `index`: a member from epoch `from`
    /// (inclusive) until epoch `until` (exclusive).
    function pastMembership(address account, uint256 index) external view returns (uint48 from, uint48 until);

    /// @notice The town's profit distributor, zero until the OST office sets it.
    function profitDistributor() external view returns (address);

    /// @notice The town's INFINITY token, zero until the OST office names it.
    function infinityToken() external view returns (address);

    // ───────────────────────────── Town Ambassador ─────────────────────────────

    /// @notice Signs `account` up as a member.
    /// @dev Requires `TOWN_AMBASSADOR_ROLE`; `account` must not be zero or a member already.
    /// Emits {MemberAdded}.
    function addMember(address account) external;

    /// @notice Signs every account of `accounts` up as a member, all or none.
    /// @dev Requires `TOWN_AMBASSADOR_ROLE`; each account as in {addMember}. Emits {MemberAdded} for each.
    function addMembers(address[] calldata accounts) external;

    /// @notice Ends the membership of `account`.
    /// @dev Requires `TOWN_AMBASSADOR_ROLE`; `account` must be a member. Emits {MemberRemoved}.
    function removeMember(address account) external;

    /// @notice Proposes moving the member `lost`, whose wallet is lost, to the fresh address `replacement`:
    /// membership (with its past periods), country residence, unclaimed profit, and — by
    /// {InfinityToken-recover} and {ShareToken-recover} — INF, shares and refund rights.
    /// @dev Requires `TOWN_AMBASSADOR_ROLE`; replaces an earlier unconfirmed proposal for `lost`.
    /// Emits {RecoveryProposed}.
    function proposeRecovery(address lost, address replacement) external;

    /// @notice Launches the town, after which its sales may open. Once only.
    /// @dev Requires `TOWN_AMBASSADOR_ROLE`, and at least one holder of both ambassador roles.
    /// Emits {TownLaunched}.
    function launch() external;

    /// @notice Publishes a new version of the town's 12-month plan (milestones by month): its SHA-256 and a URI.
    /// @dev Requires `TOWN_AMBASSADOR_ROLE` and a non-zero hash. Emits {TownPlanPublished}.
    function publishTownPlan(bytes32 contentHash, string calldata uri) external;

    /// @notice Publishes where the town's page is (``https://…``, its bridge), so the network's list links to it.
    /// @dev Requires `TOWN_AMBASSADOR_ROLE`. Emits {TownPageSet}.
    function setTownPage(string calldata url) external;

    /// @notice The town's page, as published (empty: none yet).
    function townPage() external view returns (string memory);

    /// @notice The latest 12-month plan published (version 0: none yet).
    function townPlan() external view returns (bytes32 contentHash, uint32 version, string memory uri);

    // ───────────────────────────── The OST network ─────────────────────────────

    /// @notice Sets up a town the network just created: its name, the OST office as admin, its Town Ambassador
    /// (zero: none yet; the office appoints one later), and the INFINITY token and profit distributor cloned
    /// with it, which hear of recoveries. Once, by the network that created it.
    function initialize(
        string calldata townName,
        address ostOffice,
        address townAmbassador,
        address infinity,
        address distributor
    ) external;

    /// @notice The OST network the town belongs to: its Country Ambassador and country residents live there.
    function network() external view returns (address);

    // ───────────────────────────── Country Ambassador ─────────────────────────────

    /// @notice Confirms the Town Ambassador's proposal to move `lost` to `replacement`, which then
    /// holds the membership; `lost` is refused everywhere in the town from now on.
    /// @dev Requires `COUNTRY_AMBASSADOR_ROLE`, a matching proposal, a confirmer other than its
    /// proposer and a still-fresh `replacement`. Tells the profit distributor, which moves what
    /// `lost` already claimed. Emits {RecoveryConfirmed}.
    function confirmRecovery(address lost, address replacement) external;

    /// @notice The unconfirmed proposal to move `lost`, if any (zero addresses if none).
    function recoveryProposal(address lost) external view returns (address replacement, address proposer);

    /// @notice The address `lost` was moved to, or zero if it was not.
    function recoveredTo(address lost) external view returns (address);
}
