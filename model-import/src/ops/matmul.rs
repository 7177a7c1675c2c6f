//! MatMul (numpy semantics) and Gemm.

use super::{BuildCtx, Built, Op};
use crate::error::Result;
use crate::tensor::{broadcast_index_map, broadcast_shapes, numel, Tensor};

/// Dimensions of a numpy matmul after promoting 1-D operands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MatMulDims {
    /// Broadcast batch shape.
    pub batch: Vec<usize>,
    /// Rows of the left operand.
    pub m: usize,
    /// Inner dimension.
    pub k: usize,
    /// Columns of the right operand.
    pub n: usize,
    /// ONNX output shape (promoted axes removed again).
    pub out: Vec<usize>,
}

/// Dimensions of `a × b`; `None` when incompatible.
#[must_use]
pub fn matmul_shapes(a: &[usize], b: &[usize]) -> Option<MatMulDims> {
    if a.is_empty() || b.is_empty() {
        return None;
    }
    let (a2, a1d) = if a.len() == 1 { (vec![1, a[0]], true) } else { (a.to_vec(), false) };
    let (b2, b1d) = if b.len() == 1 { (vec![b[0], 1], true) } else { (b.to_vec(), false) };
    let (m, k) = (a2[a2.len() - 2], a2[a2.len() - 1]);
    let (k2, n) = (b2[b2.len() - 2], b2[b2.len() - 1]);
    if k != k2 {
        return None;
    }
    let batch = broadcast_shapes(&a2[..a2.len() - 2], &b2[..b2.len() - 2])?;
    let mut out = batch.clone();
    if !a1d {
        out.push(m);
    }
    if !b1d {
        out.push(n);
    }
    Some(MatMulDims { batch, m, k, n, out })
}

/// Numpy matmul in `f64`.
#[must_use]
pub fn matmul(a: &Tensor, b: &Tensor) -> Tensor {
    let Some(MatMulDims { batch, m, k, n, out: out_shape }) = matmul_shapes(&a.shape, &b.shape)
    else {
        return Tensor::zeros(&[], a.dtype);
    };
    let a_batch: Vec<usize> =
        if a.shape.len() > 2 { a.shape[..a.shape.len() - 2].to_vec() } else { vec![] };
    let b_batch: Vec<usize> =
        if b.shape.len() > 2 { b.shape[..b.shape.len() - 2].to_vec() } else { vec![] };
    let ma = broadcast_index_map(&a_batch, &batch);
    let mb = broadcast_index_map(&b_batch, &batch);
    let mut out = vec![0.0; numel(&batch) * m * n];
    for (bi, (&ia, &ib)) in ma.iter().zip(&mb).enumerate() {
        let (ao, bo, oo) = (ia * m * k, ib * k * n, bi * m * n);
        for i in 0..m {
            for p in 0..k {
                let av = a.data[ao + i * k + p];
                if av == 0.0 {
                    continue;
                }
                let brow = &b.data[bo + p * n..bo + p * n + n];
                let orow = &mut out[oo + i * n..oo + i * n + n];
                for (o, &bv) in orow.iter_mut().zip(brow) {
                    *o += av * bv;
                }
            }
        }
    }
    Tensor::new(out_shape, a.dtype, out)
}

fn transpose2(t: &Tensor) -> Tensor {
    super::shape::transpose(t, &[1, 0])
}

/// `Gemm(A, B, C) = alpha·op(A)·op(B) + beta·C`.
#[must_use]
pub fn gemm(inputs: &[&Tensor], alpha: f64, beta: f64, trans_a: bool, trans_b: bool) -> Tensor {
    let a = if trans_a { transpose2(inputs[0]) } else { inputs[0].clone() };
    let b = if trans_b { transpose2(inputs[1]) } else { inputs[1].clone() };
    let mut y = matmul(&a, &b);
    for v in &mut y.data {
        *v *= alpha;
    }
    if let Some(c) = inputs.get(2) {
        let map = broadcast_index_map(&c.shape, &y.shape);
        for (v, &i) in y.data.iter_mut().zip(&map) {
            *v += beta * c.data[i];
        }
    }
    y
}

pub(super) fn build(op_type: &str, ctx: &BuildCtx<'_>) -> Result<Built> {
    let (sa, sb) = (&ctx.arg(0)?.shape, &ctx.arg(1)?.shape);
    if op_type == "MatMul" {
        if matmul_shapes(sa, sb).is_none() {
            return Err(ctx.shape_err(format!("cannot multiply shapes {sa:?} and {sb:?}")));
        }
        return Ok(Built::Op(Op::MatMul, vec![0, 1]));
    }
    let a = &ctx.attrs;
    let trans_a = a.int_or("transA", 0) != 0;
    let trans_b = a.int_or("transB", 0) != 0;
    if sa.len() != 2 || sb.len() != 2 {
        return Err(ctx.shape_err(format!("Gemm needs 2-D A and B, got {sa:?} and {sb:?}")));
    }
    let k_a = if trans_a { sa[0] } else { sa[1] };
    let k_b = if trans_b { sb[1] } else { sb[0] };
    if k_a != k_b {
        return Err(ctx.shape_err(format!(
            "inner dimensions differ: A {sa:?} (transA={trans_a}), B {sb:?} (transB={trans_b})"
        )));
    }
    let mut inputs = vec![0, 1];
    if let Some(c) = ctx.opt_arg(2) {
        let out = [if trans_a { sa[1] } else { sa[0] }, if trans_b { sb[0] } else { sb[1] }];
        if broadcast_shapes(&c.shape, &out).as_deref() != Some(&out[..]) {
            return Err(ctx.shape_err(format!("C {:?} does not broadcast to {out:?}", c.shape)));
        }
        inputs.push(2);
    }
    Ok(Built::Op(
        Op::Gemm {
            alpha: a.float_or("alpha", 1.0),
            beta: a.float_or("beta", 1.0),
            trans_a,
            trans_b,
        },
        inputs,
    ))
}
