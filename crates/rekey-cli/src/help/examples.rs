//! The EXAMPLES section: the aws CLI v2's own examples for each command
//! (spec/examples, with their notice), reStructuredText laid out as v2's
//! help shows it.

use super::doc;

/// Each command's examples.
static EXAMPLES: [(&str, &str); 23] = [
    ("batch-get-secret-value", include_str!("../../../../spec/examples/batch-get-secret-value.rst")),
    ("cancel-rotate-secret", include_str!("../../../../spec/examples/cancel-rotate-secret.rst")),
    ("create-secret", include_str!("../../../../spec/examples/create-secret.rst")),
    ("delete-resource-policy", include_str!("../../../../spec/examples/delete-resource-policy.rst")),
    ("delete-secret", include_str!("../../../../spec/examples/delete-secret.rst")),
    ("describe-secret", include_str!("../../../../spec/examples/describe-secret.rst")),
    ("get-random-password", include_str!("../../../../spec/examples/get-random-password.rst")),
    ("get-resource-policy", include_str!("../../../../spec/examples/get-resource-policy.rst")),
    ("get-secret-value", include_str!("../../../../spec/examples/get-secret-value.rst")),
    ("list-secret-version-ids", include_str!("../../../../spec/examples/list-secret-version-ids.rst")),
    ("list-secrets", include_str!("../../../../spec/examples/list-secrets.rst")),
    ("put-resource-policy", include_str!("../../../../spec/examples/put-resource-policy.rst")),
    ("put-secret-value", include_str!("../../../../spec/examples/put-secret-value.rst")),
    ("remove-regions-from-replication", include_str!("../../../../spec/examples/remove-regions-from-replication.rst")),
    ("replicate-secret-to-regions", include_str!("../../../../spec/examples/replicate-secret-to-regions.rst")),
    ("restore-secret", include_str!("../../../../spec/examples/restore-secret.rst")),
    ("rotate-secret", include_str!("../../../../spec/examples/rotate-secret.rst")),
    ("stop-replication-to-replica", include_str!("../../../../spec/examples/stop-replication-to-replica.rst")),
    ("tag-resource", include_str!("../../../../spec/examples/tag-resource.rst")),
    ("untag-resource", include_str!("../../../../spec/examples/untag-resource.rst")),
    ("update-secret", include_str!("../../../../spec/examples/update-secret.rst")),
    ("update-secret-version-stage", include_str!("../../../../spec/examples/update-secret-version-stage.rst")),
    ("validate-resource-policy", include_str!("../../../../spec/examples/validate-resource-policy.rst")),
];

const PREAMBLE: [&str; 2] = [
    "To use the following examples, you must have the AWS CLI installed and configured. See the Getting started guide in the AWS CLI User Guide for more information.",
    "Unless otherwise stated, all examples have unix-like quotation rules. These examples will need to be adapted to your terminal's quoting rules. See Using quotation marks with strings in the AWS CLI User Guide .",
];

/// The EXAMPLES section of `command`, if it has examples.
pub fn section(command: &str) -> Option<String> {
    let rst = EXAMPLES.iter().find(|(c, _)| *c == command)?.1;
    let mut out = String::from("EXAMPLES\n       NOTE:\n");
    for p in PREAMBLE {
        doc::wrap(&mut out, p, 10, 10);
        out.push('\n');
    }
    let mut paragraph = String::new();
    let mut literal = false;
    let flush = |out: &mut String, paragraph: &mut String| {
        if !paragraph.trim().is_empty() {
            doc::wrap(out, &inline(paragraph.trim()), 7, 7);
            out.push('\n');
        }
        paragraph.clear();
    };
    for line in rst.lines() {
        if literal {
            if line.starts_with(' ') || line.is_empty() {
                if !line.is_empty() {
                    out.push_str(&format!("      {line}\n"));
                } else if !out.ends_with("\n\n") {
                    out.push('\n');
                }
                continue;
            }
            literal = false;
        }
        if line.trim().is_empty() {
            let opens = paragraph.trim_end().ends_with("::");
            if opens {
                let kept = paragraph.trim_end().trim_end_matches("::").trim_end().to_string();
                // `Output::` keeps one colon; a lone ` ::` leaves nothing.
                paragraph = if !paragraph.trim_end().ends_with(" ::") { format!("{kept}:") } else { kept };
            }
            flush(&mut out, &mut paragraph);
            literal = opens;
            continue;
        }
        paragraph.push_str(line);
        paragraph.push(' ');
    }
    flush(&mut out, &mut paragraph);
    Some(out)
}

/// Inline markup as text: `**b**`, `*i*`, ``` ``code`` ```, `` `text <url>`__ ``.
fn inline(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find(['`', '*']) {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        if let Some(r) = rest.strip_prefix("``") {
            let end = r.find("``").unwrap_or(r.len());
            out.push_str(&r[..end]);
            rest = r.get(end + 2..).unwrap_or("");
        } else if let Some(r) = rest.strip_prefix('`') {
            let end = r.find('`').unwrap_or(r.len());
            let label = r[..end].split(" <").next().unwrap_or_default();
            out.push_str(label.trim_end());
            rest = r.get(end + 1..).unwrap_or("").trim_start_matches('_');
        } else {
            let stars = rest.len() - rest.trim_start_matches('*').len();
            rest = &rest[stars..];
        }
    }
    out.push_str(rest);
    out
}
