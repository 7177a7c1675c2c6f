//! Verification beyond the native verifier: a Solidity verifier generated from the verifying
//! key, compiled by a pinned solc, and executed on an in-process EVM.
//!
//! Flow: [`solidity::render`] a contract from a [`zkinfer_prover::keys::VkBundle`],
//! [`solc::Compiler::compile`] it, encode a proof with [`calldata`], and run it in
//! [`evm::Chain`]. Proofs come from `zkinfer_prover` with its EVM transcript, so the contract
//! and the native verifier check the very same bytes.

pub mod bundle;
pub mod calldata;
pub mod error;
pub mod evm;
pub mod hex;
pub mod reusable;
pub mod solc;
pub mod solidity;
pub mod split;

pub use error::{Result, VerifierError};
