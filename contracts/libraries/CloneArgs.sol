// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title CloneArgs
/// @notice Reads the immutable arguments of the running clone (OpenZeppelin's {Clones-cloneWithImmutableArgs}, the
/// arguments `abi.encode`d by the factory after the proxy's 0x2d bytes of code) a word at a time: one EXTCODECOPY
/// of the words wanted, where {Clones-fetchCloneArgs} and `abi.decode` copy and check them all (about 2,600 gas
/// for a sale's twelve words, on every purchase).
/// @dev Only for arguments this project's own factories encoded (static words, so nothing to check). The caller
/// makes sure it runs in a clone: on an implementation there are no arguments, and its code is read instead.
library CloneArgs {
    /// @dev Where the arguments begin in a clone's code.
    uint256 private constant _OFFSET = 0x2d;

    /// @notice The argument at `index` (0 first), as an address.
    function addressAt(uint256 index) internal view returns (address value) {
        assembly ("memory-safe") {
            extcodecopy(address(), 0x00, add(_OFFSET, shl(5, index)), 0x20)
            value := mload(0x00)
        }
    }

    /// @notice `count` words from argument `index` on, copied to fresh memory: a struct of static fields the
    /// factory encoded, laid out as `abi.encode` laid it out.
    function copy(uint256 index, uint256 count) internal view returns (uint256 at) {
        assembly ("memory-safe") {
            at := mload(0x40)
            let size := shl(5, count)
            extcodecopy(address(), at, add(_OFFSET, shl(5, index)), size)
            mstore(0x40, add(at, size))
        }
    }
}
