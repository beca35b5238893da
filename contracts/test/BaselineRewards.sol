// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {IInfinityToken} from "../interfaces/IInfinityToken.sol";

/// @title BaselineRewards
/// @notice For the gas benchmark only: the least a reward could be — OpenZeppelin 5's ERC-20 minting, with a
/// once-only id (one slot per id) checked and set in the same loop, and nothing else (no membership, no day, no
/// cap, no event of its own). It takes the very calldata {InfinityToken-rewardBatch} takes, so the two compare.
contract BaselineRewards is ERC20 {
    error BaselineRewardsAlreadyRewarded(bytes32 id);

    mapping(bytes32 id => bool) private _rewarded;

    constructor() ERC20("Baseline", "BASE") {}

    /// @notice Mints each row's reward (a shift of 180 minutes earns one token) once per id; no access control.
    function rewardBatch(IInfinityToken.Reward[] calldata rewards) external {
        for (uint256 i; i < rewards.length; ++i) {
            IInfinityToken.Reward calldata entry = rewards[i];
            if (_rewarded[entry.participationId]) revert BaselineRewardsAlreadyRewarded(entry.participationId);
            _rewarded[entry.participationId] = true;
            _mint(entry.member, uint256(entry.minutesWorked) * 1e18 / 180);
        }
    }
}
