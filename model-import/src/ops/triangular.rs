//! `Trilu` (the causal masks of attention) and `CumSum` (position ids from an attention
//! mask), rewritten into proven primitives: `Trilu` is a `Where` with a constant mask (copy
//! constraints), `CumSum` a matmul by a constant 0/1 triangular matrix (exact).

use super::{BuildCtx, Built, Op, Step, StepArg};
use crate::error::Result;
use crate::tensor::{DType, Tensor};

/// Builds `Trilu` or `CumSum`.
///
/// # Errors
/// Input-dependent `k` or axis, or an input of too low rank.
pub(super) fn build(op_type: &str, ctx: &BuildCtx<'_>) -> Result<Built> {
    if op_type == "Trilu" {
        trilu(ctx)
    } else {
        cumsum(ctx)
    }
}

fn scalar_int(ctx: &BuildCtx<'_>, i: usize, what: &str, default: i64) -> Result<i64> {
    match ctx.opt_const_arg(i, what)? {
        None => Ok(default),
        #[allow(clippy::cast_possible_truncation)]
        Some(t) if t.data.len() == 1 => Ok(t.data[0] as i64),
        Some(t) => Err(ctx.shape_err(format!("{what} must be a scalar, got shape {:?}", t.shape))),
    }
}

/// Keeps the elements on and above (`upper`) or below the `k`-th diagonal of the last two
/// axes; the rest become 0.
fn trilu(ctx: &BuildCtx<'_>) -> Result<Built> {
    let x = ctx.arg(0)?;
    let rank = x.shape.len();
    if rank < 2 {
        return Err(ctx.shape_err(format!("Trilu needs rank 2 or more, got {:?}", x.shape)));
    }
    let k = scalar_int(ctx, 1, "the diagonal k", 0)?;
    let upper = ctx.attrs.int_or("upper", 1) != 0;
    let (rows, cols) = (x.shape[rank - 2], x.shape[rank - 1]);
    let mut mask = Vec::with_capacity(rows * cols);
    for i in 0..rows {
        for j in 0..cols {
            let d = i64::try_from(j).unwrap_or(0) - i64::try_from(i).unwrap_or(0);
            mask.push(f64::from(u8::from(if upper { d >= k } else { d <= k })));
        }
    }
    Ok(Built::Chain(vec![Step {
        op: Op::Where,
        args: vec![
            StepArg::Const(Tensor::new(vec![rows, cols], DType::Bool, mask)),
            StepArg::Input(0),
            StepArg::Const(Tensor::scalar(0.0, x.dtype)),
        ],
    }]))
}

/// Prefix sums along one axis: the axis is moved last, multiplied by a triangular 0/1 matrix
/// (inclusive or `exclusive`, forward or `reverse`) and moved back.
fn cumsum(ctx: &BuildCtx<'_>) -> Result<Built> {
    let x = ctx.arg(0)?;
    let rank = x.shape.len();
    if rank == 0 {
        return Err(ctx.shape_err("CumSum of a scalar"));
    }
    let axis = ctx.axis(scalar_int(ctx, 1, "the axis", 0)?, rank)?;
    let exclusive = ctx.attrs.int_or("exclusive", 0) != 0;
    let reverse = ctx.attrs.int_or("reverse", 0) != 0;
    let n = x.shape[axis];
    // out[i] = Σ_j x[j]·m[j][i]
    let mut m = vec![0.0; n * n];
    for j in 0..n {
        for i in 0..n {
            let takes = match (reverse, exclusive) {
                (false, false) => j <= i,
                (false, true) => j < i,
                (true, false) => j >= i,
                (true, true) => j > i,
            };
            m[j * n + i] = f64::from(u8::from(takes));
        }
    }
    let matrix = StepArg::Const(Tensor::new(vec![n, n], x.dtype, m));
    if axis == rank - 1 {
        return Ok(Built::Chain(vec![Step {
            op: Op::MatMul,
            args: vec![StepArg::Input(0), matrix],
        }]));
    }
    let mut perm: Vec<usize> = (0..rank).filter(|&a| a != axis).collect();
    perm.push(axis);
    let mut back = vec![0; rank];
    for (pos, &a) in perm.iter().enumerate() {
        back[a] = pos;
    }
    Ok(Built::Chain(vec![
        Step { op: Op::Transpose { perm }, args: vec![StepArg::Input(0)] },
        Step { op: Op::MatMul, args: vec![StepArg::Step(0), matrix] },
        Step { op: Op::Transpose { perm: back }, args: vec![StepArg::Step(1)] },
    ]))
}
