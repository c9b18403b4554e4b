//! The types generated from the service model by `xtask/src/codegen.rs`
//! (`cargo run -p xtask -- codegen`), one file per kind of shape.

/// The Operation enum: every operation, its name and its shapes.
mod operations;
/// Each operation's input structure.
mod requests;
/// Each operation's output structure.
mod responses;
/// The model's enums and the structures inputs and outputs share.
mod types;
/// `ErrorCode`: the model's errors and the protocol's.
mod errors;
/// `constraints()`: each shape's constraints, for validation.
mod constraints;

pub use constraints::*;
pub use errors::*;
pub use operations::*;
pub use requests::*;
pub use responses::*;
pub use types::*;
