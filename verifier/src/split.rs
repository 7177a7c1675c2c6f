//! A verifier spread over several contracts, for circuits whose single verifier would exceed
//! the EIP-170 code-size limit (wide layouts, many public outputs).
//!
//! The rendered verifier is straight-line Yul whose whole state lives in memory (plus the
//! `success` flag): a prologue (field constants, the point check), about a thousand top-level
//! statements, and an epilogue that reverts unless every check held. So it can be cut between
//! statements. Each part contract runs a slice of the statements on the memory the previous part
//! left, and returns its memory; the entry contract `Halo2Verifier` checks the calldata length,
//! calls the parts in order (by `staticcall`, passing `instances || proof || memory`) and
//! accepts only if every part succeeded. Parts are stateless and their addresses are fixed in
//! the entry contract's constructor, so calling a part directly proves nothing and changes
//! nothing. The cost is one call and one memory copy per part.

use crate::error::{Result, VerifierError};
use crate::solc::{Compiled, Compiler};
use crate::solidity::EIP170_LIMIT;

/// Name of part `i`'s contract.
#[must_use]
pub fn part_name(i: usize) -> String {
    format!("Halo2VerifierPart{i}")
}

/// The pieces of a rendered single-contract verifier.
#[derive(Clone, Debug)]
pub struct Anatomy {
    /// Comment lines before `pragma`.
    header: String,
    /// From `let data := mload(0x40)` to the end of the point-check function.
    prologue: String,
    /// Top-level statements, each one or more whole lines.
    statements: Vec<String>,
    /// Calldata length the verifier accepts (instances and proof).
    calldata_len: usize,
}

impl Anatomy {
    /// Takes a verifier from [`crate::solidity::render`] apart.
    ///
    /// # Errors
    /// [`VerifierError::Generate`] when the code does not have the expected layout.
    pub fn of(code: &str) -> Result<Self> {
        let bad =
            |what: &str| VerifierError::Generate(format!("cannot split the verifier: {what}"));
        let lines: Vec<&str> = code.lines().collect();
        let find = |needle: &str| lines.iter().position(|l| l.contains(needle));
        let pragma = find("pragma solidity").ok_or_else(|| bad("no pragma"))?;
        let open = find("let data := mload(0x40)").ok_or_else(|| bad("no memory check"))?;
        let function = find("function validate_ec_point").ok_or_else(|| bad("no point check"))?;
        let close = find("// Revert if anything fails").ok_or_else(|| bad("no epilogue"))?;
        let depth = |l: &str| {
            let opens = l.matches('{').count();
            let closes = l.matches('}').count();
            i64::try_from(opens).unwrap_or(0) - i64::try_from(closes).unwrap_or(0)
        };
        // The point-check function ends where its braces balance.
        let mut d = 0;
        let mut body_start = None;
        for (i, l) in lines.iter().enumerate().skip(function) {
            d += depth(l);
            if d == 0 {
                body_start = Some(i + 1);
                break;
            }
        }
        let body_start = body_start.filter(|&b| b <= close).ok_or_else(|| bad("unbalanced"))?;
        let mut statements = Vec::new();
        let mut current = String::new();
        let mut d = 0;
        for l in &lines[body_start..close] {
            if d == 0 && l.trim_start().starts_with("let ") {
                return Err(bad("a top-level variable would not survive a cut"));
            }
            current.push_str(l);
            current.push('\n');
            d += depth(l);
            if d < 0 {
                return Err(bad("unbalanced braces"));
            }
            if d == 0 && !l.trim().is_empty() {
                statements.push(std::mem::take(&mut current));
            }
        }
        if d != 0 || statements.is_empty() {
            return Err(bad("unbalanced braces"));
        }
        let epilogue = lines[close..].join("\n");
        let calldata_len = epilogue
            .split("eq(calldatasize(), ")
            .nth(1)
            .and_then(|r| r.split(')').next())
            .and_then(|h| usize::from_str_radix(h.trim_start_matches("0x"), 16).ok())
            .ok_or_else(|| bad("no calldata length check"))?;
        // Long blocks (batch inversion, the instance sum) carry a few block variables through
        // thousands of lines: cut them into pieces that pass those variables on in memory.
        let mut scratch = highest_address(code) + SCRATCH_MARGIN;
        let statements = statements
            .into_iter()
            .flat_map(|st| cut_block(&st, &mut scratch).unwrap_or_else(|| vec![st]))
            .collect();
        Ok(Self {
            header: lines[..pragma].iter().map(|l| format!("{l}\n")).collect(),
            prologue: lines[open..body_start].iter().map(|l| format!("{l}\n")).collect(),
            statements,
            calldata_len,
        })
    }

    /// Number of top-level statements (the finest possible cut).
    #[must_use]
    pub fn statements(&self) -> usize {
        self.statements.len()
    }

    /// Source of the verifier in `parts` parts plus the entry contract, cutting the statements
    /// into runs of about equal source length.
    #[must_use]
    pub fn render(&self, parts: usize) -> String {
        let mut out = self.preamble();
        for (i, body) in self.contracts(parts).iter().enumerate() {
            if i > 0 {
                out.push('\n');
            }
            out.push_str(body);
        }
        out
    }

    /// Header comments and pragma, once per source file.
    fn preamble(&self) -> String {
        format!("{}pragma solidity 0.8.19;\n\n", self.header)
    }

    /// Each part contract in order, then the entry contract (without the preamble).
    fn contracts(&self, parts: usize) -> Vec<String> {
        let parts = parts.clamp(1, self.statements.len());
        let total: usize = self.statements.iter().map(String::len).sum();
        let mut out = Vec::with_capacity(parts + 1);
        let (mut start, mut done) = (0, 0usize);
        for p in 0..parts {
            let remaining_parts = parts - p;
            let mut end = start;
            let goal = done + (total - done) / remaining_parts;
            while end < self.statements.len() - (remaining_parts - 1)
                && (end == start || done + self.statements[end].len() <= goal)
            {
                done += self.statements[end].len();
                end += 1;
            }
            if p == parts - 1 {
                end = self.statements.len();
            }
            let mut body = String::new();
            self.push_part(&mut body, p, &self.statements[start..end]);
            out.push(body);
            start = end;
        }
        let mut entry = String::new();
        self.push_entry(&mut entry, parts);
        out.push(entry);
        out
    }

    fn push_part(&self, out: &mut String, i: usize, statements: &[String]) {
        let len = self.calldata_len;
        out.push_str(&format!(
            "/// Part {i} of the verifier: runs its statements on the memory the previous part\n\
             /// returned (appended after `instances || proof`) and returns its own memory.\n\
             contract {} {{\n    fallback(bytes calldata) external returns (bytes memory) {{\n        \
             assembly (\"memory-safe\") {{\n",
            part_name(i)
        ));
        out.push_str(&self.prologue);
        out.push_str(&format!(
            "            if lt(calldatasize(), {len:#x}) {{ revert(0, 0) }}\n            \
             calldatacopy(0, {len:#x}, sub(calldatasize(), {len:#x}))\n"
        ));
        for s in statements {
            out.push_str(s);
        }
        out.push_str(
            "            if iszero(success) { revert(0, 0) }\n            return(0, msize())\n        \
             }\n    }\n}\n",
        );
    }

    fn push_entry(&self, out: &mut String, parts: usize) {
        let len = self.calldata_len;
        out.push_str(&format!(
            "/// The verifier to call: `instances || proof` as calldata, empty return on success,\n\
             /// revert otherwise. Its {parts} parts are fixed at deployment, in order.\n\
             contract Halo2Verifier {{\n    \
             constructor(address[{parts}] memory parts) {{\n        \
             for (uint256 i = 0; i < {parts}; i++) {{\n            \
             address part = parts[i];\n            \
             // A call to an address without code succeeds: each part must be a contract.\n            \
             assembly (\"memory-safe\") {{\n                \
             if iszero(extcodesize(part)) {{ revert(0, 0) }}\n                \
             sstore(i, part)\n            }}\n        }}\n    }}\n\n    \
             fallback(bytes calldata) external returns (bytes memory) {{\n        \
             assembly (\"memory-safe\") {{\n            \
             if iszero(eq(calldatasize(), {len:#x})) {{ revert(0, 0) }}\n            \
             calldatacopy(0x80, 0, {len:#x})\n            \
             let image := 0\n            \
             for {{ let i := 0 }} lt(i, {parts}) {{ i := add(i, 1) }} {{\n                \
             if iszero(staticcall(gas(), sload(i), 0x80, add({len:#x}, image), 0, 0)) {{ revert(0, 0) }}\n                \
             image := returndatasize()\n                \
             returndatacopy(add(0x80, {len:#x}), 0, image)\n            }}\n            \
             return(0, 0)\n        }}\n    }}\n}}\n"
        ));
    }
}

/// Source bytes of a block piece: small enough that parts can be balanced finely.
const BLOCK_PIECE_BYTES: usize = 8 * 1024;
/// Distance between the highest memory address the verifier names and the slots where cut
/// blocks keep their variables (covers the precompile buffers that start at a named address).
const SCRATCH_MARGIN: u64 = 0x1000;

/// Highest plausible memory address among the code's numeric literals (field constants and
/// other large numbers are far above 2^24 and skipped).
pub(crate) fn highest_address(code: &str) -> u64 {
    code.split(|c: char| !c.is_ascii_alphanumeric())
        .filter_map(|w| match w.strip_prefix("0x") {
            Some(h) => u64::from_str_radix(h, 16).ok(),
            None => w.parse::<u64>().ok(),
        })
        .filter(|&v| v < 1 << 24)
        .max()
        .unwrap_or(0)
        .next_multiple_of(0x20)
}

/// Cuts a long `{ let a … let b … statements }` block into pieces of about
/// [`BLOCK_PIECE_BYTES`]: every piece but the first reloads the block variables from scratch
/// slots, every piece but the last stores them there. `None` when the block is short or not of
/// that form (a `let` after the first statement, no variables), so it stays whole.
fn cut_block(block: &str, scratch: &mut u64) -> Option<Vec<String>> {
    if block.len() <= 2 * BLOCK_PIECE_BYTES {
        return None;
    }
    let lines: Vec<&str> = block.lines().collect();
    let (first, last) = (lines.first()?.trim(), lines.last()?.trim());
    if first != "{" || last != "}" {
        return None;
    }
    let mut inner = Vec::new();
    let (mut current, mut d) = (String::new(), 0i64);
    for l in &lines[1..lines.len() - 1] {
        current.push_str(l);
        current.push('\n');
        d += i64::try_from(l.matches('{').count()).ok()?;
        d -= i64::try_from(l.matches('}').count()).ok()?;
        if d < 0 {
            return None;
        }
        if d == 0 && !l.trim().is_empty() {
            inner.push(std::mem::take(&mut current));
        }
    }
    if d != 0 {
        return None;
    }
    let declared = inner.iter().take_while(|st| st.trim_start().starts_with("let ")).count();
    let mut names = Vec::new();
    for st in &inner[..declared] {
        let rest = st.trim_start().strip_prefix("let ")?;
        let name: String =
            rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
        if name.is_empty() || st.lines().filter(|l| !l.trim().is_empty()).count() != 1 {
            return None;
        }
        names.push(name);
    }
    let body = &inner[declared..];
    if names.is_empty() || body.iter().any(|st| st.trim_start().starts_with("let ")) {
        return None;
    }
    let slots: Vec<u64> = (0..names.len() as u64).map(|i| *scratch + 0x20 * i).collect();
    *scratch += 0x20 * names.len() as u64;
    let mut runs: Vec<Vec<&String>> = vec![Vec::new()];
    let mut size = 0;
    for st in body {
        if size >= BLOCK_PIECE_BYTES {
            runs.push(Vec::new());
            size = 0;
        }
        size += st.len();
        runs.last_mut()?.push(st);
    }
    let n = runs.len();
    let pieces = runs
        .into_iter()
        .enumerate()
        .map(|(i, run)| {
            let mut piece = String::from("{\n");
            if i == 0 {
                inner[..declared].iter().for_each(|st| piece.push_str(st));
            } else {
                for (name, slot) in names.iter().zip(&slots) {
                    piece.push_str(&format!("let {name} := mload({slot:#x})\n"));
                }
            }
            run.into_iter().for_each(|st| piece.push_str(st));
            if i + 1 < n {
                for (name, slot) in names.iter().zip(&slots) {
                    piece.push_str(&format!("mstore({slot:#x}, {name})\n"));
                }
            }
            piece.push_str("}\n");
            piece
        })
        .collect();
    Some(pieces)
}

/// A split verifier whose every contract fits the EIP-170 limit.
#[derive(Clone, Debug)]
pub struct SplitVerifier {
    /// Solidity source of the parts and the entry contract.
    pub source: String,
    /// The parts' compiled code, in calling order.
    pub parts: Vec<Compiled>,
    /// The entry contract `Halo2Verifier` (its constructor takes the part addresses).
    pub entry: Compiled,
}

impl SplitVerifier {
    /// The largest deployed code among the contracts.
    #[must_use]
    pub fn largest(&self) -> usize {
        self.parts.iter().chain([&self.entry]).map(|c| c.runtime.len()).max().unwrap_or(0)
    }
}

/// Compiled source per byte of deployed code, roughly (unoptimized straight-line Yul).
const SOURCE_BYTES_PER_CODE_BYTE: usize = 4;

/// Splits a rendered verifier into as few parts as keep every contract under the EIP-170 limit,
/// compiling to check (and cutting finer when a part came out too large).
///
/// # Errors
/// Compiler errors, code that cannot be cut, or a statement too large for one contract.
pub fn fit(code: &str, compiler: &Compiler) -> Result<SplitVerifier> {
    let anatomy = Anatomy::of(code)?;
    // Aim below the limit: the prologue and the call glue repeat in every part.
    let goal = EIP170_LIMIT * 9 / 10;
    let body: usize = anatomy.statements.iter().map(String::len).sum();
    let mut parts = body.div_ceil(goal * SOURCE_BYTES_PER_CODE_BYTE).clamp(1, anatomy.statements());
    let longest = anatomy.statements.iter().map(String::len).max().unwrap_or(0);
    if longest > EIP170_LIMIT * SOURCE_BYTES_PER_CODE_BYTE {
        // One statement that cannot be cut would not fit a contract of its own.
        return Err(VerifierError::TooLarge {
            size: longest / SOURCE_BYTES_PER_CODE_BYTE,
            limit: EIP170_LIMIT,
        });
    }
    loop {
        // One compiler run per contract: solcjs runs out of memory on a whole large verifier.
        let contracts = anatomy.contracts(parts);
        let preamble = anatomy.preamble();
        let mut compiled = Vec::with_capacity(contracts.len());
        for (i, body) in contracts.iter().enumerate() {
            let name = if i < parts { part_name(i) } else { "Halo2Verifier".to_owned() };
            compiled.push(compiler.compile(&format!("{preamble}{body}"), &name)?);
        }
        let entry = compiled.pop().ok_or_else(|| {
            VerifierError::Generate("the split verifier has no entry contract".into())
        })?;
        let source = format!("{preamble}{}", contracts.join("\n"));
        let split = SplitVerifier { source, parts: compiled, entry };
        let largest = split.largest();
        if largest <= EIP170_LIMIT {
            return Ok(split);
        }
        if parts >= anatomy.statements() {
            return Err(VerifierError::TooLarge { size: largest, limit: EIP170_LIMIT });
        }
        // Scale the cut by how far over the largest part came out.
        parts = (parts * largest).div_ceil(goal).max(parts + 1).min(anatomy.statements());
    }
}

/// Compiles a split verifier's source (as [`fit`] wrote it) one contract at a time, the way
/// [`fit`] does, so a large verifier stays within solcjs's memory: the text before the first
/// `contract` line is the shared preamble. Returns the parts in order and the entry contract.
///
/// # Errors
/// Compiler errors, or a source without the entry contract.
pub fn compile_source(source: &str, compiler: &Compiler) -> Result<(Vec<Compiled>, Compiled)> {
    let mut preamble = String::new();
    let mut contracts: Vec<(String, String)> = Vec::new();
    for line in source.lines() {
        if let Some(rest) = line.strip_prefix("contract ") {
            let name = rest.split(|c: char| !c.is_alphanumeric() && c != '_').next().unwrap_or("");
            contracts.push((name.to_owned(), String::new()));
        }
        let target = contracts.last_mut().map_or(&mut preamble, |(_, body)| body);
        target.push_str(line);
        target.push('\n');
    }
    let mut parts = Vec::new();
    let mut entry = None;
    for (name, body) in &contracts {
        let compiled = compiler.compile(&format!("{preamble}{body}"), name)?;
        if name == "Halo2Verifier" {
            entry = Some(compiled);
        } else if *name == part_name(parts.len()) {
            parts.push(compiled);
        }
    }
    let entry = entry.ok_or_else(|| {
        VerifierError::Generate("no contract Halo2Verifier in the Solidity source".into())
    })?;
    Ok((parts, entry))
}

/// ABI-encoded constructor arguments of the entry contract: the part addresses in order.
#[must_use]
pub fn constructor_args(parts: &[[u8; 20]]) -> Vec<u8> {
    parts
        .iter()
        .flat_map(|a| {
            let mut word = [0u8; 32];
            word[12..].copy_from_slice(a);
            word
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const CODE: &str = "// head\n// SPDX-License-Identifier: MIT\n\npragma solidity 0.8.19;\n\ncontract Halo2Verifier {\n    fallback(bytes calldata) external returns (bytes memory) {\n        assembly (\"memory-safe\") {\n            let data := mload(0x40)\n            let success := true\n            function validate_ec_point(x, y) -> valid {\n                {\n                    valid := 1\n                }\n            }\nmstore(0x80, 1)\n{\nlet x := calldataload(0x0)\nmstore(0xa0, x)\n}\nmstore(0xc0, 2)\nmstore(0xe0, 3)\n\n            // Revert if anything fails\n            success := and(success, eq(calldatasize(), 0x40))\n            if iszero(success) { revert(0, 0) }\n            return(0, 0)\n        }\n    }\n}\n";

    #[test]
    fn statements_are_whole_and_cut_in_order() {
        let a = Anatomy::of(CODE).unwrap();
        assert_eq!(a.statements(), 4);
        assert_eq!(a.calldata_len, 0x40);
        assert_eq!(a.statements[1], "{\nlet x := calldataload(0x0)\nmstore(0xa0, x)\n}\n");
        for parts in 1..=5 {
            let src = a.render(parts);
            let n = parts.min(4);
            assert!(src.contains(&format!("address[{n}] memory parts")), "{src}");
            assert!(src.contains(&part_name(n - 1)) && !src.contains(&part_name(n)));
            // Every statement exactly once, in order.
            let body: String = src.lines().filter(|l| l.starts_with("mstore(0x")).collect();
            assert_eq!(body, "mstore(0x80, 1)mstore(0xa0, x)mstore(0xc0, 2)mstore(0xe0, 3)");
        }
    }

    #[test]
    fn long_blocks_pass_their_variables_through_scratch_slots() {
        let steps: String = (0..2000)
            .map(|i| format!("v := mload({:#x})\nmstore({}, mulmod(v, inv, f_q))\n", 0x100 + i, i))
            .collect();
        let block =
            format!("{{\n    \nlet inv := mload(0x80)\nlet v\n\n{steps}mstore(0xa0, inv)\n}}\n");
        let code = CODE.replace("mstore(0xc0, 2)\n", &block);
        let a = Anatomy::of(&code).unwrap();
        let pieces: Vec<&String> = a.statements.iter().filter(|s| s.contains("v := ")).collect();
        assert!(pieces.len() > 2, "{} pieces", pieces.len());
        let scratch = highest_address(&code) + SCRATCH_MARGIN;
        assert!(scratch > 0x100 + 2000);
        let (inv, v) = (format!("{scratch:#x}"), format!("{:#x}", scratch + 0x20));
        assert!(pieces[0].starts_with("{\n    \nlet inv := mload(0x80)\nlet v\n"));
        for (i, p) in pieces.iter().enumerate() {
            let reload = format!("let inv := mload({inv})\nlet v := mload({v})\n");
            let spill = format!("mstore({inv}, inv)\nmstore({v}, v)\n}}\n");
            assert_eq!(p.contains(&reload), i > 0, "piece {i}");
            assert_eq!(p.ends_with(&spill), i + 1 < pieces.len(), "piece {i}");
        }
        // Every original line survives once, in order.
        let kept: String =
            pieces.iter().flat_map(|p| p.lines()).filter(|l| l.starts_with("v := ")).collect();
        let want: String = steps.lines().filter(|l| l.starts_with("v := ")).collect();
        assert_eq!(kept, want);
        assert!(pieces.last().unwrap().contains("mstore(0xa0, inv)"));
        // A short block, or one that declares a variable midway, stays whole.
        let mut scratch = 0;
        assert!(cut_block("{\nlet x := 1\nmstore(0, x)\n}\n", &mut scratch).is_none());
        let late = block.replace("mstore(0xa0, inv)", "let w := inv");
        assert!(cut_block(&late, &mut scratch).is_none());
    }

    #[test]
    fn refuses_code_it_cannot_cut() {
        assert!(Anatomy::of("contract X {}").is_err());
        let live = CODE.replace("mstore(0xc0, 2)", "let y := 2");
        assert!(Anatomy::of(&live).is_err());
    }

    #[test]
    fn constructor_args_are_padded_words() {
        let args = constructor_args(&[[0x11; 20], [0x22; 20]]);
        assert_eq!(args.len(), 64);
        assert_eq!(&args[..12], &[0; 12]);
        assert_eq!(&args[44..64], &[0x22; 20]);
    }
}
