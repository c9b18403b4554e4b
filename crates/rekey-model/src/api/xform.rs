//! botocore's `xform_name`, on its own: the code generator (`xtask`)
//! compiles this file too, as it must not depend on the crate it writes.

/// A model name split into lower-case words joined by `sep`, as botocore's
/// `xform_name` does: `GetSecretValue` → `get-secret-value` (CLI commands
/// and options), `RotationLambdaARN` → `rotation_lambda_arn` (generated
/// field names). A capital starts a word after a lower-case letter or a
/// digit, and after capitals when a lower-case letter follows it.
pub fn xform_name(name: &str, sep: char) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::with_capacity(name.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            let prev = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
            if prev.is_ascii_lowercase() || prev.is_ascii_digit() || (prev.is_ascii_uppercase() && next_lower) {
                out.push(sep);
            }
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}
