//! What can go wrong, and the exit code each has (the aws CLI version 2's).

/// A failed command.
#[derive(Debug)]
pub enum CliError {
    /// Bad command line: exit 252, after the usage lines.
    Usage(String),
    /// Parameters the model rejects (botocore's validation): also 252.
    Validation(String),
    /// A problem with the configuration (profile, region, credentials): 253.
    Config(String),
    /// The service answered with an error: 254.
    Service {
        /// The operation called (`RotateSecret`).
        operation: &'static str,
        /// The error type (`ResourceNotFoundException`).
        code: String,
        /// Its message.
        message: String,
    },
    /// Anything else (connection failures, unreadable answers): 255.
    Other(String),
}

impl CliError {
    /// The process exit code.
    pub fn exit_code(&self) -> i32 {
        match self {
            CliError::Usage(_) | CliError::Validation(_) => 252,
            CliError::Config(_) => 253,
            CliError::Service { .. } => 254,
            CliError::Other(_) => 255,
        }
    }
}

impl std::fmt::Display for CliError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CliError::Usage(m) | CliError::Validation(m) | CliError::Config(m) | CliError::Other(m) => f.write_str(m),
            CliError::Service { operation, code, message } => {
                write!(f, "An error occurred ({code}) when calling the {operation} operation: {message}")
            }
        }
    }
}

/// A usage error.
pub fn usage(msg: impl Into<String>) -> CliError {
    CliError::Usage(msg.into())
}
