// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IProfitDistributor} from "../interfaces/IProfitDistributor.sol";

/// @title ReentrantClaimer
/// @notice For tests only: a member contract that, when its profit arrives, calls back into the
/// distributor to try to be paid twice. Records whether the nested call succeeded.
contract ReentrantClaimer {
    IProfitDistributor public immutable DISTRIBUTOR;
    uint256 public reentryAttempts;
    bool public reentrySucceeded;

    constructor(IProfitDistributor distributor) {
        DISTRIBUTOR = distributor;
    }

    function claim() external {
        DISTRIBUTOR.claim();
    }

    receive() external payable {
        if (reentryAttempts > 0) return;
        reentryAttempts += 1;
        (bool ok,) = address(DISTRIBUTOR).call(abi.encodeWithSignature("claim()"));
        reentrySucceeded = ok;
    }
}
