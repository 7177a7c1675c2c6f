//! Decoding of ONNX protobuf tensors into [`Tensor`]s.

use crate::tensor::{numel, DType, Tensor};
use tract_onnx::pb::TensorProto;

/// Decodes an initializer or attribute tensor. External data must have been read into the
/// tensor first (see [`crate::external`]).
///
/// # Errors
/// A message describing the unsupported element type or inconsistent data.
pub(crate) fn tensor_from_proto(t: &TensorProto) -> Result<Tensor, String> {
    let shape = t
        .dims
        .iter()
        .map(|&d| {
            usize::try_from(d).map_err(|_| format!("tensor '{}' has negative dim {d}", t.name))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let n = numel(&shape);
    let dtype = DType::from_onnx(t.data_type).ok_or_else(|| {
        format!("tensor '{}' has unsupported element type code {}", t.name, t.data_type)
    })?;
    if !t.external_data.is_empty() {
        return Err(format!(
            "tensor '{}' stores its data in an external file that was not loaded; load the model from its path",
            t.name
        ));
    }
    let data: Vec<f64> = if !t.raw_data.is_empty() {
        decode_raw(&t.raw_data, t.data_type)
            .ok_or_else(|| format!("tensor '{}': cannot decode raw data", t.name))?
    } else {
        match t.data_type {
            1 => t.float_data.iter().map(|&v| f64::from(v)).collect(),
            11 => t.double_data.clone(),
            #[allow(clippy::cast_precision_loss)]
            7 => t.int64_data.iter().map(|&v| v as f64).collect(),
            #[allow(clippy::cast_precision_loss)]
            13 => t.uint64_data.iter().map(|&v| v as f64).collect(),
            // int32_data also carries int8/16, uint8/16, bool and f16 bit patterns.
            10 => t.int32_data.iter().map(|&v| f16_to_f64(v as u16)).collect(),
            _ => t.int32_data.iter().map(|&v| f64::from(v)).collect(),
        }
    };
    if data.len() != n {
        return Err(format!("tensor '{}' has {} values for shape {shape:?}", t.name, data.len()));
    }
    Ok(Tensor::new(shape, dtype, data))
}

#[allow(clippy::cast_precision_loss)]
fn decode_raw(raw: &[u8], code: i32) -> Option<Vec<f64>> {
    fn chunks<const N: usize>(raw: &[u8]) -> Option<impl Iterator<Item = [u8; N]> + '_> {
        raw.len().is_multiple_of(N).then(|| raw.chunks_exact(N).filter_map(|c| c.try_into().ok()))
    }
    Some(match code {
        1 => chunks::<4>(raw)?.map(|b| f64::from(f32::from_le_bytes(b))).collect(),
        11 => chunks::<8>(raw)?.map(f64::from_le_bytes).collect(),
        10 => chunks::<2>(raw)?.map(|b| f16_to_f64(u16::from_le_bytes(b))).collect(),
        7 => chunks::<8>(raw)?.map(|b| i64::from_le_bytes(b) as f64).collect(),
        13 => chunks::<8>(raw)?.map(|b| u64::from_le_bytes(b) as f64).collect(),
        6 => chunks::<4>(raw)?.map(|b| f64::from(i32::from_le_bytes(b))).collect(),
        12 => chunks::<4>(raw)?.map(|b| f64::from(u32::from_le_bytes(b))).collect(),
        5 => chunks::<2>(raw)?.map(|b| f64::from(i16::from_le_bytes(b))).collect(),
        4 => chunks::<2>(raw)?.map(|b| f64::from(u16::from_le_bytes(b))).collect(),
        3 => raw.iter().map(|&b| f64::from(b.cast_signed())).collect(),
        2 | 9 => raw.iter().map(|&b| f64::from(b)).collect(),
        _ => return None,
    })
}

/// IEEE half precision to f64.
fn f16_to_f64(bits: u16) -> f64 {
    let sign = if bits & 0x8000 != 0 { -1.0 } else { 1.0 };
    let exp = i32::from((bits >> 10) & 0x1f);
    let frac = f64::from(bits & 0x3ff);
    match exp {
        0 => sign * frac * 2f64.powi(-24),
        31 => {
            if frac == 0.0 {
                sign * f64::INFINITY
            } else {
                f64::NAN
            }
        }
        _ => sign * (1.0 + frac / 1024.0) * 2f64.powi(exp - 15),
    }
}
