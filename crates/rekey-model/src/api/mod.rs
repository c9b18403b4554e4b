//! The wire types of the Secrets Manager API, generated from the vendored
//! service model (`spec/secretsmanager-service-2.json`, Apache-2.0).

#[rustfmt::skip]
#[allow(missing_docs, unused_imports, clippy::all)]
mod generated;
pub mod wire;

pub use generated::*;

mod xform;
pub use xform::xform_name;
