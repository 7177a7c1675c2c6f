//! The exact integer evaluator: the definition of what a zkinfer circuit computes.
//!
//! Deterministic by construction: integer arithmetic only, except lookup tables, which are
//! built with `libm` (a pure-Rust libm, identical on every platform).

use crate::error::{QuantError, Result};
use crate::qgraph::{CmpKind, CopySrc, QGraph, QNode, QOp};
use zkinfer_model_import::ops::matmul::{matmul_shapes, MatMulDims};
use zkinfer_model_import::ops::reduce::reduce_index_map;
use zkinfer_model_import::tensor::{broadcast_index_map, numel, strides};
use zkinfer_model_import::{NodeRef, Tensor};

fn node_ref(n: &QNode) -> NodeRef {
    NodeRef { name: n.node.clone(), op: n.onnx_op.clone() }
}

/// Quantizes one real value: round(x·2^scale), halves away from zero.
#[must_use]
#[allow(clippy::cast_possible_truncation)]
pub fn quantize_value(x: f64, scale: i32) -> i128 {
    (x * 2f64.powi(scale)).round() as i128
}

/// Real value of an integer at a scale.
#[must_use]
#[allow(clippy::cast_precision_loss)]
pub fn dequantize_value(q: i64, scale: i32) -> f64 {
    q as f64 / 2f64.powi(scale)
}

/// Integer square root (floor).
fn isqrt(v: i128) -> i128 {
    if v < 2 {
        return v;
    }
    #[allow(clippy::cast_possible_truncation, clippy::cast_precision_loss, clippy::cast_sign_loss)]
    let mut r = (v as f64).sqrt() as i128;
    while r * r > v {
        r -= 1;
    }
    while (r + 1) * (r + 1) <= v {
        r += 1;
    }
    r
}

/// Evaluates every tensor of the graph on real-valued model inputs. The result, indexed by
/// tensor id, is the witness the prover commits to.
///
/// # Errors
/// A value outside its enforced range, a non-positive divisor, a negative square-root
/// argument or an out-of-table lookup, each naming the ONNX node.
pub fn eval_all(q: &QGraph, inputs: &[Tensor]) -> Result<Vec<Vec<i64>>> {
    let mut values: Vec<Option<Vec<i64>>> = q.tensors.iter().map(|t| t.value.clone()).collect();
    for n in &q.nodes {
        let args: Vec<&[i64]> = n
            .inputs
            .iter()
            .map(|&i| {
                values[i].as_deref().ok_or_else(|| {
                    QuantError::Internal(format!("{} reads an unset tensor", n.node))
                })
            })
            .collect::<Result<_>>()?;
        let raw = eval_node(q, n, &args, inputs)?;
        values[n.output] = Some(check_bounds(q, n, raw)?);
    }
    values
        .into_iter()
        .enumerate()
        .map(|(i, v)| {
            v.ok_or_else(|| {
                QuantError::Internal(format!("tensor '{}' never computed", q.tensors[i].name))
            })
        })
        .collect()
}

/// Evaluates the graph and returns the integer outputs.
///
/// # Errors
/// See [`eval_all`].
pub fn eval(q: &QGraph, inputs: &[Tensor]) -> Result<Vec<Vec<i64>>> {
    let all = eval_all(q, inputs)?;
    Ok(q.outputs.iter().map(|&o| all[o].clone()).collect())
}

/// Dequantized outputs of [`eval`].
#[must_use]
pub fn dequantize_outputs(q: &QGraph, outs: &[Vec<i64>]) -> Vec<Vec<f64>> {
    q.outputs
        .iter()
        .zip(outs)
        .map(|(&o, v)| v.iter().map(|&x| dequantize_value(x, q.tensors[o].scale)).collect())
        .collect()
}

fn check_bounds(q: &QGraph, n: &QNode, raw: Vec<i128>) -> Result<Vec<i64>> {
    let t = &q.tensors[n.output];
    let b = i128::from(t.bound);
    raw.into_iter()
        .enumerate()
        .map(|(index, v)| {
            if v.abs() > b {
                if t.checked {
                    #[allow(clippy::cast_precision_loss)]
                    let real = v as f64 / 2f64.powi(t.scale);
                    return Err(QuantError::OutOfRange {
                        node: node_ref(n),
                        tensor: t.name.clone(),
                        index,
                        value: v,
                        min: -b,
                        max: b,
                        scale: t.scale,
                        real,
                    });
                }
                return Err(QuantError::Internal(format!(
                    "{}: value {v} of '{}' exceeds its derived bound {b}",
                    node_ref(n),
                    t.name
                )));
            }
            i64::try_from(v)
                .map_err(|_| QuantError::Internal(format!("value {v} does not fit 64 bits")))
        })
        .collect()
}

fn bcast(q: &QGraph, n: &QNode, i: usize) -> Vec<usize> {
    broadcast_index_map(&q.tensors[n.inputs[i]].shape, &q.tensors[n.output].shape)
}

#[allow(clippy::too_many_lines)]
fn eval_node(q: &QGraph, n: &QNode, a: &[&[i64]], inputs: &[Tensor]) -> Result<Vec<i128>> {
    let out_shape = &q.tensors[n.output].shape;
    let out_len = numel(out_shape);
    let wide = |v: &[i64]| -> Vec<i128> { v.iter().map(|&x| i128::from(x)).collect() };
    Ok(match &n.op {
        QOp::Input { index } => {
            let t = inputs
                .get(*index)
                .ok_or_else(|| QuantError::Internal(format!("missing model input #{index}")))?;
            if t.len() != out_len {
                return Err(QuantError::Internal(format!(
                    "input #{index} has {} values, expected {out_len}",
                    t.len()
                )));
            }
            let s = q.tensors[n.output].scale;
            t.data.iter().map(|&x| quantize_value(x, s)).collect()
        }
        QOp::Copy { map } => map
            .iter()
            .map(|s: &CopySrc| {
                if s.input == CopySrc::ZERO {
                    0
                } else {
                    i128::from(a[s.input as usize][s.index as usize])
                }
            })
            .collect(),
        QOp::Add { coeffs } => {
            let maps: Vec<Vec<usize>> = (0..a.len()).map(|i| bcast(q, n, i)).collect();
            (0..out_len)
                .map(|k| {
                    maps.iter()
                        .zip(coeffs)
                        .enumerate()
                        .map(|(i, (m, &c))| i128::from(c) * i128::from(a[i][m[k]]))
                        .sum()
                })
                .collect()
        }
        QOp::Mul => {
            let (ma, mb) = (bcast(q, n, 0), bcast(q, n, 1));
            ma.iter().zip(&mb).map(|(&i, &j)| i128::from(a[0][i]) * i128::from(a[1][j])).collect()
        }
        QOp::MatMul => {
            let (sa, sb) = (&q.tensors[n.inputs[0]].shape, &q.tensors[n.inputs[1]].shape);
            let MatMulDims { batch, m, k, n: nn, .. } = matmul_shapes(sa, sb)
                .ok_or_else(|| QuantError::Internal(format!("{}: matmul shapes", n.node)))?;
            let ab = broadcast_index_map(&sa[..sa.len() - 2], &batch);
            let bb = broadcast_index_map(&sb[..sb.len() - 2], &batch);
            let mut out = vec![0i128; numel(&batch) * m * nn];
            for (bi, (&ia, &ib)) in ab.iter().zip(&bb).enumerate() {
                for i in 0..m {
                    for p in 0..k {
                        let av = i128::from(a[0][(ia * m + i) * k + p]);
                        if av == 0 {
                            continue;
                        }
                        let brow = &a[1][(ib * k + p) * nn..(ib * k + p + 1) * nn];
                        for (o, &bv) in
                            out[(bi * m + i) * nn..(bi * m + i + 1) * nn].iter_mut().zip(brow)
                        {
                            *o += av * i128::from(bv);
                        }
                    }
                }
            }
            out
        }
        QOp::Rescale { shift } => {
            let half = 1i128 << (shift - 1);
            a[0].iter().map(|&x| (i128::from(x) + half) >> shift).collect()
        }
        QOp::Relu => a[0].iter().map(|&x| i128::from(x.max(0))).collect(),
        QOp::Abs => a[0].iter().map(|&x| i128::from(x).abs()).collect(),
        QOp::Max | QOp::Min => {
            let (ma, mb) = (bcast(q, n, 0), bcast(q, n, 1));
            let is_max = matches!(n.op, QOp::Max);
            ma.iter()
                .zip(&mb)
                .map(|(&i, &j)| {
                    i128::from(if is_max { a[0][i].max(a[1][j]) } else { a[0][i].min(a[1][j]) })
                })
                .collect()
        }
        QOp::Div { shift } => {
            let (ma, mb) = (bcast(q, n, 0), bcast(q, n, 1));
            let mut out = Vec::with_capacity(out_len);
            for (k, (&i, &j)) in ma.iter().zip(&mb).enumerate() {
                let den = i128::from(a[1][j]);
                if den <= 0 {
                    return Err(QuantError::Domain {
                        node: node_ref(n),
                        reason: format!("divisor at output index {k} is {den}; zkinfer divides only by positive values"),
                    });
                }
                let num = i128::from(a[0][i]) << (shift + 1);
                out.push((num + den).div_euclid(2 * den));
            }
            out
        }
        QOp::Sqrt { shift } => a[0]
            .iter()
            .enumerate()
            .map(|(k, &x)| {
                if x < 0 {
                    return Err(QuantError::Domain {
                        node: node_ref(n),
                        reason: format!("square root of negative value {x} at index {k}"),
                    });
                }
                let v = i128::from(x) << shift;
                let r = isqrt(v);
                Ok(if v - r * r > r { r + 1 } else { r })
            })
            .collect::<Result<_>>()?,
        QOp::Lookup { table } => {
            let t = &q.tables[*table];
            let (min, max) = t.input_range();
            a[0].iter()
                .enumerate()
                .map(|(index, &x)| {
                    t.eval(x).map(i128::from).ok_or_else(|| {
                        let src = &q.tensors[n.inputs[0]];
                        #[allow(clippy::cast_precision_loss)]
                        QuantError::OutOfRange {
                            node: node_ref(n),
                            tensor: src.name.clone(),
                            index,
                            value: i128::from(x),
                            min: i128::from(min),
                            max: i128::from(max),
                            scale: t.in_scale,
                            real: x as f64 / 2f64.powi(t.in_scale),
                        }
                    })
                })
                .collect::<Result<_>>()?
        }
        QOp::ReduceSum { axes } | QOp::ReduceMax { axes } | QOp::ReduceMin { axes } => {
            let (_, map) = reduce_index_map(&q.tensors[n.inputs[0]].shape, axes);
            let mut out: Vec<Option<i128>> = vec![None; out_len];
            for (&v, &o) in a[0].iter().zip(&map) {
                let v = i128::from(v);
                out[o] = Some(match (&n.op, out[o]) {
                    (_, None) => v,
                    (QOp::ReduceSum { .. }, Some(c)) => c + v,
                    (QOp::ReduceMax { .. }, Some(c)) => c.max(v),
                    (_, Some(c)) => c.min(v),
                });
            }
            out.into_iter().map(Option::unwrap_or_default).collect()
        }
        QOp::ArgMax { axis, select_last } => {
            let shape = &q.tensors[n.inputs[0]].shape;
            let (_, map) = reduce_index_map(shape, &[*axis]);
            let stride = strides(shape)[*axis];
            let mut best: Vec<Option<(i64, usize)>> = vec![None; out_len];
            for (flat, (&v, &o)) in a[0].iter().zip(&map).enumerate() {
                let pos = (flat / stride) % shape[*axis];
                let better = match best[o] {
                    None => true,
                    Some((b, _)) => v > b || (*select_last && v == b),
                };
                if better {
                    best[o] = Some((v, pos));
                }
            }
            best.into_iter().map(|b| b.map_or(0, |(_, p)| i128::try_from(p).unwrap_or(0))).collect()
        }
        QOp::Gather { axis } => {
            let shape = &q.tensors[n.inputs[0]].shape;
            let outer = numel(&shape[..*axis]);
            let inner = numel(&shape[axis + 1..]);
            let size = shape[*axis];
            let nref = node_ref(n);
            // Input-dependent indices must lie in 0..size (no negative wrap-around): the
            // circuit proves exactly that range.
            let idx: Vec<usize> = a[1]
                .iter()
                .map(|&r| {
                    usize::try_from(r).ok().filter(|&i| i < size).ok_or_else(|| {
                        QuantError::Import(zkinfer_model_import::ImportError::IndexOutOfRange {
                            node: nref.clone(),
                            index: r,
                            size,
                        })
                    })
                })
                .collect::<Result<_>>()?;
            let mut out = Vec::with_capacity(out_len);
            for o in 0..outer {
                for &i in &idx {
                    out.extend(wide(&a[0][(o * size + i) * inner..(o * size + i + 1) * inner]));
                }
            }
            out
        }
        QOp::Select => {
            let (mc, mx, my) = (bcast(q, n, 0), bcast(q, n, 1), bcast(q, n, 2));
            (0..out_len)
                .map(|k| match a[0][mc[k]] {
                    1 => Ok(i128::from(a[1][mx[k]])),
                    0 => Ok(i128::from(a[2][my[k]])),
                    c => Err(QuantError::Domain {
                        node: node_ref(n),
                        reason: format!("condition {c} at index {k} is not 0 or 1"),
                    }),
                })
                .collect::<Result<_>>()?
        }
        QOp::Compare { kind } => {
            let (ma, mb) = (bcast(q, n, 0), bcast(q, n, 1));
            ma.iter()
                .zip(&mb)
                .map(|(&i, &j)| {
                    let (x, y) = (a[0][i], a[1][j]);
                    i128::from(match kind {
                        CmpKind::Equal => x == y,
                        CmpKind::Less => x < y,
                        CmpKind::Greater => x > y,
                    })
                })
                .collect()
        }
    })
}
