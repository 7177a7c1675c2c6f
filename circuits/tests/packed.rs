//! MockProver tests of packed visibility: words that unpack to the values, every cell of the
//! packing pinned, and values that would not fit their digit refused.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod common;

use common::*;
use zkinfer_circuits::packing::{group_bits, pack, per_word, unpack};

fn group(w: &[Vec<i64>], t: usize) -> Vec<i128> {
    w[t].iter().map(|&v| i128::from(v)).collect()
}

#[test]
fn packed_groups_publish_words_that_unpack_to_their_values() {
    let n = 30;
    let q = rescale_with(n, Visibility::Packed, Visibility::Packed);
    #[allow(clippy::cast_precision_loss)]
    let x: [Vec<f64>; 1] = [(0..n)
        .map(|i| ([1000.0, -1000.0, 517.0, 0.0, -1.0][i % 5] - i as f64).clamp(-1000.0, 1000.0))
        .collect()];
    // Every lane cell, partial sums included, +1 fails; so does a changed first word.
    let b = check_sound(&q, &x);
    let w = witness(&q, &x);
    let (bin, bout) = (group_bits(&q, &q.inputs), group_bits(&q, &q.outputs));
    assert_eq!((bin, bout), (11, 7), "bound 1000 needs 11-bit digits, bound 32 seven");
    let (inputs, outputs) = (group(&w, q.inputs[0]), group(&w, q.outputs[0]));
    let expected = [pack(&inputs, bin).unwrap(), pack(&outputs, bout).unwrap()];
    assert_eq!(expected[0].len(), n.div_ceil(per_word(bin)));
    assert_eq!(expected[1].len(), 1, "thirty 7-bit digits fit one word");
    assert_eq!(b.public_values(), expected.concat());
    assert_eq!(unpack(&expected[0], bin, n), Some(inputs));
    assert_eq!(unpack(&expected[1], bout, n), Some(outputs));
    for i in 0..b.public_values().len() {
        let mut bad = b.clone();
        bad.public_values_mut()[i] += Fr::one();
        assert!(!verify(&bad), "a changed word {i} was accepted");
    }
    // The words are wide: a value at digit i moves the word by 2^(i·bits).
    let mut bad = b.clone();
    bad.public_values_mut()[1] += Fr::from(1u64 << bin);
    assert!(!verify(&bad), "a word with its second digit raised was accepted");
}

#[test]
fn packing_refuses_values_beyond_their_digit() {
    // Private weights leave a derived bound unproven, so the packed outputs are range-checked:
    // weights larger than the ones the bound was derived from push a value out of its digit.
    let build = |w: Vec<i64>| {
        let mut g = G::new();
        let a = g.input(&[1, 2], 20);
        let wt = g.konst(&[2, 1], w);
        let y = g.op(QOp::MatMul, vec![a, wt], &[1, 1], 100, false);
        let mut q = g.output(y);
        q.visibility.weights = WeightVisibility::Private;
        q.visibility.output = Visibility::Packed;
        q
    };
    let x = [vec![20.0, 20.0]];
    let layout = Layout::new(2, 2, LIMB);
    let honest = build(vec![2, 3]);
    let b = lay_out(&honest, Some(&witness(&honest, &x)), &layout).unwrap();
    assert!(verify(&b), "honest witness rejected");
    // Same circuit (bounds from the honest weights), weights 40 and 3: 860 > the bound 100.
    let mut lying = honest.clone();
    let wt = lying.tensors.iter().position(|t| t.value.is_some()).unwrap();
    lying.tensors[wt].value = Some(vec![40, 3]);
    // (The evaluator refuses such a witness, so it is written by hand.)
    let mut w = witness(&honest, &x);
    w[wt] = vec![40, 3];
    w[lying.outputs[0]] = vec![860];
    let b = lay_out(&lying, Some(&w), &layout).unwrap();
    assert!(!verify(&b), "an output beyond its packed digit was accepted");
    // With fixed weights the bound follows from the constraints and no check is added.
    let mut fixed = honest.clone();
    fixed.visibility.weights = WeightVisibility::Fixed;
    let checked = lay_out(&honest, None, &layout).unwrap();
    let unchecked = lay_out(&fixed, None, &layout).unwrap();
    let lookups = |b: &Builder| b.lookup_lanes().iter().map(|l| l.x.len()).sum::<usize>();
    assert!(lookups(&checked) > lookups(&unchecked));
}

#[test]
fn groups_too_wide_to_pack_are_refused_by_name() {
    let mut q = rescale_with(3, Visibility::Packed, Visibility::Packed);
    let out = q.outputs[0];
    q.tensors[out].bound = u64::MAX;
    let err = lay_out(&q, None, &Layout::new(2, 2, LIMB)).unwrap_err().to_string();
    assert!(err.contains(&q.tensors[out].name) && err.contains("public or hashed"), "{err}");
    // All-zero groups still get two-bit digits, which every reader accepts.
    q.tensors[out].bound = 0;
    assert_eq!(group_bits(&q, &q.outputs), 2);
}

#[test]
fn unchecked_inputs_are_range_checked_before_packing() {
    // A part of a partitioned model reads its boundary as graph inputs. A tensor whose bound
    // was derived where it was produced (not range-checked there) arrives as free cells, so
    // two of them could carry a digit between them and still pack to the producer's word.
    let mut g = G::new();
    let a = g.input(&[1, 2], 100);
    let wt = g.konst(&[2, 1], vec![1, 1]);
    let y = g.op(QOp::MatMul, vec![a, wt], &[1, 1], 200, false);
    let mut q = g.output(y);
    q.tensors[a].checked = false;
    q.visibility.input = Visibility::Packed;
    q.visibility.output = Visibility::Public;
    let x = [vec![5.0, 7.0]];
    let layout = Layout::new(2, 2, LIMB);
    let honest = witness(&q, &x);
    let b = lay_out(&q, Some(&honest), &layout).unwrap();
    assert!(verify(&b), "honest witness rejected");
    // (5 + 2^bits, 6): the same input word, another output.
    let bits = group_bits(&q, &q.inputs);
    let mut w = honest.clone();
    w[a] = vec![5 + (1 << bits), 6];
    w[y] = vec![w[a][0] + w[a][1]];
    let forged = lay_out(&q, Some(&w), &layout).unwrap();
    assert_eq!(
        forged.public_values()[0],
        b.public_values()[0],
        "the packed input word is the same"
    );
    assert!(!verify(&forged), "a digit carried between unchecked packed inputs was accepted");
}
