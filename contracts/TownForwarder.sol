// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC2771Forwarder} from "@openzeppelin/contracts/metatx/ERC2771Forwarder.sol";

/// @title TownForwarder
/// @notice The town's door for members who hold no coin for gas: OpenZeppelin's {ERC2771Forwarder} unchanged.
/// A member signs a forward request (EIP-712); the town's relayer sends it and pays the gas; the town's
/// member-facing contracts trust this forwarder alone and read the member from the request.
/// @dev Each town deploys its own, named for the town, so its EIP-712 domain (name and address) differs from
/// every other town's: a request signed for one town is refused by another, and one town's contracts do not
/// trust another town's forwarder. Each signer's nonce is used once, in order; every request has a deadline.
contract TownForwarder is ERC2771Forwarder {
    /// @param townName The town's name: the forwarder's EIP-712 domain name.
    constructor(string memory townName) ERC2771Forwarder(townName) {}
}
