//! `--output yaml` and `yaml-stream` (aws CLI version 2): block style,
//! two-space indentation, list items at their key's indentation, keys in
//! response order, strings quoted only where a plain scalar would read
//! as something else.

use serde_json::Value;

/// The value as a YAML document (nothing for an empty response).
pub fn yaml(v: &Value) -> String {
    if v.as_object().is_some_and(|m| m.is_empty()) {
        return String::new();
    }
    let mut out = String::new();
    node(&mut out, v, 0, false);
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out
}

fn node(out: &mut String, v: &Value, indent: usize, inline: bool) {
    let pad = " ".repeat(indent);
    match v {
        Value::Object(map) if !map.is_empty() => {
            for (i, (k, v)) in map.iter().enumerate() {
                if !(inline && i == 0) {
                    out.push_str(&pad);
                }
                out.push_str(&scalar(&Value::String(k.clone())));
                out.push(':');
                match v {
                    Value::Object(m) if !m.is_empty() => {
                        out.push('\n');
                        node(out, v, indent + 2, false);
                    }
                    Value::Array(a) if !a.is_empty() => {
                        out.push('\n');
                        node(out, v, indent, false);
                    }
                    _ => {
                        out.push(' ');
                        node(out, v, indent + 2, false);
                    }
                }
            }
        }
        Value::Array(items) if !items.is_empty() => {
            for item in items {
                out.push_str(&pad);
                out.push_str("- ");
                match item {
                    Value::Object(m) if !m.is_empty() => node(out, item, indent + 2, true),
                    Value::Array(a) if !a.is_empty() => {
                        out.push('\n');
                        node(out, item, indent + 2, false);
                    }
                    _ => node(out, item, indent + 2, false),
                }
            }
        }
        Value::Object(_) => out.push_str("{}\n"),
        Value::Array(_) => out.push_str("[]\n"),
        other => {
            out.push_str(&scalar(other));
            out.push('\n');
        }
    }
}

/// A scalar: plain when unambiguous, else single-quoted (or double-quoted
/// with escapes when it holds control characters).
fn scalar(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => super::python_number(n),
        Value::String(s) => {
            if s.chars().any(|c| c.is_control()) {
                return serde_json::to_string(s).expect("a string serializes");
            }
            if needs_quotes(s) { format!("'{}'", s.replace('\'', "''")) } else { s.clone() }
        }
        other => super::json(other).trim_end().to_string(),
    }
}

fn needs_quotes(s: &str) -> bool {
    if s.is_empty() || s.trim() != s {
        return true;
    }
    let lower = s.to_ascii_lowercase();
    if matches!(lower.as_str(), "null" | "~" | "true" | "false" | "yes" | "no" | "on" | "off" | "y" | "n") {
        return true;
    }
    // Numbers, dates and timestamps would be read back as such.
    let numeric = s.parse::<f64>().is_ok() || s.starts_with("0x") || s.starts_with("0o");
    let date_like = s.len() >= 10 && s.as_bytes()[4] == b'-' && s[..4].bytes().all(|b| b.is_ascii_digit());
    if numeric || date_like {
        return true;
    }
    let first = s.chars().next().unwrap_or(' ');
    if "-?:,[]{}#&*!|>'\"%@`".contains(first) && !(first == '-' && s.len() > 1 && !s[1..].starts_with(' ')) {
        return true;
    }
    s.contains(": ") || s.contains(" #") || s.ends_with(':')
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn block_style() {
        let v = json!({"ARN": "arn:aws:x", "Name": "app", "VersionStages": ["AWSCURRENT"], "CreatedDate": "2024-10-21T11:21:16+00:00",
            "Tags": [{"Key": "k", "Value": "true"}], "Empty": []});
        assert_eq!(
            yaml(&v),
            "ARN: arn:aws:x\nName: app\nVersionStages:\n- AWSCURRENT\nCreatedDate: '2024-10-21T11:21:16+00:00'\nTags:\n- Key: k\n  Value: 'true'\nEmpty: []\n"
        );
    }
}

/// Reads block-style YAML (what `--generate-cli-skeleton yaml-input`
/// writes and people edit: mappings, `- ` lists, plain or quoted scalars,
/// `#` comments, `{}`/`[]` and JSON-style flow values) as JSON.
pub fn parse_yaml(text: &str) -> Result<Value, String> {
    let lines: Vec<(usize, String)> = text
        .lines()
        .map(strip_comment)
        .filter(|l| !l.trim().is_empty() && l.trim() != "---")
        .map(|l| (l.len() - l.trim_start().len(), l.trim_end().to_string()))
        .collect();
    let mut i = 0;
    let v = block(&lines, &mut i, 0)?;
    if i < lines.len() {
        return Err(format!("unexpected line: {}", lines[i].1.trim()));
    }
    Ok(v)
}

fn strip_comment(line: &str) -> String {
    let mut quote = None;
    for (i, c) in line.char_indices() {
        match (quote, c) {
            (None, '\'' | '"') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '#') if i == 0 || line[..i].ends_with(' ') => return line[..i].to_string(),
            _ => {}
        }
    }
    line.to_string()
}

fn block(lines: &[(usize, String)], i: &mut usize, indent: usize) -> Result<Value, String> {
    let Some((first_indent, first)) = lines.get(*i) else { return Ok(Value::Null) };
    if *first_indent < indent {
        return Ok(Value::Null);
    }
    let indent = *first_indent;
    if first.trim_start().starts_with("- ") || first.trim() == "-" {
        let mut items = Vec::new();
        while let Some((ind, line)) = lines.get(*i) {
            let t = line.trim_start();
            if *ind != indent || !(t.starts_with("- ") || t == "-") {
                break;
            }
            let rest = t[1..].trim_start();
            if rest.is_empty() {
                *i += 1;
                items.push(block(lines, i, indent + 1)?);
            } else if rest.contains(": ") || rest.ends_with(':') && !rest.starts_with(['\'', '"']) {
                // `- Key: v` starts a mapping indented at the item's content.
                let inner = indent + (t.len() - rest.len());
                let mut sub: Vec<(usize, String)> = vec![(inner, format!("{}{rest}", " ".repeat(inner)))];
                let mut j = *i + 1;
                while let Some((ind2, l2)) = lines.get(j) {
                    if *ind2 <= indent {
                        break;
                    }
                    sub.push((*ind2, l2.clone()));
                    j += 1;
                }
                let mut k = 0;
                items.push(block(&sub, &mut k, inner)?);
                *i = j;
            } else {
                items.push(flow_scalar(rest)?);
                *i += 1;
            }
        }
        return Ok(Value::Array(items));
    }
    let mut map = serde_json::Map::new();
    while let Some((ind, line)) = lines.get(*i) {
        if *ind != indent {
            if *ind > indent {
                return Err(format!("bad indentation: {}", line.trim()));
            }
            break;
        }
        let t = line.trim_start();
        let (key, rest) = split_key(t).ok_or_else(|| format!("expected `key: value`: {t}"))?;
        *i += 1;
        let value = if rest.is_empty() {
            match lines.get(*i) {
                Some((ind2, l2)) if *ind2 > indent || (*ind2 == indent && l2.trim_start().starts_with('-')) => {
                    block(lines, i, *ind2)?
                }
                _ => Value::Null,
            }
        } else {
            flow_scalar(rest)?
        };
        map.insert(key, value);
    }
    Ok(Value::Object(map))
}

fn split_key(t: &str) -> Option<(String, &str)> {
    if let Some(q) = t.chars().next().filter(|c| *c == '\'' || *c == '"') {
        let end = t[1..].find(q)? + 1;
        let key = t[1..end].to_string();
        let rest = t[end + 1..].trim_start().strip_prefix(':')?;
        return Some((key, rest.trim()));
    }
    let pos = t.find(": ").or_else(|| t.ends_with(':').then(|| t.len() - 1))?;
    Some((t[..pos].trim().to_string(), t[pos + 1..].trim()))
}

fn flow_scalar(s: &str) -> Result<Value, String> {
    let s = s.trim();
    if let Some(inner) = s.strip_prefix('\'').and_then(|r| r.strip_suffix('\'')) {
        return Ok(Value::String(inner.replace("''", "'")));
    }
    if s.starts_with('"') || s.starts_with('[') || s.starts_with('{') {
        return serde_json::from_str(s).map_err(|e| format!("{s}: {e}"));
    }
    Ok(match s {
        "null" | "~" => Value::Null,
        "true" | "True" => Value::Bool(true),
        "false" | "False" => Value::Bool(false),
        _ => match s.parse::<i64>() {
            Ok(n) => Value::from(n),
            Err(_) => Value::String(s.to_string()),
        },
    })
}

#[cfg(test)]
mod parse_tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_what_it_writes() {
        let v = json!({"SecretId": "app", "RotationRules": {"AutomaticallyAfterDays": 7, "Duration": "2h"},
            "Tags": [{"Key": "k", "Value": "v"}, {"Key": "x", "Value": "true"}], "Stages": ["AWSCURRENT"], "Force": true});
        assert_eq!(parse_yaml(&yaml(&v)).unwrap(), v);
        let edited = "SecretId: app  # string. [REQUIRED]\nRotateImmediately: false\nRotationRules:\n  AutomaticallyAfterDays: 30  # long.\n";
        assert_eq!(
            parse_yaml(edited).unwrap(),
            json!({"SecretId": "app", "RotateImmediately": false, "RotationRules": {"AutomaticallyAfterDays": 30}})
        );
    }
}
