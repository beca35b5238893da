// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title TestStablecoin
/// @notice For tests and the local chain only: a 6-decimal stablecoin anyone can mint.
contract TestStablecoin is ERC20 {
    constructor() ERC20("Test Rand", "tZAR") {}

    /// @notice Mints `amount` to `to`; no access control, for tests only.
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function decimals() public pure override returns (uint8) {
        return 6;
    }
}
