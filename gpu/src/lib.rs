//! BN254 G1 multi-scalar multiplication on wgpu.
//!
//! Not implemented yet (see DESIGN.md §8). It exports nothing on purpose.
