//! Recognises element-wise subgraphs of one variable that compute a known activation (the
//! tanh GELU that PyTorch exports from GPT-2's `0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))`
//! as nine nodes, the erf GELU, SiLU's `Sigmoid`·`Mul`, …) and replaces each with one node of
//! that activation.
//! The quantizer proves such a node as one table lookup, where the nodes took a chain of
//! products, rescales and a tanh table; the float function is the same.
//!
//! A region is recognised by what it computes, not by how an exporter spelled it: it is
//! evaluated at probe points and compared with each candidate activation.

use crate::graph::{Graph, Node, TensorId};
use crate::ops::{Binary, Op, Unary};
use crate::tensor::{DType, Tensor};
use std::collections::{BTreeSet, HashMap, HashSet};

/// Activations a region may turn out to compute.
const CANDIDATES: [(Unary, &str); 8] = [
    (Unary::Gelu { tanh: true }, "Gelu"),
    (Unary::Gelu { tanh: false }, "Gelu"),
    (Unary::Mish, "Mish"),
    (Unary::Silu, "Silu"),
    (Unary::HardSwish, "HardSwish"),
    (Unary::Sigmoid, "Sigmoid"),
    (Unary::Softplus, "Softplus"),
    (Unary::Softsign, "Softsign"),
];

/// Most nodes one region may span (the tanh GELU has nine).
const MAX_REGION: usize = 24;

/// Replaces every recognised region of `g` by one node named after its last node, whose
/// output it keeps. Nodes other than the region's own never read its intermediate values.
pub(crate) fn fuse_activations(g: &mut Graph) {
    let mut consumers: HashMap<TensorId, Vec<usize>> = HashMap::new();
    for (i, n) in g.nodes.iter().enumerate() {
        for &t in &n.inputs {
            consumers.entry(t).or_default().push(i);
        }
    }
    let outputs: HashSet<TensorId> = g.outputs.iter().copied().collect();
    let probes = probes();
    let mut taken = vec![false; g.nodes.len()];
    let mut replaced: HashMap<usize, Node> = HashMap::new();
    // Every value, with the node that produces it (none for a model input).
    let roots: Vec<(Option<usize>, TensorId)> = g
        .inputs
        .iter()
        .map(|&x| (None, x))
        .chain(
            g.nodes
                .iter()
                .enumerate()
                .flat_map(|(i, n)| n.outputs.iter().map(move |&x| (Some(i), x))),
        )
        .collect();
    for (producer, x) in roots {
        let fused_away = producer.is_some_and(|p| taken[p]);
        if fused_away || g.tensors[x].dtype != DType::Float || g.tensors[x].value.is_some() {
            continue;
        }
        let region = grow(g, x, &consumers, &taken);
        let Some((nodes, exit, unary, op_name)) =
            best_exit(g, x, &region, &consumers, &outputs, &probes)
        else {
            continue;
        };
        for &i in &nodes {
            taken[i] = true;
        }
        let last = &g.nodes[exit];
        replaced.insert(
            exit,
            Node {
                name: last.name.clone(),
                onnx_op: op_name.to_string(),
                op: Op::Unary(unary),
                inputs: vec![x],
                outputs: last.outputs.clone(),
            },
        );
    }
    if replaced.is_empty() {
        return;
    }
    let nodes = std::mem::take(&mut g.nodes);
    g.nodes = nodes
        .into_iter()
        .enumerate()
        .filter_map(|(i, n)| match replaced.remove(&i) {
            Some(fused) => Some(fused),
            None => (!taken[i]).then_some(n),
        })
        .collect();
}

/// The value of a one-element constant.
fn scalar(g: &Graph, t: TensorId) -> Option<f64> {
    g.tensors[t].value.as_ref().filter(|v| v.data.len() == 1).map(|v| v.data[0])
}

/// Whether a node is a float function of one value (and scalar constants).
fn element_wise(op: &Op) -> bool {
    matches!(
        op,
        Op::Unary(_)
            | Op::Clip { .. }
            | Op::Binary(Binary::Add | Binary::Sub | Binary::Mul | Binary::Div | Binary::Pow)
    )
}

/// The nodes, in order, that compute element-wise from `x`, each other's outputs and scalar
/// constants, keeping `x`'s shape: a walk over consumers only, in node order, so a node's
/// producers are settled before it is looked at.
fn grow(
    g: &Graph,
    x: TensorId,
    consumers: &HashMap<TensorId, Vec<usize>>,
    taken: &[bool],
) -> Vec<usize> {
    let mut inside: HashSet<TensorId> = HashSet::from([x]);
    let mut next: BTreeSet<usize> = consumers.get(&x).into_iter().flatten().copied().collect();
    let mut region = Vec::new();
    while let Some(i) = next.pop_first() {
        if region.len() == MAX_REGION {
            break;
        }
        let n = &g.nodes[i];
        let fits = !taken[i]
            && element_wise(&n.op)
            && n.outputs.len() == 1
            && g.tensors[n.outputs[0]].shape == g.tensors[x].shape
            && g.tensors[n.outputs[0]].dtype == DType::Float
            && n.inputs.iter().all(|&t| inside.contains(&t) || scalar(g, t).is_some());
        if fits {
            inside.insert(n.outputs[0]);
            next.extend(consumers.get(&n.outputs[0]).into_iter().flatten().copied());
            region.push(i);
        }
    }
    region
}

/// The largest closed sub-region ending at one of `region`'s nodes that computes a candidate:
/// its nodes, its last node, the candidate and its ONNX name.
fn best_exit(
    g: &Graph,
    x: TensorId,
    region: &[usize],
    consumers: &HashMap<TensorId, Vec<usize>>,
    outputs: &HashSet<TensorId>,
    probes: &[f64],
) -> Option<(Vec<usize>, usize, Unary, &'static str)> {
    for (k, &exit) in region.iter().enumerate().rev() {
        // The nodes the exit depends on.
        let mut needed: HashSet<TensorId> = g.nodes[exit].inputs.iter().copied().collect();
        let mut nodes = vec![exit];
        for &i in region[..k].iter().rev() {
            if needed.contains(&g.nodes[i].outputs[0]) {
                needed.extend(g.nodes[i].inputs.iter().copied());
                nodes.push(i);
            }
        }
        if nodes.len() < 2 {
            continue;
        }
        nodes.reverse();
        let members: HashSet<usize> = nodes.iter().copied().collect();
        let closed = nodes[..nodes.len() - 1].iter().all(|&i| {
            let out = g.nodes[i].outputs[0];
            !outputs.contains(&out)
                && consumers.get(&out).is_none_or(|c| c.iter().all(|j| members.contains(j)))
        });
        if !closed {
            continue;
        }
        let Some(got) = evaluate(g, x, &nodes, probes) else {
            continue;
        };
        if let Some((unary, name)) =
            CANDIDATES.into_iter().find(|&(u, _)| computes(&got, probes, u))
        {
            return Some((nodes, exit, unary, name));
        }
    }
    None
}

/// The points a region and a candidate are compared at: densely on [−16, 16], where
/// activations differ, and at magnitudes up to 10^6, where a clip or an approximation inside
/// the region would part from the candidate.
fn probes() -> Vec<f64> {
    let dense = (-800..=800).map(|i| f64::from(i) / 50.0);
    let far = [24.0, 32.0, 48.0, 64.0, 100.0, 1e3, 1e4, 1e5, 1e6].into_iter().flat_map(|v| [v, -v]);
    dense.chain(far).collect()
}

/// Whether the region's values `got` at `probes` are `unary`'s to within float rounding. A
/// probe where the candidate's own formula overflows (softplus at 10^3) is skipped.
fn computes(got: &[Option<f64>], probes: &[f64], unary: Unary) -> bool {
    probes.iter().zip(got).all(|(&p, got)| {
        let want = unary.apply(p);
        !want.is_finite() || got.is_some_and(|got| (got - want).abs() <= 1e-6 * want.abs().max(1.0))
    })
}

/// The region's output at every probe, through the ops' own float evaluation (`Op::eval`):
/// `None` at a probe where a value along the way is not finite, and for the whole region when
/// an op cannot be evaluated.
fn evaluate(g: &Graph, x: TensorId, nodes: &[usize], probes: &[f64]) -> Option<Vec<Option<f64>>> {
    let mut finite = vec![true; probes.len()];
    let mut env: HashMap<TensorId, Tensor> =
        HashMap::from([(x, Tensor::new(vec![probes.len()], DType::Float, probes.to_vec()))]);
    for &i in nodes {
        let n = &g.nodes[i];
        let value = {
            let args: Vec<&Tensor> = n
                .inputs
                .iter()
                .map(|t| env.get(t).or(g.tensors[*t].value.as_ref()))
                .collect::<Option<_>>()?;
            n.op.eval(&args, &n.node_ref()).ok()?.into_iter().next()?
        };
        if value.data.len() != probes.len() {
            return None;
        }
        for (f, v) in finite.iter_mut().zip(&value.data) {
            *f &= v.is_finite();
        }
        env.insert(n.outputs[0], value);
    }
    let out = env.remove(&g.nodes[*nodes.last()?].outputs[0])?;
    Some(out.data.into_iter().zip(finite).map(|(v, f)| f.then_some(v)).collect())
}
