//! The default `balanced` target: full precision at a model's inputs and outputs, and 13 bits
//! inside only where that makes the planner's circuit at least a tenth cheaper.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use zkinfer::{Model, Target};
use zkinfer_testkit::model_dir;

fn balanced(name: &str) -> zkinfer::Settings {
    let dir = model_dir(name);
    let model = Model::load(&dir.join("network.onnx"), 1).unwrap();
    let input = model.read_input(&dir.join("input.json")).unwrap();
    model.calibrate(&[input], Target::default(), |_| {}).unwrap()
}

#[test]
fn a_convolutional_network_gets_fewer_bits_inside() {
    let s = balanced("resnet_narrow");
    assert_eq!(s.target, Target::Balanced);
    let p = &s.params;
    assert_eq!((p.activation_bits, p.input_bits, p.output_bits), (13, Some(16), Some(24)));
}

#[test]
fn a_model_the_fewer_bits_would_not_make_cheaper_keeps_them() {
    let s = balanced("mlp");
    let p = &s.params;
    assert_eq!((p.activation_bits, p.input_bits, p.output_bits), (16, Some(16), Some(24)));
}
