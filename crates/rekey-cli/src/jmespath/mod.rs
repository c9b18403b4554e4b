//! JMESPath, for `--query`: the language the aws CLI's `jmespath.py`
//! implements (lexer, Pratt parser and interpreter here; functions in
//! [`functions`]). Objects keep their order, so a multi-select hash
//! prints its keys as written and a projection its members as received,
//! as the aws CLI prints them.

mod functions;
mod lexer;
mod parser;

use serde_json::{Map, Value};

pub use parser::Ast;

/// A query that does not parse, or fails as it runs (a function given
/// the wrong types).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryError(pub String);

/// Parses `expression`.
pub fn compile(expression: &str) -> Result<Ast, QueryError> {
    parser::parse(expression)
}

/// Runs a compiled query on `data`.
pub fn search(ast: &Ast, data: &Value) -> Result<Value, QueryError> {
    eval(ast, data)
}

/// JMESPath truth: `null`, `false`, `""`, `[]` and `{}` are false.
pub fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
        Value::Number(_) => true,
    }
}

/// Equality as JMESPath defines it (numbers by value: `1 == 1.0`).
pub fn equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(a, b)| equal(a, b)),
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| equal(v, w)))
        }
        _ => a == b,
    }
}

fn project(left: &Value, right: &Ast) -> Result<Value, QueryError> {
    let Value::Array(items) = left else { return Ok(Value::Null) };
    let mut out = Vec::new();
    for item in items {
        let v = eval(right, item)?;
        if !v.is_null() {
            out.push(v);
        }
    }
    Ok(Value::Array(out))
}

fn eval(ast: &Ast, data: &Value) -> Result<Value, QueryError> {
    Ok(match ast {
        Ast::Identity => data.clone(),
        Ast::Literal(v) => v.clone(),
        Ast::Field(name) => match data {
            Value::Object(m) => m.get(name).cloned().unwrap_or(Value::Null),
            _ => Value::Null,
        },
        Ast::Subexpression(left, right) => {
            let l = eval(left, data)?;
            eval(right, &l)?
        }
        Ast::Pipe(left, right) => {
            let l = eval(left, data)?;
            eval(right, &l)?
        }
        Ast::Index(i) => match data {
            Value::Array(a) => {
                let idx = if *i < 0 { a.len() as i64 + i } else { *i };
                if idx < 0 { Value::Null } else { a.get(idx as usize).cloned().unwrap_or(Value::Null) }
            }
            _ => Value::Null,
        },
        Ast::Slice(start, stop, step) => match data {
            Value::Array(a) => Value::Array(slice(a, *start, *stop, *step)?),
            _ => Value::Null,
        },
        Ast::Projection(left, right) => project(&eval(left, data)?, right)?,
        Ast::ValueProjection(left, right) => match eval(left, data)? {
            Value::Object(m) => project(&Value::Array(m.into_iter().map(|(_, v)| v).collect()), right)?,
            _ => Value::Null,
        },
        Ast::FilterProjection(left, cond, right) => {
            let Value::Array(items) = eval(left, data)? else { return Ok(Value::Null) };
            let mut out = Vec::new();
            for item in &items {
                if truthy(&eval(cond, item)?) {
                    let v = eval(right, item)?;
                    if !v.is_null() {
                        out.push(v);
                    }
                }
            }
            Value::Array(out)
        }
        Ast::Flatten(inner) => match eval(inner, data)? {
            Value::Array(items) => {
                let mut out = Vec::new();
                for item in items {
                    match item {
                        Value::Array(inner) => out.extend(inner),
                        other => out.push(other),
                    }
                }
                Value::Array(out)
            }
            _ => Value::Null,
        },
        Ast::Or(l, r) => {
            let left = eval(l, data)?;
            if truthy(&left) { left } else { eval(r, data)? }
        }
        Ast::And(l, r) => {
            let left = eval(l, data)?;
            if !truthy(&left) { left } else { eval(r, data)? }
        }
        Ast::Not(e) => Value::Bool(!truthy(&eval(e, data)?)),
        Ast::Compare(op, l, r) => {
            let (a, b) = (eval(l, data)?, eval(r, data)?);
            match op.as_str() {
                "==" => Value::Bool(equal(&a, &b)),
                "!=" => Value::Bool(!equal(&a, &b)),
                _ => match (a.as_f64(), b.as_f64(), a.is_number() && b.is_number()) {
                    (Some(x), Some(y), true) => Value::Bool(match op.as_str() {
                        "<" => x < y,
                        "<=" => x <= y,
                        ">" => x > y,
                        _ => x >= y,
                    }),
                    _ => Value::Null,
                },
            }
        }
        Ast::MultiList(items) => {
            if data.is_null() {
                return Ok(Value::Null);
            }
            Value::Array(items.iter().map(|e| eval(e, data)).collect::<Result<_, _>>()?)
        }
        Ast::MultiHash(pairs) => {
            if data.is_null() {
                return Ok(Value::Null);
            }
            let mut m = Map::new();
            for (k, e) in pairs {
                m.insert(k.clone(), eval(e, data)?);
            }
            Value::Object(m)
        }
        Ast::Function(name, args) => functions::call(name, args, data)?,
        // An expression reference evaluates only inside a function.
        Ast::ExpRef(_) => Value::Null,
    })
}

/// Python's slice semantics (negative indices, steps, clamping).
fn slice(a: &[Value], start: Option<i64>, stop: Option<i64>, step: Option<i64>) -> Result<Vec<Value>, QueryError> {
    let step = step.unwrap_or(1);
    if step == 0 {
        return Err(QueryError("Invalid slice expression: step cannot be 0".into()));
    }
    let len = a.len() as i64;
    let cap = |v: i64, lo: i64, hi: i64| {
        let v = if v < 0 { v + len } else { v };
        v.clamp(lo, hi)
    };
    let (start, stop) = if step > 0 {
        (start.map_or(0, |s| cap(s, 0, len)), stop.map_or(len, |s| cap(s, 0, len)))
    } else {
        (start.map_or(len - 1, |s| cap(s, -1, len - 1)), stop.map_or(-1, |s| cap(s, -1, len - 1)))
    };
    let mut out = Vec::new();
    let mut i = start;
    while (step > 0 && i < stop) || (step < 0 && i > stop) {
        out.push(a[i as usize].clone());
        i += step;
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
