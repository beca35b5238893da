// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC2771Forwarder} from "@openzeppelin/contracts/metatx/ERC2771Forwarder.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";

/// @title TownForwarder
/// @notice The town's door for members who hold no coin for gas: OpenZeppelin's {ERC2771Forwarder}, its requests,
/// checks, errors and events unchanged, sending a request for less gas. A member signs a forward request (EIP-712);
/// the town's relayer sends it and pays the gas; the town's member-facing contracts trust this forwarder alone and
/// read the member from the request.
/// @dev One per OST network (named "OST network"), trusted by every town of it: a request names the contract it
/// calls and is signed with it, so a request for one town's contract does nothing in another, and another
/// network's forwarder (another EIP-712 domain) refuses it. Each signer's nonce is used once, in order; every
/// request has a deadline.
///
/// What differs from OpenZeppelin's, and why it is the same:
/// - A target's answer to `isTrustedForwarder(this)` is asked once per transaction and kept in transient storage
///   (EIP-1153), not asked again for every request of a batch. Every town contract names its forwarder when it is
///   made and never changes it. A target that changed its answer within one transaction would be called as by the
///   forwarder, with the coin its signer signed for it and nothing more (the coin of a batch's other requests is
///   theirs by their signatures); the forwarder holds no role and no allowance. `verify` asks afresh, as
///   OpenZeppelin's does.
/// - The request's gas is checked before the call, not after it (see `_forward`): a call is never made with less.
/// - The request's hash and the forwarded call are built in memory past the free-memory pointer and not kept, so a
///   batch does not grow its memory request by request. The hash is the one OpenZeppelin's
///   `_recoverForwardRequestSigner` computes (the same EIP-712 type), and the call carries the same bytes: the
///   request's data with its signer appended.
contract TownForwarder is ERC2771Forwarder {
    /// @dev The transient slots of the targets' answers: this constant (a hash's top 96 bits) or'ed with the
    /// target's address. Nothing else of this contract is transient.
    uint256 private constant _TRUST_BASE = (uint256(keccak256("ost.TownForwarder.trustedBy")) >> 160) << 160;

    /// @param name The forwarder's EIP-712 domain name.
    constructor(string memory name) ERC2771Forwarder(name) {}

    /// @dev OpenZeppelin's {ERC2771Forwarder-_execute}: the same checks, the same reverts in the same order when
    /// `requireValidRequest`, the nonce used before the call, the same event; the request's gas guarded before the
    /// call (`_forward`).
    function _execute(
        ForwardRequestData calldata request,
        bool requireValidRequest
    ) internal override returns (bool success) {
        (bool valid, address signer) = _checked(request, requireValidRequest);
        if (!valid) return false;
        // The nonce is used before the call, so that the call cannot use it again by re-entering.
        uint256 nonce = _useNonce(signer);
        success = _forward(request);
        emit ExecutedForwardRequest(signer, nonce, success);
    }

    /// @dev OpenZeppelin's hash of the request (EIP-712 `ForwardRequest`, with the signer's current nonce) and the
    /// signer recovered from it, the hash built without allocating memory. `verify` reads it too.
    function _recoverForwardRequestSigner(
        ForwardRequestData calldata request
    ) internal view override returns (bool isValid, address signer) {
        // abi.encode(FORWARD_REQUEST_TYPEHASH, from, to, value, gas, nonces(from), deadline, keccak256(data)) at the
        // free-memory pointer, word by word; the data is hashed first, where the words then go.
        uint256 ptr;
        assembly ("memory-safe") {
            ptr := mload(0x40)
        }
        {
            bytes calldata data = request.data;
            assembly ("memory-safe") {
                calldatacopy(ptr, data.offset, data.length)
                mstore(add(ptr, 0xe0), keccak256(ptr, data.length))
            }
        }
        {
            (bytes32 typehash, address from, address to) = (FORWARD_REQUEST_TYPEHASH, request.from, request.to);
            uint256 nonce = nonces(from);
            assembly ("memory-safe") {
                mstore(ptr, typehash)
                mstore(add(ptr, 0x20), from)
                mstore(add(ptr, 0x40), to)
                mstore(add(ptr, 0xa0), nonce)
            }
        }
        {
            (uint256 value, uint256 reqGas, uint48 deadline) = (request.value, request.gas, request.deadline);
            assembly ("memory-safe") {
                mstore(add(ptr, 0x60), value)
                mstore(add(ptr, 0x80), reqGas)
                mstore(add(ptr, 0xc0), deadline)
            }
        }
        bytes32 structHash;
        assembly ("memory-safe") {
            structHash := keccak256(ptr, 0x100)
        }
        ECDSA.RecoverError err;
        (signer, err, ) = ECDSA.tryRecoverCalldata(_hashTypedDataV4(structHash), request.signature);
        isValid = err == ECDSA.RecoverError.NoError;
    }

    /// @dev Whether `request` may be sent (its target trusts this forwarder, its deadline has not passed, `from`
    /// signed it), and its signer; reverts with OpenZeppelin's errors, in its order, when `requireValidRequest`.
    function _checked(
        ForwardRequestData calldata request,
        bool requireValidRequest
    ) private returns (bool valid, address signer) {
        bool trusted = _trustedOnce(request.to);
        bool active = request.deadline >= block.timestamp;
        bool recovered;
        (recovered, signer) = _recoverForwardRequestSigner(request);
        bool signerMatch = recovered && signer == request.from;
        if (requireValidRequest) {
            if (!trusted) revert ERC2771UntrustfulTarget(request.to, address(this));
            if (!active) revert ERC2771ForwarderExpiredRequest(request.deadline);
            if (!signerMatch) revert ERC2771ForwarderInvalidSigner(signer, request.from);
        }
        valid = trusted && active && signerMatch;
    }

    /// @dev Calls the request's target with its data and its signer appended (ERC-2771), with the request's gas
    /// and value, and never with less: if what is left could not give the call all of the request's gas (after the
    /// call's own costs and the 63/64 rule of EIP-150), the whole transaction ends with all its gas, as an
    /// out-of-gas does (so an estimate searches higher), before the call and before anything is kept.
    ///
    /// OpenZeppelin's forwarder checks after the call instead (`_checkForwardedGas`: a call that ran out leaves a
    /// sixty-fourth of what it was given). A clone keeps a sixty-fourth of its own when its implementation runs out,
    /// and returns it: then the check passed for a call starved of up to about half the request's gas, and anyone
    /// holding a signed request (from the mempool, say) could spend the signer's nonce on a call made to fail.
    function _forward(ForwardRequestData calldata request) private returns (bool success) {
        (address to, address from, uint256 value, uint256 reqGas) = (request.to, request.from, request.value, request.gas);
        bytes calldata data = request.data;
        // What the CALL costs before the 63/64 rule: the target's account, warm since its trust was asked in this
        // transaction (100), and a transfer of coin (9,000) if any; its memory is already paid by the copy. 1,000
        // more for the steps between this check and the call.
        uint256 needed = reqGas + reqGas / 63 + 1_100 + (value == 0 ? 0 : 9_000);
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            calldatacopy(ptr, data.offset, data.length)
            mstore(add(ptr, data.length), shl(96, from))
            if lt(gas(), needed) {
                invalid()
            }
            success := call(reqGas, to, value, ptr, add(data.length, 20), 0, 0)
        }
    }

    /// @dev Whether `target` trusts this forwarder, asked once per transaction: OpenZeppelin's
    /// `_isTrustedByTarget`, its answer kept in transient storage (1 trusted, 2 not).
    function _trustedOnce(address target) private returns (bool trusted) {
        uint256 slot = _TRUST_BASE | uint256(uint160(target));
        uint256 known;
        assembly ("memory-safe") {
            known := tload(slot)
        }
        if (known != 0) return known == 1;
        trusted = _isTrustedByTarget(target);
        assembly ("memory-safe") {
            tstore(slot, sub(2, trusted))
        }
    }
}
