//! Pooling (im2col copy + reduction), reductions and ArgMax.

use super::Lowerer;
use crate::error::Result;
use crate::qgraph::{CopySrc, QOp};
use zkinfer_model_import::ops::conv::{grid, offset, volume};
use zkinfer_model_import::ops::pool::{PoolKind, PoolSpec};
use zkinfer_model_import::ops::{Op, ReduceKind};
use zkinfer_model_import::Node;

pub(super) fn lower(l: &mut Lowerer<'_>, n: &Node) -> Result<()> {
    let out = n.outputs[0];
    let x = l.input(n.inputs[0])?;
    let sx = l.scale(x);
    let out_shape = l.out_shape(out);
    let id = match &n.op {
        Op::Pool(spec) => pool(l, x, spec, out)?,
        Op::Reduce { kind, axes, .. } => {
            let kept = l.reduced(x, axes);
            let axes = axes.clone();
            match kind {
                ReduceKind::Sum => l.emit(QOp::ReduceSum { axes }, vec![x], kept, sx, None)?,
                ReduceKind::Max => l.emit(QOp::ReduceMax { axes }, vec![x], kept, sx, None)?,
                ReduceKind::Min => l.emit(QOp::ReduceMin { axes }, vec![x], kept, sx, None)?,
                ReduceKind::Mean => {
                    let count = l.shape(x).iter().product::<usize>()
                        / kept.iter().product::<usize>().max(1);
                    let sum = l.emit(QOp::ReduceSum { axes }, vec![x], kept.clone(), sx, None)?;
                    let count = i64::try_from(count).unwrap_or(i64::MAX);
                    divide_by_counts(l, sum, vec![], &[count], kept, None)?
                }
            }
        }
        Op::ArgMax { axis, select_last, .. } => {
            let kept = l.reduced(x, &[*axis]);
            l.emit(QOp::ArgMax { axis: *axis, select_last: *select_last }, vec![x], kept, 0, None)?
        }
        _ => return Err(l.unsupported("not a pooling op")),
    };
    let id = l.reshape(id, out_shape)?;
    l.finish(out, id);
    Ok(())
}

/// im2col over windows into `[planes, P, taps]`, then a reduction over taps. For max pooling
/// a padded tap repeats a real tap of the same window (padding must never win); for average
/// pooling it reads 0 and the divisor counts as ONNX specifies. An average of values finer
/// than the output's chosen scale (products left unrounded, see [`Lowerer::only_pooled`])
/// comes down to that scale in the same division: one rounding.
fn pool(l: &mut Lowerer<'_>, x: usize, s: &PoolSpec, out: usize) -> Result<usize> {
    let (p, taps, vin) = (volume(s.output), volume(s.kernel), volume(s.input));
    let is_max = s.kind == PoolKind::Max;
    let mut map = Vec::with_capacity(s.planes * p * taps);
    for plane in 0..s.planes {
        for o in grid(s.output) {
            let first = grid(s.kernel).find_map(|k| s.tap(o, k));
            for k in grid(s.kernel) {
                let at = s.tap(o, k).or(if is_max { first } else { None });
                map.push(at.map_or(CopySrc { input: CopySrc::ZERO, index: 0 }, |i| CopySrc {
                    input: 0,
                    index: u32::try_from(plane * vin + offset(i, s.input)).unwrap_or(u32::MAX),
                }));
            }
        }
    }
    let sx = l.scale(x);
    let cols = l.emit(QOp::Copy { map }, vec![x], vec![s.planes, p, taps], sx, None)?;
    let kept = vec![s.planes, p, 1];
    if is_max {
        return l.emit(QOp::ReduceMax { axes: vec![2] }, vec![cols], kept, sx, None);
    }
    let sum = l.emit(QOp::ReduceSum { axes: vec![2] }, vec![cols], kept.clone(), sx, None)?;
    let PoolKind::Average { count_include_pad } = s.kind else { return Ok(sum) };
    let counts: Vec<i64> = grid(s.output)
        .map(|o| i64::try_from(s.window_count(o, count_include_pad).max(1)).unwrap_or(1))
        .collect();
    // Any average finer than its output's chosen scale comes down in its division (products
    // left unrounded for it, an input finer than the pool's output).
    let target = l.chosen_scale(out).map_or(sx, |t| t.min(sx));
    let down = if target < sx && sx - target < 32 {
        Some(((sx - target).cast_unsigned(), l.range(out)?.max_abs()))
    } else {
        None
    };
    divide_by_counts(l, sum, vec![1, p, 1], &counts, kept, down)
}

/// `sum / counts`, rounded half up, for an average: a division by the constant counts, or,
/// where every count is the same power of two 2^c, the rescale by 2^c that computes the same
/// integers (`floor(x/2^c + 1/2)`) in a fifth of the cells (2×2 pooling, a mean over 64
/// features); nothing where every count is 1. With `down = Some((e, real))` the step down to
/// a scale `e` bits coarser joins the same rounding (`sum / (counts·2^e)`: a rescale by c + e,
/// or a division by the scaled counts) and the result's bound is calibrated from `real`.
fn divide_by_counts(
    l: &mut Lowerer<'_>,
    sum: usize,
    counts_shape: Vec<usize>,
    counts: &[i64],
    shape: Vec<usize>,
    down: Option<(u32, f64)>,
) -> Result<usize> {
    let (e, calibrated) = down.map_or((0, None), |(e, real)| (e, Some(real)));
    let scale = l.scale(sum) - e.cast_signed();
    let first = counts.first().copied().unwrap_or(1);
    if counts.iter().all(|&c| c == first) && first > 0 && first.count_ones() == 1 {
        return match first.trailing_zeros() + e {
            0 => Ok(sum),
            shift => l.emit(QOp::Rescale { shift }, vec![sum], shape, scale, calibrated),
        };
    }
    let den = l.int_const(counts_shape, counts.iter().map(|&c| c << e).collect());
    l.emit(QOp::Div { shift: 0 }, vec![sum, den], shape, scale, calibrated)
}
