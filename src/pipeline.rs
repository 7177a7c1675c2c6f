//! The pipeline steps shared by the CLI (and, later, the Python module).

use crate::{Error, Result};
use serde::Serialize;
use std::path::{Path, PathBuf};
use zkinfer_model_import::input::{read_input_file, read_inputs};
use zkinfer_model_import::reference::tract_run;
use zkinfer_model_import::{load_with, DType, Graph, ImportOptions, Tensor};
use zkinfer_quantize::calibrate::{calibrate, settings_for};
use zkinfer_quantize::report::{compare, OutputError};
use zkinfer_quantize::{eval, QGraph, Settings, Target};

/// Table sizes (log2 of their entries) the `balanced` target tries when a function table
/// would be interpolated at the default size.
const LARGER_TABLE_BITS: [u32; 2] = [14, 16];

/// An imported model and where it came from.
pub struct Model {
    /// Path of the ONNX file.
    pub path: PathBuf,
    /// Imported graph.
    pub graph: Graph,
    /// Batch size used for symbolic batch dimensions.
    pub batch: usize,
}

impl Model {
    /// Imports an ONNX file, resolving a symbolic batch dimension to `batch`.
    ///
    /// # Errors
    /// Unreadable, malformed or unsupported models.
    pub fn load(path: &Path, batch: usize) -> Result<Self> {
        let graph = load_with(path, &ImportOptions { batch, input_shapes: Vec::new() })?;
        Ok(Self { path: path.to_path_buf(), graph, batch })
    }

    /// Reads one `input.json` and checks it against the model's inputs.
    ///
    /// # Errors
    /// Bad file, wrong sizes, NaN or non-integer token ids.
    pub fn read_input(&self, path: &Path) -> Result<Vec<Tensor>> {
        Ok(self.graph.make_inputs(&read_input_file(path)?)?)
    }

    /// Reads calibration samples: one input file or a directory of them.
    ///
    /// # Errors
    /// As [`Model::read_input`], for any sample.
    pub fn read_samples(&self, path: &Path) -> Result<Vec<Vec<Tensor>>> {
        read_inputs(path)?.iter().map(|d| self.graph.make_inputs(d).map_err(Error::from)).collect()
    }

    /// A deterministic stand-in input (values in [−1, 1), token ids 0..8) for inspecting a
    /// model without data.
    #[must_use]
    pub fn synthetic_input(&self) -> Vec<Tensor> {
        self.graph
            .inputs
            .iter()
            .map(|&id| {
                let t = &self.graph.tensors[id];
                let n: usize = t.shape.iter().product();
                #[allow(clippy::cast_precision_loss)]
                let data = (0..n)
                    .map(|i| match t.dtype {
                        DType::Float => ((i * 7919) % 2000) as f64 / 1000.0 - 1.0,
                        _ => (i % 8) as f64,
                    })
                    .collect();
                Tensor::new(t.shape.clone(), t.dtype, data)
            })
            .collect()
    }

    /// Calibrates on samples with the defaults of `target`.
    ///
    /// # Errors
    /// Float evaluation errors.
    pub fn calibrate(
        &self,
        samples: &[Vec<Tensor>],
        target: Target,
        progress: impl FnMut(usize),
    ) -> Result<Settings> {
        let cal = calibrate(&self.graph, samples, progress)?;
        let settings = settings_for(&self.graph, self.batch, target, cal);
        Ok(match target {
            Target::Balanced => self.balance(settings),
            _ => settings,
        })
    }

    /// A `balanced` target's fewer bits inside the model pay off only where they let the
    /// planner find a cheaper circuit (values small enough for one bound-table lookup each);
    /// where they do not (a circuit too short for a 2^14-entry table, or one whose cost is
    /// elsewhere), the same circuit would prove a less accurate result. So the inside keeps the
    /// `accuracy` target's bits unless the fewer bits save at least a tenth of the planner's
    /// estimated cost (from one layout each, see `estimate_cost`: calibration stays fast).
    /// Then the tables are sized (see [`Self::size_tables`]).
    fn balance(&self, lean: Settings) -> Settings {
        let full_bits = zkinfer_quantize::QuantParams::for_target(Target::Accuracy).activation_bits;
        let mut full = lean.clone();
        full.params.activation_bits = full.params.activation_bits.max(full_bits);
        let (lean_estimate, full_estimate) = (self.estimate(&lean), self.estimate(&full));
        let lean_wins = match (&lean_estimate, &full_estimate) {
            (Some((l, _)), Some((f, _))) => l.saturating_mul(10) <= f.saturating_mul(9),
            (Some(_), None) => true,
            _ => false,
        };
        if lean_wins {
            self.size_tables(lean, lean_estimate)
        } else {
            self.size_tables(full, full_estimate)
        }
    }

    /// A function table coarser than its input's resolution is read by interpolation: two
    /// entry lookups, the input's split, a product and a rounding, about 22 cells an element,
    /// where a table with an entry for every input value needs one lookup (two cells) and is
    /// exact. A table that large costs rows (2^14 entries for a 13-bit GELU input), which a
    /// small circuit pays for in k and a large one hardly notices; so larger tables
    /// ([`LARGER_TABLE_BITS`]) are taken where the planner's estimate says they cost less.
    /// `estimate` is `chosen`'s, already made.
    fn size_tables(&self, chosen: Settings, estimate: Option<(u128, QGraph)>) -> Settings {
        let Some((base, q)) = estimate else {
            return chosen;
        };
        if q.tables.iter().all(|t| t.step == 0) {
            return chosen;
        }
        let mut best = (base, chosen.clone());
        for bits in LARGER_TABLE_BITS.into_iter().filter(|&b| b > chosen.params.table_bits) {
            let mut wider = chosen.clone();
            wider.params.table_bits = bits;
            if let Some((c, _)) = self.estimate(&wider) {
                // A larger table must save more than noise: 3% of the estimate.
                if c.saturating_mul(100) <= best.0.saturating_mul(97) {
                    best = (c, wider);
                }
            }
        }
        best.1
    }

    /// The planner's estimated cost of the circuit `s` quantizes to, with the quantized graph;
    /// `None` when it has none.
    fn estimate(&self, s: &Settings) -> Option<(u128, QGraph)> {
        let q = self.quantize(s).ok()?;
        let cost = zkinfer_circuits::estimate_cost(&q, s.max_lanes, s.linear_check).ok()?;
        Some((cost, q))
    }

    /// Quantizes with the given settings.
    ///
    /// # Errors
    /// Mismatched settings or ops that cannot be quantized as used.
    pub fn quantize(&self, settings: &Settings) -> Result<QGraph> {
        Ok(zkinfer_quantize::quantize(&self.graph, settings)?)
    }
}

/// One model output after quantized inference.
#[derive(Clone, Debug, Serialize)]
pub struct OutputReport {
    /// ONNX output name.
    pub name: String,
    /// Shape.
    pub shape: Vec<usize>,
    /// Dequantized integer result (what a proof would attest).
    pub values: Vec<f64>,
    /// Fixed-point scale exponent of the output.
    pub scale: i32,
    /// The float reference's result (see [`RunReport::float_reference`]).
    pub float_values: Vec<f64>,
    /// Error of `values` against `float_values`.
    pub error: OutputError,
    /// Error against a user-supplied expected output, when given.
    pub expected_error: Option<OutputError>,
}

/// Result of [`run`].
#[derive(Clone, Debug, Serialize)]
pub struct RunReport {
    /// One entry per model output.
    pub outputs: Vec<OutputReport>,
    /// Which float inference `float_values` come from: `tract f32`, or `zkinfer f64` (our own
    /// evaluator) for a model tract cannot run (e.g. the opset-5 `TreeEnsemble`).
    pub float_reference: String,
    /// Why tract was not the reference, when it was not.
    pub tract_error: Option<String>,
}

/// Runs the quantized model exactly and compares it with tract's float inference (and with
/// `expected` outputs when given, flattened per output).
///
/// # Errors
/// Witness errors (out-of-range values naming the node) or tract failures.
pub fn run(
    model: &Model,
    q: &QGraph,
    inputs: &[Tensor],
    expected: Option<&[Vec<f64>]>,
) -> Result<RunReport> {
    let out = eval::eval(q, inputs)?;
    report(model, q, &out, inputs, expected)
}

/// The report of [`run`] for integer outputs already computed (e.g. from a proof's witness).
/// The float reference is tract, or our own f64 evaluator where tract cannot run the model.
///
/// # Errors
/// Float evaluation failures.
pub fn report(
    model: &Model,
    q: &QGraph,
    out: &[Vec<i64>],
    inputs: &[Tensor],
    expected: Option<&[Vec<f64>]>,
) -> Result<RunReport> {
    let values = eval::dequantize_outputs(q, out);
    let (float, float_reference, tract_error) = match tract_run(&model.path, &model.graph, inputs) {
        Ok(f) => (f, "tract f32", None),
        Err(e) => (model.graph.run(inputs)?, "zkinfer f64", Some(e.to_string())),
    };
    let outputs = model
        .graph
        .outputs
        .iter()
        .enumerate()
        .map(|(i, &gid)| {
            let t = &model.graph.tensors[gid];
            let last = t.shape.last().copied().unwrap_or(1);
            let fv = float.get(i).map(|f| f.data.clone()).unwrap_or_default();
            OutputReport {
                name: t.name.clone(),
                shape: t.shape.clone(),
                error: compare(&values[i], &fv, last),
                expected_error: expected
                    .and_then(|e| e.get(i))
                    .map(|e| compare(&values[i], e, last)),
                values: values[i].clone(),
                scale: q.tensors[q.outputs[i]].scale,
                float_values: fv,
            }
        })
        .collect();
    Ok(RunReport { outputs, float_reference: float_reference.into(), tract_error })
}
