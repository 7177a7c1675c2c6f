//! zkinfer's graph IR: ONNX semantics, concrete shapes, constants folded, names kept.

use crate::error::{ImportError, NodeRef, Result};
use crate::ops::Op;
use crate::tensor::{numel, DType, Tensor};
use serde::{Deserialize, Serialize};

/// Index of a tensor in [`Graph::tensors`].
pub type TensorId = usize;

/// A tensor of the graph: a model input, a constant, or a node output.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TensorInfo {
    /// ONNX value name.
    pub name: String,
    /// Concrete shape.
    pub shape: Vec<usize>,
    /// Element type.
    pub dtype: DType,
    /// The value, for constants (initializers and folded sub-graphs).
    pub value: Option<Tensor>,
}

/// One compute node. Parameter inputs that ONNX passes as tensors (a Reshape's shape, a
/// Slice's bounds, …) are already folded into [`Op`]; `inputs` lists data inputs only.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Node {
    /// ONNX node name.
    pub name: String,
    /// ONNX op type as written in the model (e.g. `Flatten`, even though it lowers to a reshape).
    pub onnx_op: String,
    /// Resolved operation.
    pub op: Op,
    /// Data inputs.
    pub inputs: Vec<TensorId>,
    /// Outputs.
    pub outputs: Vec<TensorId>,
}

impl Node {
    /// The node's identity for error messages.
    #[must_use]
    pub fn node_ref(&self) -> NodeRef {
        NodeRef { name: self.name.clone(), op: self.onnx_op.clone() }
    }
}

/// An imported model.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Graph {
    /// Graph name from the model.
    pub name: String,
    /// Default-domain opset version.
    pub opset: i64,
    /// Producer recorded in the model (e.g. `pytorch 2.0`).
    pub producer: String,
    /// SHA-256 of the model file bytes, hex.
    pub model_sha256: String,
    /// All tensors.
    pub tensors: Vec<TensorInfo>,
    /// Model inputs, in declaration order.
    pub inputs: Vec<TensorId>,
    /// Model outputs, in declaration order.
    pub outputs: Vec<TensorId>,
    /// Compute nodes in topological order.
    pub nodes: Vec<Node>,
}

impl Graph {
    /// Checks user inputs against the declared shapes and types and turns them into tensors.
    ///
    /// # Errors
    /// Wrong input count or element count, NaN/infinite values, or non-integers for an
    /// integer input.
    pub fn make_inputs(&self, data: &[Vec<f64>]) -> Result<Vec<Tensor>> {
        if data.len() != self.inputs.len() {
            return Err(ImportError::InputCount {
                expected: self.inputs.len(),
                names: self.input_names().join(", "),
                got: data.len(),
            });
        }
        self.inputs
            .iter()
            .zip(data)
            .map(|(&id, values)| {
                let info = &self.tensors[id];
                let expected = numel(&info.shape);
                if values.len() != expected {
                    return Err(ImportError::InputShape {
                        input: info.name.clone(),
                        expected,
                        shape: info.shape.clone(),
                        got: values.len(),
                    });
                }
                for (index, &value) in values.iter().enumerate() {
                    if !value.is_finite() {
                        return Err(ImportError::NonFinite {
                            input: info.name.clone(),
                            index,
                            value,
                        });
                    }
                    if info.dtype != DType::Float && value.fract() != 0.0 {
                        return Err(ImportError::NotInteger {
                            input: info.name.clone(),
                            index,
                            value,
                        });
                    }
                }
                Ok(Tensor::new(info.shape.clone(), info.dtype, values.clone()))
            })
            .collect()
    }

    /// Names of the model inputs.
    #[must_use]
    pub fn input_names(&self) -> Vec<String> {
        self.inputs.iter().map(|&i| self.tensors[i].name.clone()).collect()
    }

    /// Evaluates the model in floating point and returns its outputs.
    ///
    /// # Errors
    /// Invalid inputs (see [`Graph::make_inputs`]) or an evaluation error such as an
    /// out-of-range Gather index.
    pub fn run(&self, inputs: &[Tensor]) -> Result<Vec<Tensor>> {
        let values = self.run_all(inputs)?;
        Ok(self.outputs.iter().map(|&o| values[o].clone()).collect())
    }

    /// Evaluates the model and returns the value of every tensor, indexed by [`TensorId`]:
    /// the raw material for calibration.
    ///
    /// # Errors
    /// See [`Graph::run`].
    pub fn run_all(&self, inputs: &[Tensor]) -> Result<Vec<Tensor>> {
        let mut values: Vec<Option<Tensor>> =
            self.tensors.iter().map(|t| t.value.clone()).collect();
        for (&id, t) in self.inputs.iter().zip(inputs) {
            if t.shape != self.tensors[id].shape {
                return Err(ImportError::InputShape {
                    input: self.tensors[id].name.clone(),
                    expected: numel(&self.tensors[id].shape),
                    shape: self.tensors[id].shape.clone(),
                    got: t.len(),
                });
            }
            values[id] = Some(t.clone());
        }
        for node in &self.nodes {
            let args: Vec<&Tensor> = node
                .inputs
                .iter()
                .map(|&i| {
                    values[i].as_ref().ok_or_else(|| {
                        ImportError::Invalid(format!(
                            "{}: input '{}' has no value",
                            node.node_ref(),
                            self.tensors[i].name
                        ))
                    })
                })
                .collect::<Result<_>>()?;
            let outs = node.op.eval(&args, &node.node_ref())?;
            for (&o, t) in node.outputs.iter().zip(outs) {
                values[o] = Some(t);
            }
        }
        values
            .into_iter()
            .enumerate()
            .map(|(i, v)| {
                v.ok_or_else(|| {
                    ImportError::Invalid(format!(
                        "tensor '{}' was never computed",
                        self.tensors[i].name
                    ))
                })
            })
            .collect()
    }

    /// Number of constant parameters the nodes use (weights, biases, masks).
    #[must_use]
    pub fn param_count(&self, node: &Node) -> usize {
        node.inputs.iter().filter_map(|&i| self.tensors[i].value.as_ref()).map(Tensor::len).sum()
    }
}
