//! `file://` and `fileb://` parameter values: the file's text, or its
//! bytes (for blobs).

use crate::error::CliError;

fn load_error(option: &str, value: &str, e: &std::io::Error) -> CliError {
    let path = value.split_once("://").map_or(value, |(_, p)| p);
    let why = match e.kind() {
        std::io::ErrorKind::NotFound => format!("[Errno 2] No such file or directory: '{path}'"),
        std::io::ErrorKind::PermissionDenied => format!("[Errno 13] Permission denied: '{path}'"),
        _ => e.to_string(),
    };
    CliError::Validation(format!("Error parsing parameter '{option}': Unable to load paramfile {value}: {why}"))
}

fn path_of(rest: &str) -> std::path::PathBuf {
    match rest.strip_prefix("~/") {
        Some(r) => std::path::PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(r),
        None => std::path::PathBuf::from(rest),
    }
}

/// The text of a `file://` value (`None` for any other value).
pub fn text(option: &str, value: &str) -> Result<Option<String>, CliError> {
    let Some(rest) = value.strip_prefix("file://") else { return Ok(None) };
    std::fs::read_to_string(path_of(rest)).map(Some).map_err(|e| load_error(option, value, &e))
}

/// The bytes of a `fileb://` value (`None` for any other value).
pub fn bytes(option: &str, value: &str) -> Result<Option<Vec<u8>>, CliError> {
    let Some(rest) = value.strip_prefix("fileb://") else { return Ok(None) };
    std::fs::read(path_of(rest)).map(Some).map_err(|e| load_error(option, value, &e))
}

/// The value itself, or the text of the file it names.
pub fn resolve(option: &str, value: &str) -> Result<String, CliError> {
    if let Some(b) = bytes(option, value)? {
        return String::from_utf8(b)
            .map_err(|_| CliError::Validation(format!("Error parsing parameter '{option}': not UTF-8")));
    }
    Ok(text(option, value)?.unwrap_or_else(|| value.to_string()))
}
