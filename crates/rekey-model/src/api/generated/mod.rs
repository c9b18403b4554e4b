//! The types generated from the service model by
//! `crates/rekey-model/tests/codegen.rs`, one file per kind of shape.

/// The Operation enum: every operation, its name and its shapes.
mod operations;
/// Each operation's input structure.
mod requests;
/// Each operation's output structure.
mod responses;
/// The model's enums and the structures inputs and outputs share.
mod types;
/// The model's exception structures.
mod errors;

pub use errors::*;
pub use operations::*;
pub use requests::*;
pub use responses::*;
pub use types::*;
