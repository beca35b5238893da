// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title ForwardedEcho
/// @notice For tests only: a target trusting two forwarders (the town's and OpenZeppelin's as it ships) that says
/// what each call brought it, fails or spends gas when asked, and can send a request back through the forwarder
/// that called it; so that both forwarders can be sent the same requests and what they did compared.
contract ForwardedEcho {
    address private immutable _first;
    address private immutable _second;

    /// @notice A call arrived: its ERC-2771 sender, the coin it carried and its payload.
    event Called(address sender, uint256 value, bytes payload);
    /// @notice A call sent back through the forwarder that called, and whether it succeeded.
    event Nested(bool success);

    error EchoRefused(uint256 code);

    constructor(address first, address second) {
        (_first, _second) = (first, second);
    }

    function isTrustedForwarder(address forwarder) public view returns (bool) {
        return forwarder == _first || forwarder == _second;
    }

    function echo(bytes calldata payload) external payable {
        emit Called(_sender(), msg.value, payload);
    }

    function refuse(uint256 code) external payable {
        revert EchoRefused(code);
    }

    /// @notice Spends about `rounds` times 100 gas, then says so.
    function burn(uint256 rounds) external payable {
        bytes32 h;
        for (uint256 i; i < rounds; ++i) h = keccak256(abi.encode(h, i));
        emit Called(_sender(), msg.value, abi.encode(h));
    }

    /// @notice Sends `call` to the forwarder that called this (re-entering it).
    function nest(bytes calldata call) external payable {
        (bool success, ) = msg.sender.call(call);
        emit Nested(success);
    }

    function _sender() private view returns (address sender) {
        if (isTrustedForwarder(msg.sender) && msg.data.length >= 20) {
            return address(bytes20(msg.data[msg.data.length - 20:]));
        }
        return msg.sender;
    }
}
