//! Writes `examples/credit_score/network.onnx` and `input.json`: a small credit-scoring MLP
//! (8 applicant features → 16 → 8 → 2-way softmax: decline / approve) with deterministic
//! weights, so the quick start needs no downloaded model. A test checks the committed files
//! equal what this program writes.
//!
//! Run: `cargo run --example gen_credit_score`

use prost::Message;
use tract_onnx::pb::{
    attribute_proto::AttributeType, tensor_shape_proto, type_proto, AttributeProto, GraphProto,
    ModelProto, NodeProto, OperatorSetIdProto, TensorProto, TensorShapeProto, TypeProto,
    ValueInfoProto,
};

/// Deterministic weights in [-scale, scale).
fn weights(seed: u64, n: usize, scale: f32) -> Vec<f32> {
    let mut s = seed;
    (0..n)
        .map(|_| {
            s = s.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            #[allow(clippy::cast_precision_loss)]
            let u = (s >> 40) as f32 / (1u64 << 24) as f32;
            (2.0 * u - 1.0) * scale
        })
        .collect()
}

fn tensor(name: &str, dims: &[i64], data: Vec<f32>) -> TensorProto {
    TensorProto {
        name: name.into(),
        dims: dims.to_vec(),
        data_type: 1,
        float_data: data,
        ..Default::default()
    }
}

fn value_info(name: &str, dims: &[i64]) -> ValueInfoProto {
    let dim = dims
        .iter()
        .map(|&d| tensor_shape_proto::Dimension {
            value: Some(tensor_shape_proto::dimension::Value::DimValue(d)),
            ..Default::default()
        })
        .collect();
    let tt = type_proto::Tensor { elem_type: 1, shape: Some(TensorShapeProto { dim }) };
    ValueInfoProto {
        name: name.into(),
        r#type: Some(TypeProto {
            value: Some(type_proto::Value::TensorType(tt)),
            ..Default::default()
        }),
        ..Default::default()
    }
}

fn node(
    name: &str,
    op: &str,
    inputs: &[&str],
    output: &str,
    attrs: Vec<AttributeProto>,
) -> NodeProto {
    NodeProto {
        name: name.into(),
        op_type: op.into(),
        input: inputs.iter().map(|s| (*s).to_string()).collect(),
        output: vec![output.into()],
        attribute: attrs,
        ..Default::default()
    }
}

/// The model.
pub fn model() -> ModelProto {
    let trans_b = AttributeProto {
        name: "transB".into(),
        i: 1,
        r#type: AttributeType::Int as i32,
        ..Default::default()
    };
    let layers = [(8, 16), (16, 8), (8, 2)];
    let mut nodes = Vec::new();
    let mut inits = Vec::new();
    let mut prev = "features".to_string();
    for (i, &(fan_in, fan_out)) in layers.iter().enumerate() {
        let (w, b) = (format!("fc{i}.weight"), format!("fc{i}.bias"));
        #[allow(clippy::cast_precision_loss)]
        let scale = 1.0 / (fan_in as f32).sqrt();
        inits.push(tensor(
            &w,
            &[fan_out, fan_in],
            weights(11 + i as u64, usize::try_from(fan_in * fan_out).unwrap_or(0), scale),
        ));
        inits.push(tensor(
            &b,
            &[fan_out],
            weights(101 + i as u64, usize::try_from(fan_out).unwrap_or(0), 0.1),
        ));
        let out = format!("/fc{i}/Gemm_output_0");
        nodes.push(node(
            &format!("/fc{i}/Gemm"),
            "Gemm",
            &[&prev, &w, &b],
            &out,
            vec![trans_b.clone()],
        ));
        prev = out;
        if i + 1 < layers.len() {
            let r = format!("/relu{i}/Relu_output_0");
            nodes.push(node(&format!("/relu{i}/Relu"), "Relu", &[&prev], &r, vec![]));
            prev = r;
        }
    }
    let axis = AttributeProto {
        name: "axis".into(),
        i: -1,
        r#type: AttributeType::Int as i32,
        ..Default::default()
    };
    nodes.push(node("/softmax/Softmax", "Softmax", &[&prev], "decision", vec![axis]));
    ModelProto {
        ir_version: 8,
        producer_name: "zkinfer examples".into(),
        opset_import: vec![OperatorSetIdProto { domain: String::new(), version: 13 }],
        graph: Some(GraphProto {
            name: "credit_score".into(),
            node: nodes,
            initializer: inits,
            input: vec![value_info("features", &[1, 8])],
            output: vec![value_info("decision", &[1, 2])],
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// A normalised applicant: income, debt ratio, age, years employed, open loans, late
/// payments, savings, requested amount.
pub const INPUT_JSON: &str =
    "{\"input_data\": [[0.82, -0.35, 0.1, 0.64, -0.2, -0.9, 0.45, -0.15]]}\n";

#[allow(dead_code)]
fn main() -> std::io::Result<()> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/credit_score");
    std::fs::create_dir_all(&dir)?;
    std::fs::write(dir.join("network.onnx"), model().encode_to_vec())?;
    std::fs::write(dir.join("input.json"), INPUT_JSON)?;
    println!("wrote {}", dir.display());
    Ok(())
}
