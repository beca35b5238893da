// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {TestStablecoin} from "./TestStablecoin.sol";

/// @title FeeToken
/// @notice For tests only: the test stablecoin (6 decimals, anyone mints), except that it burns 1% of every
/// transfer, as fee-on-transfer tokens do.
contract FeeToken is TestStablecoin {
    function name() public pure override returns (string memory) {
        return "Fee Dollar";
    }

    function symbol() public pure override returns (string memory) {
        return "fUSD";
    }

    function _update(address from, address to, uint256 value) internal override {
        if (from == address(0) || to == address(0)) return super._update(from, to, value);
        uint256 fee = value / 100;
        super._update(from, address(0), fee);
        super._update(from, to, value - fee);
    }
}
