//! JMESPath's built-in functions, with `jmespath.py`'s type checks.

use super::{Ast, QueryError, eval};
use serde_json::{Map, Number, Value};

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn invalid(f: &str, v: &Value, expected: &[&str]) -> QueryError {
    let list: Vec<String> = expected.iter().map(|e| format!("'{e}'")).collect();
    QueryError(format!(
        "In function {f}(), invalid type for value: {}, expected one of: [{}], received: \"{}\"",
        python_repr(v),
        list.join(", "),
        type_name(v)
    ))
}

fn python_repr(v: &Value) -> String {
    match v {
        Value::String(s) => format!("'{s}'"),
        Value::Null => "None".into(),
        Value::Bool(b) => if *b { "True" } else { "False" }.into(),
        other => other.to_string(),
    }
}

fn arity(f: &str, args: &[Ast], n: usize) -> Result<(), QueryError> {
    if args.len() != n {
        return Err(QueryError(format!(
            "Expected {n} argument{} for function {f}(), received {}",
            if n == 1 { "" } else { "s" },
            args.len()
        )));
    }
    Ok(())
}

/// A variadic function's minimum (jmespath.py's message).
fn at_least(f: &str, args: &[Ast], n: usize) -> Result<(), QueryError> {
    if args.len() < n {
        return Err(QueryError(format!(
            "Expected at least {n} argument{} for function {f}(), received {}",
            if n == 1 { "" } else { "s" },
            args.len()
        )));
    }
    Ok(())
}

fn number(f: f64) -> Value {
    if f.fract() == 0.0 && f.abs() < 9.0e15 {
        Value::Number(Number::from(f as i64))
    } else {
        Number::from_f64(f).map_or(Value::Null, Value::Number)
    }
}

fn float(v: &Value) -> f64 {
    v.as_f64().unwrap_or_default()
}

fn expref<'a>(f: &str, a: &'a Ast) -> Result<&'a Ast, QueryError> {
    match a {
        Ast::ExpRef(e) => Ok(e),
        _ => Err(QueryError(format!("In function {f}(), invalid type for value: expected one of: ['expref']"))),
    }
}

/// Calls function `name` on `args` evaluated against `data`.
pub fn call(name: &str, args: &[Ast], data: &Value) -> Result<Value, QueryError> {
    let arg = |i: usize| eval(&args[i], data);
    let array = |f: &str, v: Value| match v {
        Value::Array(a) => Ok(a),
        other => Err(invalid(f, &other, &["array"])),
    };
    Ok(match name {
        "abs" | "ceil" | "floor" => {
            arity(name, args, 1)?;
            let v = arg(0)?;
            let Some(n) = v.as_f64().filter(|_| v.is_number()) else { return Err(invalid(name, &v, &["number"])) };
            match name {
                "abs" if v.is_i64() => Value::Number(Number::from(v.as_i64().unwrap_or_default().abs())),
                "abs" => number(n.abs()),
                "ceil" => number(n.ceil()),
                _ => number(n.floor()),
            }
        }
        "avg" | "sum" => {
            arity(name, args, 1)?;
            let a = array(name, arg(0)?)?;
            if let Some(bad) = a.iter().find(|v| !v.is_number()) {
                return Err(invalid(name, bad, &["number"]));
            }
            let total: f64 = a.iter().map(float).sum();
            match name {
                "avg" if a.is_empty() => Value::Null,
                "avg" => Number::from_f64(total / a.len() as f64).map_or(Value::Null, Value::Number),
                _ if a.iter().all(Value::is_i64) => {
                    Value::Number(Number::from(a.iter().filter_map(Value::as_i64).sum::<i64>()))
                }
                _ => number(total),
            }
        }
        "contains" => {
            arity(name, args, 2)?;
            let (subject, search) = (arg(0)?, arg(1)?);
            match &subject {
                Value::Array(a) => Value::Bool(a.iter().any(|v| super::equal(v, &search))),
                Value::String(s) => Value::Bool(search.as_str().is_some_and(|x| s.contains(x))),
                other => return Err(invalid(name, other, &["array", "string"])),
            }
        }
        "ends_with" | "starts_with" => {
            arity(name, args, 2)?;
            let (s, x) = (arg(0)?, arg(1)?);
            let (Some(s), Some(x)) = (s.as_str(), x.as_str()) else {
                return Err(invalid(name, if s.is_string() { &x } else { &s }, &["string"]));
            };
            Value::Bool(if name == "ends_with" { s.ends_with(x) } else { s.starts_with(x) })
        }
        "join" => {
            arity(name, args, 2)?;
            let sep = arg(0)?;
            let Some(sep) = sep.as_str() else { return Err(invalid(name, &sep, &["string"])) };
            let items = array(name, arg(1)?)?;
            let mut parts = Vec::new();
            for v in &items {
                parts.push(v.as_str().ok_or_else(|| invalid(name, v, &["string"]))?);
            }
            Value::String(parts.join(sep))
        }
        "keys" | "values" => {
            arity(name, args, 1)?;
            match arg(0)? {
                Value::Object(m) if name == "keys" => Value::Array(m.keys().cloned().map(Value::String).collect()),
                Value::Object(m) => Value::Array(m.values().cloned().collect()),
                other => return Err(invalid(name, &other, &["object"])),
            }
        }
        "length" => {
            arity(name, args, 1)?;
            match arg(0)? {
                Value::String(s) => Value::from(s.chars().count()),
                Value::Array(a) => Value::from(a.len()),
                Value::Object(m) => Value::from(m.len()),
                other => return Err(invalid(name, &other, &["string", "array", "object"])),
            }
        }
        "map" => {
            arity(name, args, 2)?;
            let e = expref(name, &args[0])?;
            let items = array(name, arg(1)?)?;
            Value::Array(items.iter().map(|v| eval(e, v)).collect::<Result<_, _>>()?)
        }
        "max" | "min" => {
            arity(name, args, 1)?;
            let a = array(name, arg(0)?)?;
            extreme(name, a, |v| Ok(v.clone()))?
        }
        "max_by" | "min_by" => {
            arity(name, args, 2)?;
            let a = array(name, arg(0)?)?;
            let e = expref(name, &args[1])?;
            extreme(name, a, |v| eval(e, v))?
        }
        "merge" => {
            at_least(name, args, 1)?;
            let mut out = Map::new();
            for i in 0..args.len() {
                match arg(i)? {
                    Value::Object(m) => out.extend(m),
                    other => return Err(invalid(name, &other, &["object"])),
                }
            }
            Value::Object(out)
        }
        "not_null" => {
            at_least(name, args, 1)?;
            for i in 0..args.len() {
                let v = arg(i)?;
                if !v.is_null() {
                    return Ok(v);
                }
            }
            Value::Null
        }
        "reverse" => {
            arity(name, args, 1)?;
            match arg(0)? {
                Value::String(s) => Value::String(s.chars().rev().collect()),
                Value::Array(mut a) => {
                    a.reverse();
                    Value::Array(a)
                }
                other => return Err(invalid(name, &other, &["string", "array"])),
            }
        }
        "sort" => {
            arity(name, args, 1)?;
            let mut a = array(name, arg(0)?)?;
            sort_values(name, &mut a, |v| Ok(v.clone()))?;
            Value::Array(a)
        }
        "sort_by" => {
            arity(name, args, 2)?;
            let mut a = array(name, arg(0)?)?;
            let e = expref(name, &args[1])?;
            sort_values(name, &mut a, |v| eval(e, v))?;
            Value::Array(a)
        }
        "to_array" => {
            arity(name, args, 1)?;
            match arg(0)? {
                Value::Array(a) => Value::Array(a),
                other => Value::Array(vec![other]),
            }
        }
        "to_string" => {
            arity(name, args, 1)?;
            match arg(0)? {
                Value::String(s) => Value::String(s),
                other => Value::String(compact_json(&other)),
            }
        }
        "to_number" => {
            arity(name, args, 1)?;
            match arg(0)? {
                Value::Number(n) => Value::Number(n),
                Value::String(s) => match s.parse::<i64>() {
                    Ok(i) => Value::from(i),
                    Err(_) => s.parse::<f64>().ok().and_then(Number::from_f64).map_or(Value::Null, Value::Number),
                },
                _ => Value::Null,
            }
        }
        "type" => {
            arity(name, args, 1)?;
            Value::String(type_name(&arg(0)?).into())
        }
        _ => return Err(QueryError(format!("Unknown function: {name}()"))),
    })
}

/// `json.dumps(v, separators=(',', ':'))`, non-ASCII escaped as Python does.
fn compact_json(v: &Value) -> String {
    let s = serde_json::to_string(v).unwrap_or_default();
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            let mut buf = [0u16; 2];
            for unit in c.encode_utf16(&mut buf) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        }
    }
    out
}

/// The keys of `a` by `key`: all numbers or all strings.
fn keyed(f: &str, a: &[Value], key: impl Fn(&Value) -> Result<Value, QueryError>) -> Result<Vec<Value>, QueryError> {
    let keys: Vec<Value> = a.iter().map(key).collect::<Result<_, _>>()?;
    if let Some(first) = keys.first() {
        let kind = type_name(first);
        if !matches!(kind, "number" | "string") {
            return Err(invalid(f, first, &["number", "string"]));
        }
        if let Some(bad) = keys.iter().find(|k| type_name(k) != kind) {
            return Err(invalid(f, bad, &[kind]));
        }
    }
    Ok(keys)
}

fn compare(a: &Value, b: &Value) -> std::cmp::Ordering {
    match (a, b) {
        (Value::String(x), Value::String(y)) => x.cmp(y),
        _ => float(a).partial_cmp(&float(b)).unwrap_or(std::cmp::Ordering::Equal),
    }
}

fn extreme(f: &str, a: Vec<Value>, key: impl Fn(&Value) -> Result<Value, QueryError>) -> Result<Value, QueryError> {
    let keys = keyed(f, &a, key)?;
    let want_max = f.starts_with("max");
    let mut best: Option<usize> = None;
    for i in 0..a.len() {
        best = match best {
            None => Some(i),
            Some(b) => {
                let ord = compare(&keys[i], &keys[b]);
                let better = if want_max { ord.is_gt() } else { ord.is_lt() };
                Some(if better { i } else { b })
            }
        };
    }
    Ok(best.map_or(Value::Null, |i| a[i].clone()))
}

fn sort_values(
    f: &str,
    a: &mut Vec<Value>,
    key: impl Fn(&Value) -> Result<Value, QueryError>,
) -> Result<(), QueryError> {
    let keys = keyed(f, a, key)?;
    let mut pairs: Vec<(Value, Value)> = keys.into_iter().zip(a.drain(..)).collect();
    // A stable sort, as Python's.
    pairs.sort_by(|x, y| compare(&x.0, &y.0));
    a.extend(pairs.into_iter().map(|(_, v)| v));
    Ok(())
}
