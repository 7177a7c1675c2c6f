//! Native verification, Solidity verifier generation and EVM checks.
//!
//! Not implemented yet (see DESIGN.md §7). It exports nothing on purpose.
