//! Decision receipts: which model (by identity) turned which input into which output and
//! decision, when and for which agent, with the proof, as an in-toto Statement v1 inside a
//! DSSE envelope signed with secp256k1 (checkable by `ecrecover` on chain) or Ed25519; and an
//! append-only log of receipts chained by hashes, so a removed, reordered, inserted or edited
//! entry is detected.
//!
//! This crate holds the formats and the cryptography that do not need the circuit; checking the
//! proof inside a receipt, and replaying the integer evaluator, live in the facade crate.

pub mod decision;
pub mod digest;
pub mod dsse;
pub mod error;
pub mod keys;
pub mod log;
pub mod statement;
pub mod time;

pub use error::{ReceiptError, Result};
