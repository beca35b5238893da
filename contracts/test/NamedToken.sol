// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title NamedToken
/// @notice For tests only: an ERC-20 whose name and symbol are whatever its deployer says — as a hostile
/// payment token's would be.
contract NamedToken is ERC20 {
    constructor(string memory name_, string memory symbol_) ERC20(name_, symbol_) {}
}
