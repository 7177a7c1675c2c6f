//! Element-wise binary ops with numpy broadcasting, plus `Where`.

use super::{BuildCtx, Built, Op, Step, StepArg};
use crate::error::Result;
use crate::tensor::{broadcast_index_map, broadcast_shapes, DType, Tensor};
use serde::{Deserialize, Serialize};

/// An element-wise function of two tensors.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[allow(missing_docs)] // variants mirror ONNX ops of the same name
pub enum Binary {
    Add,
    Sub,
    Mul,
    Div,
    Pow,
    Max,
    Min,
    Equal,
    Less,
    Greater,
    /// `PRelu(x, slope)`.
    PRelu,
}

impl Binary {
    fn apply(self, a: f64, b: f64, int: bool) -> f64 {
        let bool_f = |c: bool| f64::from(u8::from(c));
        match self {
            Self::Add => a + b,
            Self::Sub => a - b,
            Self::Mul => a * b,
            // Integer division truncates (shape arithmetic relies on it).
            Self::Div => {
                if int && b != 0.0 {
                    (a / b).trunc()
                } else {
                    a / b
                }
            }
            Self::Pow => libm::pow(a, b),
            Self::Max => a.max(b),
            Self::Min => a.min(b),
            Self::Equal => bool_f(a == b),
            Self::Less => bool_f(a < b),
            Self::Greater => bool_f(a > b),
            Self::PRelu => {
                if a >= 0.0 {
                    a
                } else {
                    a * b
                }
            }
        }
    }

    /// True for comparisons, whose output is boolean.
    #[must_use]
    pub fn is_comparison(self) -> bool {
        matches!(self, Self::Equal | Self::Less | Self::Greater)
    }

    /// Broadcasting evaluation. Shapes were checked at build time.
    #[must_use]
    pub fn eval(self, a: &Tensor, b: &Tensor) -> Tensor {
        let shape = broadcast_shapes(&a.shape, &b.shape).unwrap_or_else(|| a.shape.clone());
        let ma = broadcast_index_map(&a.shape, &shape);
        let mb = broadcast_index_map(&b.shape, &shape);
        let int = a.dtype == DType::Int && b.dtype == DType::Int;
        let data =
            ma.iter().zip(&mb).map(|(&i, &j)| self.apply(a.data[i], b.data[j], int)).collect();
        let dtype = if self.is_comparison() { DType::Bool } else { a.dtype };
        Tensor::new(shape, dtype, data)
    }
}

/// `Where(cond, x, y)` with three-way broadcasting.
#[must_use]
pub fn eval_where(c: &Tensor, x: &Tensor, y: &Tensor) -> Tensor {
    let shape = broadcast_shapes(&c.shape, &x.shape)
        .and_then(|s| broadcast_shapes(&s, &y.shape))
        .unwrap_or_else(|| x.shape.clone());
    let mc = broadcast_index_map(&c.shape, &shape);
    let mx = broadcast_index_map(&x.shape, &shape);
    let my = broadcast_index_map(&y.shape, &shape);
    let data = (0..mc.len())
        .map(|k| if c.data[mc[k]] != 0.0 { x.data[mx[k]] } else { y.data[my[k]] })
        .collect();
    Tensor::new(shape, x.dtype, data)
}

pub(super) fn build(op_type: &str, ctx: &BuildCtx<'_>) -> Result<Option<Built>> {
    let b = match op_type {
        "Sum" | "Mean" | "Max" | "Min" => return variadic(op_type, ctx).map(Some),
        "Add" => Binary::Add,
        "Sub" => Binary::Sub,
        "Mul" => Binary::Mul,
        "Div" => Binary::Div,
        "Pow" => Binary::Pow,
        "Equal" => Binary::Equal,
        "Less" => Binary::Less,
        "Greater" => Binary::Greater,
        "PRelu" => Binary::PRelu,
        "Where" => {
            let s = broadcast_shapes(&ctx.arg(0)?.shape, &ctx.arg(1)?.shape).and_then(|s| {
                broadcast_shapes(&s, &ctx.arg(2).map(|a| a.shape.clone()).unwrap_or_default())
            });
            if s.is_none() {
                return Err(ctx.shape_err("cond, x and y do not broadcast together"));
            }
            return Ok(Some(Built::Op(Op::Where, vec![0, 1, 2])));
        }
        _ => return Ok(None),
    };
    let n_inputs = ctx.args.iter().filter(|a| a.is_some()).count();
    if n_inputs != 2 {
        return Err(ctx.unsupported(format!("{op_type} with {n_inputs} inputs; it takes two")));
    }
    let (sa, sb) = (&ctx.arg(0)?.shape, &ctx.arg(1)?.shape);
    if ctx.opset < 7 && ctx.attrs.int_or("broadcast", 0) != 0 && sb.len() < sa.len() {
        return legacy_broadcast(ctx, b, sa, sb).map(Some);
    }
    if broadcast_shapes(sa, sb).is_none() {
        return Err(ctx.shape_err(format!("shapes {sa:?} and {sb:?} do not broadcast")));
    }
    Ok(Some(Built::Op(Op::Binary(b), vec![0, 1])))
}

/// Before opset 7 a binary op broadcasts only with `broadcast = 1`, and then B's axes line up
/// with A's from `axis` (default: A's trailing axes), not numpy-style from the right: B is
/// reshaped to A's rank with its axes at `axis…`, then broadcast as usual.
fn legacy_broadcast(ctx: &BuildCtx<'_>, b: Binary, sa: &[usize], sb: &[usize]) -> Result<Built> {
    let axis = if ctx.attrs.has("axis") {
        ctx.axis(ctx.attrs.int_or("axis", 0), sa.len())?
    } else {
        sa.len() - sb.len()
    };
    let fits = axis + sb.len() <= sa.len()
        && sb.iter().zip(&sa[axis..]).all(|(&db, &da)| db == da || db == 1);
    if !fits {
        return Err(ctx.shape_err(format!(
            "B {sb:?} does not line up with A {sa:?} at axis {axis} (legacy broadcast)"
        )));
    }
    let mut shape = vec![1; sa.len()];
    shape[axis..axis + sb.len()].copy_from_slice(sb);
    Ok(Built::Chain(vec![
        Step { op: Op::Reshape { shape }, args: vec![StepArg::Input(1)] },
        Step { op: Op::Binary(b), args: vec![StepArg::Input(0), StepArg::Step(0)] },
    ]))
}

/// `Sum`, `Mean`, `Max` and `Min` of one or more inputs (broadcast together), as a chain of
/// binary steps; `Mean` multiplies the sum by 1/n.
fn variadic(op_type: &str, ctx: &BuildCtx<'_>) -> Result<Built> {
    let b = match op_type {
        "Max" => Binary::Max,
        "Min" => Binary::Min,
        _ => Binary::Add,
    };
    let n = ctx.args.len();
    if n == 0 || ctx.args.iter().any(Option::is_none) {
        return Err(ctx.unsupported(format!("{op_type} needs one or more inputs, none empty")));
    }
    let mut shape = ctx.arg(0)?.shape.clone();
    for i in 1..n {
        let s = &ctx.arg(i)?.shape;
        shape = broadcast_shapes(&shape, s).ok_or_else(|| {
            ctx.shape_err(format!("input {i} of shape {s:?} does not broadcast to {shape:?}"))
        })?;
    }
    let mut steps = Vec::new();
    if n == 1 {
        steps.push(Step { op: Op::Unary(super::Unary::Identity), args: vec![StepArg::Input(0)] });
    }
    for i in 1..n {
        let prev = if i == 1 { StepArg::Input(0) } else { StepArg::Step(steps.len() - 1) };
        steps.push(Step { op: Op::Binary(b), args: vec![prev, StepArg::Input(i)] });
    }
    if op_type == "Mean" && n > 1 {
        #[allow(clippy::cast_precision_loss)]
        let inv = Tensor::scalar(1.0 / n as f64, crate::tensor::DType::Float);
        let last = StepArg::Step(steps.len() - 1);
        steps.push(Step { op: Op::Binary(Binary::Mul), args: vec![last, StepArg::Const(inv)] });
    }
    Ok(Built::Chain(steps))
}
