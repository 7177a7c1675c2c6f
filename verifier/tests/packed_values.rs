//! The example reader of packed values (examples/evm/PackedValues.sol) on revm: it decodes
//! exactly what `zkinfer_circuits::packing::pack` wrote, at every digit width, extremes
//! included, from a group that starts after other instances.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use halo2_proofs::halo2curves::bn256::Fr;
use sha3::{Digest, Keccak256};
use std::path::Path;
use zkinfer_circuits::packing::{offset, pack};
use zkinfer_verifier::evm::Chain;
use zkinfer_verifier::solc::Compiler;

/// A 32-byte ABI word holding `v`.
fn word(v: usize) -> [u8; 32] {
    let mut w = [0u8; 32];
    w[24..].copy_from_slice(&(v as u64).to_be_bytes());
    w
}

/// `values(uint256[],uint256,uint256,uint256)` calldata.
fn values_call(instances: &[Fr], first: usize, bits: u32, n: usize) -> Vec<u8> {
    let mut data = Keccak256::digest(b"values(uint256[],uint256,uint256,uint256)")[..4].to_vec();
    for w in [0x80, first, bits as usize, n, instances.len()] {
        data.extend(word(w));
    }
    data.extend(zkinfer_verifier::calldata::encode(instances, &[]));
    data
}

/// The `int256[]` a call returned, as integers.
fn decode(out: &[u8]) -> Vec<i128> {
    let n = u64::from_be_bytes(out[56..64].try_into().unwrap()) as usize;
    (0..n)
        .map(|i| {
            let w = &out[64 + 32 * i..96 + 32 * i];
            let low = i128::from_be_bytes(w[16..].try_into().unwrap());
            assert!(w[..16].iter().all(|&b| b == if low < 0 { 0xff } else { 0 }), "not an i128");
            low
        })
        .collect()
}

#[test]
#[ignore = "full tier: compiles Solidity with the pinned solc (npm); run scripts/test.sh"]
fn the_example_reader_decodes_every_packed_value() {
    let source = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/evm/PackedValues.sol"),
    )
    .unwrap();
    let reader = Compiler::locate().unwrap().compile(&source, "PackedValuesReader").unwrap();
    let mut chain = Chain::new(true);
    let at = chain.deploy(&reader.creation).unwrap().address;
    for bits in [2u32, 7, 17, 33, 63, 64] {
        let o = offset(bits);
        let n = 40;
        let values: Vec<i128> = (0..n)
            .map(|i: i128| [-o, o - 1, 0, -1, 1][(i % 5) as usize] + (i % 3) * (i % 5 - 2).signum())
            .collect();
        let values: Vec<i128> = values.into_iter().map(|v| v.clamp(-o, o - 1)).collect();
        // Two unrelated instances first, as a group of outputs follows the inputs' words.
        let mut instances = vec![Fr::from(5u64), -Fr::from(1u64)];
        instances.extend(pack(&values, bits).unwrap());
        let out = chain.call(at, &values_call(&instances, 2, bits, n as usize)).unwrap();
        assert!(out.success, "bits {bits}: {out:?}");
        assert_eq!(decode(&out.output), values, "bits {bits}");
    }
}
