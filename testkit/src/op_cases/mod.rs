//! A small ONNX model for every op of the coverage manifest
//! (`zkinfer_model_import::coverage::COVERAGE`), one file per manifest family. `quantize`
//! checks each against tract through the integer evaluator, `circuits` proves each with
//! MockProver and perturbs its cells; both check that the cases and the manifest list the
//! same ops.
#![allow(missing_docs, clippy::unwrap_used)] // test cases: a malformed case must stop the test

mod arithmetic;
mod elementwise;
mod linear;
mod ml;
mod norm;
mod pool;
mod recurrent;
mod reduce;
mod shape;

pub use crate::onnx_builder::*;
pub use elementwise::gelu_tanh_nodes;

/// A case: its name (the op, then what it varies), the model, and the tolerance of the
/// quantized result relative to the output range.
pub type OpCase = (&'static str, M, f64);

/// The default tolerance.
pub const C: f64 = 5e-4;

/// A `[1, 3, 4, 4]` float input `x` in [−2, 2] (an image).
#[must_use]
pub fn x(m: M) -> M {
    m.input("x", &[1, 3, 4, 4], -2.0, 2.0)
}

/// A `[2, 6]` float input `x` in [−2, 2].
#[must_use]
pub fn v(m: M) -> M {
    m.input("x", &[2, 6], -2.0, 2.0)
}

/// One unary node `op(x) -> y` on a `[2, 6]` input, opset 13.
#[must_use]
pub fn un(op: &str, attrs: Vec<AttributeProto>) -> M {
    v(M::new(13)).node(op, &["x"], &["y"], attrs).output("y")
}

/// A family's name and its cases.
pub type Family = (&'static str, fn() -> Vec<OpCase>);

/// The families, by name.
#[must_use]
pub fn families() -> Vec<Family> {
    vec![
        ("arithmetic", arithmetic::cases),
        ("elementwise", elementwise::cases),
        ("linear", linear::cases),
        ("ml", ml::cases),
        ("norm", norm::cases),
        ("pool", pool::cases),
        ("recurrent", recurrent::cases),
        ("reduce", reduce::cases),
        ("shape", shape::cases),
    ]
}

/// Every case, family by family.
#[must_use]
pub fn all() -> Vec<OpCase> {
    families().into_iter().flat_map(|(_, cases)| cases()).collect()
}
