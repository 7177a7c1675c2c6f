//! A convolution's Freivalds check that weighs each input value once (`chips/window.rs`): the
//! honest witness verifies, every perturbed cell and a consistent lie about the output are
//! rejected, it costs fewer cells than the row-by-row check, and a window that does not match
//! the copy's cells falls back to the row-by-row check.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod common;

use common::*;
use zkinfer_model_import::{from_proto, ImportOptions};
use zkinfer_quantize::quantize;
use zkinfer_testkit::compile::default_settings;
use zkinfer_testkit::onnx_builder::*;

/// Every matmul Freivalds-checked.
fn freivalds() -> Layout {
    Layout { late_lanes: 1, linear: LinearCheck::Freivalds, ..Layout::new(2, 2, 8) }
}

/// The honest witness verifies, and every second-phase cell (all the check's cells) perturbed
/// by one is rejected; the first-phase chips are covered cell by cell in `mock.rs`.
fn check_late_cells(q: &QGraph, x: &[f64]) -> Builder {
    check_late_cells_in(q, x, &freivalds())
}

/// [`check_late_cells`] in `layout`.
fn check_late_cells_in(q: &QGraph, x: &[f64], layout: &Layout) -> Builder {
    let b = lay_out(q, Some(&witness(q, &[x.to_vec()])), layout).unwrap();
    assert!(verify(&b), "honest witness rejected");
    let late: Vec<Cell> =
        b.witness_cells().into_iter().filter(|c| matches!(c.col, Col::Late(_))).collect();
    assert!(!late.is_empty());
    for cell in late {
        assert!(!verify(&b.perturbed(cell)), "perturbing {cell:?} was not caught");
    }
    b
}

/// A quantized Conv of `kernel` with `pads` (top, left, bottom, right) over a [1, 2, 4, 5]
/// input, up to its matmul (whose product is the public output, so a lie about it can be told
/// consistently everywhere else), and the input's values.
fn conv(kernel: [i64; 2], pads: [i64; 4]) -> (QGraph, Vec<f64>) {
    let m = M::new(13)
        .input("x", &[1, 2, 4, 5], -1.0, 1.0)
        .weight("w", &[3, 2, kernel[0], kernel[1]], 5)
        .weight("b", &[3], 6)
        .node(
            "Conv",
            &["x", "w", "b"],
            &["y"],
            vec![attr_is("kernel_shape", &kernel), attr_is("pads", &pads)],
        )
        .output("y");
    let g = from_proto(&m.proto(), "t".into(), &ImportOptions::default()).unwrap();
    let x = m.sample(3, &[vec![1, 2, 4, 5]]).remove(0);
    let inputs = g.make_inputs(std::slice::from_ref(&x)).unwrap();
    let mut q = quantize(&g, &default_settings(&g, &[inputs])).unwrap();
    let at = q.nodes.iter().position(|n| matches!(n.op, QOp::MatMul)).unwrap();
    q.nodes.truncate(at + 1);
    let y = q.nodes[at].output;
    q.tensors.truncate(y + 1);
    q.outputs = vec![y];
    (q, x)
}

fn late_cells(b: &Builder) -> usize {
    b.late_lanes().iter().map(|l| l.values.len()).sum()
}

/// The im2col tensor's id.
fn im2col(q: &QGraph) -> usize {
    q.tensors.iter().position(|t| t.window.is_some()).expect("no window recorded")
}

#[test]
fn padded_window_is_sound_and_cheaper() {
    let (q, x) = conv([3, 3], [1, 1, 1, 1]);
    let b = check_late_cells(&q, &x);
    // The same claimed output off by one everywhere it is read: only the check catches it.
    assert_rejects_with(&b, |bad| {
        let out = bad.public_cells()[0];
        let Col::Lane(l) = out.col else { panic!("output not on a lane") };
        bad.lanes_mut()[l].values[out.row] += 1;
        bad.public_values_mut()[0] += Fr::one();
    });
    let mut rows = q.clone();
    let id = im2col(&rows);
    rows.tensors[id].window = None;
    let by_rows =
        lay_out(&rows, Some(&witness(&rows, std::slice::from_ref(&x))), &freivalds()).unwrap();
    assert!(
        late_cells(&b) < late_cells(&by_rows),
        "{} vs {}",
        late_cells(&b),
        late_cells(&by_rows)
    );
    // Keygen sees the same structure without a witness.
    let without = lay_out(&q, None, &freivalds()).unwrap();
    assert_eq!((b.late_log().len(), &b.copies()), (without.late_log().len(), &without.copies()));
}

#[test]
fn unpadded_rectangular_window_is_sound() {
    let (q, x) = conv([2, 3], [0, 0, 0, 0]);
    check_late_cells(&q, &x);
}

#[test]
fn asymmetric_padding_is_sound() {
    let (q, x) = conv([3, 2], [2, 0, 0, 1]);
    check_late_cells(&q, &x);
}

#[test]
fn a_tap_that_reads_no_row_is_sound() {
    // A kernel taller than the input below two rows of padding: the top tap row reads no
    // input row (its share is the constant 0), the others read runs cut at both ends.
    let (q, x) = conv([5, 2], [2, 0, 0, 0]);
    check_late_cells(&q, &x);
}

#[test]
fn without_the_three_term_gate_is_sound() {
    // No Horner steps: each position's `Y_i·r` against the powers, weighed by rows.
    let (q, x) = conv([3, 3], [1, 1, 1, 1]);
    check_late_cells_in(&q, &x, &Layout { mac3: false, ..freivalds() });
}

#[test]
fn a_window_that_does_not_match_the_copy_falls_back_to_rows() {
    let (mut q, x) = conv([3, 3], [1, 1, 1, 1]);
    let id = im2col(&q);
    let right = lay_out(&q, None, &freivalds()).unwrap();
    let w = q.tensors[id].window.as_mut().unwrap();
    w.pad = [0, 1];
    let b = check_late_cells(&q, &x);
    assert!(late_cells(&b) > late_cells(&right));
    // Malformed windows (an empty kernel, an input far larger than the outputs could read)
    // are not trusted either: the row check, no panic.
    let rows = late_cells(&b);
    for edit in [
        |w: &mut zkinfer_quantize::Window| w.kernel = [0, 3],
        |w: &mut zkinfer_quantize::Window| w.input = [usize::MAX / 2, 5],
    ] {
        let (mut q, x) = conv([3, 3], [1, 1, 1, 1]);
        edit(q.tensors[id].window.as_mut().unwrap());
        let b = lay_out(&q, Some(&witness(&q, &[x])), &freivalds()).unwrap();
        assert!(verify(&b));
        assert_eq!(late_cells(&b), rows);
    }
}
