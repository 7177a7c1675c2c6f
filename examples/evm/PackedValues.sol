// SPDX-License-Identifier: MIT
pragma solidity 0.8.19;

/// Reads the values of a zkinfer proof whose inputs or outputs are packed
/// (`zkinfer calibrate --output-visibility packed`). A packed group's values, in order, are
/// digits of `bits` bits (the proof file's `packed_bits`), each the value plus 2^(bits-1),
/// `248 / bits` to an instance, little-endian. The verifier has checked the instances; this
/// only reads them. Take a group's value count from its tensor shapes: the unused digits of
/// the last word read as -2^(bits-1).
library PackedValues {
    /// Value `i` of the group whose words start at `instances[first]`: an integer at the
    /// tensor's fixed-point scale (real value = integer / 2^scale).
    function valueAt(uint256[] calldata instances, uint256 first, uint256 bits, uint256 i)
        internal
        pure
        returns (int256)
    {
        require(bits >= 2 && bits <= 64, "PackedValues: bits");
        uint256 perWord = 248 / bits;
        uint256 word = instances[first + i / perWord];
        uint256 digit = (word >> (bits * (i % perWord))) & ((uint256(1) << bits) - 1);
        return int256(digit) - int256(uint256(1) << (bits - 1));
    }
}

/// Exposes the library (tests, off-chain reads).
contract PackedValuesReader {
    /// The first `n` values of the group whose words start at `instances[first]`.
    function values(uint256[] calldata instances, uint256 first, uint256 bits, uint256 n)
        external
        pure
        returns (int256[] memory out)
    {
        out = new int256[](n);
        for (uint256 i = 0; i < n; i++) {
            out[i] = PackedValues.valueAt(instances, first, bits, i);
        }
    }
}
