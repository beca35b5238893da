// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {Initializable} from "@openzeppelin/contracts/proxy/utils/Initializable.sol";
import {IOstNetwork} from "./interfaces/IOstNetwork.sol";
import {ITownRegistry} from "./interfaces/ITownRegistry.sol";
import {IProfitDistributor} from "./interfaces/IProfitDistributor.sol";
import {IInfinityToken} from "./interfaces/IInfinityToken.sol";
import {TownRoles} from "./libraries/TownRoles.sol";

/// @title TownRegistry
/// @notice The roles and members of one town. The OST office is the admin: it appoints the Town Ambassador;
/// the Town Ambassador appoints coordinators. The Country Ambassador and the country residents are the OST
/// network's, for every town of the country.
/// @dev Created by {OstNetwork.createTown} (a contract of its own, not a clone: every purchase and reward reads
/// it, and a clone would add a call to its implementation to each), with its country and network immutable.
contract TownRegistry is Initializable, AccessControl, ITownRegistry {
    // ───────────────────────────── Constants ─────────────────────────────

    /// @inheritdoc ITownRegistry
    bytes32 public constant COUNTRY_AMBASSADOR_ROLE = TownRoles.COUNTRY_AMBASSADOR;
    /// @inheritdoc ITownRegistry
    bytes32 public constant TOWN_AMBASSADOR_ROLE = TownRoles.TOWN_AMBASSADOR;
    /// @inheritdoc ITownRegistry
    bytes32 public constant COORDINATOR_ROLE = TownRoles.COORDINATOR;

    // ───────────────────────────── Storage ─────────────────────────────

    /// @dev The member count and the membership epoch share a slot: every change writes both.
    struct Census {
        uint128 memberCount;
        uint48 epoch;
    }

    /// @dev One slot per account, as a plain "is member" flag would take.
    struct Membership {
        bool active;
        uint48 since;
        uint32 pastPeriods;
        bool recovered; // moved to a new address after a lost wallet: refused from then on
        // The lost address this one replaced (fills the slot's last 160 bits): a sale counts the shares still
        // held there against its per-buyer maximum until they are swept here.
        address predecessor;
    }

    /// @dev A proposed (unconfirmed) recovery, or a confirmed one (`proposer` zero).
    struct Recovery {
        address replacement;
        address proposer;
    }

    /// @dev An ended membership: epochs `from` (inclusive) to `until` (exclusive).
    struct Period {
        uint48 from;
        uint48 until;
    }

    bytes2 private immutable _COUNTRY;
    address private immutable _NETWORK;
    string private _name;
    Census private _census;
    uint256 private _launchedAt;
    address private _profitDistributor;
    address private _infinityToken;
    mapping(address account => Membership) private _membership;
    mapping(address account => mapping(uint256 index => Period)) private _pastPeriods;
    mapping(bytes32 role => uint256) private _roleHolderCount;
    mapping(address lost => Recovery) private _recoveries;
    bytes32 private _planHash;
    uint32 private _planVersion;
    string private _planUri;
    string private _page;

    // ───────────────────────────── Constructor ─────────────────────────────

    /// @param country The town's ISO 3166-1 alpha-2 country code (the network checks it). The creator, the
    /// network, sets the town up at once with {initialize}.
    constructor(bytes2 country) {
        _COUNTRY = country;
        _NETWORK = msg.sender;
    }

    /// @inheritdoc ITownRegistry
    function initialize(
        string calldata townName,
        address ostOffice,
        address townAmbassador,
        address infinity,
        address distributor
    ) external initializer {
        if (msg.sender != _NETWORK) revert AccessControlUnauthorizedAccount(msg.sender, DEFAULT_ADMIN_ROLE);
        if (ostOffice == address(0)) revert TownRegistryZeroAddress();
        _name = townName;
        _infinityToken = infinity;
        _profitDistributor = distributor;
        _setRoleAdmin(COORDINATOR_ROLE, TOWN_AMBASSADOR_ROLE);
        _grantRole(DEFAULT_ADMIN_ROLE, ostOffice);
        if (townAmbassador != address(0)) _grantRole(TOWN_AMBASSADOR_ROLE, townAmbassador);
    }

    // ───────────────────────────── External: views ─────────────────────────────

    /// @inheritdoc ITownRegistry
    function name() external view returns (string memory) {
        return _name;
    }

    /// @inheritdoc ITownRegistry
    function countryCode() external view returns (bytes2) {
        return _COUNTRY;
    }

    /// @inheritdoc ITownRegistry
    function network() external view returns (address) {
        return _NETWORK;
    }

    /// @notice Whether `account` holds `role` in the town; the Country Ambassador is the network's for the
    /// town's country, so an appointment or revocation there holds here at once.
    function hasRole(bytes32 role, address account) public view override(AccessControl, IAccessControl) returns (bool) {
        if (role == COUNTRY_AMBASSADOR_ROLE) return account != address(0) && _countryAmbassador() == account;
        return super.hasRole(role, account);
    }

    /// @inheritdoc ITownRegistry
    function isMember(address account) external view returns (bool) {
        return _membership[account].active;
    }

    /// @inheritdoc ITownRegistry
    function memberCount() external view returns (uint256) {
        return _census.memberCount;
    }

    /// @inheritdoc ITownRegistry
    function membershipEpoch() external view returns (uint48) {
        return _census.epoch;
    }

    /// @inheritdoc ITownRegistry
    function census() external view returns (uint256 memberCount_, uint48 epoch) {
        Census memory c = _census;
        return (c.memberCount, c.epoch);
    }

    /// @inheritdoc ITownRegistry
    function membership(address account) external view returns (bool active, uint48 since, uint32 pastPeriods) {
        Membership memory m = _membership[account];
        return (m.active, m.since, m.pastPeriods);
    }

    /// @inheritdoc ITownRegistry
    function pastMembership(address account, uint256 index) external view returns (uint48 from, uint48 until) {
        Period memory p = _pastPeriods[account][index];
        return (p.from, p.until);
    }

    /// @inheritdoc ITownRegistry
    function profitDistributor() external view returns (address) {
        return _profitDistributor;
    }

    /// @inheritdoc ITownRegistry
    function infinityToken() external view returns (address) {
        return _infinityToken;
    }

    /// @inheritdoc ITownRegistry
    function isCountryResident(address account) external view returns (bool) {
        return _isResident(account);
    }

    /// @inheritdoc ITownRegistry
    function tierOf(address account) external view returns (Tier) {
        Membership memory m = _membership[account];
        if (m.active) return Tier.LOCAL;
        if (m.recovered) revert TownRegistryRecoveredAccount(account);
        return _isResident(account) ? Tier.COUNTRY : Tier.WORLD;
    }

    /// @inheritdoc ITownRegistry
    function buyerOf(address account) external view returns (Tier tier, address predecessor) {
        Membership memory m = _membership[account];
        if (m.active) return (Tier.LOCAL, m.predecessor);
        if (m.recovered) revert TownRegistryRecoveredAccount(account);
        return (_isResident(account) ? Tier.COUNTRY : Tier.WORLD, m.predecessor);
    }

    /// @inheritdoc ITownRegistry
    function predecessorOf(address account) external view returns (address) {
        return _membership[account].predecessor;
    }

    /// @inheritdoc ITownRegistry
    function roleHolderCount(bytes32 role) external view returns (uint256) {
        if (role == COUNTRY_AMBASSADOR_ROLE) return _countryAmbassador() == address(0) ? 0 : 1;
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
        Census memory c = _nextEpoch();
        _addMember(account, c);
        _census = c;
        address infinity = _infinityToken;
        if (infinity != address(0)) {
            address[] memory added = new address[](1);
            added[0] = account;
            IInfinityToken(infinity).onMembersAdded(added);
        }
    }

    /// @inheritdoc ITownRegistry
    function addMembers(address[] calldata accounts) external onlyRole(TOWN_AMBASSADOR_ROLE) {
        Census memory c = _nextEpoch();
        uint256 count = accounts.length;
        for (uint256 i; i < count; ++i) {
            _addMember(accounts[i], c);
        }
        _census = c;
        // The town's INFINITY keeps membership beside each balance, so a reward reads one slot: told once a batch.
        address infinity = _infinityToken;
        if (infinity != address(0)) IInfinityToken(infinity).onMembersAdded(accounts);
    }

    /// @inheritdoc ITownRegistry
    function removeMember(address account) external onlyRole(TOWN_AMBASSADOR_ROLE) {
        Membership memory m = _membership[account];
        if (!m.active) revert TownRegistryNotMember(account);
        Census memory c = _nextEpoch();
        _pastPeriods[account][m.pastPeriods] = Period(m.since, c.epoch);
        _membership[account] =
            Membership({active: false, since: 0, pastPeriods: m.pastPeriods + 1, recovered: false, predecessor: m.predecessor});
        // Cannot underflow: `account` was a member, so the count is at least one.
        unchecked {
            --c.memberCount;
        }
        _census = c;
        emit MemberRemoved(account, c.memberCount, c.epoch);
        address infinity = _infinityToken;
        if (infinity != address(0)) IInfinityToken(infinity).onMemberRemoved(account);
    }

    /// @inheritdoc ITownRegistry
    function proposeRecovery(address lost, address replacement) external onlyRole(TOWN_AMBASSADOR_ROLE) {
        if (lost == address(0) || replacement == address(0)) revert TownRegistryZeroAddress();
        Membership memory m = _membership[lost];
        if (m.recovered) revert TownRegistryRecoveredAccount(lost);
        if (!m.active) revert TownRegistryNotMember(lost);
        _requireFresh(replacement);
        _recoveries[lost] = Recovery(replacement, msg.sender);
        emit RecoveryProposed(lost, replacement, msg.sender);
    }

    /// @inheritdoc ITownRegistry
    function launch() external onlyRole(TOWN_AMBASSADOR_ROLE) {
        if (_launchedAt != 0) revert TownRegistryAlreadyLaunched();
        bool hasCountryAmbassador = _countryAmbassador() != address(0);
        bool hasTownAmbassador = _roleHolderCount[TOWN_AMBASSADOR_ROLE] != 0;
        if (!hasCountryAmbassador || !hasTownAmbassador) {
            revert TownRegistryAmbassadorsMissing(hasCountryAmbassador, hasTownAmbassador);
        }
        _launchedAt = block.timestamp;
        emit TownLaunched(msg.sender, block.timestamp);
    }

    /// @inheritdoc ITownRegistry
    function publishTownPlan(bytes32 contentHash, string calldata uri) external onlyRole(TOWN_AMBASSADOR_ROLE) {
        if (contentHash == bytes32(0)) revert TownRegistryEmptyPlan();
        uint32 version = _planVersion + 1;
        (_planHash, _planVersion, _planUri) = (contentHash, version, uri);
        emit TownPlanPublished(version, contentHash, uri);
    }

    /// @inheritdoc ITownRegistry
    function setTownPage(string calldata url) external onlyRole(TOWN_AMBASSADOR_ROLE) {
        _page = url;
        emit TownPageSet(url);
    }

    /// @inheritdoc ITownRegistry
    function townPage() external view returns (string memory) {
        return _page;
    }

    /// @inheritdoc ITownRegistry
    function townPlan() external view returns (bytes32 contentHash, uint32 version, string memory uri) {
        return (_planHash, _planVersion, _planUri);
    }

    // ───────────────────────────── External: Country Ambassador ─────────────────────────────

    /// @inheritdoc ITownRegistry
    function confirmRecovery(address lost, address replacement) external onlyRole(COUNTRY_AMBASSADOR_ROLE) {
        Recovery memory r = _recoveries[lost];
        if (r.proposer == address(0) || r.replacement != replacement) {
            revert TownRegistryNoRecoveryProposed(lost, replacement);
        }
        if (r.proposer == msg.sender) revert TownRegistryRecoveryNeedsTwoKeys(msg.sender);
        Membership memory m = _membership[lost];
        if (!m.active) revert TownRegistryNotMember(lost); // removed since the proposal
        _requireFresh(replacement);
        // The same membership, periods and all, under the new address: every share of profit follows.
        _membership[replacement] =
            Membership({active: true, since: m.since, pastPeriods: m.pastPeriods, recovered: false, predecessor: lost});
        for (uint256 i; i < m.pastPeriods; ++i) {
            _pastPeriods[replacement][i] = _pastPeriods[lost][i];
            delete _pastPeriods[lost][i];
        }
        // The lost address keeps its own predecessor: a member recovered twice is followed back to the first.
        _membership[lost] = Membership({active: false, since: 0, pastPeriods: 0, recovered: true, predecessor: m.predecessor});
        _recoveries[lost] = Recovery(replacement, address(0));
        emit RecoveryConfirmed(lost, replacement, msg.sender);
        IOstNetwork(_NETWORK).moveResident(_COUNTRY, lost, replacement); // residency follows, in every town
        address distributor = _profitDistributor;
        if (distributor != address(0)) IProfitDistributor(distributor).onMembershipRecovered(lost, replacement);
        address infinity = _infinityToken;
        if (infinity != address(0)) IInfinityToken(infinity).onMembershipRecovered(lost, replacement);
    }

    /// @inheritdoc ITownRegistry
    function recoveryProposal(address lost) external view returns (address replacement, address proposer) {
        Recovery memory r = _recoveries[lost];
        if (r.proposer == address(0)) return (address(0), address(0));
        return (r.replacement, r.proposer);
    }

    /// @inheritdoc ITownRegistry
    function recoveredTo(address lost) external view returns (address) {
        Recovery memory r = _recoveries[lost];
        return r.proposer == address(0) ? r.replacement : address(0);
    }

    // ───────────────────────────── Internal ─────────────────────────────

    /// @dev A replacement must never have been a member nor recovered: nothing of its own to merge.
    function _requireFresh(address replacement) private view {
        Membership memory m = _membership[replacement];
        if (m.active || m.pastPeriods != 0 || m.recovered) revert TownRegistryReplacementNotFresh(replacement);
    }

    /// @dev The census with the epoch moved on by one: every membership change opens a new epoch.
    function _nextEpoch() private view returns (Census memory c) {
        c = _census;
        ++c.epoch;
    }

    function _addMember(address account, Census memory c) private {
        if (account == address(0)) revert TownRegistryZeroAddress();
        Membership storage m = _membership[account];
        if (m.active) revert TownRegistryAlreadyMember(account);
        if (m.recovered) revert TownRegistryRecoveredAccount(account);
        (m.active, m.since) = (true, c.epoch);
        // Cannot overflow: there are fewer than 2**128 addresses a town could sign up.
        unchecked {
            ++c.memberCount;
        }
        emit MemberAdded(account, c.memberCount, c.epoch);
    }

    /// @dev Counts role holders so that {launch} can tell whether the Town Ambassador is appointed. The
    /// Country Ambassador is appointed in the network, never here.
    function _grantRole(bytes32 role, address account) internal override returns (bool granted) {
        if (account == address(0)) revert TownRegistryZeroAddress();
        if (role == COUNTRY_AMBASSADOR_ROLE) revert TownRegistryCountryAmbassadorIsTheNetworks();
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
        if (role == COUNTRY_AMBASSADOR_ROLE) revert TownRegistryCountryAmbassadorIsTheNetworks();
        revoked = super._revokeRole(role, account);
        if (revoked) {
            // Cannot underflow: `account` held the role, so the count is at least one.
            unchecked {
                --_roleHolderCount[role];
            }
        }
    }

    function _isResident(address account) private view returns (bool) {
        return IOstNetwork(_NETWORK).isCountryResident(_COUNTRY, account);
    }

    function _countryAmbassador() private view returns (address) {
        return IOstNetwork(_NETWORK).countryAmbassador(_COUNTRY);
    }
}
