//! Structured reference strings: a fast seeded development SRS (insecure: the seed reveals
//! the secret) and import of ceremony files (snarkjs `.ptau` or halo2 KZG params) with
//! pairing checks, zkinfer's SRS files, their Lagrange points, and what a verifier trusts.
//!
//! The submodules depend one way: `points` (the value) ← `dev`, `file`, `ptau` ← `import`;
//! `points`, `file` and `group_fft` ← `basis`; `origin` reads labels on top of `dev`.

mod basis;
mod dev;
mod file;
pub mod group_fft;
mod import;
mod origin;
mod points;
pub mod ptau;

pub use basis::{
    has_lagrange, lagrange_consistent, lagrange_points, with_lagrange, without_lagrange,
};
pub use dev::{dev_srs, DEV_LABEL, DEV_SEED};
pub use file::{read_srs, read_srs_for, read_srs_from, write_srs};
pub use import::import_params;
pub use origin::{srs_trust, SrsOrigin, SrsTrust};
pub use points::{check_srs, fit, from_points, points_digest, Srs};
