//! ONNX operators: attribute parsing, resolution of parameter inputs and float evaluation.
//!
//! One module per op family. Each `build_*` turns an ONNX node into an [`Op`] (or directly into
//! constants for shape-only ops) and each `eval` computes it in `f64`.

pub mod arithmetic;
pub mod attrs;
pub mod conv;
pub mod elementwise;
pub mod matmul;
pub mod ml;
pub mod norm;
pub mod pool;
pub mod recurrent;
pub mod reduce;
pub mod resize;
pub mod scatter;
pub mod shape;
pub mod slice;
pub mod triangular;

pub use arithmetic::Binary;
pub use attrs::Attrs;
pub use conv::ConvSpec;
pub use elementwise::Unary;
pub use pool::{PoolKind, PoolSpec};
pub use reduce::ReduceKind;
pub use slice::{PadMode, SliceAxis};

use crate::error::{ImportError, NodeRef, Result};
use crate::tensor::{DType, Tensor};
use serde::{Deserialize, Serialize};

/// A resolved operator. Shapes are concrete and parameter inputs are attributes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[allow(missing_docs)] // variants mirror the ONNX operators of the same name
pub enum Op {
    Unary(Unary),
    Binary(Binary),
    /// `Where(cond, x, y)`.
    Where,
    Clip {
        min: Option<f64>,
        max: Option<f64>,
    },
    Cast {
        to: DType,
    },
    MatMul,
    Gemm {
        alpha: f64,
        beta: f64,
        trans_a: bool,
        trans_b: bool,
    },
    Conv(ConvSpec),
    ConvTranspose(ConvSpec),
    Pool(PoolSpec),
    /// Inference-mode batch normalization: inputs x, scale, bias, mean, var.
    BatchNorm {
        epsilon: f64,
    },
    /// Normalizes over axes `axis..rank`: inputs x, scale, optional bias.
    LayerNorm {
        axis: usize,
        epsilon: f64,
    },
    /// Softmax over `axes` (one axis from opset 13; all trailing axes before, by 2-D coercion).
    Softmax {
        axes: Vec<usize>,
    },
    Reduce {
        kind: ReduceKind,
        axes: Vec<usize>,
        keepdims: bool,
    },
    ArgMax {
        axis: usize,
        keepdims: bool,
        select_last: bool,
    },
    /// Reshape, Flatten, Squeeze and Unsqueeze: same data, new shape.
    Reshape {
        shape: Vec<usize>,
    },
    Transpose {
        perm: Vec<usize>,
    },
    Slice {
        axes: Vec<SliceAxis>,
    },
    Split {
        axis: usize,
        sizes: Vec<usize>,
    },
    /// `Gather(data, indices)`.
    Gather {
        axis: usize,
    },
    /// Nearest-neighbour `Resize`: output coordinate `i` of axis `a` copies input coordinate
    /// `src[a][i]`.
    Resize {
        src: Vec<Vec<usize>>,
    },
    /// `GatherElements(data, indices)` with constant indices: `out[i] = data[i with the axis
    /// coordinate replaced by indices[i]]`.
    GatherElements {
        axis: usize,
    },
    /// `ScatterElements(data, indices, updates)` with constant indices: the data with
    /// `out[i with the axis coordinate replaced by indices[i]] = updates[i]`.
    ScatterElements {
        axis: usize,
    },
    /// `ScatterND(data, indices, updates)` with constant indices.
    ScatterNd,
    Concat {
        axis: usize,
    },
    Pad {
        pads: Vec<(usize, usize)>,
        mode: PadMode,
        value: f64,
    },
    Tile {
        repeats: Vec<usize>,
    },
    Expand {
        shape: Vec<usize>,
    },
}

/// What the importer knows about one node input while building it.
#[derive(Clone, Debug)]
pub struct Arg {
    /// Concrete shape.
    pub shape: Vec<usize>,
    /// Element type.
    pub dtype: DType,
    /// The value when it is a constant.
    pub value: Option<Tensor>,
}

/// Result of building a node.
#[derive(Debug)]
pub enum Built {
    /// A compute op; the listed input positions are its data inputs, in order.
    Op(Op, Vec<usize>),
    /// A chain of compute ops (a variadic op as binary steps); the last step's output is the
    /// node's.
    Chain(Vec<Step>),
    /// Compute ops whose outputs `outputs[k]` (step indices) are the node's outputs in order:
    /// a composite op with several results, such as a classifier's label and probabilities.
    Steps {
        /// The ops, each reading node inputs, earlier steps or constants.
        steps: Vec<Step>,
        /// For each node output, the step that produces it.
        outputs: Vec<usize>,
    },
    /// The node's outputs are known constants (shape arithmetic, `Constant`, …).
    Const(Vec<Tensor>),
}

/// One op of a [`Built::Chain`].
#[derive(Clone, Debug)]
pub struct Step {
    /// The op.
    pub op: Op,
    /// Its data inputs, in order.
    pub args: Vec<StepArg>,
}

/// Where a chained op's input comes from.
#[derive(Clone, Debug)]
pub enum StepArg {
    /// The node's input at this position.
    Input(usize),
    /// The output of an earlier step.
    Step(usize),
    /// A constant the decomposition introduces (e.g. Mean's 1/n).
    Const(Tensor),
}

/// Everything a builder may look at.
pub struct BuildCtx<'a> {
    /// Node identity for errors.
    pub node: NodeRef,
    /// Node attributes.
    pub attrs: Attrs<'a>,
    /// Inputs; `None` for an omitted optional input.
    pub args: Vec<Option<Arg>>,
    /// Default-domain opset.
    pub opset: i64,
    /// Number of outputs the node declares.
    pub n_outputs: usize,
}

impl BuildCtx<'_> {
    /// Input `i`, required.
    ///
    /// # Errors
    /// When the input is absent.
    pub fn arg(&self, i: usize) -> Result<&Arg> {
        self.args.get(i).and_then(Option::as_ref).ok_or_else(|| ImportError::Shape {
            node: self.node.clone(),
            reason: format!("required input #{i} is missing"),
        })
    }

    /// Input `i` when present.
    #[must_use]
    pub fn opt_arg(&self, i: usize) -> Option<&Arg> {
        self.args.get(i).and_then(Option::as_ref)
    }

    /// Constant value of input `i`; parameter inputs such as a Reshape's shape must be
    /// constant (after folding) for the circuit to have a fixed layout.
    ///
    /// # Errors
    /// When the input is absent or computed from model inputs.
    pub fn const_arg(&self, i: usize, what: &str) -> Result<&Tensor> {
        self.arg(i)?.value.as_ref().ok_or_else(|| ImportError::Unsupported {
            node: self.node.clone(),
            reason: format!(
                "{what} (input #{i}) depends on the model input; zkinfer needs it constant so the circuit has a fixed shape"
            ),
        })
    }

    /// Optional constant input: `Ok(None)` when omitted.
    ///
    /// # Errors
    /// When present but not constant.
    pub fn opt_const_arg(&self, i: usize, what: &str) -> Result<Option<&Tensor>> {
        match self.opt_arg(i) {
            None => Ok(None),
            Some(_) => self.const_arg(i, what).map(Some),
        }
    }

    /// Rank of input `i`.
    ///
    /// # Errors
    /// When the input is absent.
    pub fn rank(&self, i: usize) -> Result<usize> {
        Ok(self.arg(i)?.shape.len())
    }

    /// Resolves an axis against a rank.
    ///
    /// # Errors
    /// When the axis is out of range.
    pub fn axis(&self, axis: i64, rank: usize) -> Result<usize> {
        crate::tensor::normalize_axis(axis, rank).ok_or_else(|| ImportError::BadAttribute {
            node: self.node.clone(),
            attr: "axis".into(),
            reason: format!("axis {axis} is out of range for rank {rank}"),
        })
    }

    /// A shape error for this node.
    #[must_use]
    pub fn shape_err(&self, reason: impl Into<String>) -> ImportError {
        ImportError::Shape { node: self.node.clone(), reason: reason.into() }
    }

    /// An unsupported-usage error for this node.
    #[must_use]
    pub fn unsupported(&self, reason: impl Into<String>) -> ImportError {
        ImportError::Unsupported { node: self.node.clone(), reason: reason.into() }
    }
}

/// `IsNaN` and `IsInf`, the guards today's exporters put around divisions and masks. A
/// constant input is tested; any other is a quantized tensor, whose values are finite
/// integers by construction, so the answer is all false (folded, and the `Where` it feeds
/// becomes a copy).
fn nan_guard(op_type: &str, ctx: &BuildCtx<'_>) -> Result<Built> {
    let x = ctx.arg(0)?;
    let (neg, pos) =
        (ctx.attrs.int_or("detect_negative", 1), ctx.attrs.int_or("detect_positive", 1));
    let test = |v: f64| -> bool {
        if op_type == "IsNaN" {
            v.is_nan()
        } else {
            (v == f64::INFINITY && pos != 0) || (v == f64::NEG_INFINITY && neg != 0)
        }
    };
    let data: Vec<f64> = match &x.value {
        Some(t) => t.data.iter().map(|&v| f64::from(u8::from(test(v)))).collect(),
        None => vec![0.0; crate::tensor::numel(&x.shape)],
    };
    Ok(Built::Const(vec![Tensor::new(x.shape.clone(), crate::tensor::DType::Bool, data)]))
}

/// Builds one ONNX node of the default domain. `Ok(None)` means the op type is unknown.
///
/// # Errors
/// Bad attributes, non-constant parameter inputs, or incompatible shapes.
pub fn build(op_type: &str, ctx: &BuildCtx<'_>) -> Result<Option<Built>> {
    if crate::coverage::find_in("", op_type).is_none() {
        return Ok(None);
    }
    let built = match op_type {
        "MatMul" | "Gemm" => matmul::build(op_type, ctx)?,
        "Conv" | "ConvTranspose" => conv::build(op_type, ctx)?,
        "MaxPool" | "AveragePool" | "GlobalAveragePool" | "GlobalMaxPool" => {
            pool::build(op_type, ctx)?
        }
        "BatchNormalization"
        | "LayerNormalization"
        | "InstanceNormalization"
        | "GroupNormalization"
        | "Softmax"
        | "LogSoftmax" => norm::build(op_type, ctx)?,
        "ReduceMean" | "ReduceSum" | "ReduceMax" | "ReduceMin" | "ArgMax" => {
            reduce::build(op_type, ctx)?
        }
        "Reshape" | "Flatten" | "Squeeze" | "Unsqueeze" | "Transpose" | "Expand" | "Tile"
        | "Shape" | "Size" | "ConstantOfShape" | "Constant" | "Range" | "NonZero" => {
            shape::build(op_type, ctx)?
        }
        "Slice" | "Split" | "Gather" | "GatherElements" | "Concat" | "Pad" => {
            slice::build(op_type, ctx)?
        }
        "IsNaN" | "IsInf" => nan_guard(op_type, ctx)?,
        "LSTM" | "GRU" | "RNN" => recurrent::build(op_type, ctx)?,
        "ScatterElements" | "ScatterND" => scatter::build(op_type, ctx)?,
        "Trilu" | "CumSum" => triangular::build(op_type, ctx)?,
        "Resize" => resize::build(ctx)?,
        _ => {
            if let Some(b) = arithmetic::build(op_type, ctx)? {
                b
            } else if let Some(b) = elementwise::build(op_type, ctx)? {
                b
            } else {
                return Ok(None);
            }
        }
    };
    Ok(Some(built))
}

impl Op {
    /// Evaluates the op in `f64` on concrete inputs.
    ///
    /// # Errors
    /// Runtime errors such as an out-of-range Gather index.
    pub fn eval(&self, inputs: &[&Tensor], node: &NodeRef) -> Result<Vec<Tensor>> {
        let one = |t: Tensor| Ok(vec![t]);
        let arity = |n: usize| -> Result<()> {
            if inputs.len() < n {
                return Err(ImportError::Invalid(format!(
                    "{node}: expected {n} inputs, got {}",
                    inputs.len()
                )));
            }
            Ok(())
        };
        match self {
            Self::Unary(u) => {
                arity(1)?;
                one(u.eval(inputs[0]))
            }
            Self::Binary(b) => {
                arity(2)?;
                one(b.eval(inputs[0], inputs[1]))
            }
            Self::Where => {
                arity(3)?;
                one(arithmetic::eval_where(inputs[0], inputs[1], inputs[2]))
            }
            Self::Clip { min, max } => {
                arity(1)?;
                one(elementwise::clip(inputs[0], *min, *max))
            }
            Self::Cast { to } => {
                arity(1)?;
                let t = inputs[0];
                one(Tensor::new(t.shape.clone(), *to, t.data.iter().map(|&v| to.cast(v)).collect()))
            }
            Self::MatMul => {
                arity(2)?;
                one(matmul::matmul(inputs[0], inputs[1]))
            }
            Self::Gemm { alpha, beta, trans_a, trans_b } => {
                arity(2)?;
                one(matmul::gemm(inputs, *alpha, *beta, *trans_a, *trans_b))
            }
            Self::Conv(spec) => {
                arity(2)?;
                one(conv::conv(spec, inputs[0], inputs[1], inputs.get(2).copied()))
            }
            Self::ConvTranspose(spec) => {
                arity(2)?;
                one(conv::conv_transpose(spec, inputs[0], inputs[1], inputs.get(2).copied()))
            }
            Self::Pool(spec) => {
                arity(1)?;
                one(pool::pool(spec, inputs[0]))
            }
            Self::BatchNorm { epsilon } => {
                arity(5)?;
                one(norm::batch_norm(inputs, *epsilon))
            }
            Self::LayerNorm { axis, epsilon } => {
                arity(2)?;
                one(norm::layer_norm(inputs, *axis, *epsilon))
            }
            Self::Softmax { axes } => {
                arity(1)?;
                one(norm::softmax(inputs[0], axes))
            }
            Self::Reduce { kind, axes, keepdims } => {
                arity(1)?;
                one(reduce::reduce(inputs[0], *kind, axes, *keepdims))
            }
            Self::ArgMax { axis, keepdims, select_last } => {
                arity(1)?;
                one(reduce::argmax(inputs[0], *axis, *keepdims, *select_last))
            }
            Self::Reshape { shape } => {
                arity(1)?;
                one(Tensor::new(shape.clone(), inputs[0].dtype, inputs[0].data.clone()))
            }
            Self::Transpose { perm } => {
                arity(1)?;
                one(shape::transpose(inputs[0], perm))
            }
            Self::Slice { axes } => {
                arity(1)?;
                one(slice::slice(inputs[0], axes))
            }
            Self::Split { axis, sizes } => {
                arity(1)?;
                Ok(slice::split(inputs[0], *axis, sizes))
            }
            Self::Gather { axis } => {
                arity(2)?;
                one(slice::gather(inputs[0], inputs[1], *axis, node)?)
            }
            Self::Resize { src } => {
                arity(1)?;
                one(resize::resize(inputs[0], src))
            }
            Self::GatherElements { axis } => {
                arity(2)?;
                one(slice::gather_elements(inputs[0], inputs[1], *axis, node)?)
            }
            Self::ScatterElements { axis } => {
                arity(3)?;
                one(scatter::scatter_elements(inputs[0], inputs[1], inputs[2], *axis, node)?)
            }
            Self::ScatterNd => {
                arity(3)?;
                one(scatter::scatter_nd(inputs[0], inputs[1], inputs[2], node)?)
            }
            Self::Concat { axis } => {
                arity(1)?;
                one(slice::concat(inputs, *axis))
            }
            Self::Pad { pads, mode, value } => {
                arity(1)?;
                one(slice::pad(inputs[0], pads, *mode, *value))
            }
            Self::Tile { repeats } => {
                arity(1)?;
                one(shape::tile(inputs[0], repeats))
            }
            Self::Expand { shape } => {
                arity(1)?;
                one(shape::expand(inputs[0], shape))
            }
        }
    }

    /// True for ops that only move data (no arithmetic): they cost copy constraints only.
    #[must_use]
    pub fn is_data_movement(&self) -> bool {
        matches!(
            self,
            Self::Reshape { .. }
                | Self::Transpose { .. }
                | Self::Slice { .. }
                | Self::Split { .. }
                | Self::Concat { .. }
                | Self::Pad { .. }
                | Self::Tile { .. }
                | Self::Expand { .. }
                | Self::Unary(Unary::Identity)
        )
    }
}
