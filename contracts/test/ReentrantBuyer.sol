// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IShareSale} from "../interfaces/IShareSale.sol";

/// @title ReentrantBuyer
/// @notice For tests only: buys shares, and when a refund or payout reaches it, calls back into the
/// sale to try to be paid twice. Records whether the nested call succeeded.
contract ReentrantBuyer {
    IShareSale public immutable SALE;
    uint256 public reentryAttempts;
    bool public reentrySucceeded;
    bytes public reentryError;

    constructor(IShareSale sale) {
        SALE = sale;
    }

    function buy(uint256 shares) external payable {
        SALE.buy{value: msg.value}(shares);
    }

    function refund() external {
        SALE.refund();
    }

    receive() external payable {
        if (reentryAttempts > 0) return;
        reentryAttempts += 1;
        (bool ok, bytes memory err) = address(SALE).call(abi.encodeCall(IShareSale.refund, ()));
        reentrySucceeded = ok;
        reentryError = err;
    }
}
