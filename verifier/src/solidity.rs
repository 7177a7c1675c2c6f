//! Solidity verifier generation.
//!
//! snark-verifier's EVM loader replays the SHPLONK verifier symbolically over our verifying key
//! and emits straight-line Yul: one contract per circuit, whose fallback takes
//! `instances || proof` as raw calldata and returns empty data on success or reverts. We then
//! harden what it emits: its scalar loads reduce calldata words modulo r, so `x + r` would verify
//! like `x`; ours reject any word ≥ r instead (public outputs and proof scalars alike), matching
//! the native transcript, which refuses non-canonical scalars.

use crate::error::{Result, VerifierError};
use halo2_proofs::halo2curves::bn256::{Bn256, Fq, Fr, G1Affine};
use halo2_proofs::poly::commitment::ParamsProver;
use snark_verifier::loader::evm::EvmLoader;
use snark_verifier::pcs::kzg::{Bdfg21, KzgAs, KzgDecidingKey};
use snark_verifier::system::halo2::transcript::evm::EvmTranscript;
use snark_verifier::system::halo2::{compile, Config};
use snark_verifier::verifier::plonk::{PlonkProtocol, PlonkVerifier};
use snark_verifier::verifier::SnarkVerifier;
use std::rc::Rc;
use zkinfer_prover::keys::VkBundle;

/// EIP-170: the most code a contract may have once deployed.
pub const EIP170_LIMIT: usize = 24_576;

/// The contract name snark-verifier gives the verifier.
pub const CONTRACT_NAME: &str = "Halo2Verifier";

type Shplonk = PlonkVerifier<KzgAs<Bn256, Bdfg21>>;

/// Renders the Solidity verifier for a verifying key. `header` lines are prepended as comments
/// (model, circuit hash, tool version) so a deployed contract can be traced to its artifacts.
///
/// # Errors
/// [`VerifierError::Generate`] when the key cannot be expressed (a malformed key from disk).
pub fn render(bundle: &VkBundle, header: &[String]) -> Result<String> {
    let code = require_exact_calldata(&hardened_code(bundle, |_| {})?)?;
    Ok(with_header(header, &code))
}

/// `header` lines as comments, then the code.
pub(crate) fn with_header(header: &[String], code: &str) -> String {
    let mut out = String::new();
    for line in header {
        out.push_str("// ");
        out.push_str(line);
        out.push('\n');
    }
    out.push_str(code.trim_start());
    out
}

/// snark-verifier's code for the key, after `edit` has changed the compiled protocol (the
/// reusable verifier swaps the key's values for placeholders), with every scalar load
/// hardened; without the calldata length check.
pub(crate) fn hardened_code(
    bundle: &VkBundle,
    edit: impl FnOnce(&mut PlonkProtocol<G1Affine>),
) -> Result<String> {
    if bundle.vk.get_domain().k() != bundle.plan.k {
        return Err(VerifierError::Generate(format!(
            "the verifying key is for k = {} but its plan says k = {}; the file is corrupt",
            bundle.vk.get_domain().k(),
            bundle.plan.k
        )));
    }
    let n = bundle.plan.instances;
    // snark-verifier asserts on malformed input; keep its panics on our side of the boundary.
    let generated = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let mut protocol =
            compile(&bundle.srs, &bundle.vk, Config::kzg().with_num_instance(vec![n]));
        edit(&mut protocol);
        let g0 = bundle.srs.get_g().first().copied();
        let dk: KzgDecidingKey<Bn256> = (g0?, bundle.srs.g2(), bundle.srs.s_g2()).into();
        let loader = EvmLoader::new::<Fq, Fr>();
        let protocol = protocol.loaded(&loader);
        let mut transcript = EvmTranscript::<_, Rc<EvmLoader>, _, _>::new(&loader);
        let instances = transcript.load_instances(vec![n]);
        let proof = Shplonk::read_proof(&dk, &protocol, &instances, &mut transcript).ok()?;
        Shplonk::verify(&dk, &protocol, &instances, &proof).ok()?;
        Some(loader.solidity_code())
    }))
    .ok()
    .flatten()
    .ok_or_else(|| {
        VerifierError::Generate("snark-verifier could not replay this verifying key".into())
    })?;
    let (code, loads) = reject_unreduced_scalars(&generated);
    if loads < n || code.contains("mod(calldataload(") {
        return Err(VerifierError::Generate(format!(
            "could not harden every scalar load ({loads} rewritten for {n} public instances)"
        )));
    }
    Ok(code)
}

/// Makes the contract refuse calldata longer than `instances || proof`, so a proof has exactly
/// one accepted byte string (as natively), by checking `calldatasize()` before the final revert.
pub(crate) fn require_exact_calldata(code: &str) -> Result<String> {
    const FINAL: &str = "if iszero(success) { revert(0, 0) }";
    let mut end = 0usize;
    map_calldata_offsets(code, |o| {
        end = end.max(o + 32);
        o
    })?;
    if code.matches(FINAL).count() != 1 || end == 0 {
        return Err(VerifierError::Generate("unexpected verifier layout".into()));
    }
    Ok(code.replacen(
        FINAL,
        &format!("success := and(success, eq(calldatasize(), {end:#x}))\n            {FINAL}"),
        1,
    ))
}

/// `code` with every `calldataload(0xNN)` offset replaced by `f(NN)`; any other form of
/// calldata access is an error.
pub(crate) fn map_calldata_offsets(
    code: &str,
    mut f: impl FnMut(usize) -> usize,
) -> Result<String> {
    let mut pieces = code.split("calldataload(");
    let mut out = pieces.next().unwrap_or_default().to_string();
    for piece in pieces {
        let (offset, rest) = piece.split_once(')').unwrap_or((piece, ""));
        let o = offset
            .strip_prefix("0x")
            .and_then(|h| usize::from_str_radix(h, 16).ok())
            .ok_or_else(|| {
                VerifierError::Generate(format!(
                    "unexpected calldata access `calldataload({})`",
                    piece.chars().take(20).collect::<String>()
                ))
            })?;
        out.push_str(&format!("calldataload({:#x}){rest}", f(o)));
    }
    Ok(out)
}

/// Replaces every `mstore(P, mod(calldataload(O), f_q))` with a load that fails verification
/// when the word is not below r. Returns the new code and how many loads were rewritten.
fn reject_unreduced_scalars(code: &str) -> (String, usize) {
    const OPEN: &str = "mstore(";
    const LOAD: &str = ", mod(calldataload(";
    const CLOSE: &str = "), f_q))";
    let mut out = String::with_capacity(code.len() + code.len() / 8);
    let mut count = 0;
    for line in code.split_inclusive('\n') {
        let trimmed = line.trim_start();
        let rewritten = trimmed.strip_prefix(OPEN).and_then(|rest| {
            let (ptr, rest) = rest.split_once(LOAD)?;
            let offset = rest.trim_end().strip_suffix(CLOSE)?;
            let hexy = |s: &str| s.starts_with("0x") && s[2..].chars().all(|c| c.is_ascii_hexdigit());
            (hexy(ptr) && hexy(offset)).then(|| {
                let indent = &line[..line.len() - trimmed.len()];
                format!(
                    "{indent}{{ let v := calldataload({offset}) success := and(success, lt(v, f_q)) mstore({ptr}, v) }}\n"
                )
            })
        });
        match rewritten {
            Some(r) => {
                out.push_str(&r);
                count += 1;
            }
            None => out.push_str(line),
        }
    }
    (out, count)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewrites_reducing_loads_only() {
        let code = "  mstore(0xa0, mod(calldataload(0x20), f_q))\n  mstore(0xc0, mload(0xa0))\n";
        let (out, n) = reject_unreduced_scalars(code);
        assert_eq!(n, 1);
        assert_eq!(
            out,
            "  { let v := calldataload(0x20) success := and(success, lt(v, f_q)) mstore(0xa0, v) }\n  mstore(0xc0, mload(0xa0))\n"
        );
    }
}
