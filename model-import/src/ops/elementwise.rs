//! Element-wise unary ops.

use super::{BuildCtx, Built, Op};
use crate::error::Result;
use crate::tensor::{DType, Tensor};
use serde::{Deserialize, Serialize};

/// An element-wise function of one tensor.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[allow(missing_docs)] // variants mirror ONNX ops of the same name
pub enum Unary {
    Identity,
    Relu,
    LeakyRelu {
        alpha: f64,
    },
    Elu {
        alpha: f64,
    },
    Sigmoid,
    Tanh,
    Exp,
    /// Natural logarithm.
    Log,
    Erf,
    /// GELU, exact (erf) or tanh approximation.
    Gelu {
        tanh: bool,
    },
    Sqrt,
    Reciprocal,
    Neg,
    Abs,
    Softplus,
    HardSigmoid {
        alpha: f64,
        beta: f64,
    },
    /// x·HardSigmoid(x) with alpha 1/6, beta 1/2 (MobileNetV3).
    HardSwish,
    /// x / (1 + |x|).
    Softsign,
    /// gamma·x for x > 0, gamma·alpha·(e^x − 1) below.
    Selu {
        alpha: f64,
        gamma: f64,
    },
    /// x·tanh(softplus(x)).
    Mish,
    /// x·sigmoid(x) (SiLU, Swish): no ONNX op of its own before opset 24, so exporters write
    /// `Sigmoid` and `Mul`; import fuses the pair into this (see `fuse.rs`).
    Silu,
}

impl Unary {
    /// The scalar function.
    #[must_use]
    pub fn apply(self, x: f64) -> f64 {
        match self {
            Self::Identity => x,
            Self::Relu => x.max(0.0),
            Self::LeakyRelu { alpha } => {
                if x >= 0.0 {
                    x
                } else {
                    alpha * x
                }
            }
            Self::Elu { alpha } => {
                if x >= 0.0 {
                    x
                } else {
                    alpha * libm::expm1(x)
                }
            }
            Self::Sigmoid => 1.0 / (1.0 + libm::exp(-x)),
            Self::Tanh => libm::tanh(x),
            Self::Exp => libm::exp(x),
            Self::Log => libm::log(x),
            Self::Erf => libm::erf(x),
            Self::Gelu { tanh: false } => 0.5 * x * (1.0 + libm::erf(x / std::f64::consts::SQRT_2)),
            Self::Gelu { tanh: true } => {
                let c = (2.0 / std::f64::consts::PI).sqrt();
                0.5 * x * (1.0 + libm::tanh(c * (x + 0.044_715 * x * x * x)))
            }
            Self::Sqrt => libm::sqrt(x),
            Self::Reciprocal => 1.0 / x,
            Self::Neg => -x,
            Self::Abs => x.abs(),
            Self::Softplus => libm::log1p(libm::exp(x)),
            Self::HardSigmoid { alpha, beta } => (alpha * x + beta).clamp(0.0, 1.0),
            Self::HardSwish => x * (x / 6.0 + 0.5).clamp(0.0, 1.0),
            Self::Softsign => x / (1.0 + x.abs()),
            Self::Selu { alpha, gamma } => {
                if x > 0.0 {
                    gamma * x
                } else {
                    gamma * alpha * libm::expm1(x)
                }
            }
            Self::Mish => x * libm::tanh(libm::log1p(libm::exp(x))),
            Self::Silu => x / (1.0 + libm::exp(-x)),
        }
    }

    /// Applies the function to every element.
    #[must_use]
    pub fn eval(self, t: &Tensor) -> Tensor {
        Tensor::new(t.shape.clone(), t.dtype, t.data.iter().map(|&x| self.apply(x)).collect())
    }
}

/// `Clip(x, min, max)`.
#[must_use]
pub fn clip(t: &Tensor, min: Option<f64>, max: Option<f64>) -> Tensor {
    let lo = min.unwrap_or(f64::NEG_INFINITY);
    let hi = max.unwrap_or(f64::INFINITY);
    Tensor::new(t.shape.clone(), t.dtype, t.data.iter().map(|&x| x.max(lo).min(hi)).collect())
}

pub(super) fn build(op_type: &str, ctx: &BuildCtx<'_>) -> Result<Option<Built>> {
    let a = &ctx.attrs;
    if op_type == "Cast" {
        let code = i32::try_from(a.int_or("to", 1)).unwrap_or(0);
        let to = DType::from_onnx(code)
            .ok_or_else(|| a.error("to", format!("unsupported target type code {code}")))?;
        return Ok(Some(Built::Op(Op::Cast { to }, vec![0])));
    }
    let u = match op_type {
        "Identity" | "Dropout" => Unary::Identity,
        "Relu" => Unary::Relu,
        "LeakyRelu" => Unary::LeakyRelu { alpha: a.float_or("alpha", 0.01) },
        "Elu" => Unary::Elu { alpha: a.float_or("alpha", 1.0) },
        "Sigmoid" => Unary::Sigmoid,
        "Tanh" => Unary::Tanh,
        "Exp" => Unary::Exp,
        "Log" => Unary::Log,
        "Erf" => Unary::Erf,
        "Gelu" => {
            let approx = a.string("approximate").unwrap_or_else(|| "none".into());
            match approx.as_str() {
                "none" => Unary::Gelu { tanh: false },
                "tanh" => Unary::Gelu { tanh: true },
                other => {
                    return Err(
                        a.error("approximate", format!("expected 'none' or 'tanh', got '{other}'"))
                    )
                }
            }
        }
        "Sqrt" => Unary::Sqrt,
        "Reciprocal" => Unary::Reciprocal,
        "Neg" => Unary::Neg,
        "Abs" => Unary::Abs,
        "Softplus" => Unary::Softplus,
        "HardSigmoid" => {
            Unary::HardSigmoid { alpha: a.float_or("alpha", 0.2), beta: a.float_or("beta", 0.5) }
        }
        "HardSwish" => Unary::HardSwish,
        "Softsign" => Unary::Softsign,
        "Selu" => Unary::Selu {
            alpha: a.float_or("alpha", 1.673_263_192_176_818_8),
            gamma: a.float_or("gamma", 1.050_701_022_148_132_3),
        },
        "Mish" => Unary::Mish,
        "Clip" => {
            // Opset < 11 carries bounds as attributes, later opsets as optional inputs.
            let (min, max) = if ctx.opset < 11 {
                (
                    a.has("min").then(|| a.float_or("min", 0.0)),
                    a.has("max").then(|| a.float_or("max", 0.0)),
                )
            } else {
                let scalar = |i: usize, what: &str| -> Result<Option<f64>> {
                    Ok(ctx.opt_const_arg(i, what)?.and_then(|t| t.data.first().copied()))
                };
                (scalar(1, "Clip min")?, scalar(2, "Clip max")?)
            };
            return Ok(Some(Built::Op(Op::Clip { min, max }, vec![0])));
        }
        _ => return Ok(None),
    };
    if op_type == "Dropout" && ctx.n_outputs > 1 {
        return Err(ctx
            .unsupported("Dropout's mask output is not supported; export the model in eval mode"));
    }
    Ok(Some(Built::Op(Op::Unary(u), vec![0])))
}
