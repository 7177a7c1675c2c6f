//! The classical-ML domain (`ai.onnx.ml`): linear models, tree ensembles and the feature
//! plumbing scikit-learn, XGBoost and LightGBM exporters emit.
//!
//! Each op becomes a few primitives the circuit already proves, so no ML-specific chip is
//! needed. A tree ensemble is evaluated without branching (docs/ml.md explains the choice):
//! every split compares its feature with its threshold once (`Greater` or `Less`), a constant
//! ±1 matrix counts, for every leaf, how many splits on its path went its way, and `Relu(count −
//! depth + 1)` is 1 exactly at the reached leaf of each tree; a matrix of leaf values then sums
//! the trees.

use super::{Binary, BuildCtx, Built, Op, Step, StepArg, Unary};
use crate::error::Result;
use crate::tensor::{DType, Tensor};
use std::collections::HashMap;

/// Builds one `ai.onnx.ml` node; `Ok(None)` means the op type is unknown.
///
/// # Errors
/// Bad attributes, string labels, or an unsupported post-transform or split mode.
pub fn build(op_type: &str, ctx: &BuildCtx<'_>) -> Result<Option<Built>> {
    if op_type != "ZipMap" && crate::coverage::find_in(ML, op_type).is_none() {
        return Ok(None);
    }
    let built =
        match op_type {
            "LinearClassifier" => linear_classifier(ctx)?,
            "LinearRegressor" => linear_regressor(ctx)?,
            "TreeEnsembleClassifier" => tree_ensemble(ctx, true)?,
            "TreeEnsembleRegressor" => tree_ensemble(ctx, false)?,
            "TreeEnsemble" => tree_ensemble_v5(ctx)?,
            "ArrayFeatureExtractor" => array_feature_extractor(ctx)?,
            "Scaler" => scaler(ctx)?,
            "Normalizer" => normalizer(ctx)?,
            "ZipMap" => return Err(ctx.unsupported(
                "ZipMap turns probabilities into a list of maps, which has no fixed-size tensor \
                 form to prove; export the classifier without it (skl2onnx: options={'zipmap': \
                 False}; onnxmltools: zipmap=False)",
            )),
            _ => return Ok(None),
        };
    Ok(Some(built))
}

/// The domain name.
pub const ML: &str = "ai.onnx.ml";

fn step(op: Op, args: Vec<StepArg>) -> Step {
    Step { op, args }
}

fn konst(shape: Vec<usize>, data: Vec<f64>) -> StepArg {
    StepArg::Const(Tensor::new(shape, DType::Float, data))
}

/// The single input of a linear or tree model: a `[N, F]` float matrix.
fn features(ctx: &BuildCtx<'_>) -> Result<(usize, usize)> {
    let x = ctx.arg(0)?;
    match x.shape.as_slice() {
        [n, f] => Ok((*n, *f)),
        s => Err(ctx.shape_err(format!("expects a [batch, features] input, got shape {s:?}"))),
    }
}

/// Integer class labels; string labels cannot be a proven integer output.
fn class_labels(ctx: &BuildCtx<'_>, attr: &str) -> Result<Vec<i64>> {
    if ctx.attrs.has("classlabels_strings") {
        return Err(ctx.unsupported(
            "string class labels cannot be a proven integer output; train with integer labels \
             (e.g. a LabelEncoder before fitting) and re-export",
        ));
    }
    let labels = ctx.attrs.ints(attr).unwrap_or_default();
    if labels.len() < 2 {
        return Err(ctx.attrs.error(attr, "a classifier needs at least two integer class labels"));
    }
    Ok(labels)
}

/// The score transform of a classifier or regressor.
#[derive(Clone, Copy, PartialEq)]
enum Post {
    None,
    Logistic,
    Softmax,
}

fn post_transform(ctx: &BuildCtx<'_>) -> Result<Post> {
    match ctx.attrs.string("post_transform").as_deref().unwrap_or("NONE") {
        "NONE" => Ok(Post::None),
        "LOGISTIC" => Ok(Post::Logistic),
        "SOFTMAX" => Ok(Post::Softmax),
        other => Err(ctx.unsupported(format!(
            "post_transform {other} is not supported (NONE, LOGISTIC and SOFTMAX are)"
        ))),
    }
}

/// Appends the post-transform of `scores` (a step); returns the step of the result.
fn push_post(steps: &mut Vec<Step>, scores: usize, post: Post) -> usize {
    match post {
        Post::None => scores,
        Post::Logistic => {
            steps.push(step(Op::Unary(Unary::Sigmoid), vec![StepArg::Step(scores)]));
            steps.len() - 1
        }
        Post::Softmax => {
            steps.push(step(Op::Softmax { axes: vec![1] }, vec![StepArg::Step(scores)]));
            steps.len() - 1
        }
    }
}

/// Appends `label = labels[argmax(scores, axis 1)]`; returns the step of the label.
fn push_label(steps: &mut Vec<Step>, scores: usize, labels: &[i64]) -> usize {
    let argmax = Op::ArgMax { axis: 1, keepdims: false, select_last: false };
    steps.push(step(argmax, vec![StepArg::Step(scores)]));
    let idx = steps.len() - 1;
    if labels.iter().zip(0..).all(|(&l, i)| l == i) {
        return idx;
    }
    #[allow(clippy::cast_precision_loss)]
    let table =
        Tensor::new(vec![labels.len()], DType::Int, labels.iter().map(|&l| l as f64).collect());
    steps.push(step(Op::Gather { axis: 0 }, vec![StepArg::Const(table), StepArg::Step(idx)]));
    steps.len() - 1
}

/// Binary classifiers that score one column: the two class scores are `[-s, s]` (`[1 - s, s]`
/// without a transform), as onnxruntime and the ONNX reference compute them.
fn push_binary_expand(steps: &mut Vec<Step>, score: usize, post: Post) -> usize {
    steps.push(step(
        Op::Binary(Binary::Mul),
        vec![StepArg::Step(score), konst(vec![2], vec![-1.0, 1.0])],
    ));
    if post == Post::None {
        steps.push(step(
            Op::Binary(Binary::Add),
            vec![StepArg::Step(steps.len() - 1), konst(vec![2], vec![1.0, 0.0])],
        ));
    }
    steps.len() - 1
}

/// `x·Wᵀ + b` for `rows` rows of `f` coefficients and the `intercepts` attribute (one per
/// row, zeros when absent): the score of the linear models.
fn linear_step(ctx: &BuildCtx<'_>, coef: Vec<f64>, f: usize, rows: usize) -> Result<Step> {
    let bias = ctx.attrs.floats("intercepts").unwrap_or_else(|| vec![0.0; rows]);
    if bias.len() != rows {
        return Err(ctx
            .attrs
            .error("intercepts", format!("{} intercepts for {rows} rows", bias.len())));
    }
    let gemm = Op::Gemm { alpha: 1.0, beta: 1.0, trans_a: false, trans_b: true };
    Ok(step(gemm, vec![StepArg::Input(0), konst(vec![rows, f], coef), konst(vec![rows], bias)]))
}

/// `n_targets` of a regressor-style ensemble, positive.
fn n_targets(ctx: &BuildCtx<'_>) -> Result<usize> {
    usize::try_from(ctx.attrs.int_or("n_targets", 1))
        .ok()
        .filter(|&n| n > 0)
        .ok_or_else(|| ctx.attrs.error("n_targets", "must be positive"))
}

/// `LinearClassifier`: scores `x·Wᵀ + b`, then label and (transformed) probabilities.
fn linear_classifier(ctx: &BuildCtx<'_>) -> Result<Built> {
    let (_, f) = features(ctx)?;
    let labels = class_labels(ctx, "classlabels_ints")?;
    let coef = ctx.attrs.floats("coefficients").unwrap_or_default();
    if coef.is_empty() || f == 0 || !coef.len().is_multiple_of(f) {
        return Err(ctx.attrs.error(
            "coefficients",
            format!("{} coefficients do not split into rows of {f} features", coef.len()),
        ));
    }
    let rows = coef.len() / f;
    if rows != labels.len() && !(rows == 1 && labels.len() == 2) {
        return Err(ctx.attrs.error(
            "coefficients",
            format!("{rows} coefficient rows for {} classes", labels.len()),
        ));
    }
    let post = post_transform(ctx)?;
    let mut steps = vec![linear_step(ctx, coef, f, rows)?];
    let mut scores = 0;
    if rows == 1 {
        scores = push_binary_expand(&mut steps, scores, post);
    }
    let probs = push_post(&mut steps, scores, post);
    let label = push_label(&mut steps, scores, &labels);
    Ok(Built::Steps { steps, outputs: vec![label, probs] })
}

/// `LinearRegressor`: `x·Wᵀ + b` for every target.
fn linear_regressor(ctx: &BuildCtx<'_>) -> Result<Built> {
    let (_, f) = features(ctx)?;
    let targets = usize::try_from(ctx.attrs.int_or("targets", 1))
        .map_err(|_| ctx.attrs.error("targets", "must be positive"))?;
    let coef = ctx.attrs.floats("coefficients").unwrap_or_default();
    if targets == 0 || coef.len() != targets * f {
        return Err(ctx.attrs.error(
            "coefficients",
            format!("{} coefficients for {targets} targets of {f} features", coef.len()),
        ));
    }
    if post_transform(ctx)? != Post::None {
        return Err(ctx.unsupported("LinearRegressor supports post_transform NONE only"));
    }
    Ok(Built::Steps { steps: vec![linear_step(ctx, coef, f, targets)?], outputs: vec![0] })
}

/// `Scaler`: `(x − offset) · scale`, per feature or one value for all.
fn scaler(ctx: &BuildCtx<'_>) -> Result<Built> {
    let (_, f) = features(ctx)?;
    let per_feature = |name: &str, default: f64| -> Result<Vec<f64>> {
        match ctx.attrs.floats(name) {
            None => Ok(vec![default; f]),
            Some(v) if v.len() == 1 => Ok(vec![v[0]; f]),
            Some(v) if v.len() == f => Ok(v),
            Some(v) => Err(ctx.attrs.error(name, format!("{} values for {f} features", v.len()))),
        }
    };
    let offset = per_feature("offset", 0.0)?;
    let scale = per_feature("scale", 1.0)?;
    let steps = vec![
        step(Op::Binary(Binary::Sub), vec![StepArg::Input(0), konst(vec![f], offset)]),
        step(Op::Binary(Binary::Mul), vec![StepArg::Step(0), konst(vec![f], scale)]),
    ];
    Ok(Built::Steps { steps, outputs: vec![1] })
}

/// `Normalizer` with norm L2 or L1: each row divided by its norm (a rounded division).
fn normalizer(ctx: &BuildCtx<'_>) -> Result<Built> {
    features(ctx)?;
    let sum = Op::Reduce { kind: super::ReduceKind::Sum, axes: vec![1], keepdims: true };
    let mut steps = Vec::new();
    match ctx.attrs.string("norm").as_deref().unwrap_or("MAX") {
        "L2" => {
            steps.push(step(Op::Binary(Binary::Mul), vec![StepArg::Input(0), StepArg::Input(0)]));
            steps.push(step(sum, vec![StepArg::Step(0)]));
            steps.push(step(Op::Unary(Unary::Sqrt), vec![StepArg::Step(1)]));
        }
        "L1" => {
            steps.push(step(Op::Unary(Unary::Abs), vec![StepArg::Input(0)]));
            steps.push(step(sum, vec![StepArg::Step(0)]));
        }
        other => {
            return Err(ctx
                .unsupported(format!("Normalizer norm {other} is not supported (L1 and L2 are)")))
        }
    }
    let norm = steps.len() - 1;
    steps.push(step(Op::Binary(Binary::Div), vec![StepArg::Input(0), StepArg::Step(norm)]));
    let last = steps.len() - 1;
    Ok(Built::Steps { steps, outputs: vec![last] })
}

/// `ArrayFeatureExtractor(x, indices)`: `x[..., indices]`, shape `x[:-1] + [len(indices)]`
/// (`[1, len]` for a 1-D `x`). Constant indices select columns by copy; input-dependent
/// indices into a constant `x` (a classifier's label table) are a lookup.
fn array_feature_extractor(ctx: &BuildCtx<'_>) -> Result<Built> {
    let x = ctx.arg(0)?;
    let idx = ctx.arg(1)?;
    let n = crate::tensor::numel(&idx.shape);
    let rank = x.shape.len();
    if rank == 0 || n == 0 {
        return Err(ctx.shape_err("needs a non-scalar input and at least one index"));
    }
    let mut out_shape = x.shape.clone();
    if rank == 1 {
        out_shape.insert(0, 1);
    }
    *out_shape.last_mut().unwrap_or(&mut 0) = n;
    let gather = Op::Gather { axis: rank - 1 };
    let mut steps = Vec::new();
    let indices = match &idx.value {
        Some(t) => StepArg::Const(Tensor::new(vec![n], t.dtype, t.data.clone())),
        None => {
            steps.push(step(Op::Reshape { shape: vec![n] }, vec![StepArg::Input(1)]));
            StepArg::Step(0)
        }
    };
    steps.push(step(gather, vec![StepArg::Input(0), indices]));
    let gathered = steps.len() - 1;
    steps.push(step(Op::Reshape { shape: out_shape }, vec![StepArg::Step(gathered)]));
    let last = steps.len() - 1;
    Ok(Built::Steps { steps, outputs: vec![last] })
}

/// How a split is decided from one comparison: `Greater` (`x > t`) or `Less` (`x < t`), and
/// whether "true" is that comparison or its negation.
#[derive(Clone, Copy)]
struct Split {
    greater: bool,
    true_when_set: bool,
}

fn split_rule(mode: &str) -> Option<Split> {
    Some(match mode {
        "BRANCH_LEQ" => Split { greater: true, true_when_set: false },
        "BRANCH_GT" => Split { greater: true, true_when_set: true },
        "BRANCH_LT" => Split { greater: false, true_when_set: true },
        "BRANCH_GTE" => Split { greater: false, true_when_set: false },
        _ => return None,
    })
}

/// The node table of a tree ensemble, as the attributes give it.
#[derive(Default)]
struct Nodes {
    tree: Vec<i64>,
    id: Vec<i64>,
    feature: Vec<usize>,
    mode: Vec<String>,
    value: Vec<f64>,
    yes: Vec<i64>,
    no: Vec<i64>,
}

impl Nodes {
    /// Appends one node; `children` are its (true, false) node ids.
    fn push(
        &mut self,
        tree: i64,
        id: i64,
        feature: usize,
        mode: &str,
        value: f64,
        children: (i64, i64),
    ) {
        self.tree.push(tree);
        self.id.push(id);
        self.feature.push(feature);
        self.mode.push(mode.to_string());
        self.value.push(value);
        self.yes.push(children.0);
        self.no.push(children.1);
    }
}

fn read_nodes(ctx: &BuildCtx<'_>, features: usize) -> Result<Nodes> {
    let a = &ctx.attrs;
    let ints = |name: &str| a.ints(name).ok_or_else(|| a.error(name, "is required"));
    let tree = ints("nodes_treeids")?;
    let len = tree.len();
    let values = match a.floats("nodes_values") {
        Some(v) => v,
        None => a.tensor("nodes_values_as_tensor")?.map(|t| t.data).unwrap_or_default(),
    };
    let nodes = Nodes {
        id: ints("nodes_nodeids")?,
        feature: a.usizes("nodes_featureids")?.unwrap_or_default(),
        mode: a.strings("nodes_modes").unwrap_or_default(),
        value: values,
        yes: ints("nodes_truenodeids")?,
        no: ints("nodes_falsenodeids")?,
        tree,
    };
    let lens = [
        nodes.id.len(),
        nodes.feature.len(),
        nodes.mode.len(),
        nodes.value.len(),
        nodes.yes.len(),
        nodes.no.len(),
    ];
    if len == 0 || lens.iter().any(|&l| l != len) {
        return Err(ctx.unsupported(format!(
            "the nodes_* attributes must have one equal, non-zero length (got {len} tree ids and {lens:?})"
        )));
    }
    if let Some(f) = nodes.feature.iter().find(|&&f| f >= features) {
        return Err(a.error("nodes_featureids", format!("feature {f} of an input with {features}")));
    }
    Ok(nodes)
}

/// One leaf: its tree, node id and the splits on its path as (split index, went the way the
/// split's comparison says).
struct Leaf {
    key: (i64, i64),
    path: Vec<(usize, bool)>,
}

/// Walks every tree from its root; returns the split nodes (table indices) and the leaves.
fn walk(ctx: &BuildCtx<'_>, nodes: &Nodes) -> Result<(Vec<usize>, Vec<Leaf>)> {
    let index: HashMap<(i64, i64), usize> =
        (0..nodes.tree.len()).map(|i| ((nodes.tree[i], nodes.id[i]), i)).collect();
    if index.len() != nodes.tree.len() {
        return Err(ctx.unsupported("a (tree id, node id) pair appears twice"));
    }
    let mut trees: Vec<i64> = nodes.tree.clone();
    trees.sort_unstable();
    trees.dedup();
    let mut children = std::collections::HashSet::new();
    for i in 0..nodes.tree.len() {
        if nodes.mode[i] != "LEAF" {
            children.insert((nodes.tree[i], nodes.yes[i]));
            children.insert((nodes.tree[i], nodes.no[i]));
        }
    }
    let mut splits = Vec::new();
    let mut split_of: HashMap<usize, usize> = HashMap::new();
    let mut leaves = Vec::new();
    for t in trees {
        let roots: Vec<usize> = (0..nodes.tree.len())
            .filter(|&i| nodes.tree[i] == t && !children.contains(&(t, nodes.id[i])))
            .collect();
        let [root] = roots.as_slice() else {
            return Err(
                ctx.unsupported(format!("tree {t} has {} roots; expected one", roots.len()))
            );
        };
        let mut stack = vec![(*root, Vec::new())];
        while let Some((i, path)) = stack.pop() {
            if path.len() > nodes.tree.len() {
                return Err(ctx.unsupported(format!("tree {t} has a cycle")));
            }
            if nodes.mode[i] == "LEAF" {
                leaves.push(Leaf { key: (t, nodes.id[i]), path });
                continue;
            }
            let Some(rule) = split_rule(&nodes.mode[i]) else {
                return Err(ctx.unsupported(format!(
                    "split mode {} (tree {t}, node {}) is not supported: BRANCH_LEQ, BRANCH_LT, \
                     BRANCH_GTE and BRANCH_GT are",
                    nodes.mode[i], nodes.id[i]
                )));
            };
            let s = *split_of.entry(i).or_insert_with(|| {
                splits.push(i);
                splits.len() - 1
            });
            for (child, taken) in [(nodes.yes[i], true), (nodes.no[i], false)] {
                let c = index.get(&(t, child)).copied().ok_or_else(|| {
                    ctx.unsupported(format!(
                        "tree {t}, node {}: child {child} does not exist",
                        nodes.id[i]
                    ))
                })?;
                let mut p = path.clone();
                // The comparison bit equals "went true" exactly when the rule says so.
                p.push((s, taken == rule.true_when_set));
                stack.push((c, p));
            }
        }
    }
    Ok((splits, leaves))
}

/// Leaf values: `weights[leaf][output]`, from the `class_*` or `target_*` attribute tuples.
fn leaf_values(
    ctx: &BuildCtx<'_>,
    prefix: &str,
    leaves: &[Leaf],
    outputs: usize,
) -> Result<Vec<Vec<f64>>> {
    let a = &ctx.attrs;
    let ints = |name: String| a.ints(&name).ok_or_else(|| a.error(&name, "is required"));
    let trees = ints(format!("{prefix}_treeids"))?;
    let nodes = ints(format!("{prefix}_nodeids"))?;
    let ids = ints(format!("{prefix}_ids"))?;
    let weights = match a.floats(&format!("{prefix}_weights")) {
        Some(w) => w,
        None => {
            a.tensor(&format!("{prefix}_weights_as_tensor"))?.map(|t| t.data).unwrap_or_default()
        }
    };
    if [nodes.len(), ids.len(), weights.len()].iter().any(|&l| l != trees.len()) {
        return Err(ctx.unsupported(format!("the {prefix}_* attributes differ in length")));
    }
    let column: HashMap<(i64, i64), usize> =
        leaves.iter().enumerate().map(|(j, l)| (l.key, j)).collect();
    let mut w = vec![vec![0.0; outputs]; leaves.len()];
    for k in 0..trees.len() {
        let leaf = column.get(&(trees[k], nodes[k])).ok_or_else(|| {
            ctx.unsupported(format!(
                "{prefix} weight #{k} is for tree {}, node {}, which is not a reachable leaf",
                trees[k], nodes[k]
            ))
        })?;
        let out = usize::try_from(ids[k]).ok().filter(|&o| o < outputs).ok_or_else(|| {
            ctx.unsupported(format!("{prefix}_ids #{k} is {}, outside 0..{outputs}", ids[k]))
        })?;
        w[*leaf][out] += weights[k];
    }
    Ok(w)
}

/// The ensemble's scores `[N, cols]` as steps (see the module doc): one comparison per split,
/// the reached leaf of every tree, the leaf values summed, plus `base`. Returns the steps and
/// the index of the scores step.
#[allow(clippy::cast_precision_loss, clippy::too_many_arguments)]
fn ensemble_scores(
    ctx: &BuildCtx<'_>,
    nodes: &Nodes,
    splits: &[usize],
    leaves: &[Leaf],
    w: Vec<Vec<f64>>,
    cols: usize,
    base: Vec<f64>,
) -> Result<(Vec<Step>, usize)> {
    if splits.is_empty() {
        return Err(ctx.unsupported("the ensemble has no split: every tree is a single leaf"));
    }
    // One comparison per split, grouped by kind: bits = [Greater splits | Less splits].
    let mut steps = Vec::new();
    let mut order = Vec::new(); // split index → bit column
    let mut groups = Vec::new();
    for greater in [true, false] {
        let members: Vec<usize> = (0..splits.len())
            .filter(|&s| split_rule(&nodes.mode[splits[s]]).is_some_and(|r| r.greater == greater))
            .collect();
        if members.is_empty() {
            continue;
        }
        let feats: Vec<f64> = members.iter().map(|&s| nodes.feature[splits[s]] as f64).collect();
        let thresholds: Vec<f64> = members.iter().map(|&s| nodes.value[splits[s]]).collect();
        let m = members.len();
        steps.push(step(
            Op::Gather { axis: 1 },
            vec![StepArg::Input(0), StepArg::Const(Tensor::new(vec![m], DType::Int, feats))],
        ));
        let cmp = if greater { Binary::Greater } else { Binary::Less };
        steps.push(step(
            Op::Binary(cmp),
            vec![StepArg::Step(steps.len() - 1), konst(vec![m], thresholds)],
        ));
        steps.push(step(Op::Cast { to: DType::Float }, vec![StepArg::Step(steps.len() - 1)]));
        groups.push(steps.len() - 1);
        order.extend(members);
    }
    let bits = if let [one] = groups.as_slice() {
        *one
    } else {
        steps
            .push(step(Op::Concat { axis: 1 }, groups.iter().map(|&g| StepArg::Step(g)).collect()));
        steps.len() - 1
    };
    let mut column = vec![0; splits.len()];
    for (c, &s) in order.iter().enumerate() {
        column[s] = c;
    }
    // count[leaf] = Σ_path (bit if the path follows the bit, else 1 − bit); the reached leaf
    // of a tree has count = depth, every other leaf less.
    let (nb, nl) = (splits.len(), leaves.len());
    let mut a = vec![0.0; nb * nl];
    let mut offset = vec![0.0; nl];
    for (j, leaf) in leaves.iter().enumerate() {
        for &(s, follows) in &leaf.path {
            a[column[s] * nl + j] += if follows { 1.0 } else { -1.0 };
            if !follows {
                offset[j] += 1.0;
            }
        }
        offset[j] += 1.0 - leaf.path.len() as f64;
    }
    steps.push(step(Op::MatMul, vec![StepArg::Step(bits), konst(vec![nb, nl], a)]));
    steps.push(step(
        Op::Binary(Binary::Add),
        vec![StepArg::Step(steps.len() - 1), konst(vec![nl], offset)],
    ));
    steps.push(step(Op::Unary(Unary::Relu), vec![StepArg::Step(steps.len() - 1)]));
    let reached = steps.len() - 1;
    let leaf_w: Vec<f64> = w.into_iter().flatten().collect();
    steps.push(step(Op::MatMul, vec![StepArg::Step(reached), konst(vec![nl, cols], leaf_w)]));
    let mut scores = steps.len() - 1;
    if base.iter().any(|&b| b != 0.0) {
        steps.push(step(
            Op::Binary(Binary::Add),
            vec![StepArg::Step(scores), konst(vec![cols], base)],
        ));
        scores = steps.len() - 1;
    }
    Ok((steps, scores))
}

/// `TreeEnsembleClassifier` / `TreeEnsembleRegressor` (see the module doc).
#[allow(clippy::too_many_lines, clippy::cast_precision_loss)]
fn tree_ensemble(ctx: &BuildCtx<'_>, classifier: bool) -> Result<Built> {
    let (_, f) = features(ctx)?;
    let nodes = read_nodes(ctx, f)?;
    let (splits, leaves) = walk(ctx, &nodes)?;
    let post = post_transform(ctx)?;
    let (labels, outputs, prefix) = if classifier {
        let labels = class_labels(ctx, "classlabels_int64s")?;
        let n = labels.len();
        (labels, n, "class")
    } else {
        (Vec::new(), n_targets(ctx)?, "target")
    };
    let mut w = leaf_values(ctx, prefix, &leaves, outputs)?;
    let mut base = ctx.attrs.floats("base_values").unwrap_or_default();
    if base.is_empty() {
        base = vec![0.0; outputs];
    } else if base.len() == 1 {
        base = vec![base[0]; outputs];
    } else if base.len() != outputs {
        return Err(ctx
            .attrs
            .error("base_values", format!("{} values for {outputs} outputs", base.len())));
    }
    if !classifier {
        match ctx.attrs.string("aggregate_function").as_deref().unwrap_or("SUM") {
            "SUM" => {}
            "AVERAGE" => {
                let trees =
                    leaves.iter().map(|l| l.key.0).collect::<std::collections::BTreeSet<_>>().len();
                w.iter_mut().flatten().for_each(|v| *v /= trees as f64);
            }
            other => {
                return Err(ctx.unsupported(format!(
                    "aggregate_function {other} is not supported (SUM and AVERAGE are)"
                )))
            }
        }
    }
    // Binary classifiers with weights for one class score that class only.
    let class_ids = ctx.attrs.ints("class_ids").unwrap_or_default();
    let binary = classifier && outputs == 2 && class_ids.iter().all(|&c| c == class_ids[0]);
    let (cols, base) = if binary {
        // leaf_values checked every id against 0..outputs.
        let c = class_ids.first().and_then(|&c| usize::try_from(c).ok()).unwrap_or(0);
        w = w.iter().map(|row| vec![row[c]]).collect();
        (1, vec![base[0]])
    } else {
        (outputs, base)
    };

    let (mut steps, mut scores) = ensemble_scores(ctx, &nodes, &splits, &leaves, w, cols, base)?;
    if !classifier {
        if post != Post::None {
            return Err(ctx.unsupported("TreeEnsembleRegressor supports post_transform NONE only"));
        }
        return Ok(Built::Steps { steps, outputs: vec![scores] });
    }
    if binary {
        scores = push_binary_expand(&mut steps, scores, post);
    }
    let probs = push_post(&mut steps, scores, post);
    let label = push_label(&mut steps, scores, &labels);
    Ok(Built::Steps { steps, outputs: vec![label, probs] })
}

/// The opset-5 `TreeEnsemble`: nodes and leaves in separate tables, split modes and
/// aggregation as integers. Translated to the node table of the older ops (leaf `l` becomes
/// node `nodes + l` of its tree) and evaluated the same way.
#[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation, clippy::cast_sign_loss)]
fn tree_ensemble_v5(ctx: &BuildCtx<'_>) -> Result<Built> {
    let (_, f) = features(ctx)?;
    let a = &ctx.attrs;
    let ints = |name: &str| a.ints(name).ok_or_else(|| a.error(name, "is required"));
    let tensor = |name: &str| -> Result<Vec<f64>> {
        a.tensor(name)?.map(|t| t.data).ok_or_else(|| a.error(name, "is required"))
    };
    let splits_at = tensor("nodes_splits")?;
    let modes = tensor("nodes_modes")?;
    let feature = a.usizes("nodes_featureids")?.unwrap_or_default();
    let (yes, no) = (ints("nodes_truenodeids")?, ints("nodes_falsenodeids")?);
    let (yes_leaf, no_leaf) = (ints("nodes_trueleafs")?, ints("nodes_falseleafs")?);
    let (leaf_target, leaf_weight) = (ints("leaf_targetids")?, tensor("leaf_weights")?);
    let roots = ints("tree_roots")?;
    let n = splits_at.len();
    if [modes.len(), feature.len(), yes.len(), no.len(), yes_leaf.len(), no_leaf.len()]
        .iter()
        .any(|&l| l != n)
        || leaf_target.len() != leaf_weight.len()
    {
        return Err(ctx.unsupported("the nodes_* (or leaf_*) attributes differ in length"));
    }
    if let Some(bad) = feature.iter().find(|&&x| x >= f) {
        return Err(a.error("nodes_featureids", format!("feature {bad} of an input with {f}")));
    }
    let mode_name = |code: f64| match code as i64 {
        0 => Ok("BRANCH_LEQ"),
        1 => Ok("BRANCH_LT"),
        2 => Ok("BRANCH_GTE"),
        3 => Ok("BRANCH_GT"),
        other => Err(ctx.unsupported(format!(
            "split mode {other} (EQ, NEQ or MEMBER) is not supported: LEQ, LT, GTE and GT are"
        ))),
    };
    let leaf_base = i64::try_from(n).unwrap_or(i64::MAX);
    let child = |id: i64, leaf: i64| if leaf != 0 { leaf_base + id } else { id };
    let mut nodes = Nodes::default();
    for (t, &root) in roots.iter().enumerate() {
        let t = i64::try_from(t).unwrap_or(0);
        let mut seen = std::collections::HashSet::new();
        let mut stack = vec![root];
        while let Some(id) = stack.pop() {
            if !seen.insert(id) {
                continue;
            }
            if id >= leaf_base {
                let l = usize::try_from(id - leaf_base).ok().filter(|&l| l < leaf_weight.len());
                if l.is_none() {
                    return Err(ctx.unsupported(format!(
                        "tree {t} reaches leaf {}, which does not exist",
                        id - leaf_base
                    )));
                }
                nodes.push(t, id, 0, "LEAF", 0.0, (0, 0));
                continue;
            }
            let i = usize::try_from(id).ok().filter(|&i| i < n).ok_or_else(|| {
                ctx.unsupported(format!("tree {t} reaches node {id}, which does not exist"))
            })?;
            let (y, z) = (child(yes[i], yes_leaf[i]), child(no[i], no_leaf[i]));
            nodes.push(t, id, feature[i], mode_name(modes[i])?, splits_at[i], (y, z));
            stack.extend([y, z]);
        }
    }
    if nodes.tree.is_empty() {
        return Err(a.error("tree_roots", "no trees"));
    }
    let (splits, leaves) = walk(ctx, &nodes)?;
    let targets = n_targets(ctx)?;
    let average = match a.int_or("aggregate_function", 1) {
        0 => true,
        1 => false,
        other => {
            return Err(ctx.unsupported(format!(
                "aggregate_function {other} (MIN or MAX) is not supported: SUM and AVERAGE are"
            )))
        }
    };
    let post = match a.int_or("post_transform", 0) {
        0 => Post::None,
        1 => Post::Softmax,
        2 => Post::Logistic,
        other => {
            return Err(ctx.unsupported(format!(
                "post_transform {other} is not supported (NONE, SOFTMAX and LOGISTIC are)"
            )))
        }
    };
    let trees = roots.len().max(1) as f64;
    let mut w = vec![vec![0.0; targets]; leaves.len()];
    for (j, leaf) in leaves.iter().enumerate() {
        let l = usize::try_from(leaf.key.1 - leaf_base).unwrap_or(0);
        let target =
            usize::try_from(leaf_target[l]).ok().filter(|&x| x < targets).ok_or_else(|| {
                a.error("leaf_targetids", format!("target {} outside 0..{targets}", leaf_target[l]))
            })?;
        w[j][target] += if average { leaf_weight[l] / trees } else { leaf_weight[l] };
    }
    let (mut steps, scores) =
        ensemble_scores(ctx, &nodes, &splits, &leaves, w, targets, vec![0.0; targets])?;
    let out = push_post(&mut steps, scores, post);
    Ok(Built::Steps { steps, outputs: vec![out] })
}
