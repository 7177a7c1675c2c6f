//! Binary arithmetic, comparisons, Where with an input-dependent condition, Clip and Cast.

use super::{Lowerer, MAX_TENSOR_BITS};
use crate::error::Result;
use crate::qgraph::{bits_for, CmpKind, LookupFn, QId, QOp};
use crate::visibility::WeightVisibility;
use zkinfer_model_import::ops::{Binary, Op};
use zkinfer_model_import::tensor::{numel, DType};
use zkinfer_model_import::{Node, Tensor};

pub(super) fn lower(l: &mut Lowerer<'_>, n: &Node) -> Result<()> {
    let out = n.outputs[0];
    let shape = l.out_shape(out);
    let id =
        match &n.op {
            Op::Binary(b) => binary(l, n, *b)?,
            Op::Where => {
                if l.is_const(n.inputs[0]) {
                    return super::shape::lower(l, n);
                }
                let cond = l.input(n.inputs[0])?;
                if l.scale(cond) != 0 || l.q.tensors[cond].bound > 1 {
                    return Err(l.unsupported("Where's condition must be a boolean tensor"));
                }
                let (xy, s) = l.aligned_operands(&n.inputs[1..3])?;
                l.emit(QOp::Select, vec![cond, xy[0], xy[1]], shape, s, None)?
            }
            Op::Clip { min, max } => {
                let mut x = l.input(n.inputs[0])?;
                let s = l.scale(x);
                for (bound, op) in [(min, QOp::Max), (max, QOp::Min)] {
                    if let Some(v) = bound {
                        let c = l.konst(&Tensor::scalar(*v, DType::Float), s)?;
                        x = l.emit(op, vec![x, c], shape.clone(), s, None)?;
                    }
                }
                x
            }
            Op::Cast { to } => {
                let x = l.input(n.inputs[0])?;
                match to {
                    DType::Float => x,
                    _ if l.scale(x) == 0 => x,
                    _ => return Err(l.unsupported(
                        "Cast of a fractional tensor to an integer type inside the proven graph",
                    )),
                }
            }
            _ => return Err(l.unsupported("not an arithmetic op")),
        };
    l.finish(out, id);
    Ok(())
}

fn binary(l: &mut Lowerer<'_>, n: &Node, b: Binary) -> Result<QId> {
    let (ga, gb) = (n.inputs[0], n.inputs[1]);
    let out = n.outputs[0];
    let shape = l.out_shape(out);
    match b {
        Binary::Add | Binary::Sub => {
            let (ids, s) = l.sum_operands(&[ga, gb], out)?;
            let c = if b == Binary::Add { 1 } else { -1 };
            l.emit(QOp::Add { coeffs: vec![1, c] }, ids, shape, s, None)
        }
        Binary::Max | Binary::Min => {
            let (ids, s) = l.aligned_operands(&[ga, gb])?;
            l.emit(if b == Binary::Max { QOp::Max } else { QOp::Min }, ids, shape, s, None)
        }
        Binary::Equal | Binary::Less | Binary::Greater => {
            let (ids, _) = l.aligned_operands(&[ga, gb])?;
            let kind = match b {
                Binary::Equal => CmpKind::Equal,
                Binary::Less => CmpKind::Less,
                _ => CmpKind::Greater,
            };
            l.emit(QOp::Compare { kind }, ids, shape, 0, None)
        }
        Binary::Mul => {
            if let Some(y) = power_of_two_product(l, ga, gb, out)? {
                return Ok(y);
            }
            let a = factor(l, ga)?;
            let bb = factor(l, gb)?;
            let s = l.scale(a) + l.scale(bb);
            let p = l.emit(QOp::Mul, vec![a, bb], shape, s, None)?;
            if pooled_exactly(l, p, out) {
                return Ok(p);
            }
            l.rescale_output(p, out)
        }
        Binary::Div => div(l, ga, gb, out),
        Binary::Pow => pow(l, n),
        Binary::PRelu => {
            if !l.is_const(gb) {
                return Err(l.unsupported("PRelu slope must be a constant"));
            }
            let x = l.input(ga)?;
            let slope = l.const_value(gb)?.clone();
            let sq = l.weight(&slope)?;
            negative_part_scaled(l, x, sq, out)
        }
    }
}

/// `x·2^k` for a constant `2^k` (attention's `1/√d` when `d` is a power of four, a halving):
/// the integers of `x` read at scale `s_x − k` are exactly the product, so it costs no cells
/// and loses no precision; it is rescaled only when the output's chosen scale is coarser.
/// `None` for any other product, and with hidden weights (the circuit would show that the
/// constant is a power of two).
fn power_of_two_product(
    l: &mut Lowerer<'_>,
    ga: usize,
    gb: usize,
    out: usize,
) -> Result<Option<QId>> {
    let (c, x) = match (l.is_const(ga), l.is_const(gb)) {
        (false, true) => (gb, ga),
        (true, false) => (ga, gb),
        _ => return Ok(None),
    };
    if l.s.visibility.weights != WeightVisibility::Fixed {
        return Ok(None);
    }
    let t = l.const_value(c)?;
    let Some(&v) = t.data.first() else { return Ok(None) };
    // A positive normal float with an all-zero mantissa is exactly 2^k.
    let exact = v.is_normal() && v > 0.0 && v.to_bits() & ((1u64 << 52) - 1) == 0;
    #[allow(clippy::float_cmp)]
    if !exact || t.data.iter().any(|&w| w != v) {
        return Ok(None);
    }
    #[allow(clippy::cast_possible_truncation)]
    let k = v.log2() as i32;
    let x = l.input(x)?;
    let s = l.scale(x) - k;
    // Within the rescale's reach of the output's scale (a tiny 2^k would need a huge shift).
    let target = l.chosen_scale(out)?.min(s);
    if s < 0 || s - target >= 62 || l.shape(x) != l.out_shape(out) {
        return Ok(None);
    }
    let view = l.view_at_scale(x, s)?;
    l.rescale_output(view, out).map(Some)
}

/// Whether product `p` (ONNX tensor `out`) may stay at its own scale: only average pools
/// read it (through additions, see [`Lowerer::only_pooled`]), and its bound leaves room for
/// a pooled sum of a few thousand terms within the evaluator's 62-bit tensors.
fn pooled_exactly(l: &Lowerer<'_>, p: QId, out: usize) -> bool {
    const POOLED_SUM_BITS: u32 = 14;
    bits_for(u128::from(l.q.tensors[p].bound)) + POOLED_SUM_BITS < MAX_TENSOR_BITS
        && l.only_pooled(out)
}

/// A multiplication operand: constants become weights at their own scale.
fn factor(l: &mut Lowerer<'_>, gid: usize) -> Result<QId> {
    if l.is_const(gid) {
        let t = l.const_value(gid)?.clone();
        l.weight(&t)
    } else {
        l.input(gid)
    }
}

/// relu(x) + slope·min(x, 0), shared by PRelu (tensor slope) and LeakyRelu (scalar).
pub(super) fn negative_part_scaled(
    l: &mut Lowerer<'_>,
    x: QId,
    slope: QId,
    out: usize,
) -> Result<QId> {
    let shape = l.shape(x);
    let sx = l.scale(x);
    let r = l.emit(QOp::Relu, vec![x], shape.clone(), sx, None)?;
    let neg = l.emit(QOp::Add { coeffs: vec![1, -1] }, vec![x, r], shape.clone(), sx, None)?;
    let ss = l.scale(slope);
    let p = l.emit(QOp::Mul, vec![neg, slope], shape.clone(), sx + ss, None)?;
    let r_up = l.rescale_to(r, sx + ss, None)?;
    let sum = l.emit(QOp::Add { coeffs: vec![1, 1] }, vec![r_up, p], shape, sx + ss, None)?;
    l.rescale_output(sum, out)
}

fn div(l: &mut Lowerer<'_>, ga: usize, gb: usize, out: usize) -> Result<QId> {
    let shape = l.out_shape(out);
    if l.is_const(gb) {
        let d = l.const_value(gb)?.clone();
        if d.data.contains(&0.0) {
            return Err(l.unsupported("division by a constant that contains 0"));
        }
        let recip =
            Tensor::new(d.shape.clone(), DType::Float, d.data.iter().map(|v| 1.0 / v).collect());
        let a = factor(l, ga)?;
        let r = l.weight(&recip)?;
        let s = l.scale(a) + l.scale(r);
        let p = l.emit(QOp::Mul, vec![a, r], shape, s, None)?;
        return l.rescale_output(p, out);
    }
    let range = l.range(gb)?;
    let negate = if range.min > 0.0 {
        false
    } else if range.max < 0.0 {
        true
    } else {
        return Err(l.unsupported(format!(
            "division by a tensor whose calibrated range [{:.4}, {:.4}] includes 0; zkinfer divides by tensors of one sign",
            range.min, range.max
        )));
    };
    let target = l.chosen_scale(out)?;
    let num = if l.is_const(ga) {
        l.operand(ga, l.s.params.activation_bits.cast_signed())?
    } else {
        l.input(ga)?
    };
    let mut den = l.input(gb)?;
    let num = if negate {
        let s = l.scale(num);
        let sh = l.shape(num);
        l.emit(QOp::Add { coeffs: vec![-1] }, vec![num], sh, s, None)?
    } else {
        num
    };
    if negate {
        let s = l.scale(den);
        let sh = l.shape(den);
        den = l.emit(QOp::Add { coeffs: vec![-1] }, vec![den], sh, s, None)?;
    }
    divide(l, num, den, target, Some(l.range(out)?.max_abs()), shape)
}

/// Rounded division producing scale `target`: shift = target − s_num + s_den, with the
/// divisor scaled up exactly when the shift would be negative.
pub(super) fn divide(
    l: &mut Lowerer<'_>,
    num: QId,
    den: QId,
    target: i32,
    calibrated: Option<f64>,
    shape: Vec<usize>,
) -> Result<QId> {
    divide_by(l, num, den, None, target, calibrated, shape)
}

/// [`divide`] where numerator `i`'s divisor is `den[spread[i]]` instead of the broadcast one
/// (a masked softmax's row sums, handed to the row's kept elements).
pub(super) fn divide_spread(
    l: &mut Lowerer<'_>,
    num: QId,
    den: QId,
    spread: &[usize],
    target: i32,
    calibrated: Option<f64>,
) -> Result<QId> {
    let shape = l.shape(num);
    divide_by(l, num, den, Some(spread), target, calibrated, shape)
}

/// The divisor side (`den` or its reciprocal) at the numerators' positions.
fn at_numerators(
    l: &mut Lowerer<'_>,
    t: QId,
    spread: Option<&[usize]>,
    shape: &[usize],
) -> Result<QId> {
    match spread {
        Some(s) => l.take(t, s, shape.to_vec()),
        None => Ok(t),
    }
}

/// Division by a divisor shared by many numerators (a softmax's row sum, a norm's deviation)
/// goes through its reciprocal: each divisor's `inv = round(2^(shift+p) / den)` once, then
/// every quotient is `round(num·inv / 2^p)`, a product and a rescale instead of a division
/// with two wide remainder checks. With `p` from [`reciprocal_bits`] the result is within one
/// output unit of the exact quotient (a division rounds to within half a unit).
fn divide_by(
    l: &mut Lowerer<'_>,
    num: QId,
    den: QId,
    spread: Option<&[usize]>,
    target: i32,
    calibrated: Option<f64>,
    shape: Vec<usize>,
) -> Result<QId> {
    let mut den = den;
    let mut shift = target - l.scale(num) + l.scale(den);
    if shift < 0 {
        den = l.rescale_to(den, l.scale(den) - shift, None)?;
        shift = 0;
    }
    let shift = shift.cast_unsigned();
    if 2 * numel(&l.shape(den)) <= numel(&shape) {
        if let Some(p) = reciprocal_bits(bits_for(u128::from(l.q.tensors[num].bound)), shift) {
            let one = l.int_const(vec![], vec![1]);
            let inv_scale = target - l.scale(num) + p.cast_signed();
            let den_shape = l.shape(den);
            let inv =
                l.emit(QOp::Div { shift: shift + p }, vec![one, den], den_shape, inv_scale, None)?;
            let inv = at_numerators(l, inv, spread, &shape)?;
            let prod = l.emit(QOp::Mul, vec![num, inv], shape, target + p.cast_signed(), None)?;
            return l.rescale_to(prod, target, calibrated);
        }
    }
    let den = at_numerators(l, den, spread, &shape)?;
    l.emit(QOp::Div { shift }, vec![num, den], shape, target, calibrated)
}

/// Fraction bits `p` of the reciprocal for numerators of `num_bits` bits: the reciprocal's
/// rounding moves a quotient by at most `|num|/2^(p+1)` units, a quarter with
/// `p = num_bits + 1`, half with `p = num_bits` (then the result is within one unit). `None`
/// when even that would overflow the evaluator's 62-bit tensors (the product `num·inv` is
/// bounded by `2^(num_bits + shift + p + 1)`, since a divisor may be 1).
fn reciprocal_bits(num_bits: u32, shift: u32) -> Option<u32> {
    let room = 61u32.checked_sub(num_bits + shift)?;
    let p = (num_bits + 1).min(room);
    (p >= num_bits.max(1)).then_some(p)
}

/// Integer square root at the output's chosen scale (at least half the input scale).
pub(super) fn sqrt(
    l: &mut Lowerer<'_>,
    x: QId,
    out_scale: i32,
    calibrated: Option<f64>,
) -> Result<QId> {
    let sx = l.scale(x);
    let so = out_scale.max((sx + 1) / 2);
    let shape = l.shape(x);
    l.emit(QOp::Sqrt { shift: (2 * so - sx).cast_unsigned() }, vec![x], shape, so, calibrated)
}

fn pow(l: &mut Lowerer<'_>, n: &Node) -> Result<QId> {
    let (ga, gb) = (n.inputs[0], n.inputs[1]);
    let out = n.outputs[0];
    if !l.is_const(gb) || l.const_value(gb)?.len() != 1 {
        return Err(l.unsupported("Pow needs a constant scalar exponent"));
    }
    if l.is_const(ga) {
        return Err(l.unsupported("Pow of a constant base by a dynamic exponent"));
    }
    let p = l.const_value(gb)?.data[0];
    let x = l.input(ga)?;
    let shape = l.out_shape(out);
    let sx = l.scale(x);
    #[allow(clippy::float_cmp)]
    match p {
        _ if p == 1.0 => Ok(x),
        _ if p == 2.0 || p == 3.0 => {
            let sq = l.emit(QOp::Mul, vec![x, x], shape.clone(), 2 * sx, None)?;
            if p == 2.0 {
                // A square only summed (a decomposed layer norm's variance) stays exact: the
                // sum rounds once, and the circuit lays the squares out as its dot products.
                let sum_bits = bits_for(u128::from(l.q.tensors[sq].bound))
                    + bits_for(u128::try_from(numel(&l.q.tensors[sq].shape)).unwrap_or(u128::MAX));
                if sum_bits < MAX_TENSOR_BITS && l.only_summed(out) || pooled_exactly(l, sq, out) {
                    return Ok(sq);
                }
                return l.rescale_output(sq, out);
            }
            let sq = l.rescale_to(sq, sx, None)?;
            let cube = l.emit(QOp::Mul, vec![sq, x], shape, 2 * sx, None)?;
            l.rescale_output(cube, out)
        }
        _ if p == 0.5 => {
            let target = l.chosen_scale(out)?;
            let cal = l.range(out)?.max_abs();
            sqrt(l, x, target, Some(cal))
        }
        _ => {
            let r = l.range(ga)?;
            if p.fract() != 0.0 && r.min < 0.0 {
                return Err(
                    l.unsupported(format!("Pow with exponent {p} on inputs that can be negative"))
                );
            }
            let h = l.s.params.headroom;
            let lo = if r.min < 0.0 { r.min * h } else { 0.0 };
            let target = l.chosen_scale(out)?;
            l.lookup(x, LookupFn::Pow { p }, lo, r.max * h, target)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::reciprocal_bits;

    /// The evaluator's rounded division and rescale (`crate::eval`).
    fn div(num: i128, den: i128, shift: u32) -> i128 {
        ((num << (shift + 1)) + den).div_euclid(2 * den)
    }
    fn rescale(x: i128, shift: u32) -> i128 {
        (x + (1 << (shift - 1))) >> shift
    }

    #[test]
    fn reciprocal_division_stays_within_one_unit_and_62_bits() {
        for (num_bits, shift) in [(1, 0), (4, 3), (8, 15), (10, 20), (17, 15), (23, 14)] {
            let p = reciprocal_bits(num_bits, shift).unwrap();
            assert!(num_bits + shift + p < 62, "{num_bits} {shift} {p}");
            let top = (1i128 << num_bits) - 1;
            let nums = [-top, -top / 3, -1, 0, 1, 2, top / 7, top / 2, top - 1, top];
            for den in (1..300).chain([1 << 20, (1 << 23) - 5, 977_231]) {
                let inv = div(1, den, shift + p);
                for &num in &nums {
                    let got = rescale(num * inv, p);
                    #[allow(clippy::cast_precision_loss)]
                    let exact = (num as f64) * f64::from(1u32 << shift) / den as f64;
                    #[allow(clippy::cast_precision_loss)]
                    let err = (got as f64 - exact).abs();
                    assert!(err <= 1.0, "{num}·2^{shift}/{den}: {got} vs {exact}");
                }
            }
        }
        assert_eq!(reciprocal_bits(40, 30), None);
    }
}
