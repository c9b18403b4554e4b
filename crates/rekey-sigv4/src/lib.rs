//! AWS Signature Version 4, both sides: the [`sign`]er of outgoing
//! requests (the CLI, `rekey admin`, the Lambda Invoke API) and the
//! [`verify`] checks of incoming ones, over the same [`canonical`] forms
//! and [`key`] derivation, refusing with one [`SigV4Error`] per check.
//!
//! It depends on no rekey crate but the model (for the calendar, regions
//! and the API error a refusal becomes), so the CLI carries it without
//! the server.

pub mod canonical;
mod error;
pub mod key;
mod sign;
pub mod verify;

pub use error::SigV4Error;
pub use key::SigningMac;
pub use sign::{Credentials, Request, sign};
