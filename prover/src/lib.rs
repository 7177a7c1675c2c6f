//! SRS handling, key generation, witness generation and proving.
//!
//! Not implemented yet (see DESIGN.md §2 and §6). It exports nothing on purpose.
