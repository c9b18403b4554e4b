//! Auto-pagination as botocore's `PageIterator` does it: pages fetched
//! until the last, or until `--max-items`, with a resume token that
//! remembers how far into a page the last call read.

use crate::error::CliError;
use crate::model::Paginator;
use base64::Engine as _;
use serde_json::{Map, Value, json};

/// Where a paged listing starts: the service's token and how many items
/// of that page were already returned.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Resume {
    /// The service's `NextToken` (`None`: the first page).
    pub token: Option<String>,
    /// Items of that page to skip.
    pub skip: usize,
}

/// Decodes `--starting-token` (botocore's base64 JSON, or a bare token).
pub fn decode(token: &str) -> Result<Resume, CliError> {
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(token)
        .ok()
        .and_then(|b| serde_json::from_slice::<Value>(&b).ok());
    match decoded {
        Some(Value::Object(m)) => Ok(Resume {
            token: m.get("NextToken").and_then(Value::as_str).map(str::to_string),
            skip: m.get("boto_truncate_amount").and_then(Value::as_u64).unwrap_or(0) as usize,
        }),
        Some(_) => Err(CliError::Validation(format!("Invalid token: {token}"))),
        None => Ok(Resume { token: Some(token.to_string()), skip: 0 }),
    }
}

/// Encodes a resume point as botocore does: base64 of Python's
/// `json.dumps` (`", "` and `": "` separators).
pub fn encode(resume: &Resume) -> String {
    // botocore always writes NextToken (`null` on the first page).
    let mut parts = vec![format!("\"NextToken\": {}", json!(resume.token))];
    if resume.skip > 0 {
        parts.push(format!("\"boto_truncate_amount\": {}", resume.skip));
    }
    base64::engine::general_purpose::STANDARD.encode(format!("{{{}}}", parts.join(", ")))
}

/// The pages of one listing, each truncated to what `--max-items` allows,
/// and where to resume, if anywhere.
pub struct Pages {
    /// Each page as received (the result list possibly cut short), without its token.
    pub pages: Vec<Value>,
    /// The service's token each page came with (what `yaml-stream` shows).
    pub tokens: Vec<Option<String>>,
    /// The resume token to print (`NextToken`), when items remain.
    pub resume: Option<String>,
}

/// Fetches pages with `call` until the end or `max_items`.
pub fn fetch(
    p: Paginator,
    params: &Map<String, Value>,
    start: Resume,
    page_size: Option<i64>,
    max_items: Option<i64>,
    mut call: impl FnMut(&Map<String, Value>) -> Result<Value, CliError>,
) -> Result<Pages, CliError> {
    let (mut pages, mut tokens) = (Vec::new(), Vec::new());
    let mut current = start;
    let mut total = 0usize;
    loop {
        let mut req = params.clone();
        if let Some(t) = &current.token {
            req.insert(p.input_token.into(), json!(t));
        }
        if let Some(n) = page_size {
            req.insert(p.limit_key.into(), json!(n));
        }
        let mut page = call(&req)?;
        let next = page.get(p.output_token).and_then(Value::as_str).map(str::to_string);
        if let Some(obj) = page.as_object_mut() {
            obj.remove(p.output_token);
        }
        let items = page.get_mut(p.result_key).and_then(Value::as_array_mut);
        let mut resume = None;
        if let Some(items) = items {
            if current.skip > 0 {
                items.drain(..current.skip.min(items.len()));
            }
            if let Some(max) = max_items.map(|m| m.max(0) as usize) {
                let room = max - total;
                if items.len() > room {
                    // Cut mid-page: resume at this page, past what was shown.
                    resume = Some(Resume { token: current.token.clone(), skip: current.skip + room });
                    items.truncate(room);
                }
                total += items.len();
                if resume.is_none() && total >= max && next.is_some() {
                    resume = Some(Resume { token: next.clone(), skip: 0 });
                }
            }
        }
        pages.push(page);
        tokens.push(next.clone());
        if let Some(r) = resume {
            return Ok(Pages { pages, tokens, resume: Some(encode(&r)) });
        }
        match next {
            Some(t) => current = Resume { token: Some(t), skip: 0 },
            None => return Ok(Pages { pages, tokens, resume: None }),
        }
    }
}

/// One result from all pages, as `build_full_result` makes it: the result
/// list first, then the first page's other members, then `NextToken`.
pub fn full_result(p: Paginator, pages: &Pages) -> Value {
    let mut out = Map::new();
    let mut items = Vec::new();
    let mut any = false;
    for page in &pages.pages {
        if let Some(a) = page.get(p.result_key).and_then(Value::as_array) {
            any = true;
            items.extend(a.iter().cloned());
        }
    }
    if any {
        out.insert(p.result_key.into(), Value::Array(items));
    }
    if let Some(first) = pages.pages.first().and_then(Value::as_object) {
        for (k, v) in first {
            if k != p.result_key {
                out.insert(k.clone(), v.clone());
            }
        }
    }
    if let Some(t) = &pages.resume {
        out.insert("NextToken".into(), json!(t));
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_as_botocore_writes_them() {
        let r = Resume { token: Some("abc".into()), skip: 2 };
        let t = encode(&r);
        assert_eq!(t, "eyJOZXh0VG9rZW4iOiAiYWJjIiwgImJvdG9fdHJ1bmNhdGVfYW1vdW50IjogMn0=");
        assert_eq!(decode(&t).unwrap(), r);
        assert_eq!(decode("plain").unwrap(), Resume { token: Some("plain".into()), skip: 0 });
    }

    #[test]
    fn max_items_cuts_mid_page_and_resumes_there() {
        let p = crate::model::Operation::by_command("list-secrets").unwrap().paginator().unwrap();
        let pages = [
            json!({"SecretList": [{"Name": "a"}, {"Name": "b"}], "NextToken": "t1"}),
            json!({"SecretList": [{"Name": "c"}, {"Name": "d"}]}),
        ];
        let mut calls = 0;
        let got = fetch(p, &Map::new(), Resume::default(), None, Some(3), |req| {
            calls += 1;
            Ok(pages[if req.contains_key("NextToken") { 1 } else { 0 }].clone())
        })
        .unwrap();
        assert_eq!(calls, 2);
        let full = full_result(p, &got);
        assert_eq!(full["SecretList"], json!([{"Name": "a"}, {"Name": "b"}, {"Name": "c"}]));
        let resume = decode(full["NextToken"].as_str().unwrap()).unwrap();
        assert_eq!(resume, Resume { token: Some("t1".into()), skip: 1 });
    }
}
