//! The halo2 circuit: its columns and gates come from [`crate::config`], the recorded
//! assignment is written by `assign.rs`, in regions named after ONNX nodes.

use crate::builder::Builder;
use crate::config::{ModelConfig, Shape};
use halo2_proofs::circuit::{Layouter, SimpleFloorPlanner};
use halo2_proofs::halo2curves::bn256::Fr;
use halo2_proofs::plonk::{Circuit, ConstraintSystem, Error};
use std::sync::{Arc, Mutex};

/// A model's circuit: the recorded layout and its column shape.
#[derive(Clone, Debug)]
pub struct ModelCircuit {
    /// Recorded assignment.
    pub builder: Arc<Builder>,
    /// Column shape.
    pub shape: Shape,
}

impl ModelCircuit {
    /// Wraps a builder.
    #[must_use]
    pub fn new(builder: Builder) -> Self {
        let shape = shape_of(&builder);
        Self { builder: Arc::new(builder), shape }
    }

    /// Public inputs, in instance order.
    #[must_use]
    pub fn instances(&self) -> Vec<Fr> {
        self.builder.public_values.clone()
    }
}

impl Circuit<Fr> for ModelCircuit {
    type Config = ModelConfig;
    type FloorPlanner = SimpleFloorPlanner;
    type Params = Shape;

    fn params(&self) -> Shape {
        self.shape
    }

    fn without_witnesses(&self) -> Self {
        Self { builder: Arc::new(self.builder.without_witness()), shape: self.shape }
    }

    fn configure(meta: &mut ConstraintSystem<Fr>) -> ModelConfig {
        Self::configure_with_params(meta, Shape { lanes: 1, lookup_lanes: 1, ..Shape::default() })
    }

    fn configure_with_params(meta: &mut ConstraintSystem<Fr>, shape: Shape) -> ModelConfig {
        crate::config::configure(meta, shape)
    }

    fn synthesize(
        &self,
        config: ModelConfig,
        mut layouter: impl Layouter<Fr>,
    ) -> Result<(), Error> {
        crate::assign::synthesize(&self.builder, &config, &mut layouter)
    }
}

/// The columns a recording needs.
fn shape_of(builder: &Builder) -> Shape {
    debug_assert!(!builder.sizing, "a layout from `size_out` is measured, never synthesized");
    Shape {
        lanes: builder.lanes.len(),
        late_lanes: builder.late.len(),
        lookup_lanes: builder.lookups.len() - builder.range_lanes,
        range_lanes: builder.range_lanes,
        hash_lanes: builder.hash.len(),
        range_only_lookups: builder.range_only_lookups(),
        mac3: builder.mac3,
    }
}

/// A model's circuit for one proof: halo2 synthesizes it once, and the recording is freed as
/// soon as it is written, so the rest of the proof (most of its time and its peak memory) does
/// not hold the builder beside halo2's own columns: gigabytes for a `nanoGPT`-size model. A
/// second synthesis is an error, never an empty circuit.
#[derive(Debug)]
pub struct OnceCircuit {
    builder: Mutex<Option<Builder>>,
    shape: Shape,
}

impl OnceCircuit {
    /// Wraps a builder for a single synthesis.
    #[must_use]
    pub fn new(builder: Builder) -> Self {
        let shape = shape_of(&builder);
        Self { builder: Mutex::new(Some(builder)), shape }
    }
}

impl Circuit<Fr> for OnceCircuit {
    type Config = ModelConfig;
    type FloorPlanner = SimpleFloorPlanner;
    type Params = Shape;

    fn params(&self) -> Shape {
        self.shape
    }

    fn without_witnesses(&self) -> Self {
        let builder =
            self.builder.lock().ok().and_then(|b| b.as_ref().map(Builder::without_witness));
        Self { builder: Mutex::new(builder), shape: self.shape }
    }

    fn configure(meta: &mut ConstraintSystem<Fr>) -> ModelConfig {
        ModelCircuit::configure(meta)
    }

    fn configure_with_params(meta: &mut ConstraintSystem<Fr>, shape: Shape) -> ModelConfig {
        crate::config::configure(meta, shape)
    }

    fn synthesize(
        &self,
        config: ModelConfig,
        mut layouter: impl Layouter<Fr>,
    ) -> Result<(), Error> {
        let builder =
            self.builder.lock().map_err(|_| Error::Synthesis)?.take().ok_or(Error::Synthesis)?;
        crate::assign::synthesize(&builder, &config, &mut layouter)
    }
}
