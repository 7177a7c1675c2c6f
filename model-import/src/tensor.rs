//! A small dense tensor used for constants, the float evaluator and calibration.
//!
//! Values are stored as `f64` whatever the ONNX element type: shape arithmetic (int64) stays
//! exact below 2^53 and float models evaluate slightly more precisely than their f32 reference.

use serde::{Deserialize, Serialize};

/// Element type of a tensor as declared by the ONNX model.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DType {
    /// Any floating-point type (f16, f32, f64).
    Float,
    /// Any integer type (int8 … int64, uint8 … uint64).
    Int,
    /// Boolean.
    Bool,
}

impl DType {
    /// Maps an ONNX `TensorProto.DataType` code; `None` for strings and complex numbers.
    #[must_use]
    pub fn from_onnx(code: i32) -> Option<Self> {
        match code {
            1 | 10 | 11 | 16 => Some(Self::Float),
            2..=7 | 12 | 13 => Some(Self::Int),
            9 => Some(Self::Bool),
            _ => None,
        }
    }

    /// Rounds a value the way a cast to this type does (ONNX casts truncate toward zero).
    #[must_use]
    pub fn cast(self, v: f64) -> f64 {
        match self {
            Self::Float => v,
            Self::Int => v.trunc(),
            Self::Bool => f64::from(u8::from(v != 0.0)),
        }
    }
}

/// A dense row-major tensor.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Tensor {
    /// Dimensions, outermost first.
    pub shape: Vec<usize>,
    /// Element type as ONNX declares it.
    pub dtype: DType,
    /// Row-major values.
    pub data: Vec<f64>,
}

impl Tensor {
    /// Builds a tensor; the caller guarantees `data.len()` equals the shape's element count.
    #[must_use]
    pub fn new(shape: Vec<usize>, dtype: DType, data: Vec<f64>) -> Self {
        debug_assert_eq!(numel(&shape), data.len());
        Self { shape, dtype, data }
    }

    /// A tensor of zeros.
    #[must_use]
    pub fn zeros(shape: &[usize], dtype: DType) -> Self {
        Self::new(shape.to_vec(), dtype, vec![0.0; numel(shape)])
    }

    /// A rank-0 tensor.
    #[must_use]
    pub fn scalar(v: f64, dtype: DType) -> Self {
        Self::new(vec![], dtype, vec![v])
    }

    /// Number of elements.
    #[must_use]
    pub fn len(&self) -> usize {
        self.data.len()
    }

    /// True when the tensor has no elements.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// Values as signed integers (truncating), for shape-like tensors.
    #[must_use]
    pub fn as_i64s(&self) -> Vec<i64> {
        #[allow(clippy::cast_possible_truncation)]
        self.data.iter().map(|v| *v as i64).collect()
    }
}

/// Number of elements of a shape.
#[must_use]
pub fn numel(shape: &[usize]) -> usize {
    shape.iter().product()
}

/// Row-major strides of a shape.
#[must_use]
pub fn strides(shape: &[usize]) -> Vec<usize> {
    let mut s = vec![1; shape.len()];
    for i in (0..shape.len().saturating_sub(1)).rev() {
        s[i] = s[i + 1] * shape[i + 1];
    }
    s
}

/// Numpy-style broadcast of two shapes; `None` when they are incompatible.
#[must_use]
pub fn broadcast_shapes(a: &[usize], b: &[usize]) -> Option<Vec<usize>> {
    let rank = a.len().max(b.len());
    let mut out = vec![0; rank];
    for i in 0..rank {
        let da = if i + a.len() >= rank { a[i + a.len() - rank] } else { 1 };
        let db = if i + b.len() >= rank { b[i + b.len() - rank] } else { 1 };
        out[i] = match (da, db) {
            (x, y) if x == y => x,
            (1, y) => y,
            (x, 1) => x,
            _ => return None,
        };
    }
    Some(out)
}

/// For every element of `out_shape`, the flat index of the element of a tensor of shape
/// `in_shape` that broadcasts onto it. `in_shape` must broadcast to `out_shape`.
#[must_use]
pub fn broadcast_index_map(in_shape: &[usize], out_shape: &[usize]) -> Vec<usize> {
    let rank = out_shape.len();
    let offset = rank - in_shape.len();
    let in_strides = strides(in_shape);
    // Effective stride of each output axis in the input: 0 on broadcast axes.
    let eff: Vec<usize> = (0..rank)
        .map(|i| if i < offset || in_shape[i - offset] == 1 { 0 } else { in_strides[i - offset] })
        .collect();
    let n = numel(out_shape);
    let mut map = Vec::with_capacity(n);
    let mut idx = vec![0usize; rank];
    let mut flat = 0usize;
    for _ in 0..n {
        map.push(flat);
        for ax in (0..rank).rev() {
            idx[ax] += 1;
            flat += eff[ax];
            if idx[ax] < out_shape[ax] {
                break;
            }
            flat -= eff[ax] * idx[ax];
            idx[ax] = 0;
        }
    }
    map
}

/// Resolves a possibly negative ONNX axis against a rank.
#[must_use]
pub fn normalize_axis(axis: i64, rank: usize) -> Option<usize> {
    let r = i64::try_from(rank).ok()?;
    let a = if axis < 0 { axis + r } else { axis };
    if (0..r).contains(&a) {
        usize::try_from(a).ok()
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broadcast_map_matches_manual_indexing() {
        // [3,1] broadcast to [2,3,4]
        let map = broadcast_index_map(&[3, 1], &[2, 3, 4]);
        assert_eq!(map.len(), 24);
        for b in 0..2 {
            for i in 0..3 {
                for j in 0..4 {
                    assert_eq!(map[b * 12 + i * 4 + j], i);
                }
            }
        }
        assert_eq!(broadcast_shapes(&[2, 1, 4], &[3, 1]), Some(vec![2, 3, 4]));
        assert_eq!(broadcast_shapes(&[2], &[3]), None);
    }
}
