//! The import pipeline: protobuf → concrete shapes → folded constants → [`Graph`].

use crate::error::{ImportError, NodeRef, Result};
use crate::external::{has_external_data, load_external_data};
use crate::graph::{Graph, Node, TensorId, TensorInfo};
use crate::ops::{self, Arg, Attrs, BuildCtx, Built, StepArg};
use crate::proto::tensor_from_proto;
use crate::tensor::{DType, Tensor};
use prost::Message;
use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet};
use std::path::Path;
use tract_onnx::pb::{self, tensor_shape_proto::dimension::Value as DimValue, type_proto};

/// How to make the model's shapes concrete.
#[derive(Clone, Debug)]
pub struct ImportOptions {
    /// Value for a symbolic leading (batch) dimension.
    pub batch: usize,
    /// Full shapes per input (by position) that replace the declared ones.
    pub input_shapes: Vec<Option<Vec<usize>>>,
}

impl Default for ImportOptions {
    fn default() -> Self {
        Self { batch: 1, input_shapes: Vec::new() }
    }
}

/// Loads an ONNX file with default options (batch 1).
///
/// # Errors
/// Unreadable or malformed files, unsupported ops, inconsistent shapes.
pub fn load(path: impl AsRef<Path>) -> Result<Graph> {
    load_with(path, &ImportOptions::default())
}

/// Loads an ONNX file.
///
/// # Errors
/// See [`load`].
pub fn load_with(path: impl AsRef<Path>, opts: &ImportOptions) -> Result<Graph> {
    let path = path.as_ref();
    let label = path.display().to_string();
    let bytes =
        std::fs::read(path).map_err(|source| ImportError::Io { path: label.clone(), source })?;
    let mut proto = decode(&bytes, &label)?;
    let mut hasher = Sha256::new();
    hasher.update(&bytes);
    if has_external_data(&proto) {
        // The weights beside the model are part of it: its hash covers them.
        let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
        hasher.update(b"external data");
        load_external_data(&mut proto, dir, &mut hasher)?;
    }
    from_proto(&proto, hex(&hasher.finalize()), opts)
}

fn decode(bytes: &[u8], label: &str) -> Result<pb::ModelProto> {
    let proto = pb::ModelProto::decode(bytes)
        .map_err(|e| ImportError::Malformed { path: label.to_string(), reason: e.to_string() })?;
    if proto.graph.is_none() {
        return Err(ImportError::Malformed {
            path: label.to_string(),
            reason: "no graph in the file".into(),
        });
    }
    Ok(proto)
}

/// Imports a model from its serialized bytes; `label` names it in errors.
///
/// # Errors
/// See [`load`].
pub fn from_bytes(bytes: &[u8], label: &str, opts: &ImportOptions) -> Result<Graph> {
    let proto = decode(bytes, label)?;
    if has_external_data(&proto) {
        return Err(ImportError::Invalid(format!(
            "{label} keeps weights in external files (torch.onnx.export's default), which are \
             found beside the model: load it from its path"
        )));
    }
    let sha = hex(&Sha256::digest(bytes));
    from_proto(&proto, sha, opts)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

struct Builder {
    tensors: Vec<TensorInfo>,
    by_name: HashMap<String, TensorId>,
    nodes: Vec<Node>,
}

impl Builder {
    /// Adds one compute node (or folds it, when every input is constant) and its outputs,
    /// whose shapes come from evaluating the op on stand-ins; returns the output tensors.
    fn emit(
        &mut self,
        nref: &NodeRef,
        onnx_op: &str,
        op: ops::Op,
        ids: Vec<TensorId>,
        out_names: &[&str],
    ) -> Result<Vec<TensorId>> {
        let all_const = ids.iter().all(|&i| self.tensors[i].value.is_some());
        // Shape inference by evaluation: dynamic inputs are stood in for by zeros.
        let stand_ins: Vec<Tensor> = ids
            .iter()
            .map(|&i| {
                let t = &self.tensors[i];
                t.value.clone().unwrap_or_else(|| Tensor::zeros(&t.shape, t.dtype))
            })
            .collect();
        let refs: Vec<&Tensor> = stand_ins.iter().collect();
        let outs = op.eval(&refs, nref)?;
        let mut out_ids = Vec::new();
        for (name, t) in out_names.iter().zip(outs) {
            if name.is_empty() {
                continue;
            }
            let value = all_const.then(|| t.clone());
            out_ids.push(self.add(name, t.shape.clone(), t.dtype, value));
        }
        if !all_const {
            self.nodes.push(Node {
                name: nref.name.clone(),
                onnx_op: onnx_op.to_string(),
                op,
                inputs: ids,
                outputs: out_ids.clone(),
            });
        }
        Ok(out_ids)
    }

    fn add(
        &mut self,
        name: &str,
        shape: Vec<usize>,
        dtype: DType,
        value: Option<Tensor>,
    ) -> TensorId {
        let id = self.tensors.len();
        self.tensors.push(TensorInfo { name: name.to_string(), shape, dtype, value });
        self.by_name.insert(name.to_string(), id);
        id
    }
}

fn input_shape(
    vi: &pb::ValueInfoProto,
    pos: usize,
    opts: &ImportOptions,
) -> Result<(Vec<usize>, DType)> {
    let Some(type_proto::Value::TensorType(tt)) = vi.r#type.as_ref().and_then(|t| t.value.as_ref())
    else {
        return Err(ImportError::Invalid(format!("input '{}' is not a tensor", vi.name)));
    };
    let dtype = DType::from_onnx(tt.elem_type).ok_or_else(|| {
        ImportError::Invalid(format!(
            "input '{}' has unsupported element type {}",
            vi.name, tt.elem_type
        ))
    })?;
    if let Some(Some(s)) = opts.input_shapes.get(pos) {
        return Ok((s.clone(), dtype));
    }
    let dims = tt.shape.as_ref().map(|s| s.dim.as_slice()).unwrap_or_default();
    let shape = dims
        .iter()
        .enumerate()
        .map(|(axis, d)| match &d.value {
            Some(DimValue::DimValue(v)) if *v > 0 => Ok(usize::try_from(*v).unwrap_or(1)),
            _ if axis == 0 => Ok(opts.batch),
            Some(DimValue::DimParam(p)) => {
                Err(ImportError::SymbolicDim { input: vi.name.clone(), axis, symbol: p.clone() })
            }
            _ => Err(ImportError::SymbolicDim { input: vi.name.clone(), axis, symbol: "?".into() }),
        })
        .collect::<Result<_>>()?;
    Ok((shape, dtype))
}

/// Orders nodes so every input is produced before use (ONNX requires it, exporters mostly
/// comply; we do not rely on it).
fn topo_order(graph: &pb::GraphProto, known: &HashSet<String>) -> Result<Vec<usize>> {
    let mut avail = known.clone();
    let mut done = vec![false; graph.node.len()];
    let mut order = Vec::with_capacity(graph.node.len());
    loop {
        let before = order.len();
        for (i, n) in graph.node.iter().enumerate() {
            if !done[i] && n.input.iter().all(|x| x.is_empty() || avail.contains(x)) {
                done[i] = true;
                order.push(i);
                avail.extend(n.output.iter().cloned());
            }
        }
        if order.len() == graph.node.len() {
            return Ok(order);
        }
        if order.len() == before {
            let (i, n) = graph
                .node
                .iter()
                .enumerate()
                .find(|(i, _)| !done[*i])
                .unwrap_or((0, &graph.node[0]));
            let missing = n
                .input
                .iter()
                .find(|x| !x.is_empty() && !avail.contains(*x))
                .cloned()
                .unwrap_or_default();
            return Err(ImportError::Invalid(format!(
                "node '{}' (#{i}, {}) reads '{missing}', which no node, input or initializer defines",
                n.name, n.op_type
            )));
        }
    }
}

/// Hint for an op zkinfer does not know.
fn unsupported_hint(op: &str) -> String {
    let specific = match op {
        "Loop" | "Scan" | "If" => {
            "control flow and recurrent ops need a fixed unrolled graph: export with the sequence length fixed and the loop unrolled"
        }
        "QuantizeLinear" | "DequantizeLinear" | "QLinearConv" | "QLinearMatMul" | "MatMulInteger" => {
            "export the float model; zkinfer quantizes it itself"
        }
        _ => "",
    };
    let list = "run `zkinfer ops` for the supported list";
    if specific.is_empty() {
        list.to_string()
    } else {
        format!("{specific}; {list}")
    }
}

/// Imports a decoded model.
///
/// # Errors
/// See [`load`].
#[allow(clippy::too_many_lines)]
pub fn from_proto(
    proto: &pb::ModelProto,
    model_sha256: String,
    opts: &ImportOptions,
) -> Result<Graph> {
    let graph =
        proto.graph.as_ref().ok_or_else(|| ImportError::Invalid("model has no graph".into()))?;
    let opset = proto
        .opset_import
        .iter()
        .find(|o| o.domain.is_empty() || o.domain == "ai.onnx")
        .map_or(1, |o| o.version);
    let mut b = Builder { tensors: Vec::new(), by_name: HashMap::new(), nodes: Vec::new() };
    for init in &graph.initializer {
        let t = tensor_from_proto(init).map_err(ImportError::Invalid)?;
        b.add(&init.name, t.shape.clone(), t.dtype, Some(t));
    }
    let mut inputs = Vec::new();
    for vi in &graph.input {
        if b.by_name.contains_key(&vi.name) {
            continue;
        }
        let (shape, dtype) = input_shape(vi, inputs.len(), opts)?;
        inputs.push(b.add(&vi.name, shape, dtype, None));
    }
    let known: HashSet<String> = b.by_name.keys().cloned().collect();
    for idx in topo_order(graph, &known)? {
        let n = &graph.node[idx];
        let nref = NodeRef {
            name: if n.name.is_empty() { format!("{}_{idx}", n.op_type) } else { n.name.clone() },
            op: n.op_type.clone(),
        };
        let ml = n.domain == "ai.onnx.ml";
        if !(n.domain.is_empty() || n.domain == "ai.onnx" || ml) {
            let dv =
                proto.opset_import.iter().find(|o| o.domain == n.domain).map_or(0, |o| o.version);
            return Err(ImportError::UnsupportedOp {
                node: nref,
                op: n.op_type.clone(),
                domain: n.domain.clone(),
                opset: dv,
                hint: "only the ONNX domains ai.onnx and ai.onnx.ml are supported; export without custom or contrib ops".into(),
            });
        }
        let args: Vec<Option<Arg>> = n
            .input
            .iter()
            .map(|name| {
                (!name.is_empty()).then(|| {
                    let t = &b.tensors[b.by_name[name]];
                    Arg { shape: t.shape.clone(), dtype: t.dtype, value: t.value.clone() }
                })
            })
            .collect();
        let ctx = BuildCtx {
            node: nref.clone(),
            attrs: Attrs::new(n, nref.clone()),
            args,
            opset,
            n_outputs: n.output.iter().filter(|o| !o.is_empty()).count(),
        };
        let built =
            if ml { ops::ml::build(&n.op_type, &ctx)? } else { ops::build(&n.op_type, &ctx)? };
        let built = built.ok_or_else(|| ImportError::UnsupportedOp {
            node: nref.clone(),
            op: n.op_type.clone(),
            domain: if ml { "ai.onnx.ml" } else { "ai.onnx" }.into(),
            opset: if ml {
                proto.opset_import.iter().find(|o| o.domain == n.domain).map_or(1, |o| o.version)
            } else {
                opset
            },
            hint: unsupported_hint(&n.op_type),
        })?;
        match built {
            Built::Const(values) => {
                for (name, t) in n.output.iter().zip(values) {
                    b.add(name, t.shape.clone(), t.dtype, Some(t));
                }
            }
            Built::Op(op, data) => {
                let ids: Vec<TensorId> = data.iter().map(|&i| b.by_name[&n.input[i]]).collect();
                let names: Vec<&str> = n.output.iter().map(String::as_str).collect();
                b.emit(&nref, &n.op_type, op, ids, &names)?;
            }
            Built::Chain(steps) => {
                let last = steps.len().saturating_sub(1);
                emit_steps(&mut b, &nref, n, steps, &[last])?;
            }
            Built::Steps { steps, outputs } => emit_steps(&mut b, &nref, n, steps, &outputs)?,
        }
    }
    let outputs: Vec<TensorId> = graph
        .output
        .iter()
        .map(|o| {
            b.by_name.get(&o.name).copied().ok_or_else(|| {
                ImportError::Invalid(format!("graph output '{}' is never produced", o.name))
            })
        })
        .collect::<Result<_>>()?;
    let mut g = Graph {
        name: graph.name.clone(),
        opset,
        producer: format!("{} {}", proto.producer_name, proto.producer_version).trim().to_string(),
        model_sha256,
        tensors: b.tensors,
        inputs,
        outputs,
        nodes: b.nodes,
    };
    crate::fuse::fuse_activations(&mut g);
    Ok(compact(g))
}

/// Emits the steps of a composite node; step `outputs[k]` is named as the node's output `k`,
/// the others `NODE/stepJ`.
fn emit_steps(
    b: &mut Builder,
    nref: &NodeRef,
    n: &pb::NodeProto,
    steps: Vec<ops::Step>,
    outputs: &[usize],
) -> Result<()> {
    let mut outs: Vec<TensorId> = Vec::new();
    for (j, step) in steps.into_iter().enumerate() {
        let ids = step
            .args
            .into_iter()
            .map(|a| match a {
                StepArg::Input(i) => {
                    n.input.get(i).and_then(|name| b.by_name.get(name)).copied().ok_or_else(|| {
                        ImportError::Invalid(format!("{nref}: input #{i} is missing"))
                    })
                }
                StepArg::Step(k) => outs.get(k).copied().ok_or_else(|| {
                    ImportError::Invalid(format!("{nref}: step {k} is not before {j}"))
                }),
                StepArg::Const(t) => {
                    let name = format!("{}/const{j}", nref.name);
                    Ok(b.add(&name, t.shape.clone(), t.dtype, Some(t)))
                }
            })
            .collect::<Result<Vec<_>>>()?;
        let step_name = format!("{}/step{j}", nref.name);
        let out_name = outputs
            .iter()
            .position(|&s| s == j)
            .and_then(|k| n.output.get(k))
            .filter(|o| !o.is_empty())
            .cloned()
            .unwrap_or_else(|| step_name.clone());
        let step_ref = NodeRef { name: step_name, op: nref.op.clone() };
        let made = b.emit(&step_ref, &n.op_type, step.op, ids, &[out_name.as_str()])?;
        outs.push(
            made.first()
                .copied()
                .ok_or_else(|| ImportError::Invalid(format!("{nref}: step {j} has no output")))?,
        );
    }
    Ok(())
}

/// Drops nodes that do not reach an output and tensors nothing refers to, renumbering ids.
fn compact(g: Graph) -> Graph {
    let mut live: HashSet<TensorId> = g.outputs.iter().copied().collect();
    let mut keep = vec![false; g.nodes.len()];
    for (i, n) in g.nodes.iter().enumerate().rev() {
        if n.outputs.iter().any(|o| live.contains(o)) {
            keep[i] = true;
            live.extend(n.inputs.iter().copied());
            live.extend(n.outputs.iter().copied());
        }
    }
    live.extend(g.inputs.iter().copied());
    let mut remap = vec![usize::MAX; g.tensors.len()];
    let mut tensors = Vec::new();
    for (i, t) in g.tensors.into_iter().enumerate() {
        if live.contains(&i) {
            remap[i] = tensors.len();
            tensors.push(t);
        }
    }
    let nodes = g
        .nodes
        .into_iter()
        .zip(keep)
        .filter(|(_, k)| *k)
        .map(|(mut n, _)| {
            n.inputs.iter_mut().for_each(|i| *i = remap[*i]);
            n.outputs.iter_mut().for_each(|i| *i = remap[*i]);
            n
        })
        .collect();
    Graph {
        tensors,
        nodes,
        inputs: g.inputs.iter().map(|&i| remap[i]).collect(),
        outputs: g.outputs.iter().map(|&i| remap[i]).collect(),
        ..g
    }
}

/// A node as written in the file, for listing models that do not import.
#[derive(Clone, Debug)]
pub struct RawNode {
    /// Node name (or `Op_index`).
    pub name: String,
    /// Op type.
    pub op: String,
    /// Domain (empty for ai.onnx).
    pub domain: String,
    /// Whether the coverage manifest lists the op.
    pub supported: bool,
}

/// Lists the nodes of a model file without importing it.
///
/// # Errors
/// Unreadable or malformed files.
pub fn scan_nodes(path: &Path) -> Result<Vec<RawNode>> {
    let bytes = std::fs::read(path)
        .map_err(|source| ImportError::Io { path: path.display().to_string(), source })?;
    let proto = pb::ModelProto::decode(bytes.as_slice()).map_err(|e| ImportError::Malformed {
        path: path.display().to_string(),
        reason: e.to_string(),
    })?;
    let graph = proto.graph.unwrap_or_default();
    Ok(graph
        .node
        .iter()
        .enumerate()
        .map(|(i, n)| RawNode {
            name: if n.name.is_empty() { format!("{}_{i}", n.op_type) } else { n.name.clone() },
            op: n.op_type.clone(),
            domain: n.domain.clone(),
            supported: crate::coverage::find_in(&n.domain, &n.op_type).is_some(),
        })
        .collect())
}
