//! Data movement (Reshape, Transpose, Slice, Split, Concat, Pad, Tile, Expand, Gather, Where
//! with a constant condition) as copy maps.
//!
//! The map is computed by running the float op itself on tensors whose values are element
//! tags (`input << 32 | index`), so the copy semantics are exactly the importer's.

use super::Lowerer;
use crate::error::{QuantError, Result};
use crate::qgraph::{CopySrc, QOp};
use zkinfer_model_import::ops::Op;
use zkinfer_model_import::tensor::DType;
use zkinfer_model_import::{Node, Tensor};

/// Tag for "no source": the pad fill.
const FILL: f64 = -1.0;

#[allow(clippy::cast_precision_loss)]
fn tagged(shape: &[usize], input: usize) -> Tensor {
    let n: usize = shape.iter().product();
    let base = (input as f64) * 4_294_967_296.0;
    Tensor::new(shape.to_vec(), DType::Float, (0..n).map(|i| base + i as f64).collect())
}

#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
fn untag(v: f64, fill: Option<u32>) -> CopySrc {
    if v < 0.0 {
        return fill.map_or(CopySrc { input: CopySrc::ZERO, index: 0 }, |i| CopySrc {
            input: i,
            index: 0,
        });
    }
    let t = v as u64;
    CopySrc { input: (t >> 32) as u32, index: (t & 0xffff_ffff) as u32 }
}

pub(super) fn lower(l: &mut Lowerer<'_>, n: &Node) -> Result<()> {
    // Gather with input-dependent indices is a lookup into the (constant) data, not a copy.
    if let Op::Gather { axis } = n.op {
        if !l.is_const(n.inputs[1]) {
            return gather_dynamic(l, n, axis);
        }
    }
    if matches!(n.op, Op::Where) && !l.is_const(n.inputs[0]) {
        return Err(QuantError::Internal("dynamic Where reached the copy lowering".into()));
    }
    // Positions of inputs that carry data (the others are constant control inputs).
    let data_pos: Vec<usize> = match n.op {
        Op::Gather { .. } | Op::GatherElements { .. } => vec![0],
        Op::Where => vec![1, 2],
        Op::ScatterElements { .. } | Op::ScatterNd => vec![0, 2],
        _ => (0..n.inputs.len()).collect(),
    };
    let gids: Vec<usize> = data_pos.iter().map(|&p| n.inputs[p]).collect();
    let (mut ids, scale) = l.aligned_operands(&gids)?;
    // Build tagged stand-ins and run the op on them.
    let mut op = n.op.clone();
    let mut fill = None;
    if let Op::Pad { value, .. } = &mut op {
        if *value != 0.0 {
            let c = l.konst(&Tensor::scalar(*value, DType::Float), scale)?;
            fill = Some(u32::try_from(ids.len()).unwrap_or(0));
            ids.push(c);
        }
        *value = FILL;
    }
    let mut stand_ins = Vec::new();
    let mut k = 0;
    for (p, &gid) in n.inputs.iter().enumerate() {
        if data_pos.contains(&p) {
            stand_ins.push(tagged(&l.g.tensors[gid].shape, k));
            k += 1;
        } else {
            stand_ins.push(l.const_value(gid)?.clone());
        }
    }
    let refs: Vec<&Tensor> = stand_ins.iter().collect();
    let outs = op.eval(&refs, &n.node_ref())?;
    for (out, &gid) in outs.iter().zip(&n.outputs) {
        let map: Vec<CopySrc> = out.data.iter().map(|&v| untag(v, fill)).collect();
        let id = l.emit(QOp::Copy { map }, ids.clone(), out.shape.clone(), scale, None)?;
        l.finish(gid, id);
    }
    Ok(())
}

/// `Gather(data, indices)` with input-dependent indices: an embedding lookup.
fn gather_dynamic(l: &mut Lowerer<'_>, n: &Node, axis: usize) -> Result<()> {
    let (data, idx) = (n.inputs[0], n.inputs[1]);
    if !l.is_const(data) {
        return Err(
            l.unsupported("Gather where both the data and the indices depend on the model input")
        );
    }
    let indices = l.input(idx)?;
    if l.scale(indices) != 0 {
        return Err(l.unsupported("Gather indices must be integers (scale 0)"));
    }
    let out = n.outputs[0];
    let scale = l.chosen_scale(out)?;
    let t = l.const_value(data)?.clone();
    let d = l.konst(&t, scale)?;
    let id = l.emit(QOp::Gather { axis }, vec![d, indices], l.out_shape(out), scale, None)?;
    l.finish(out, id);
    Ok(())
}
