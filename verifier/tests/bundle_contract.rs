//! The bundle contract's own logic on revm, with stub part verifiers (one that accepts any
//! calldata, one that rejects all): links compared at the digest words each part's key names,
//! the failing part or link named in the revert, malformed calldata and addresses without code
//! refused. Real proofs through it: tests/bundle_cli.rs.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use zkinfer_verifier::bundle::{
    bundle_calldata, render_bundle, revert_reason, PartLink, BUNDLE_CONTRACT,
};
use zkinfer_verifier::evm::Chain;
use zkinfer_verifier::solc::Compiler;
use zkinfer_verifier::split::constructor_args;

/// Creation code that deploys `runtime` as the contract's code.
fn deploying(runtime: &[u8]) -> Vec<u8> {
    let len = u8::try_from(runtime.len()).unwrap();
    let mut code = vec![0x60, len, 0x60, 0x0c, 0x60, 0x00, 0x39, 0x60, len, 0x60, 0x00, 0xf3];
    code.extend_from_slice(runtime);
    code
}

/// STOP: succeeds on any calldata, like a verifier accepting its proof.
const ACCEPT: &[u8] = &[0x00];
/// REVERT(0, 0): like a verifier rejecting its proof.
const REJECT: &[u8] = &[0x60, 0x00, 0x60, 0x00, 0xfd];

fn w(v: u8) -> [u8; 32] {
    let mut x = [0u8; 32];
    x[31] = v;
    x
}

/// A part's calldata: its instance words, then some "proof" bytes.
fn part(words: &[[u8; 32]], proof: &[u8]) -> Vec<u8> {
    let mut out: Vec<u8> = words.iter().flatten().copied().collect();
    out.extend_from_slice(proof);
    out
}

/// Three parts: the first hands on its instance 1, the second reads instance 0 and hands on
/// instances 2..4 (a public link of two values), the last reads instances 0..2.
fn links() -> Vec<PartLink> {
    vec![
        PartLink { instances: 2, input: 0..0, output: 1..2 },
        PartLink { instances: 4, input: 0..1, output: 2..4 },
        PartLink { instances: 2, input: 0..2, output: 2..2 },
    ]
}

#[test]
#[ignore = "full tier: compiles Solidity with the pinned solc (npm); run scripts/test.sh"]
fn the_bundle_contract_checks_links_parts_and_its_calldata() {
    let source = render_bundle(&links(), &"ab".repeat(32), &[]).unwrap();
    let bundle = Compiler::locate().unwrap().compile(&source, BUNDLE_CONTRACT).unwrap().creation;
    let mut chain = Chain::new(true);
    let accept = chain.deploy(&deploying(ACCEPT)).unwrap().address.into_array();
    let reject = chain.deploy(&deploying(REJECT)).unwrap().address.into_array();
    let mut with = |verifiers: [[u8; 20]; 3]| {
        let mut creation = bundle.clone();
        creation.extend(constructor_args(&verifiers));
        chain.deploy(&creation).map(|c| c.address)
    };
    let good = with([accept; 3]).unwrap();
    let second_rejects = with([accept, reject, accept]).unwrap();
    // An address without code would "accept" every call: the constructor refuses it.
    assert!(with([accept, [0u8; 20], accept]).is_err());

    let honest = vec![
        part(&[w(9), w(1)], b"proof a"),
        part(&[w(1), w(7), w(2), w(4)], b"proof b"),
        part(&[w(2), w(4)], b"proof c"),
    ];
    let call = |chain: &mut Chain, to, parts: &[Vec<u8>]| {
        let out = chain.call(to, &bundle_calldata(parts)).unwrap();
        if out.success {
            "accepted".to_string()
        } else {
            revert_reason(&out.output)
        }
    };
    assert_eq!(call(&mut chain, good, &honest), "accepted");
    assert_eq!(call(&mut chain, second_rejects, &honest), "part 2 rejected");

    let mut broken = honest.clone();
    broken[1] = part(&[w(3), w(7), w(2), w(4)], b"proof b");
    assert_eq!(call(&mut chain, good, &broken), "link part 1 → part 2 broken");
    let mut broken = honest.clone();
    broken[2] = part(&[w(7), w(4)], b"proof c");
    assert_eq!(call(&mut chain, good, &broken), "link part 2 → part 3 broken");
    // One value of a multi-word link differs: the range's hash differs.
    let mut broken = honest.clone();
    broken[2] = part(&[w(2), w(5)], b"proof c");
    assert_eq!(call(&mut chain, good, &broken), "link part 2 → part 3 broken");
    // Parts in another order break a link too.
    let swapped = vec![honest[0].clone(), honest[2].clone(), honest[1].clone()];
    assert_ne!(call(&mut chain, good, &swapped), "accepted");

    // No selector reaches anything but the checks (a public getter would answer with
    // success): calldata that starts like `part0()` or `BUNDLE_IDENTITY()` is malformed.
    for getter in ["part0()", "part1()", "BUNDLE_IDENTITY()"] {
        let selector = revm::primitives::keccak256(getter.as_bytes());
        let mut data = selector[..4].to_vec();
        data.extend(bundle_calldata(&honest));
        let out = chain.call(good, &data).unwrap();
        assert!(!out.success, "{getter} answered: {out:?}");
    }

    // Malformed calldata: a part missing, a part shorter than its instances, trailing bytes,
    // a length past the end.
    assert_eq!(call(&mut chain, good, &honest[..2]), "malformed calldata");
    let mut short = honest.clone();
    short[1] = part(&[w(1), w(7), w(2)], b"");
    assert_eq!(call(&mut chain, good, &short), "malformed calldata");
    let mut trailing = bundle_calldata(&honest);
    trailing.push(0);
    let out = chain.call(good, &trailing).unwrap();
    assert_eq!(revert_reason(&out.output), "malformed calldata");
    let mut overlong = bundle_calldata(&honest);
    overlong[31] = 0xff;
    overlong[30] = 0xff;
    let out = chain.call(good, &overlong).unwrap();
    assert!(!out.success && revert_reason(&out.output) == "malformed calldata");
}
