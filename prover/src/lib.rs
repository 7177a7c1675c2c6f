//! SRS handling, key generation, proving and verification for zkinfer circuits.
//!
//! Proofs use halo2-axiom's KZG commitments on BN254 with SHPLONK multi-opening and a
//! Keccak-256 transcript (EVM-verifiable). Every binary artifact starts with an
//! [`artifact::Header`] naming its kind, the tool version and the circuit it belongs to.

pub mod artifact;
pub mod commit;
pub mod cpu;
pub mod error;
mod geometric;
pub mod identity;
pub mod instance;
pub mod keys;
pub mod profile;
pub mod proof;
pub mod proof_file;
pub mod srs;
pub mod transcript;

pub use error::{ProverError, Result};
pub use identity::model_identity;
pub use keys::{circuit_hash, keygen, keygen_on};
pub use proof::{prove, prove_on, verify, Proof};
pub use srs::{dev_srs, Srs};
pub use zkinfer_gpu as gpu;
