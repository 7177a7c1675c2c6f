//! Builds small ONNX models in memory ([`M`]) for the per-op tests: a model of one or a few
//! nodes with seeded random weights and inputs in a given range.
#![allow(clippy::unwrap_used, missing_docs)]

pub use tract_onnx::pb::{
    attribute_proto::AttributeType, tensor_shape_proto, type_proto, AttributeProto, GraphProto,
    ModelProto, NodeProto, OperatorSetIdProto, TensorProto, TensorShapeProto, TypeProto,
    ValueInfoProto,
};

pub const FLOAT: i32 = 1;
pub const INT64: i32 = 7;

pub struct M {
    pub opset: i64,
    pub nodes: Vec<NodeProto>,
    pub inits: Vec<TensorProto>,
    pub inputs: Vec<ValueInfoProto>,
    pub outputs: Vec<String>,
    /// Value range of each input for random test data.
    pub ranges: Vec<(f64, f64)>,
    pub int_inputs: Vec<bool>,
}

pub fn attr_i(name: &str, v: i64) -> AttributeProto {
    AttributeProto {
        name: name.into(),
        i: v,
        r#type: AttributeType::Int as i32,
        ..Default::default()
    }
}
pub fn attr_is(name: &str, v: &[i64]) -> AttributeProto {
    AttributeProto {
        name: name.into(),
        ints: v.to_vec(),
        r#type: AttributeType::Ints as i32,
        ..Default::default()
    }
}
pub fn attr_f(name: &str, v: f32) -> AttributeProto {
    AttributeProto {
        name: name.into(),
        f: v,
        r#type: AttributeType::Float as i32,
        ..Default::default()
    }
}
pub fn attr_s(name: &str, v: &str) -> AttributeProto {
    AttributeProto {
        name: name.into(),
        s: v.as_bytes().to_vec(),
        r#type: AttributeType::String as i32,
        ..Default::default()
    }
}
pub fn attr_fs(name: &str, v: &[f32]) -> AttributeProto {
    AttributeProto {
        name: name.into(),
        floats: v.to_vec(),
        r#type: AttributeType::Floats as i32,
        ..Default::default()
    }
}
pub fn attr_ss(name: &str, v: &[&str]) -> AttributeProto {
    AttributeProto {
        name: name.into(),
        strings: v.iter().map(|s| s.as_bytes().to_vec()).collect(),
        r#type: AttributeType::Strings as i32,
        ..Default::default()
    }
}
pub fn attr_t(name: &str, t: TensorProto) -> AttributeProto {
    AttributeProto {
        name: name.into(),
        t: Some(t),
        r#type: AttributeType::Tensor as i32,
        ..Default::default()
    }
}

pub fn tensor_f(name: &str, dims: &[i64], data: Vec<f32>) -> TensorProto {
    TensorProto {
        name: name.into(),
        dims: dims.to_vec(),
        data_type: FLOAT,
        float_data: data,
        ..Default::default()
    }
}
pub fn tensor_i(name: &str, dims: &[i64], data: Vec<i64>) -> TensorProto {
    TensorProto {
        name: name.into(),
        dims: dims.to_vec(),
        data_type: INT64,
        int64_data: data,
        ..Default::default()
    }
}

/// Deterministic pseudo-random values in [lo, hi).
pub fn values(seed: u64, n: usize, lo: f64, hi: f64) -> Vec<f64> {
    let mut s =
        seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
    (0..n)
        .map(|_| {
            s = s.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            #[allow(clippy::cast_precision_loss)]
            let u = (s >> 11) as f64 / (1u64 << 53) as f64;
            lo + (hi - lo) * u
        })
        .collect()
}

/// Weight-like constant data.
pub fn weights(seed: u64, n: usize) -> Vec<f32> {
    #[allow(clippy::cast_possible_truncation)]
    values(seed, n, -1.0, 1.0).into_iter().map(|v| v as f32).collect()
}

fn value_info(name: &str, shape: &[usize], elem: i32) -> ValueInfoProto {
    let dim = shape
        .iter()
        .map(|&d| tensor_shape_proto::Dimension {
            value: Some(tensor_shape_proto::dimension::Value::DimValue(i64::try_from(d).unwrap())),
            ..Default::default()
        })
        .collect();
    ValueInfoProto {
        name: name.into(),
        r#type: Some(TypeProto {
            value: Some(type_proto::Value::TensorType(type_proto::Tensor {
                elem_type: elem,
                shape: Some(TensorShapeProto { dim }),
            })),
            ..Default::default()
        }),
        ..Default::default()
    }
}

impl M {
    pub fn new(opset: i64) -> Self {
        Self {
            opset,
            nodes: vec![],
            inits: vec![],
            inputs: vec![],
            outputs: vec![],
            ranges: vec![],
            int_inputs: vec![],
        }
    }
    pub fn input(mut self, name: &str, shape: &[usize], lo: f64, hi: f64) -> Self {
        self.inputs.push(value_info(name, shape, FLOAT));
        self.ranges.push((lo, hi));
        self.int_inputs.push(false);
        self
    }
    pub fn int_input(mut self, name: &str, shape: &[usize], lo: i64, hi: i64) -> Self {
        self.inputs.push(value_info(name, shape, INT64));
        #[allow(clippy::cast_precision_loss)]
        self.ranges.push((lo as f64, hi as f64));
        self.int_inputs.push(true);
        self
    }
    pub fn init(mut self, t: TensorProto) -> Self {
        self.inits.push(t);
        self
    }
    pub fn weight(self, name: &str, dims: &[i64], seed: u64) -> Self {
        let n = dims.iter().product::<i64>();
        self.init(tensor_f(name, dims, weights(seed, usize::try_from(n).unwrap())))
    }
    pub fn node(
        mut self,
        op: &str,
        inputs: &[&str],
        outputs: &[&str],
        attrs: Vec<AttributeProto>,
    ) -> Self {
        self.nodes.push(NodeProto {
            name: format!("{op}_{}", self.nodes.len()),
            op_type: op.into(),
            input: inputs.iter().map(|s| (*s).to_string()).collect(),
            output: outputs.iter().map(|s| (*s).to_string()).collect(),
            attribute: attrs,
            ..Default::default()
        });
        self
    }
    /// A node of the classical-ML domain (`ai.onnx.ml`).
    pub fn ml_node(
        self,
        op: &str,
        inputs: &[&str],
        outputs: &[&str],
        attrs: Vec<AttributeProto>,
    ) -> Self {
        let mut m = self.node(op, inputs, outputs, attrs);
        if let Some(n) = m.nodes.last_mut() {
            n.domain = "ai.onnx.ml".into();
        }
        m
    }
    pub fn output(mut self, name: &str) -> Self {
        self.outputs.push(name.into());
        self
    }
    pub fn proto(&self) -> ModelProto {
        ModelProto {
            ir_version: 8,
            opset_import: {
                let mut sets =
                    vec![OperatorSetIdProto { domain: String::new(), version: self.opset }];
                if self.nodes.iter().any(|n| n.domain == "ai.onnx.ml") {
                    sets.push(OperatorSetIdProto { domain: "ai.onnx.ml".into(), version: 3 });
                }
                sets
            },
            graph: Some(GraphProto {
                name: "test".into(),
                node: self.nodes.clone(),
                initializer: self.inits.clone(),
                input: self.inputs.clone(),
                output: self
                    .outputs
                    .iter()
                    .map(|o| ValueInfoProto { name: o.clone(), ..Default::default() })
                    .collect(),
                ..Default::default()
            }),
            ..Default::default()
        }
    }
    /// Random inputs matching the declared ranges.
    pub fn sample(&self, seed: u64, shapes: &[Vec<usize>]) -> Vec<Vec<f64>> {
        shapes
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let n = s.iter().product();
                let (lo, hi) = self.ranges[i];
                let v = values(seed + i as u64, n, lo, hi);
                if self.int_inputs[i] {
                    v.into_iter().map(f64::floor).collect()
                } else {
                    v
                }
            })
            .collect()
    }
}
