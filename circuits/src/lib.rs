//! halo2 chips for quantized ONNX operators.
//!
//! Not implemented yet: this crate will hold one chip per op family of
//! `zkinfer_quantize::QOp` (see DESIGN.md §4). It exports nothing so that nothing can be
//! mistaken for a working circuit.
