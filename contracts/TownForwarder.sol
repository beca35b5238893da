// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC2771Forwarder} from "@openzeppelin/contracts/metatx/ERC2771Forwarder.sol";

/// @title TownForwarder
/// @notice The town's door for members who hold no coin for gas: OpenZeppelin's {ERC2771Forwarder} unchanged.
/// A member signs a forward request (EIP-712); the town's relayer sends it and pays the gas; the town's
/// member-facing contracts trust this forwarder alone and read the member from the request.
/// @dev One per OST network (named "OST network"), trusted by every town of it: a request names the contract it
/// calls and is signed with it, so a request for one town's contract does nothing in another, and another
/// network's forwarder (another EIP-712 domain) refuses it. Each signer's nonce is used once, in order; every
/// request has a deadline.
contract TownForwarder is ERC2771Forwarder {
    /// @param name The forwarder's EIP-712 domain name.
    constructor(string memory name) ERC2771Forwarder(name) {}
}
