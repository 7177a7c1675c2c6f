//! Helpers shared by the MockProver test files: a tiny graph builder, the witness from the
//! integer evaluator, and the soundness check that perturbs every advice cell.
#![allow(dead_code, unused_imports, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub use halo2_proofs::dev::MockProver;
pub use halo2_proofs::halo2curves::bn256::Fr;
pub use zkinfer_circuits::builder::{range_tag, Builder, Cell, Col};
pub use zkinfer_circuits::{
    diagnose, lay_out, GateInstructions, Layout, LinearCheck, ModelCircuit, OnceCircuit,
    RangeInstructions,
};
pub use zkinfer_model_import::Tensor;
pub use zkinfer_quantize::qgraph::{LookupFn, QNode, QOp, QTensor, Table};
pub use zkinfer_quantize::{eval, QGraph, Visibilities, Visibility, WeightVisibility};

pub const LIMB: u32 = 4;

pub fn tensor(
    name: &str,
    shape: &[usize],
    scale: i32,
    bound: u64,
    checked: bool,
    value: Option<Vec<i64>>,
) -> QTensor {
    QTensor { name: name.into(), shape: shape.to_vec(), scale, bound, checked, value, window: None }
}

/// A graph: inputs (shape, bound), constants, then one primitive.
pub struct G {
    pub q: QGraph,
}

impl G {
    pub fn new() -> Self {
        Self {
            q: QGraph {
                tensors: vec![],
                nodes: vec![],
                inputs: vec![],
                outputs: vec![],
                tables: vec![],
                visibility: Visibilities::default(),
            },
        }
    }
    pub fn input(&mut self, shape: &[usize], bound: u64) -> usize {
        let id = self.q.tensors.len();
        self.q.tensors.push(tensor("x", shape, 0, bound, true, None));
        let index = self.q.inputs.len();
        self.q.nodes.push(QNode {
            op: QOp::Input { index },
            inputs: vec![],
            output: id,
            node: "in".into(),
            onnx_op: "Input".into(),
        });
        self.q.inputs.push(id);
        id
    }
    pub fn konst(&mut self, shape: &[usize], v: Vec<i64>) -> usize {
        let bound = v.iter().map(|x| x.unsigned_abs()).max().unwrap_or(0);
        self.q.tensors.push(tensor("c", shape, 0, bound, false, Some(v)));
        self.q.tensors.len() - 1
    }
    pub fn op(
        &mut self,
        op: QOp,
        inputs: Vec<usize>,
        shape: &[usize],
        bound: u64,
        checked: bool,
    ) -> usize {
        let id = self.q.tensors.len();
        self.q.tensors.push(tensor("y", shape, 0, bound, checked, None));
        self.q.nodes.push(QNode {
            op,
            inputs,
            output: id,
            node: format!("/test/Node{}", self.q.nodes.len()),
            onnx_op: "Test".into(),
        });
        id
    }
    pub fn output(mut self, id: usize) -> QGraph {
        self.q.outputs.push(id);
        self.q
    }
}

/// A rescale (by 2^-5) of `n` inputs bounded by 1000, its inputs and outputs as visible as
/// `input` and `output` say.
pub fn rescale_with(n: usize, input: Visibility, output: Visibility) -> QGraph {
    let mut g = G::new();
    let a = g.input(&[n], 1000);
    let y = g.op(QOp::Rescale { shift: 5 }, vec![a], &[n], 32, false);
    let mut q = g.output(y);
    q.visibility = Visibilities { input, output, ..Default::default() };
    q
}

pub fn witness(q: &QGraph, inputs: &[Vec<f64>]) -> Vec<Vec<i64>> {
    let ts: Vec<Tensor> = q
        .inputs
        .iter()
        .zip(inputs)
        .map(|(&i, v)| {
            Tensor::new(q.tensors[i].shape.clone(), zkinfer_model_import::DType::Float, v.clone())
        })
        .collect();
    eval::eval_all(q, &ts).unwrap()
}

/// Field elements of integers.
pub fn ints(v: &[i128]) -> Vec<Fr> {
    v.iter().map(|&x| zkinfer_circuits::fe(x)).collect()
}

pub fn k_for(b: &Builder) -> u32 {
    let rows = b.rows() + 12;
    (usize::BITS - rows.leading_zeros()).max(5)
}

/// MockProver's verdict on a layout.
pub fn mock_verify(b: &Builder) -> Result<(), Vec<halo2_proofs::dev::VerifyFailure>> {
    let c = ModelCircuit::new(b.clone());
    MockProver::<Fr>::run(k_for(b), &c, vec![c.instances()]).unwrap().verify()
}

pub fn verify(b: &Builder) -> bool {
    mock_verify(b).is_ok()
}

/// Honest witness passes; each advice cell +1 fails.
pub fn check_sound(q: &QGraph, inputs: &[Vec<f64>]) -> Builder {
    check_sound_with(q, inputs, &Layout::new(2, 2, LIMB))
}

/// [`check_sound`] in a given layout; second-phase cells are perturbed too.
pub fn check_sound_with(q: &QGraph, inputs: &[Vec<f64>], layout: &Layout) -> Builder {
    let w = witness(q, inputs);
    let b = lay_out(q, Some(&w), layout).unwrap();
    assert!(verify(&b), "honest witness rejected");
    for cell in b.witness_cells() {
        assert!(!verify(&b.perturbed(cell)), "perturbing {cell:?} was not caught");
    }
    assert!(!verify(&wrong_output(&b)), "a wrong public output was accepted");
    b
}

/// The layout claiming a different first public value.
pub fn wrong_output(b: &Builder) -> Builder {
    let mut bad = b.clone();
    if let Some(v) = bad.public_values_mut().first_mut() {
        *v += Fr::one();
    }
    bad
}

/// Applies `edit` to an honest layout and expects rejection.
pub fn assert_rejects_with(b: &Builder, edit: impl Fn(&mut Builder)) {
    let mut bad = b.clone();
    edit(&mut bad);
    assert!(!verify(&bad), "edited witness accepted");
}

/// The ONNX node each MockProver failure of an edited witness is traced to.
pub fn traced_failures(b: &Builder) -> Vec<Option<String>> {
    let failures = mock_verify(b).expect_err("the edited witness was accepted");
    failures.iter().map(|f| zkinfer_circuits::diagnose::failing_node(b, &f.to_string())).collect()
}
