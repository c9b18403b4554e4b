//! The vendored AWS service model (`spec/secretsmanager-service-2.json`),
//! embedded once in the binary and parsed once per process: what
//! validation and the CLI read at run time (the wire types are generated
//! from it ahead of time, see `api::generated`).

use serde_json::Value;
use std::sync::OnceLock;

/// The model's text.
pub const SERVICE_MODEL: &str = include_str!("../../../spec/secretsmanager-service-2.json");

/// The model, parsed on first use (a few milliseconds).
pub fn service_model() -> &'static Value {
    static MODEL: OnceLock<Value> = OnceLock::new();
    MODEL.get_or_init(|| serde_json::from_str(SERVICE_MODEL).expect("vendored model is valid JSON"))
}

/// A shape of the model by name (`Value::Null` when there is none).
pub fn shape(name: &str) -> &'static Value {
    &service_model()["shapes"][name]
}
