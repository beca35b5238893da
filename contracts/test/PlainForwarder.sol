// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC2771Forwarder} from "@openzeppelin/contracts/metatx/ERC2771Forwarder.sol";

/// @title PlainForwarder
/// @notice For tests only: OpenZeppelin's {ERC2771Forwarder} as it ships, sent the same requests as
/// {TownForwarder} so that their outcomes can be compared.
contract PlainForwarder is ERC2771Forwarder {
    constructor(string memory name) ERC2771Forwarder(name) {}
}
