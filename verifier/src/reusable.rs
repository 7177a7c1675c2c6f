//! A verifier reused by every verifying key of one circuit layout, with each key in a small
//! contract of its own.
//!
//! snark-verifier's code depends on a verifying key in two ways: its constraint system
//! (gates, lookups, permutation, queries; in zkinfer a function of the plan's column shape, k
//! and instance count) and its values: the commitments to the fixed and permutation columns and
//! the transcript's initial state, a digest of the whole key. The reusable verifier keeps the
//! first as code and reads the second from a *verifying-key contract* whose code is those
//! values, named in the call: calldata = `vk_address || instances || proof`. So a new version
//! of a model with the same layout (retrained weights: same architecture, same calibration)
//! needs only a new key contract of a few KB, not a new verifier.
//!
//! The code is generated from a protocol whose values are placeholders (distinct curve points
//! and a distinct scalar), each found exactly once in the code and replaced by a load from the
//! copied key. A key contract starts with the layout's identifier (a digest of the verifier's
//! code), which the verifier checks, so a key of another layout is refused. The verifier proves
//! a statement relative to whatever key it is given: a consumer contract must pin the key
//! contract it trusts, as it would pin a plain verifier.

use crate::error::{Result, VerifierError};
use crate::solidity::{hardened_code, map_calldata_offsets, require_exact_calldata, with_header};
use halo2_proofs::halo2curves::bn256::{Fr, G1Affine};
use halo2_proofs::halo2curves::ff::PrimeField;
use halo2_proofs::halo2curves::group::Curve;
use halo2_proofs::halo2curves::{Coordinates, CurveAffine};
use sha2::{Digest, Sha256};
use snark_verifier::system::halo2::{compile, Config};
use zkinfer_prover::keys::VkBundle;

/// The reusable verifier's contract name.
pub const VERIFIER_NAME: &str = "Halo2ReusableVerifier";
/// Opens the comment of the key-loading block, in a single reusable verifier and in the first
/// part of a split one: how a source file says it needs a key contract.
pub const KEY_PROLOGUE: &str = "The verifying key: a contract";
/// A verifying-key contract's name.
pub const KEY_NAME: &str = "Halo2VerifyingKey";

/// Scalars behind the placeholder points: point `i` is `(PLACEHOLDER_BASE + i)·G`.
const PLACEHOLDER_BASE: u64 = 0x7a6b_696e_6665_7200;
/// The placeholder transcript state; printed in decimal by snark-verifier.
const PLACEHOLDER_STATE: u64 = 0x5eed_0f7a_6b69_6e66;
/// Distance between the highest address the verifier names and the copied key.
const KEY_MARGIN: u64 = 0x1000;

/// The reusable verifier of a layout.
#[derive(Clone, Debug)]
pub struct ReusableVerifier {
    /// Solidity source of [`VERIFIER_NAME`].
    pub source: String,
    /// The layout's identifier, the first word of every key contract it accepts.
    pub layout: [u8; 32],
    /// Words of a key: the identifier, the transcript state, then x and y of each point.
    pub key_words: usize,
}

/// The values of a key, in the order the verifier reads them.
fn key_values(bundle: &VkBundle) -> Result<(Fr, Vec<G1Affine>)> {
    let n = bundle.plan.instances;
    let protocol = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        compile(&bundle.srs, &bundle.vk, Config::kzg().with_num_instance(vec![n]))
    }))
    .map_err(|_| VerifierError::Generate("snark-verifier could not compile this key".into()))?;
    let state = protocol
        .transcript_initial_state
        .ok_or_else(|| VerifierError::Generate("the key has no transcript state".into()))?;
    Ok((state, protocol.preprocessed))
}

/// Big-endian bytes of a field element's canonical value.
fn be(repr: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    for (o, b) in out.iter_mut().zip(repr.iter().rev()) {
        *o = *b;
    }
    out
}

/// x and y of a point; the identity (the commitment to an all-zero column) is `(0, 0)`, as
/// the EVM's curve precompiles take it.
fn point_words(p: &G1Affine) -> [[u8; 32]; 2] {
    Option::<_>::from(p.coordinates()).map_or([[0; 32]; 2], |c: Coordinates<G1Affine>| {
        [be(c.x().to_repr().as_ref()), be(c.y().to_repr().as_ref())]
    })
}

fn hex_word(w: &[u8; 32]) -> String {
    crate::hex::encode_0x(w)
}

/// Renders the reusable verifier for `bundle`'s layout (any key of that layout gives the same
/// contract).
///
/// # Errors
/// [`VerifierError::Generate`] when a placeholder cannot be found exactly once in the code.
pub fn render_verifier(bundle: &VkBundle, header: &[String]) -> Result<ReusableVerifier> {
    let mut placeholders = Vec::new();
    let generated = hardened_code(bundle, |p| {
        placeholders = (0..p.preprocessed.len() as u64)
            .map(|i| (G1Affine::generator() * Fr::from(PLACEHOLDER_BASE + i)).to_affine())
            .collect();
        p.preprocessed.clone_from(&placeholders);
        p.transcript_initial_state = Some(Fr::from(PLACEHOLDER_STATE));
    })?;
    // Room for the key contract's address in front of `instances || proof`.
    let code = map_calldata_offsets(&generated, |o| o + 0x20)?;
    let base = crate::split::highest_address(&code) + KEY_MARGIN;
    let mut code =
        replace_once(&code, &PLACEHOLDER_STATE.to_string(), &format!("mload({:#x})", base + 0x20))?;
    for (i, p) in placeholders.iter().enumerate() {
        for (j, w) in point_words(p).iter().enumerate() {
            let at = base + 0x40 + 0x40 * i as u64 + 0x20 * j as u64;
            code = replace_once(&code, &hex_word(w), &format!("mload({at:#x})"))?;
        }
    }
    let key_words = 2 + 2 * placeholders.len();
    let layout: [u8; 32] = Sha256::digest(code.as_bytes()).into();
    let len = 0x20 * key_words;
    // A block, so `vk` is not a top-level variable and a split verifier can cut around it.
    let prologue = format!(
        "            {{\n\
         \x20           // {KEY_PROLOGUE} whose code is 0x00 || key words, named by\n\
         \x20           // the first calldata word; its first word must be this layout's identifier,\n\
         \x20           // and its leading byte STOP, so the key is inert data, never code.\n\
         \x20           let vk := calldataload(0x0)\n\
         \x20           success := and(success, lt(vk, shl(160, 1)))\n\
         \x20           success := and(success, eq(extcodesize(vk), {size:#x}))\n\
         \x20           extcodecopy(vk, {lead:#x}, 0, 1)\n\
         \x20           success := and(success, iszero(byte(0, mload({lead:#x}))))\n\
         \x20           extcodecopy(vk, {base:#x}, 1, {len:#x})\n\
         \x20           success := and(success, eq(mload({base:#x}), {id}))\n\
         \x20           }}\n",
        size = len + 1,
        lead = base - 0x20,
        id = hex_word(&layout),
    );
    let first = code
        .find("{ let v := calldataload(")
        .ok_or_else(|| VerifierError::Generate("no instance load in the verifier".into()))?;
    let line = code[..first].rfind('\n').map_or(0, |i| i + 1);
    code.insert_str(line, &prologue);
    let code = require_exact_calldata(&code)?.replacen(
        "contract Halo2Verifier ",
        &format!("contract {VERIFIER_NAME} "),
        1,
    );
    if !code.contains(&format!("contract {VERIFIER_NAME} ")) {
        return Err(VerifierError::Generate("unexpected contract name".into()));
    }
    Ok(ReusableVerifier { source: with_header(header, &code), layout, key_words })
}

impl ReusableVerifier {
    /// Solidity source of `bundle`'s key contract for this verifier, its header naming the
    /// layout.
    ///
    /// # Errors
    /// [`VerifierError::Generate`] when the key cannot be compiled.
    pub fn key_contract(&self, bundle: &VkBundle, header: &[String]) -> Result<String> {
        let mut header = header.to_vec();
        header.push(format!(
            "verifying key for {VERIFIER_NAME} layout {}",
            zkinfer_prover::artifact::hex(&self.layout)
        ));
        Ok(render_key(&key_words(bundle, &self.layout)?, &header))
    }

    /// Deployed size of a key contract: the leading STOP and the words.
    #[must_use]
    pub fn key_bytes(&self) -> usize {
        1 + 32 * self.key_words
    }
}

/// The key words of `bundle` for the verifier of `layout`.
///
/// # Errors
/// [`VerifierError::Generate`] when the key cannot be compiled.
pub fn key_words(bundle: &VkBundle, layout: &[u8; 32]) -> Result<Vec<[u8; 32]>> {
    let (state, points) = key_values(bundle)?;
    let mut words = vec![*layout, be(state.to_repr().as_ref())];
    for p in &points {
        words.extend(point_words(p));
    }
    Ok(words)
}

/// Solidity source of a key contract: its constructor returns `0x00 || words` as the code
/// (the leading STOP makes calling it a no-op).
#[must_use]
pub fn render_key(words: &[[u8; 32]], header: &[String]) -> String {
    let mut body = String::from("            mstore8(0, 0)\n");
    for (i, w) in words.iter().enumerate() {
        body.push_str(&format!("            mstore({:#x}, {})\n", 1 + 0x20 * i, hex_word(w)));
    }
    let code = format!(
        "// SPDX-License-Identifier: MIT\n\npragma solidity 0.8.19;\n\n\
         /// A verifying key for `{VERIFIER_NAME}`: its deployed code is the key (pass this \
         contract's address as the verifier's first calldata word).\n\
         contract {KEY_NAME} {{\n    constructor() {{\n        assembly {{\n{body}            \
         return(0, {:#x})\n        }}\n    }}\n}}\n",
        1 + 0x20 * words.len()
    );
    with_header(header, &code)
}

/// `code` with the one occurrence of `needle` (a whole literal) replaced.
fn replace_once(code: &str, needle: &str, with: &str) -> Result<String> {
    let is_word = |c: char| c.is_ascii_alphanumeric();
    let hits: Vec<usize> = code
        .match_indices(needle)
        .map(|(i, _)| i)
        .filter(|&i| {
            !code[..i].ends_with(is_word) && !code[i + needle.len()..].starts_with(is_word)
        })
        .collect();
    match hits.as_slice() {
        [at] => Ok(format!("{}{with}{}", &code[..*at], &code[at + needle.len()..])),
        _ => Err(VerifierError::Generate(format!(
            "a verifying-key value was found {} times in the generated code, expected once",
            hits.len()
        ))),
    }
}

/// `address || calldata`: what the reusable verifier takes.
#[must_use]
pub fn with_key(key: [u8; 20], calldata: &[u8]) -> Vec<u8> {
    let mut out = vec![0u8; 12];
    out.extend_from_slice(&key);
    out.extend_from_slice(calldata);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_are_replaced_whole_and_once() {
        assert_eq!(replace_once("mstore(0x80, 12)", "12", "x").unwrap(), "mstore(0x80, x)");
        assert!(replace_once("a 12 b 12", "12", "x").is_err());
        assert!(replace_once("a 123", "12", "x").is_err());
        let shifted =
            map_calldata_offsets("calldataload(0x0) calldataload(0x40)", |o| o + 0x20).unwrap();
        assert_eq!(shifted, "calldataload(0x20) calldataload(0x60)");
    }
}
