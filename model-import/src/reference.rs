//! Float reference inference with tract, the yardstick for accuracy reports.

use crate::error::{ImportError, Result};
use crate::graph::Graph;
use crate::tensor::{DType, Tensor};
use std::path::Path;
use tract_onnx::prelude::*;

fn to_tract(t: &Tensor) -> TractResult<TValue> {
    #[allow(clippy::cast_possible_truncation)]
    let tensor = match t.dtype {
        DType::Float => tract_onnx::prelude::Tensor::from_shape(
            &t.shape,
            &t.data.iter().map(|&v| v as f32).collect::<Vec<_>>(),
        )?,
        DType::Int => tract_onnx::prelude::Tensor::from_shape(
            &t.shape,
            &t.data.iter().map(|&v| v as i64).collect::<Vec<_>>(),
        )?,
        DType::Bool => tract_onnx::prelude::Tensor::from_shape(
            &t.shape,
            &t.data.iter().map(|&v| v != 0.0).collect::<Vec<_>>(),
        )?,
    };
    Ok(tensor.into_tvalue())
}

fn datum(d: DType) -> DatumType {
    match d {
        DType::Float => f32::datum_type(),
        DType::Int => i64::datum_type(),
        DType::Bool => bool::datum_type(),
    }
}

/// Runs the ONNX file at `path` with tract on `inputs` (shapes as in `graph`) and returns its
/// outputs as `f64` tensors.
///
/// # Errors
/// Any tract failure, reported with its context chain.
pub fn tract_run(path: &Path, graph: &Graph, inputs: &[Tensor]) -> Result<Vec<Tensor>> {
    let model = tract_onnx::onnx()
        .model_for_path(path)
        .map_err(|e| ImportError::Reference(format!("{e:#}")))?;
    run_model(model, graph, inputs)
}

/// Like [`tract_run`] for an in-memory model.
///
/// # Errors
/// Any tract failure.
pub fn tract_run_proto(
    proto: &tract_onnx::pb::ModelProto,
    graph: &Graph,
    inputs: &[Tensor],
) -> Result<Vec<Tensor>> {
    let model = tract_onnx::onnx()
        .model_for_proto_model(proto)
        .map_err(|e| ImportError::Reference(format!("{e:#}")))?;
    run_model(model, graph, inputs)
}

fn run_model(mut model: InferenceModel, graph: &Graph, inputs: &[Tensor]) -> Result<Vec<Tensor>> {
    let mut go = || -> TractResult<Vec<Tensor>> {
        for (i, &id) in graph.inputs.iter().enumerate() {
            let t = &graph.tensors[id];
            model = std::mem::take(&mut model)
                .with_input_fact(i, InferenceFact::dt_shape(datum(t.dtype), &t.shape))?;
        }
        // tract's optimiser has bugs on some graphs (large_mlp's Tile+Gemm); the plain typed
        // model computes the same values, only slower.
        let plan = match model.clone().into_optimized().and_then(IntoRunnable::into_runnable) {
            Ok(p) => p,
            Err(_) => std::mem::take(&mut model).into_typed()?.into_runnable()?,
        };
        let args: TVec<TValue> = inputs.iter().map(to_tract).collect::<TractResult<_>>()?;
        let outs = plan.run(args)?;
        outs.iter()
            .map(|o| {
                let f = o.cast_to::<f64>()?;
                let view = f.to_plain_array_view::<f64>()?;
                Ok(Tensor::new(o.shape().to_vec(), DType::Float, view.iter().copied().collect()))
            })
            .collect()
    };
    go().map_err(|e| ImportError::Reference(format!("{e:#}")))
}
