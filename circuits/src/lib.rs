//! halo2 circuits for quantized ONNX models.
//!
//! [`lay_out`] turns a `QGraph` (and, when proving, its witness from the integer evaluator)
//! into a [`Builder`]: a virtual circuit of cells on *lanes* that carry two gates
//! (`a + b·c = d` and `acc + f·x = acc'` with fixed `f`), *lookup lanes* checked
//! against one tagged table (range tables of every width up to the limb size, and every
//! function table of the model), and copy constraints. Linear layers are checked either by
//! those chains or by a Freivalds check on *second-phase lanes* (see [`freivalds`]), whose values
//! depend on a challenge drawn after everything else is committed. Because the layout is recorded before
//! halo2 sees it, rows, columns and k are known without keygen. [`ModelCircuit`] writes the
//! recording into a halo2-axiom circuit.

mod assign;
pub mod builder;
mod chips;
pub mod circuit;
pub mod config;
pub mod diagnose;
pub mod error;
pub mod field;
pub mod freivalds;
mod gadgets;
pub mod interface;
pub mod packing;
pub mod plan;
pub mod poseidon;
pub mod regions;

pub use builder::{Builder, Layout, LinearCheck};
pub use chips::{chip_for, lay_out, size_out, weight_tensors};
pub use circuit::{ModelCircuit, OnceCircuit};
pub use config::Shape;
pub use error::{CircuitError, Result};
pub use field::fe;
pub use freivalds::FreivaldsInstructions;
pub use gadgets::{GateInstructions, RangeInstructions};
pub use halo2_proofs;
pub use interface::Interface;
pub use plan::{
    estimate_cost, estimate_plan, lay_out_planned, node_cells, plan, plan_within, Plan,
};
