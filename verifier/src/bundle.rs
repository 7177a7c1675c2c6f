//! The on-chain verifier of a bundle (a model proven in parts, see `zkinfer::bundle`): one
//! contract that, in one call, checks that the instance words each part hands on (a digest, or
//! the values of a public or packed link) are those the next part receives and calls each
//! part's verifier with its calldata.
//!
//! Its calldata is, for each part in order, a 32-byte big-endian length and then that part's
//! verifier calldata (`instances || proof`). The part verifiers' addresses are fixed when the
//! contract is deployed (constructor arguments, in order), so the contract is as strong as the
//! keys those verifiers embed: a relying contract pins its address. The fallback is its only
//! entry point (no public getters, whose selectors would answer a call with success).
//! Instance words are compared raw (one word) or by keccak256 (several); each part's verifier
//! refuses words ≥ r, so equal words are equal field elements.

use crate::error::{Result, VerifierError};
use std::fmt::Write as _;

/// The bundle verifier's contract name.
pub const BUNDLE_CONTRACT: &str = "ZkinferBundleVerifier";

/// What the bundle contract needs of one part: which of its instances hold what it receives
/// and what it hands on (see `Interface::instance_ranges`) and how many instances it has.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartLink {
    /// Public instances of the part's circuit.
    pub instances: usize,
    /// The instances of what the part receives (all parts but the first): one digest for a
    /// hashed link, the values or their packed words for a public or packed one.
    pub input: std::ops::Range<usize>,
    /// The instances of what it hands on (all parts but the last).
    pub output: std::ops::Range<usize>,
}

/// Renders the bundle verifier for parts linked as `parts` says, with the bundle identity
/// (hex) as a constant and `header` lines as comments.
///
/// # Errors
/// [`VerifierError::Generate`] for fewer than two parts, a part that does not publish the
/// digest its link needs, or a digest position past its instances.
pub fn render_bundle(parts: &[PartLink], identity: &str, header: &[String]) -> Result<String> {
    let bad = |m: String| VerifierError::Generate(format!("bundle verifier: {m}"));
    if parts.len() < 2 {
        return Err(bad(format!("{} part(s): a bundle has at least two", parts.len())));
    }
    if identity.len() != 64 || !identity.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(bad(format!("'{identity}' is not a 32-byte hex identity")));
    }
    let n = parts.len();
    for (i, p) in parts.iter().enumerate() {
        let needs = [(i > 0, &p.input, "receives"), (i + 1 < n, &p.output, "hands on")];
        for (needed, words, what) in needs {
            if needed && words.is_empty() {
                return Err(bad(format!(
                    "part {} publishes nothing of what it {what}, so it cannot be linked",
                    i + 1
                )));
            }
            if words.end > p.instances {
                return Err(bad(format!(
                    "part {}'s words of what it {what} ({}..{}) run past its {} instances",
                    i + 1,
                    words.start,
                    words.end,
                    p.instances
                )));
            }
        }
    }
    for (i, pair) in parts.windows(2).enumerate() {
        if pair[0].output.len() != pair[1].input.len() {
            return Err(bad(format!(
                "part {} hands on {} instance words, part {} receives {}: cut with other link \
                 settings",
                i + 1,
                pair[0].output.len(),
                i + 2,
                pair[1].input.len()
            )));
        }
    }
    let mut s = String::new();
    for line in header {
        let _ = writeln!(s, "// {line}");
    }
    let _ = write!(
        s,
        "pragma solidity 0.8.19;

/// Verifies a zkinfer bundle of {n} parts in one call: each part's proof with its verifier and
/// each link (the instance words part i hands on are those part i+1 receives: one digest, or
/// the values themselves for a public or packed link). Calldata: for each part, a
/// 32-byte length and that part's `instances || proof`. Returns empty data or reverts with
/// PartRejected(part) or BrokenLink(from, to), parts counted from 1.
contract {BUNDLE_CONTRACT} {{
    // SHA-256 over the parts' model identities, as `zkinfer verify --bundle` reports it. No
    // state is public: a call whose first four bytes matched a getter's selector would return
    // success without reaching the checks below.
    bytes32 internal constant BUNDLE_IDENTITY = 0x{identity};
"
    );
    for i in 0..n {
        let _ = writeln!(s, "    address internal immutable part{i};");
    }
    let _ = write!(
        s,
        "
    error PartRejected(uint256 part);
    error BrokenLink(uint256 from, uint256 to);
    error Malformed();
    error NoVerifierAt(uint256 part);

    /// The part verifiers' addresses, first part first. A call to an address without code
    /// succeeds, so each must hold a contract.
    constructor(address[{n}] memory parts) {{
        for (uint256 i = 0; i < {n}; i++) {{
            if (parts[i].code.length == 0) revert NoVerifierAt(i + 1);
        }}
"
    );
    for i in 0..n {
        let _ = writeln!(s, "        part{i} = parts[{i}];");
    }
    s.push_str(
        "    }

    fallback(bytes calldata input) external returns (bytes memory) {
        uint256 at = 0;
        bytes calldata c;
        bytes32 handed;
",
    );
    for (i, p) in parts.iter().enumerate() {
        let _ = writeln!(s, "        (c, at) = next(input, at, {});", p.instances);
        if i > 0 {
            let _ = writeln!(
                s,
                "        if (words(c, {}, {}) != handed) revert BrokenLink({}, {});",
                p.input.start,
                p.input.end,
                i,
                i + 1
            );
        }
        let _ = writeln!(s, "        check(part{i}, c, {});", i + 1);
        if i + 1 < n {
            let _ = writeln!(s, "        handed = words(c, {}, {});", p.output.start, p.output.end);
        }
    }
    s.push_str(
        "        if (at != input.length) revert Malformed();
        return \"\";
    }

    /// The next part's calldata, which must hold at least its instances.
    function next(bytes calldata input, uint256 at, uint256 instances)
        private pure returns (bytes calldata, uint256)
    {
        if (input.length < at + 32) revert Malformed();
        uint256 len = uint256(bytes32(input[at:at + 32]));
        if (len > input.length - at - 32 || len < 32 * instances) revert Malformed();
        return (input[at + 32:at + 32 + len], at + 32 + len);
    }

    /// The instance words [from, to) of a part: the word itself for one, else their keccak256
    /// (equal hashes of equally long ranges are equal words).
    function words(bytes calldata c, uint256 from, uint256 to) private pure returns (bytes32) {
        if (to == from + 1) return bytes32(c[32 * from:32 * from + 32]);
        return keccak256(c[32 * from:32 * to]);
    }

    function check(address verifier, bytes calldata c, uint256 part) private view {
        (bool ok, ) = verifier.staticcall(c);
        if (!ok) revert PartRejected(part);
    }
}
",
    );
    Ok(s)
}

/// Calldata for the bundle verifier: each part's calldata behind its length.
#[must_use]
pub fn bundle_calldata(parts: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::new();
    for p in parts {
        let mut len = [0u8; 32];
        len[24..].copy_from_slice(&u64::try_from(p.len()).unwrap_or(u64::MAX).to_be_bytes());
        out.extend_from_slice(&len);
        out.extend_from_slice(p);
    }
    out
}

/// The part (from 1) or link a bundle verifier's revert data names, in words.
#[must_use]
pub fn revert_reason(output: &[u8]) -> String {
    let word = |i: usize| -> Option<u64> {
        let w = output.get(4 + 32 * i..4 + 32 * (i + 1))?;
        let mut b = [0u8; 8];
        b.copy_from_slice(&w[24..]);
        Some(u64::from_be_bytes(b))
    };
    let selector = output.get(..4);
    let is = |sig: &str| selector == Some(&selector_of(sig)[..]);
    if is("PartRejected(uint256)") {
        if let Some(p) = word(0) {
            return format!("part {p} rejected");
        }
    }
    if is("BrokenLink(uint256,uint256)") {
        if let (Some(a), Some(b)) = (word(0), word(1)) {
            return format!("link part {a} → part {b} broken");
        }
    }
    if is("Malformed()") {
        return "malformed calldata".into();
    }
    format!("reverted ({} bytes of revert data)", output.len())
}

/// The 4-byte selector of a Solidity error or function signature.
fn selector_of(signature: &str) -> [u8; 4] {
    let h = revm::primitives::keccak256(signature.as_bytes());
    [h[0], h[1], h[2], h[3]]
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn link(
        instances: usize,
        input: std::ops::Range<usize>,
        output: std::ops::Range<usize>,
    ) -> PartLink {
        PartLink { instances, input, output }
    }

    #[test]
    fn parts_that_cannot_be_linked_are_refused() {
        let id = "ab".repeat(32);
        let ok = [link(3, 0..0, 2..3), link(2, 0..1, 1..1)];
        let source = render_bundle(&ok, &id, &["zkinfer".into()]).unwrap();
        assert!(
            source.contains("if (words(c, 0, 1) != handed) revert BrokenLink(1, 2);"),
            "{source}"
        );
        assert!(source.contains("handed = words(c, 2, 3);"), "{source}");
        let e = |parts: &[PartLink]| render_bundle(parts, &id, &[]).unwrap_err().to_string();
        assert!(e(&ok[..1]).contains("at least two"));
        let nothing = "publishes nothing of what it";
        assert!(e(&[link(3, 0..0, 3..3), ok[1].clone()]).contains(&format!("part 1 {nothing}")));
        assert!(e(&[ok[0].clone(), link(2, 1..1, 1..1)]).contains(&format!("part 2 {nothing}")));
        assert!(e(&[link(2, 0..0, 2..3), ok[1].clone()]).contains("past its 2 instances"));
        // A public link of 4 values cannot meet a hashed one.
        assert!(e(&[link(5, 0..0, 1..5), ok[1].clone()]).contains("hands on 4 instance words"));
        assert!(render_bundle(&ok, "xyz", &[]).unwrap_err().to_string().contains("hex identity"));
    }

    #[test]
    fn revert_data_names_the_part_or_the_link() {
        let mut data = selector_of("BrokenLink(uint256,uint256)").to_vec();
        data.extend([[0u8; 31].as_slice(), &[2], &[0u8; 31], &[3]].concat());
        assert_eq!(revert_reason(&data), "link part 2 → part 3 broken");
        let mut data = selector_of("PartRejected(uint256)").to_vec();
        data.extend([[0u8; 31].as_slice(), &[1]].concat());
        assert_eq!(revert_reason(&data), "part 1 rejected");
        assert!(revert_reason(&[]).contains("0 bytes"));
    }

    #[test]
    fn calldata_puts_each_part_behind_its_length() {
        let c = bundle_calldata(&[vec![1, 2], vec![3]]);
        assert_eq!(c.len(), 32 + 2 + 32 + 1);
        assert_eq!((c[31], &c[32..34], c[34 + 31], c[66]), (2, &[1u8, 2][..], 1, 3));
    }
}
