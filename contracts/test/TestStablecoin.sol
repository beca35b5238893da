// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";

/// @title TestStablecoin
/// @notice For tests and the local chain only: a 6-decimal stablecoin anyone can mint, with ERC-2612 permits
/// (EIP-712 version "1"), as many dollar stablecoins have (USDC too, with version "2").
contract TestStablecoin is ERC20, ERC20Permit {
    constructor() ERC20("Test Rand", "tZAR") ERC20Permit("Test Rand") {}

    /// @notice Mints `amount` to `to`; no access control, for tests only.
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function decimals() public pure override returns (uint8) {
        return 6;
    }
}
