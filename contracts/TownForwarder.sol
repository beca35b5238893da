// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC2771Forwarder} from "@openzeppelin/contracts/metatx/ERC2771Forwarder.sol";
import {Address} from "@openzeppelin/contracts/utils/Address.sol";

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
/// A relayer sends members' requests many at a time, and the town pays for each: {execute} and {executeBatch} run
/// every request through one function, {_run}, which reads the request's fields from calldata once each and
/// builds its hash, its signer and its call in memory past the free-memory pointer (not kept, so a batch does not
/// grow its memory request by request). What differs from OpenZeppelin's, and why it is the same:
/// - The request's fields are read with the checks Solidity's decoder makes (an address or a deadline with dirty
///   high bits, or `data` or `signature` pointing outside the calldata, reverts the transaction without data, as
///   the decoder does), and hashed as OpenZeppelin's `_recoverForwardRequestSigner` hashes them (the same EIP-712
///   type, the signer's current nonce). The signature is checked as `ECDSA.tryRecoverCalldata` checks it: 65 bytes,
///   an `s` in the lower half of the curve's order, a signer other than zero. The call carries the same bytes: the
///   request's data with its signer appended. `verify` is OpenZeppelin's, unchanged, and agrees with {_run}
///   (tests/contracts/test_forwarder.py sends the same batches through both forwarders).
/// - The EIP-712 domain separator is computed once per `execute` or `executeBatch`, not once per request.
/// - A target's answer to `isTrustedForwarder(this)` is asked once per transaction and kept in transient storage
///   (EIP-1153), not asked again for every request of a batch. Every town contract names its forwarder when it is
///   made and never changes it. A target that changed its answer within one transaction would be called as by the
///   forwarder, with the coin its signer signed for it and nothing more (the coin of a batch's other requests is
///   theirs by their signatures); the forwarder holds no role and no allowance. `verify` asks afresh, as
///   OpenZeppelin's does.
/// - A request skipped in a batch with a refund receiver (its target does not trust this forwarder, or its
///   deadline has passed) is skipped without its signature being checked: OpenZeppelin's checks it and skips it
///   all the same.
/// - The request's gas is checked before the call, not after it: a call is never made with less (see {_run}).
contract TownForwarder is ERC2771Forwarder {
    /// @dev The transient slots of the targets' answers: this constant (a hash's top 96 bits) or'ed with the
    /// target's address. Nothing else of this contract is transient.
    uint256 private constant _TRUST_BASE = (uint256(keccak256("ost.TownForwarder.trustedBy")) >> 160) << 160;

    /// @dev The largest `s` of a signature ECDSA accepts (half the order of secp256k1).
    uint256 private constant _HALF_ORDER = 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0;

    /// @param name The forwarder's EIP-712 domain name.
    constructor(string memory name) ERC2771Forwarder(name) {}

    /// @dev OpenZeppelin's {ERC2771Forwarder-executeBatch}, its checks and refund unchanged, each request run by
    /// {_run} with the domain separator computed once.
    function executeBatch(
        ForwardRequestData[] calldata requests,
        address payable refundReceiver
    ) public payable override {
        bool requireValidRequests = refundReceiver == address(0);
        bytes32 domain = _domainSeparatorV4();
        uint256 requestsValue;
        uint256 refundValue;
        uint256 count = requests.length;
        for (uint256 i; i < count; ) {
            uint256 request;
            uint256 value;
            // `requests[i]`, with the check the decoder makes: its head lies within the calldata.
            assembly ("memory-safe") {
                let relative := calldataload(add(requests.offset, shl(5, i)))
                if iszero(slt(relative, sub(sub(calldatasize(), requests.offset), 0xdf))) {
                    revert(0, 0)
                }
                request := add(requests.offset, relative)
                value := calldataload(add(request, 0x40))
            }
            requestsValue += value;
            if (!_run(request, requireValidRequests, domain)) refundValue += value;
            unchecked {
                ++i;
            }
        }
        // The batch should revert if there's a mismatched msg.value provided to avoid request value tampering.
        if (requestsValue != msg.value) revert ERC2771ForwarderMismatchedValue(requestsValue, msg.value);
        // Some requests with value were invalid (possibly due to front-running): their value is refunded.
        if (refundValue != 0) {
            if (requireValidRequests) revert ERC2771ForwarderNoRefundReceiver();
            Address.sendValue(refundReceiver, refundValue);
        }
    }

    /// @dev {execute}'s request, run by {_run}.
    function _execute(
        ForwardRequestData calldata request,
        bool requireValidRequest
    ) internal override returns (bool success) {
        uint256 at;
        assembly ("memory-safe") {
            at := request
        }
        return _run(at, requireValidRequest, _domainSeparatorV4());
    }

    /// @dev OpenZeppelin's {ERC2771Forwarder-_execute} for the request whose head is at calldata offset `request`:
    /// the same checks, the same reverts in the same order when `requireValid`, the nonce used before the call, the
    /// same event. `domain` is this forwarder's EIP-712 domain separator. Memory past the free-memory pointer holds
    /// the request's hash, then its signature's check, then its call; none of it is kept.
    function _run(uint256 request, bool requireValid, bytes32 domain) private returns (bool success) {
        address from;
        address to;
        uint48 deadline;
        uint256 data;
        uint256 dataLength;
        // The request's fields, checked as Solidity's decoder checks them: addresses and the deadline have no dirty
        // high bits, and `data` (at 0xa0) and `signature` (at 0xc0) lie within the calldata.
        assembly ("memory-safe") {
            from := calldataload(request)
            to := calldataload(add(request, 0x20))
            deadline := calldataload(add(request, 0x80))
            if or(or(shr(160, from), shr(160, to)), shr(48, deadline)) {
                revert(0, 0)
            }
            let room := sub(sub(calldatasize(), request), 0x1f)
            let dataAt := calldataload(add(request, 0xa0))
            let signatureAt := calldataload(add(request, 0xc0))
            if iszero(and(slt(dataAt, room), slt(signatureAt, room))) {
                revert(0, 0)
            }
            dataAt := add(request, dataAt)
            dataLength := calldataload(dataAt)
            data := add(dataAt, 0x20)
            signatureAt := add(request, signatureAt)
            let signatureLength := calldataload(signatureAt)
            let signature := add(signatureAt, 0x20)
            if or(
                or(gt(dataLength, 0xffffffffffffffff), sgt(data, sub(calldatasize(), dataLength))),
                or(gt(signatureLength, 0xffffffffffffffff), sgt(signature, sub(calldatasize(), signatureLength)))
            ) {
                revert(0, 0)
            }
        }
        if (!_trustedOnce(to)) {
            if (requireValid) revert ERC2771UntrustfulTarget(to, address(this));
            return false;
        }
        if (deadline < block.timestamp) {
            if (requireValid) revert ERC2771ForwarderExpiredRequest(deadline);
            return false;
        }
        // Who signed it (OpenZeppelin's `_recoverForwardRequestSigner` and `ECDSA.tryRecoverCalldata`): zero for a
        // signature ECDSA refuses (not 65 bytes, an `s` in the upper half of the curve's order, or one ecrecover
        // refuses), and zero is nobody's: a request "from" zero is never valid.
        address signer;
        {
            bytes32 typehash = FORWARD_REQUEST_TYPEHASH;
            uint256 nonce = nonces(from);
            assembly ("memory-safe") {
                let signature := add(request, calldataload(add(request, 0xc0)))
                if eq(calldataload(signature), 65) {
                    signature := add(signature, 0x20)
                    let ptr := mload(0x40)
                    // abi.encode(FORWARD_REQUEST_TYPEHASH, from, to, value, gas, nonce, deadline, keccak256(data)),
                    // the data hashed first where its word goes.
                    calldatacopy(ptr, data, dataLength)
                    mstore(add(ptr, 0xe0), keccak256(ptr, dataLength))
                    mstore(ptr, typehash)
                    mstore(add(ptr, 0x20), from)
                    mstore(add(ptr, 0x40), to)
                    mstore(add(ptr, 0x60), calldataload(add(request, 0x40)))
                    mstore(add(ptr, 0x80), calldataload(add(request, 0x60)))
                    mstore(add(ptr, 0xa0), nonce)
                    mstore(add(ptr, 0xc0), deadline)
                    let structHash := keccak256(ptr, 0x100)
                    // The EIP-712 digest: "\x19\x01" ‖ domain ‖ structHash (MessageHashUtils.toTypedDataHash).
                    mstore(ptr, hex"1901")
                    mstore(add(ptr, 0x02), domain)
                    mstore(add(ptr, 0x22), structHash)
                    let digest := keccak256(ptr, 0x42)
                    let s := calldataload(add(signature, 0x20))
                    if iszero(gt(s, _HALF_ORDER)) {
                        mstore(ptr, digest)
                        mstore(add(ptr, 0x20), byte(0, calldataload(add(signature, 0x40))))
                        mstore(add(ptr, 0x40), calldataload(signature))
                        mstore(add(ptr, 0x60), s)
                        mstore(0x00, 0) // ecrecover writes nothing for a signature it refuses: then zero
                        pop(staticcall(gas(), 0x01, ptr, 0x80, 0x00, 0x20))
                        signer := mload(0x00)
                    }
                }
            }
        }
        if (signer != from || signer == address(0)) {
            if (requireValid) revert ERC2771ForwarderInvalidSigner(signer, from);
            return false;
        }
        // The nonce is used before the call, so that the call cannot use it again by re-entering.
        uint256 used = _useNonce(from);
        // The call: the request's data with its signer appended (ERC-2771), with the request's gas and value, and
        // never with less. If what is left could not give the call all of the request's gas (after the call's own
        // costs and the 63/64 rule of EIP-150), the whole transaction ends with all its gas, as an out-of-gas does
        // (so an estimate searches higher), before the call and before anything is kept. What the call costs
        // before the 63/64 rule: the target's account, warm since its trust was asked in this transaction (100),
        // and a transfer of coin (9,000) if any; its memory is already paid by the signature's check. 1,000 more
        // for the steps between the check and the call. A request's gas above 2**64 is more than any block holds.
        //
        // OpenZeppelin's forwarder checks after the call instead (`_checkForwardedGas`: a call that ran out leaves
        // a sixty-fourth of what it was given). A clone keeps a sixty-fourth of its own when its implementation
        // runs out, and returns it: then the check passed for a call starved of up to about half the request's
        // gas, and anyone holding a signed request (from the mempool, say) could spend the signer's nonce on a
        // call made to fail.
        assembly ("memory-safe") {
            let value := calldataload(add(request, 0x40))
            let reqGas := calldataload(add(request, 0x60))
            let needed := add(add(reqGas, div(reqGas, 63)), add(1100, mul(iszero(iszero(value)), 9000)))
            let ptr := mload(0x40)
            calldatacopy(ptr, data, dataLength)
            mstore(add(ptr, dataLength), shl(96, from))
            if or(gt(reqGas, 0xffffffffffffffff), lt(gas(), needed)) {
                invalid()
            }
            success := call(reqGas, to, value, ptr, add(dataLength, 20), 0, 0)
        }
        emit ExecutedForwardRequest(from, used, success);
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
