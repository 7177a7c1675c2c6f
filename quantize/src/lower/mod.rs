//! Lowering of the ONNX-level graph to integer primitives, one module per op family.
//!
//! Scale policy: every ONNX tensor gets a scale from its calibrated range
//! (`activation_bits − ⌈log2(max·headroom)⌉`); exact ops (add, copy, max, …) keep their input
//! scale, products are rescaled down to the chosen scale, never up. Every tensor carries a
//! bound: derived from its inputs, or from calibration when that is tighter, in which case the
//! circuit must enforce it with a range check.

mod arithmetic;
mod elementwise;
mod linear;
mod mask;
mod norm;
mod pool;
mod precision;
mod shape;

use crate::error::{QuantError, Result};
use crate::eval::quantize_value;
use crate::qgraph::{bits_for, CopySrc, LookupFn, QGraph, QId, QNode, QOp, QTensor, Table};
use crate::settings::{Range, Settings};
use zkinfer_model_import::ops::matmul::{matmul_shapes, MatMulDims};
use zkinfer_model_import::ops::reduce::reduce_index_map;
use zkinfer_model_import::ops::Op;
use zkinfer_model_import::tensor::{numel, DType};
use zkinfer_model_import::{Graph, Node, NodeRef, Tensor, TensorId};

/// Largest bound a stored tensor may have: values live in 62 bits plus sign.
pub const MAX_TENSOR_BITS: u32 = 62;
/// Magnitude (in integer units) that ±infinity and overlarge constants saturate to.
pub const SATURATION_BITS: u32 = 40;

pub(crate) struct Lowerer<'a> {
    pub g: &'a Graph,
    pub s: &'a Settings,
    pub q: QGraph,
    /// ONNX tensor → quantized tensor, for dynamic tensors already lowered.
    pub map: Vec<Option<QId>>,
    /// Node being lowered.
    pub node: NodeRef,
    internal: usize,
    /// Bits per ONNX tensor at its calibrated maximum (see `precision`).
    bits: Vec<u32>,
}

/// Lowers a graph with the given settings.
pub(crate) fn lower(g: &Graph, s: &Settings) -> Result<QGraph> {
    let mut l = Lowerer {
        g,
        s,
        q: QGraph {
            tensors: Vec::new(),
            nodes: Vec::new(),
            inputs: Vec::new(),
            outputs: Vec::new(),
            tables: Vec::new(),
            visibility: s.visibility,
        },
        map: vec![None; g.tensors.len()],
        node: NodeRef { name: String::new(), op: String::new() },
        internal: 0,
        bits: precision::tensor_bits(g, &s.params),
    };
    for (index, &gid) in g.inputs.iter().enumerate() {
        let t = &g.tensors[gid];
        l.node = NodeRef { name: t.name.clone(), op: "Input".into() };
        let scale = l.chosen_scale(gid)?;
        let real = l.range(gid)?.max_abs();
        let id = l.emit(QOp::Input { index }, vec![], t.shape.clone(), scale, Some(real))?;
        l.finish(gid, id);
        l.q.inputs.push(id);
    }
    for n in &g.nodes {
        l.node = n.node_ref();
        l.internal = 0;
        l.lower_node(n)?;
    }
    for &o in &g.outputs {
        let id = match l.map[o] {
            Some(id) => id,
            None => {
                // A constant output: materialise it so the proof still exposes it.
                l.node = NodeRef { name: g.tensors[o].name.clone(), op: "Constant".into() };
                let t = l.g.tensors[o]
                    .value
                    .clone()
                    .ok_or_else(|| QuantError::Internal("output without value".into()))?;
                let max = t.data.iter().fold(0f64, |m, v| m.max(v.abs()));
                let scale = l.scale_for_magnitude(max / l.s.params.headroom, l.bits_of(o));
                l.konst(&t, scale)?
            }
        };
        l.q.outputs.push(id);
    }
    Ok(l.q)
}

impl Lowerer<'_> {
    fn lower_node(&mut self, n: &Node) -> Result<()> {
        match &n.op {
            Op::MatMul | Op::Gemm { .. } | Op::Conv(_) | Op::ConvTranspose(_) => {
                linear::lower(self, n)
            }
            Op::Binary(_) | Op::Where | Op::Clip { .. } | Op::Cast { .. } => {
                arithmetic::lower(self, n)
            }
            Op::Unary(_) => elementwise::lower(self, n),
            Op::Softmax { .. } | Op::LayerNorm { .. } | Op::BatchNorm { .. } => {
                norm::lower(self, n)
            }
            Op::Pool(_) | Op::Reduce { .. } | Op::ArgMax { .. } => pool::lower(self, n),
            Op::Reshape { .. }
            | Op::Transpose { .. }
            | Op::Slice { .. }
            | Op::Split { .. }
            | Op::Gather { .. }
            | Op::GatherElements { .. }
            | Op::ScatterElements { .. }
            | Op::ScatterNd
            | Op::Resize { .. }
            | Op::Concat { .. }
            | Op::Pad { .. }
            | Op::Tile { .. }
            | Op::Expand { .. } => shape::lower(self, n),
        }
    }

    pub fn unsupported(&self, reason: impl Into<String>) -> QuantError {
        QuantError::Unsupported { node: self.node.clone(), reason: reason.into() }
    }

    pub fn is_const(&self, gid: TensorId) -> bool {
        self.g.tensors[gid].value.is_some()
    }

    pub fn const_value(&self, gid: TensorId) -> Result<&Tensor> {
        self.g.tensors[gid]
            .value
            .as_ref()
            .ok_or_else(|| QuantError::Internal(format!("{}: expected a constant", self.node)))
    }

    /// The lowered tensor of a dynamic ONNX tensor.
    pub fn input(&self, gid: TensorId) -> Result<QId> {
        self.map[gid].ok_or_else(|| {
            QuantError::Internal(format!(
                "{}: input '{}' not lowered",
                self.node, self.g.tensors[gid].name
            ))
        })
    }

    pub fn scale(&self, id: QId) -> i32 {
        self.q.tensors[id].scale
    }

    pub fn shape(&self, id: QId) -> Vec<usize> {
        self.q.tensors[id].shape.clone()
    }

    pub fn out_shape(&self, gid: TensorId) -> Vec<usize> {
        self.g.tensors[gid].shape.clone()
    }

    /// Calibrated range of an ONNX tensor.
    pub fn range(&self, gid: TensorId) -> Result<Range> {
        let name = &self.g.tensors[gid].name;
        self.s.calibration.ranges.get(name).copied().ok_or_else(|| {
            QuantError::Settings(format!(
                "no calibrated range for tensor '{name}' (used by {}); the settings were made for a different model — re-run `zkinfer calibrate`",
                self.node
            ))
        })
    }

    /// Scale for a real magnitude: `activation_bits − ⌈log2(max·headroom)⌉`, clamped.
    pub fn scale_for_magnitude(&self, max_abs: f64, bits: u32) -> i32 {
        let p = &self.s.params;
        let m = max_abs * p.headroom;
        #[allow(clippy::cast_possible_truncation)]
        let mag = if m > 0.0 && m.is_finite() { m.log2().ceil() as i32 } else { 0 };
        (bits.cast_signed() - mag).clamp(0, p.max_scale)
    }

    /// Scale chosen for an ONNX tensor: user override, integer types at 0, else calibration
    /// with the bits of its role (see `precision`).
    pub fn chosen_scale(&self, gid: TensorId) -> Result<i32> {
        let t = &self.g.tensors[gid];
        if let Some(&s) = self.s.scale_overrides.get(&t.name) {
            return Ok(s);
        }
        if t.dtype != DType::Float {
            return Ok(0);
        }
        Ok(self.scale_for_magnitude(self.range(gid)?.max_abs(), self.bits_of(gid)))
    }

    /// Bits a float tensor gets at its calibrated maximum, by its role (see `precision`).
    pub fn bits_of(&self, gid: TensorId) -> u32 {
        self.bits[gid]
    }

    fn next_name(&mut self) -> String {
        self.internal += 1;
        format!("{}#{}", self.node.name, self.internal)
    }

    fn push_tensor(&mut self, t: QTensor) -> QId {
        self.q.tensors.push(t);
        self.q.tensors.len() - 1
    }

    /// Records that ONNX tensor `gid` is computed by `id`, and names it after the ONNX tensor.
    pub fn finish(&mut self, gid: TensorId, id: QId) {
        if self.q.tensors[id].value.is_none() && self.q.tensors[id].name.contains('#') {
            self.q.tensors[id].name.clone_from(&self.g.tensors[gid].name);
        }
        self.map[gid] = Some(id);
    }

    /// A quantized constant at `scale`; ±inf and magnitudes beyond 2^40 saturate (an
    /// attention mask's −inf becomes a very negative number that exp maps to 0).
    pub fn konst(&mut self, t: &Tensor, scale: i32) -> Result<QId> {
        let sat = (1i128 << SATURATION_BITS) - 1;
        let values: Vec<i64> = t
            .data
            .iter()
            .map(|&v| {
                let q = if v.is_nan() {
                    return Err(self.unsupported("a constant contains NaN"));
                } else if v.is_infinite() {
                    if v > 0.0 {
                        sat
                    } else {
                        -sat
                    }
                } else {
                    quantize_value(v, scale).clamp(-sat, sat)
                };
                i64::try_from(q).map_err(|_| QuantError::Internal("constant overflow".into()))
            })
            .collect::<Result<_>>()?;
        let bound = values.iter().map(|v| v.unsigned_abs()).max().unwrap_or(0);
        let name = self.next_name();
        Ok(self.push_tensor(QTensor {
            name,
            shape: t.shape.clone(),
            scale,
            bound,
            checked: false,
            value: Some(values),
            window: None,
        }))
    }

    /// A constant scalar or tensor of integers at scale 0.
    pub fn int_const(&mut self, shape: Vec<usize>, values: Vec<i64>) -> QId {
        let bound = values.iter().map(|v| v.unsigned_abs()).max().unwrap_or(0);
        let name = self.next_name();
        self.push_tensor(QTensor {
            name,
            shape,
            scale: 0,
            bound,
            checked: false,
            value: Some(values),
            window: None,
        })
    }

    /// A weight tensor at the scale that gives its largest magnitude `weight_bits` bits.
    pub fn weight(&mut self, t: &Tensor) -> Result<QId> {
        let max = t.data.iter().filter(|v| v.is_finite()).fold(0f64, |m, v| m.max(v.abs()));
        let p = &self.s.params;
        #[allow(clippy::cast_possible_truncation)]
        let mag = if max > 0.0 { max.log2().ceil() as i32 } else { 0 };
        let scale = (p.weight_bits.cast_signed() - mag)
            .clamp(0, p.max_scale.max(p.weight_bits.cast_signed()));
        self.konst(t, scale)
    }

    /// A dynamic ONNX tensor's lowering, or a constant quantized at `scale`.
    pub fn operand(&mut self, gid: TensorId, scale: i32) -> Result<QId> {
        if self.is_const(gid) {
            let t = self.const_value(gid)?.clone();
            self.konst(&t, scale)
        } else {
            self.input(gid)
        }
    }

    /// Emits a primitive. `calibrated` is the real magnitude calibration saw for the value
    /// (before headroom); when the bound it implies is tighter than the derived one, it is
    /// used and marked for enforcement.
    pub fn emit(
        &mut self,
        op: QOp,
        inputs: Vec<QId>,
        shape: Vec<usize>,
        scale: i32,
        calibrated: Option<f64>,
    ) -> Result<QId> {
        let derived = self.derived_bound(&op, &inputs, &shape);
        // Division and square root shift their input left before the exact integer step; that
        // intermediate must stay well inside the evaluator's 128-bit arithmetic.
        if let QOp::Div { shift } | QOp::Sqrt { shift } = op {
            let bits = bits_for(self.bound_of(inputs[0])) + shift + 2;
            if bits > 120 {
                return Err(QuantError::BoundTooLarge {
                    node: self.node.clone(),
                    tensor: self.q.tensors[inputs[0]].name.clone(),
                    bits,
                    max: 120,
                });
            }
        }
        let mut bound = derived;
        let mut checked = false;
        if let Some(real) = calibrated {
            // A tensor that was all zeros during calibration is given magnitude 1, the same
            // assumption its scale was chosen with.
            let real = if real > 0.0 { real } else { 1.0 };
            let m = real * self.s.params.headroom * 2f64.powi(scale);
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            let ints = if m.is_finite() { m.ceil().max(1.0) as u128 } else { u128::MAX };
            let cal = if bits_for(ints) >= 127 { u128::MAX } else { (1u128 << bits_for(ints)) - 1 };
            if cal < derived {
                bound = cal;
                checked = true;
            }
        }
        let name = self.next_name();
        if bits_for(bound) > MAX_TENSOR_BITS {
            return Err(QuantError::BoundTooLarge {
                node: self.node.clone(),
                tensor: name,
                bits: bits_for(bound),
                max: MAX_TENSOR_BITS,
            });
        }
        let id = self.push_tensor(QTensor {
            name,
            shape,
            scale,
            bound: u64::try_from(bound).unwrap_or(u64::MAX),
            checked,
            value: None,
            window: None,
        });
        self.q.nodes.push(QNode {
            op,
            inputs,
            output: id,
            node: self.node.name.clone(),
            onnx_op: self.node.op.clone(),
        });
        Ok(id)
    }

    fn bound_of(&self, id: QId) -> u128 {
        u128::from(self.q.tensors[id].bound)
    }

    fn derived_bound(&self, op: &QOp, inputs: &[QId], shape: &[usize]) -> u128 {
        let b = |i: usize| self.bound_of(inputs[i]);
        match op {
            QOp::Input { .. } => u128::MAX,
            QOp::Copy { map } => {
                let used: std::collections::BTreeSet<u32> =
                    map.iter().map(|s| s.input).filter(|&i| i != CopySrc::ZERO).collect();
                used.iter().map(|&i| b(i as usize)).max().unwrap_or(0)
            }
            QOp::Add { coeffs } => coeffs.iter().enumerate().fold(0u128, |acc, (i, c)| {
                acc.saturating_add(u128::from(c.unsigned_abs()).saturating_mul(b(i)))
            }),
            QOp::Mul => b(0).saturating_mul(b(1)),
            QOp::MatMul => self.matmul_bound(inputs),
            QOp::Rescale { shift } => (b(0) + (1u128 << (shift - 1))) >> shift,
            QOp::Relu | QOp::Abs | QOp::ReduceMax { .. } | QOp::ReduceMin { .. } => b(0),
            QOp::Max | QOp::Min => b(0).max(b(1)),
            QOp::Div { shift } => b(0).saturating_mul(1u128 << shift).saturating_add(1),
            QOp::Sqrt { shift } => {
                #[allow(
                    clippy::cast_possible_truncation,
                    clippy::cast_precision_loss,
                    clippy::cast_sign_loss
                )]
                let r = (b(0).saturating_mul(1u128 << shift) as f64).sqrt().ceil() as u128;
                r + 1
            }
            QOp::Lookup { table } => u128::from(self.q.tables[*table].max_abs()),
            QOp::ReduceSum { .. } => {
                let n = numel(&self.q.tensors[inputs[0]].shape) / numel(shape).max(1);
                b(0).saturating_mul(n as u128)
            }
            QOp::ArgMax { axis, .. } => {
                self.q.tensors[inputs[0]].shape[*axis].saturating_sub(1) as u128
            }
            QOp::Gather { .. } => b(0),
            QOp::Select => b(1).max(b(2)),
            QOp::Compare { .. } => 1,
        }
    }

    /// Exact bound of a matmul with a constant operand (row/column absolute sums), or the
    /// generic k·|a|·|b| when both are inputs.
    fn matmul_bound(&self, inputs: &[QId]) -> u128 {
        let (a, b) = (&self.q.tensors[inputs[0]], &self.q.tensors[inputs[1]]);
        let k = a.shape[a.shape.len() - 1];
        let (ba, bb) = (u128::from(a.bound), u128::from(b.bound));
        if let Some(w) = &b.value {
            let n = b.shape[b.shape.len() - 1];
            let mut best = 0u128;
            for chunk in w.chunks(k * n) {
                for col in 0..n {
                    let s: u128 =
                        (0..k).map(|r| u128::from(chunk[r * n + col].unsigned_abs())).sum();
                    best = best.max(s);
                }
            }
            return best.saturating_mul(ba);
        }
        if let Some(w) = &a.value {
            let best = w
                .chunks(k)
                .map(|row| row.iter().map(|v| u128::from(v.unsigned_abs())).sum::<u128>())
                .max()
                .unwrap_or(0);
            return best.saturating_mul(bb);
        }
        (k as u128).saturating_mul(ba).saturating_mul(bb)
    }

    /// Moves a tensor to `target` scale: exact multiplication up, rounded rescale down.
    pub fn rescale_to(&mut self, id: QId, target: i32, calibrated: Option<f64>) -> Result<QId> {
        let s = self.scale(id);
        let shape = self.shape(id);
        match s.cmp(&target) {
            std::cmp::Ordering::Equal => Ok(id),
            std::cmp::Ordering::Greater => self.emit(
                QOp::Rescale { shift: (s - target).cast_unsigned() },
                vec![id],
                shape,
                target,
                calibrated,
            ),
            std::cmp::Ordering::Less => {
                let d = (target - s).cast_unsigned();
                if d >= 62 {
                    return Err(
                        self.unsupported(format!("scale gap of {d} bits; lower --max-scale"))
                    );
                }
                self.emit(QOp::Add { coeffs: vec![1i64 << d] }, vec![id], shape, target, None)
            }
        }
    }

    /// Whether ONNX tensor `gid` is read at all, is not a graph output, and every node that
    /// reads it passes `reader`.
    fn read_only_by(&self, gid: TensorId, reader: impl Fn(&Node) -> bool) -> bool {
        let mut readers = self.g.nodes.iter().filter(|n| n.inputs.contains(&gid)).peekable();
        readers.peek().is_some() && !self.g.outputs.contains(&gid) && readers.all(reader)
    }

    /// Whether ONNX tensor `gid` is read only by sums (ReduceSum, ReduceMean), is not a graph
    /// output, and is read at all: then it may stay at a product's scale, since its readers
    /// round once for it.
    pub fn only_summed(&self, gid: TensorId) -> bool {
        use zkinfer_model_import::ops::ReduceKind;
        self.read_only_by(gid, |n| {
            matches!(n.op, Op::Reduce { kind: ReduceKind::Sum | ReduceKind::Mean, .. })
        })
    }

    /// Whether ONNX tensor `gid` reaches only average pools, directly or through additions
    /// (an `x·x + x` activation before its pooling), is not a graph output, and is read at
    /// all: then a product may stay at its own scale, since the pool's division rounds once
    /// for it and for the step down to the pool's chosen scale (see `pool::pool`). A
    /// rounding per element becomes one per pooled output.
    pub fn only_pooled(&self, gid: TensorId) -> bool {
        self.only_pooled_within(gid, 4)
    }

    fn only_pooled_within(&self, gid: TensorId, depth: u32) -> bool {
        use zkinfer_model_import::ops::pool::PoolKind;
        use zkinfer_model_import::ops::Binary;
        self.read_only_by(gid, |n| match &n.op {
            Op::Pool(spec) => matches!(spec.kind, PoolKind::Average { .. }),
            Op::Binary(Binary::Add | Binary::Sub) => {
                depth > 0 && self.only_pooled_within(n.outputs[0], depth - 1)
            }
            _ => false,
        })
    }

    /// Rescales a product down to ONNX tensor `gid`'s chosen scale (never up).
    pub fn rescale_output(&mut self, id: QId, gid: TensorId) -> Result<QId> {
        let target = self.chosen_scale(gid)?.min(self.scale(id));
        let real = self.range(gid)?.max_abs();
        self.rescale_to(id, target, Some(real))
    }

    /// Brings tensors to their common (largest) scale, exactly.
    pub fn align(&mut self, ids: &[QId]) -> Result<(Vec<QId>, i32)> {
        self.align_at_least(ids, 0)
    }

    /// [`Lowerer::align`] to a scale of at least `min` (an exact multiplication up).
    fn align_at_least(&mut self, ids: &[QId], min: i32) -> Result<(Vec<QId>, i32)> {
        let s = ids.iter().map(|&i| self.scale(i)).max().unwrap_or(0).max(min);
        let out = ids.iter().map(|&i| self.rescale_to(i, s, None)).collect::<Result<_>>()?;
        Ok((out, s))
    }

    /// Lowers the data inputs of a node that mixes dynamic tensors and constants: dynamic
    /// ones are aligned to a common scale and constants are quantized at it.
    pub fn aligned_operands(&mut self, gids: &[TensorId]) -> Result<(Vec<QId>, i32)> {
        self.aligned_operands_at_least(gids, 0)
    }

    /// The operands of a sum with ONNX output `out`: as [`Lowerer::aligned_operands`], but at
    /// up to `out`'s own scale where a constant term would otherwise round to zero, and a
    /// scalar one that still would as one unit. A layer norm's `variance + ε` over a constant
    /// row is ε alone, and dividing by its square root needs ε to survive.
    pub fn sum_operands(&mut self, gids: &[TensorId], out: TensorId) -> Result<(Vec<QId>, i32)> {
        let common = gids
            .iter()
            .filter(|&&g| !self.is_const(g))
            .map(|&g| self.input(g).map(|id| self.scale(id)))
            .collect::<Result<Vec<_>>>()?
            .into_iter()
            .max()
            .unwrap_or(0);
        let mut lost = false;
        for &g in gids.iter().filter(|&&g| self.is_const(g)) {
            let data = &self.const_value(g)?.data;
            lost |= data.iter().any(|&v| v != 0.0 && quantize_value(v, common) == 0);
        }
        let min = if lost { self.chosen_scale(out)? } else { 0 };
        let (mut ids, s) = self.aligned_operands_at_least(gids, min)?;
        // A scalar term that still rounds to zero is kept as one unit of its sign.
        for (id, &g) in ids.iter_mut().zip(gids) {
            if !self.is_const(g) || self.q.tensors[*id].value != Some(vec![0]) {
                continue;
            }
            let v = self.const_value(g)?.data[0];
            if v != 0.0 {
                *id = self.konst(&Tensor::scalar(v.signum() * 2f64.powi(-s), DType::Float), s)?;
            }
        }
        Ok((ids, s))
    }

    fn aligned_operands_at_least(
        &mut self,
        gids: &[TensorId],
        min: i32,
    ) -> Result<(Vec<QId>, i32)> {
        let dynamic: Vec<QId> = gids
            .iter()
            .filter(|&&g| !self.is_const(g))
            .map(|&g| self.input(g))
            .collect::<Result<_>>()?;
        let (dynamic, s) = self.align_at_least(&dynamic, min)?;
        let mut it = dynamic.into_iter();
        let ids = gids
            .iter()
            .map(|&g| {
                if self.is_const(g) {
                    self.operand(g, s)
                } else {
                    it.next().ok_or_else(|| QuantError::Internal("align".into()))
                }
            })
            .collect::<Result<_>>()?;
        Ok((ids, s))
    }

    /// A free reshape (identity copy) when the shape changes.
    pub fn reshape(&mut self, id: QId, shape: Vec<usize>) -> Result<QId> {
        if self.shape(id) == shape {
            return Ok(id);
        }
        let s = self.scale(id);
        self.copy_of(id, (0..numel(&shape)).map(Some), shape, s)
    }

    /// `id`'s integers read at another scale: the tensor times `2^(scale − s_id)`, exactly.
    pub fn view_at_scale(&mut self, id: QId, scale: i32) -> Result<QId> {
        let shape = self.shape(id);
        self.copy_of(id, (0..numel(&shape)).map(Some), shape, scale)
    }

    /// A copy of `id` whose element `i` is `id[picks[i]]`, or 0 where `picks[i]` is `None`.
    pub fn pick(&mut self, id: QId, picks: &[Option<usize>], shape: Vec<usize>) -> Result<QId> {
        let s = self.scale(id);
        self.copy_of(id, picks.iter().copied(), shape, s)
    }

    /// A copy of `id` whose element `i` is `id[indices[i]]`.
    pub fn take(&mut self, id: QId, indices: &[usize], shape: Vec<usize>) -> Result<QId> {
        let s = self.scale(id);
        self.copy_of(id, indices.iter().copied().map(Some), shape, s)
    }

    /// The copy of `id` at `scale` whose elements are `sources` (`None`: the constant 0).
    fn copy_of(
        &mut self,
        id: QId,
        sources: impl Iterator<Item = Option<usize>>,
        shape: Vec<usize>,
        scale: i32,
    ) -> Result<QId> {
        let map = sources
            .map(|p| match p {
                Some(i) => u32::try_from(i)
                    .map(|index| CopySrc { input: 0, index })
                    .map_err(|_| self.unsupported("tensor too large")),
                None => Ok(CopySrc { input: CopySrc::ZERO, index: 0 }),
            })
            .collect::<Result<_>>()?;
        self.emit(QOp::Copy { map }, vec![id], shape, scale, None)
    }

    /// A lookup of `func` on `x` over the real input interval `[lo, hi]` (already including
    /// headroom), producing values at `out_scale`. The input keeps its scale; the grid spacing
    /// 2^step is chosen so about 2^table_bits grid points cover the interval, and grids are
    /// rounded to power-of-two spans so nodes share tables.
    pub fn lookup(
        &mut self,
        x: QId,
        func: LookupFn,
        lo: f64,
        hi: f64,
        out_scale: i32,
    ) -> Result<QId> {
        let table = self.grid(x, func, lo, hi, out_scale, None)?;
        if !self.fits(&table) {
            return Err(QuantError::TableTooLarge {
                node: self.node.clone(),
                func: func.name().into(),
                lo: table.lo,
                hi: table.hi,
                size: table.len(),
                table_bits: self.s.params.table_bits,
            });
        }
        self.emit_lookup(x, table, out_scale)
    }

    /// A lookup of `func` on `x ≥ 0` over every value `x` may take, `[0, bound]`, at the grid
    /// spacing a lookup over the narrower `[0, fine]` would get, so it is as precise where
    /// `func` varies and needs no clamp to `fine` before it (softmax's e^−x past the point it
    /// rounds to 0). `None` when that table would have more entries than `table_bits` allows
    /// (twice the grid points of `[0, fine]`), or none fits.
    pub fn fine_lookup(
        &mut self,
        x: QId,
        func: LookupFn,
        fine: f64,
        out_scale: i32,
    ) -> Result<Option<QId>> {
        // `grid` clips the interval to the input's bound.
        match self.grid(x, func, 0.0, f64::INFINITY, out_scale, Some(fine)) {
            Ok(table) if self.fits(&table) => self.emit_lookup(x, table, out_scale).map(Some),
            _ => Ok(None),
        }
    }

    /// A lookup of an exponential `func` (`f(a + b) = f(a)·f(b)`) on `x ≥ 0` over every value
    /// `x` may take, as a factored table ([`Table::factor`]) whose two factors split `x`'s bits
    /// evenly: about 2·2^(bits/2) table rows, no interpolation. `None` when a table with an
    /// entry for every input fits `table_bits` (one lookup is cheaper), when no input reaches
    /// `fine`, or a factor would not fit.
    /// The low factor has the output's scale, so the result is within two output units of the
    /// function (each factor's rounding, the low factor's cap below 1, the product's rounding).
    pub fn factored_lookup(
        &mut self,
        x: QId,
        func: LookupFn,
        fine: f64,
        out_scale: i32,
    ) -> Result<Option<QId>> {
        let tb = self.s.params.table_bits;
        let bound = self.bound_of(x);
        let need = bits_for(bound);
        let step = need.div_ceil(2);
        let low = out_scale;
        // Inputs that never reach `fine` (attention scores within a fraction of each other)
        // keep the interpolated table, whose dense grid there is exact to half a unit: the
        // factors' two roundings would move near-equal weights apart (multihead_attention's
        // error grew by more than an order of magnitude with them).
        #[allow(clippy::cast_precision_loss)]
        let narrow = (bound as f64) < fine * 2f64.powi(self.scale(x));
        if narrow || need <= tb || step > tb || low < 1 {
            return Ok(None);
        }
        let Ok(hi) = i64::try_from(bound >> step) else {
            return Ok(None);
        };
        let table = Table {
            func,
            in_scale: self.scale(x),
            out_scale,
            lo: 0,
            hi,
            step,
            factor: Some(low.cast_unsigned()),
        };
        if !table.finite_on_grid() {
            return Ok(None);
        }
        self.emit_lookup(x, table, out_scale).map(Some)
    }

    /// Whether a table stays within `table_bits`: 2^table_bits entries, plus the grid point
    /// past each end an interpolated table may carry.
    fn fits(&self, table: &Table) -> bool {
        table.len() <= (1u64 << self.s.params.table_bits) + 2
    }

    /// The table of `func` over `[lo, hi]` (clipped to the input's bound), its grid spacing
    /// chosen for the half-span `fine` when given, else for the interval's.
    fn grid(
        &self,
        x: QId,
        func: LookupFn,
        lo: f64,
        hi: f64,
        out_scale: i32,
        fine: Option<f64>,
    ) -> Result<Table> {
        let tb = self.s.params.table_bits;
        let sx = self.scale(x);
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let to_int = |r: f64| {
            ((r.max(f64::MIN_POSITIVE) * 2f64.powi(sx)).ceil() as u128).min(self.bound_of(x)).max(1)
        };
        let r_int = to_int(lo.abs().max(hi.abs()));
        let fine_int = fine.map_or(r_int, |f| to_int(f).min(r_int));
        // Grid half-span 2^b points of spacing 2^step, with 2^step·2^(tb−1) covering `fine`.
        let need = bits_for(r_int);
        let step = bits_for(fine_int).saturating_sub(tb - 1);
        let b = need - step;
        if step >= 62 || b >= 62 {
            return Err(self.unsupported(format!(
                "{} input range ±{:.3e} is too wide for a lookup table",
                func.name(),
                lo.abs().max(hi.abs())
            )));
        }
        let half = 1i64 << b;
        let table = if step == 0 {
            Table {
                func,
                in_scale: sx,
                out_scale,
                lo: if lo < 0.0 { 1 - half } else { 0 },
                hi: if hi > 0.0 { half - 1 } else { 0 },
                step,
                factor: None,
            }
        } else {
            // One grid point past the top so every input has a right neighbour.
            Table {
                func,
                in_scale: sx,
                out_scale,
                lo: if lo < 0.0 { -half } else { 0 },
                hi: if hi > 0.0 { half } else { 0 } + 1,
                step,
                factor: None,
            }
        };
        if !table.finite_on_grid() {
            return Err(self.unsupported(format!(
                "{} is not finite on its input range (grid {}..={}, scale 2^{sx})",
                func.name(),
                table.lo,
                table.hi
            )));
        }
        Ok(table)
    }

    /// Emits the lookup of `x` in `table` (shared with an equal table already registered).
    fn emit_lookup(&mut self, x: QId, table: Table, out_scale: i32) -> Result<QId> {
        let index = match self.q.tables.iter().position(|t| *t == table) {
            Some(i) => i,
            None => {
                self.q.tables.push(table);
                self.q.tables.len() - 1
            }
        };
        let shape = self.shape(x);
        self.emit(QOp::Lookup { table: index }, vec![x], shape, out_scale, None)
    }

    /// Output shape of a kept-dims reduction.
    pub fn reduced(&self, id: QId, axes: &[usize]) -> Vec<usize> {
        reduce_index_map(&self.q.tensors[id].shape, axes).0
    }

    /// Emits a (batched) matmul, promoting 1-D operands like numpy; returns the product at
    /// scale s_a + s_b in the `[..., m, n]` layout.
    pub fn matmul(&mut self, a: QId, b: QId) -> Result<QId> {
        let (sa, sb) = (self.shape(a), self.shape(b));
        let MatMulDims { batch, m, n, .. } =
            matmul_shapes(&sa, &sb).ok_or_else(|| self.unsupported("matmul shapes"))?;
        let a = if sa.len() == 1 { self.reshape(a, vec![1, sa[0]])? } else { a };
        let b = if sb.len() == 1 { self.reshape(b, vec![sb[0], 1])? } else { b };
        let mut shape = batch;
        shape.extend([m, n]);
        let s = self.scale(a) + self.scale(b);
        self.emit(QOp::MatMul, vec![a, b], shape, s, None)
    }
}
