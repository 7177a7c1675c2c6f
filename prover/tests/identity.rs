//! The model identity covers every byte of a verifying-key file: any single changed byte
//! either makes the file unreadable or changes the identity; and the identity a key is written
//! with is the one it reads back with.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod common;

use zkinfer_prover::keys::{parse_vk, vk_file_bytes};
use zkinfer_prover::{circuit_hash, dev_srs, keygen, model_identity};

#[test]
fn every_changed_byte_of_a_verifying_key_is_refused_or_changes_the_identity() {
    let (q, p, _) = common::compiled("mlp");
    let srs = dev_srs(p.k, 7);
    let pk = keygen(&srs, &q, &p).unwrap();
    let bytes =
        vk_file_bytes(pk.get_vk(), &p, &srs, "INSECURE-dev-srs seed=7", circuit_hash(&q, &p))
            .unwrap();
    let honest = parse_vk(&bytes, "vk").unwrap();
    assert_eq!(honest.identity, model_identity(&bytes, &pk.get_vk().transcript_repr()));
    let (mut refused, mut changed) = (0usize, 0usize);
    for at in 0..bytes.len() {
        for flip in [0x01u8, 0x80] {
            let mut edited = bytes.clone();
            edited[at] ^= flip;
            match parse_vk(&edited, "edited vk") {
                Err(_) => refused += 1,
                Ok(b) => {
                    assert_ne!(
                        b.identity, honest.identity,
                        "byte {at} ^ {flip:#04x} loaded with the honest identity"
                    );
                    changed += 1;
                }
            }
        }
    }
    // Truncated and extended files are refused.
    for cut in [1, 32, bytes.len() / 2] {
        assert!(parse_vk(&bytes[..bytes.len() - cut], "cut").is_err(), "cut {cut} bytes");
    }
    let mut longer = bytes.clone();
    longer.push(0);
    assert!(parse_vk(&longer, "longer").is_err(), "a trailing byte was accepted");
    eprintln!(
        "verifying key of {} bytes: {} single-byte edits refused, {} loaded with another identity",
        bytes.len(),
        refused,
        changed
    );
    assert!(refused > 0 && changed > 0);
}
