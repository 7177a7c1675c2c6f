//! Element-wise unary ops: exact ones (Relu, Abs, Neg, LeakyRelu), integer square root and
//! reciprocal, and lookup tables for transcendental functions.

use super::Lowerer;
use crate::error::Result;
use crate::qgraph::{LookupFn, QOp};
use zkinfer_model_import::ops::{Op, Unary};
use zkinfer_model_import::tensor::DType;
use zkinfer_model_import::{Node, Tensor};

pub(super) fn lower(l: &mut Lowerer<'_>, n: &Node) -> Result<()> {
    let Op::Unary(u) = n.op else { return Err(l.unsupported("not a unary op")) };
    let (gx, out) = (n.inputs[0], n.outputs[0]);
    let x = l.input(gx)?;
    let sx = l.scale(x);
    let shape = l.shape(x);
    let h = l.s.params.headroom;
    // What a tensor of magnitude 1 in the output's role gets.
    let act = l.bits_of(out).cast_signed().min(l.s.params.max_scale);
    let r = l.range(gx)?;
    let (lo, hi) = (r.min.min(0.0) * h, r.max.max(0.0) * h);
    let id = match u {
        Unary::Identity => x,
        Unary::Relu => l.emit(QOp::Relu, vec![x], shape, sx, None)?,
        Unary::Abs => l.emit(QOp::Abs, vec![x], shape, sx, None)?,
        Unary::Neg => l.emit(QOp::Add { coeffs: vec![-1] }, vec![x], shape, sx, None)?,
        Unary::LeakyRelu { alpha } => {
            let a = l.weight(&Tensor::scalar(alpha, DType::Float))?;
            super::arithmetic::negative_part_scaled(l, x, a, out)?
        }
        Unary::Elu { alpha } => {
            // relu(x) + alpha·(e^min(x,0) − 1): the table only spans the negative side.
            let so = l.chosen_scale(out)?;
            let rl = l.emit(QOp::Relu, vec![x], shape.clone(), sx, None)?;
            let neg =
                l.emit(QOp::Add { coeffs: vec![1, -1] }, vec![x, rl], shape.clone(), sx, None)?;
            let e = l.lookup(neg, LookupFn::EluNeg { alpha }, lo, 0.0, so)?;
            let rl = l.rescale_to(rl, so, None)?;
            l.emit(QOp::Add { coeffs: vec![1, 1] }, vec![rl, e], shape, so, None)?
        }
        // Bounded by 1: full precision for their role.
        Unary::Sigmoid => l.lookup(x, LookupFn::Sigmoid, lo, hi, act)?,
        Unary::Tanh => l.lookup(x, LookupFn::Tanh, lo, hi, act)?,
        Unary::Erf => l.lookup(x, LookupFn::Erf, lo, hi, act)?,
        Unary::HardSigmoid { alpha, beta } => {
            l.lookup(x, LookupFn::HardSigmoid { alpha, beta }, lo, hi, act)?
        }
        Unary::Softsign => l.lookup(x, LookupFn::Softsign, lo, hi, act)?,
        Unary::Exp
        | Unary::Gelu { .. }
        | Unary::Softplus
        | Unary::HardSwish
        | Unary::Selu { .. }
        | Unary::Mish
        | Unary::Silu => {
            let f = match u {
                Unary::Exp => LookupFn::Exp,
                Unary::Gelu { tanh } => LookupFn::Gelu { tanh },
                Unary::HardSwish => LookupFn::HardSwish,
                Unary::Selu { alpha, gamma } => LookupFn::Selu { alpha, gamma },
                Unary::Mish => LookupFn::Mish,
                Unary::Silu => LookupFn::Silu,
                _ => LookupFn::Softplus,
            };
            let so = l.chosen_scale(out)?;
            l.lookup(x, f, lo, hi, so)?
        }
        Unary::Log => {
            if r.min <= 0.0 {
                return Err(l.unsupported(format!(
                    "Log of a tensor whose calibrated range [{:.4}, {:.4}] is not positive",
                    r.min, r.max
                )));
            }
            let so = l.chosen_scale(out)?;
            l.lookup(x, LookupFn::Log { floor: r.min / h }, 0.0, hi, so)?
        }
        Unary::Sqrt => {
            let so = l.chosen_scale(out)?;
            let cal = l.range(out)?.max_abs();
            super::arithmetic::sqrt(l, x, so, Some(cal))?
        }
        Unary::Reciprocal => {
            if r.min <= 0.0 {
                return Err(l.unsupported(format!(
                    "Reciprocal of a tensor whose calibrated range [{:.4}, {:.4}] is not positive",
                    r.min, r.max
                )));
            }
            let one = l.int_const(vec![], vec![1]);
            let so = l.chosen_scale(out)?;
            let cal = l.range(out)?.max_abs();
            super::arithmetic::divide(l, one, x, so, Some(cal), shape)?
        }
    };
    l.finish(out, id);
    Ok(())
}
