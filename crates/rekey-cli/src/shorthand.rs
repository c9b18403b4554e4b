//! The aws CLI's shorthand syntax (`Key=a,Value=b`, `Keys=[a,b]`,
//! `Outer={Inner=x}`), parsed as `awscli/shorthand.py` parses it, then
//! typed by the model (numbers, booleans, one value for a list).

use crate::model::{self, type_of};
use serde_json::{Map, Value};

/// A shorthand syntax error, with the aws CLI's message.
#[derive(Debug, PartialEq, Eq)]
pub struct ShorthandError(pub String);

struct Parser<'a> {
    input: &'a [char],
    text: &'a str,
    i: usize,
}

/// Parses `value` into a JSON object of strings, lists and objects.
pub fn parse(value: &str) -> Result<Value, ShorthandError> {
    let chars: Vec<char> = value.chars().collect();
    let mut p = Parser { input: &chars, text: value, i: 0 };
    p.parameter()
}

/// Characters a value may start with (shorthand.py's `_START_WORD`):
/// printable, but not `"`, `'`, `,`, `=`, `[` or `{`.
fn start_word(c: char) -> bool {
    c > ' ' && c != '\u{7f}' && !matches!(c, '"' | '\'' | ',' | '=' | '[' | '{')
}

/// Characters that may follow in a first value (`_FIRST_FOLLOW_CHARS`):
/// spaces and printable characters but `"`, `'`, `,`, `]` and `}`.
fn first_follow(c: char) -> bool {
    c.is_whitespace() || (c > ' ' && c != '\u{7f}' && !matches!(c, '"' | '\'' | ',' | ']' | '}'))
}

/// Characters that may follow in a later value of a comma-separated list
/// (`_SECOND_FOLLOW_CHARS`): spaces and printable characters but `"`,
/// `'`, `,` and `=` (which would make it the next key).
fn second_follow(c: char) -> bool {
    c.is_whitespace() || (c > ' ' && c != '\u{7f}' && !matches!(c, '"' | '\'' | ',' | '='))
}

impl Parser<'_> {
    fn eof(&self) -> bool {
        self.i >= self.input.len()
    }

    fn current(&self) -> Option<char> {
        self.input.get(self.i).copied()
    }

    fn error(&self, expected: &str) -> ShorthandError {
        let actual = self.current().map_or_else(|| "EOF".to_string(), |c| c.to_string());
        let consumed: String = self.input[..self.i.min(self.input.len())].iter().collect();
        let remaining: String = self.input[self.i.min(self.input.len())..].iter().collect();
        ShorthandError(format!(
            "Expected: '{expected}', received: '{actual}' for input:\n {consumed}{remaining}\n{}^",
            " ".repeat(consumed.chars().count())
        ))
    }

    fn whitespace(&mut self) {
        while self.current().is_some_and(char::is_whitespace) {
            self.i += 1;
        }
    }

    fn expect(&mut self, c: char, ws: bool) -> Result<(), ShorthandError> {
        if ws {
            self.whitespace();
        }
        if self.current() != Some(c) {
            return Err(self.error(&c.to_string()));
        }
        self.i += 1;
        if ws {
            self.whitespace();
        }
        Ok(())
    }

    fn parameter(&mut self) -> Result<Value, ShorthandError> {
        let mut params = Map::new();
        let (k, v) = self.keyval()?;
        params.insert(k, v);
        while !self.eof() {
            self.expect(',', true)?;
            let start = self.i;
            let (k, v) = self.keyval()?;
            if params.contains_key(&k) {
                return Err(ShorthandError(format!(
                    "Second instance of key \"{k}\" encountered for input:\n{}\n{}^\nThis is often because there is a preceding \",\" instead of a space.",
                    self.text,
                    " ".repeat(start)
                )));
            }
            params.insert(k, v);
        }
        Ok(Value::Object(params))
    }

    fn key(&mut self) -> String {
        let start = self.i;
        while self.current().is_some_and(|c| c.is_ascii_alphanumeric() || "-_.#/:".contains(c)) {
            self.i += 1;
        }
        self.input[start..self.i].iter().collect()
    }

    fn keyval(&mut self) -> Result<(String, Value), ShorthandError> {
        let key = self.key();
        self.expect('=', true)?;
        Ok((key, self.values()?))
    }

    fn values(&mut self) -> Result<Value, ShorthandError> {
        match self.current() {
            None => Ok(Value::String(String::new())),
            Some('[') => self.explicit_list(),
            Some('{') => self.hash_literal(),
            _ => self.csv_value(),
        }
    }

    fn csv_value(&mut self) -> Result<Value, ShorthandError> {
        let first = self.first_value()?;
        self.whitespace();
        if self.eof() || self.current() != Some(',') {
            return Ok(first);
        }
        self.expect(',', true)?;
        let mut list = vec![first.clone()];
        loop {
            let save = self.i;
            match self.second_value() {
                Ok(v) => {
                    self.whitespace();
                    if self.eof() {
                        list.push(v);
                        break;
                    }
                    if self.expect(',', true).is_err() {
                        // `a=b,c=d`: `c` was the next key; back up to its comma.
                        self.i = save;
                        self.backtrack_to_comma();
                        break;
                    }
                    list.push(v);
                }
                Err(e) => {
                    if self.eof() {
                        return Err(e);
                    }
                    self.backtrack_to_comma();
                    break;
                }
            }
        }
        Ok(if list.len() == 1 { first } else { Value::Array(list) })
    }

    fn backtrack_to_comma(&mut self) {
        while self.i > 0 && self.current() != Some(',') {
            self.i -= 1;
        }
    }

    fn explicit_list(&mut self) -> Result<Value, ShorthandError> {
        self.expect('[', true)?;
        let mut values = Vec::new();
        while self.current() != Some(']') {
            if self.eof() {
                return Err(self.error("]"));
            }
            values.push(self.explicit_values()?);
            self.whitespace();
            if self.current() != Some(']') {
                self.expect(',', false)?;
                self.whitespace();
            }
        }
        self.expect(']', false)?;
        Ok(Value::Array(values))
    }

    fn explicit_values(&mut self) -> Result<Value, ShorthandError> {
        match self.current() {
            Some('[') => self.explicit_list(),
            Some('{') => self.hash_literal(),
            _ => self.first_value(),
        }
    }

    fn hash_literal(&mut self) -> Result<Value, ShorthandError> {
        self.expect('{', true)?;
        let mut map = Map::new();
        while self.current() != Some('}') {
            if self.eof() {
                return Err(self.error("}"));
            }
            let key = self.key();
            self.expect('=', true)?;
            let v = self.explicit_values()?;
            self.whitespace();
            if self.current() != Some('}') {
                self.expect(',', false)?;
                self.whitespace();
            }
            map.insert(key, v);
        }
        self.expect('}', false)?;
        Ok(Value::Object(map))
    }

    fn first_value(&mut self) -> Result<Value, ShorthandError> {
        match self.current() {
            Some('\'') => self.quoted('\''),
            Some('"') => self.quoted('"'),
            _ => Ok(Value::String(self.word(first_follow).unwrap_or_default())),
        }
    }

    fn second_value(&mut self) -> Result<Value, ShorthandError> {
        match self.current() {
            Some('\'') => self.quoted('\''),
            Some('"') => self.quoted('"'),
            _ => self.word(second_follow).map(Value::String).ok_or_else(|| self.error("<second>")),
        }
    }

    /// A bare word: a start character then following ones; `\,` is a comma.
    fn word(&mut self, follow: fn(char) -> bool) -> Option<String> {
        let start = self.i;
        let mut out = String::new();
        let mut first = true;
        while let Some(c) = self.current() {
            if c == '\\' && self.input.get(self.i + 1) == Some(&',') {
                out.push(',');
                self.i += 2;
            } else if (first && start_word(c)) || (!first && follow(c)) {
                out.push(c);
                self.i += 1;
            } else {
                break;
            }
            first = false;
        }
        (self.i > start).then(|| out.trim_end().to_string())
    }

    fn quoted(&mut self, q: char) -> Result<Value, ShorthandError> {
        let start = self.i;
        self.i += 1;
        let mut raw = String::new();
        loop {
            match self.current() {
                None => {
                    self.i = start;
                    return Err(self.error(if q == '"' { "<double quoted>" } else { "<singled quoted>" }));
                }
                Some('\\') if self.input.get(self.i + 1) == Some(&q) => {
                    raw.push('\\');
                    raw.push(q);
                    self.i += 2;
                }
                Some(c) if c == q => {
                    self.i += 1;
                    break;
                }
                Some(c) => {
                    raw.push(c);
                    self.i += 1;
                }
            }
        }
        Ok(Value::String(raw.replace(&format!("\\{q}"), &q.to_string()).replace("\\\\", "\\")))
    }
}

/// Types a parsed shorthand (or any JSON-ish) value by `shape`, as the
/// aws CLI's back-compat visitor does: numbers and booleans from their
/// text, one value where a list is expected wrapped in a list.
pub fn typed(shape: &serde_json::Value, value: Value) -> Result<Value, String> {
    Ok(match (type_of(shape), value) {
        ("structure", Value::Object(obj)) => {
            let members = &shape["members"];
            let mut out = Map::new();
            for (k, v) in obj {
                let member = &members[&k];
                let typed = if member.is_null() { v } else { typed(model::target(member), v)? };
                out.insert(k, typed);
            }
            Value::Object(out)
        }
        ("list", Value::Array(items)) => {
            let element = model::target(&shape["member"]);
            Value::Array(items.into_iter().map(|v| typed(element, v)).collect::<Result<_, _>>()?)
        }
        ("list", v) => Value::Array(vec![typed(model::target(&shape["member"]), v)?]),
        ("map", Value::Object(obj)) => {
            let element = model::target(&shape["value"]);
            Value::Object(obj.into_iter().map(|(k, v)| Ok((k, typed(element, v)?))).collect::<Result<_, String>>()?)
        }
        ("integer" | "long", Value::String(s)) => Value::Number(
            s.trim().parse::<i64>().map_err(|_| format!("invalid literal for int() with base 10: '{s}'"))?.into(),
        ),
        ("boolean", Value::String(s)) => Value::Bool(s.eq_ignore_ascii_case("true")),
        ("double" | "float", Value::String(s)) => serde_json::Number::from_f64(
            s.trim().parse::<f64>().map_err(|_| format!("could not convert string to float: '{s}'"))?,
        )
        .map_or(Value::Null, Value::Number),
        (_, v) => v,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn shorthand_as_the_aws_cli_parses_it() {
        assert_eq!(parse("a=b").unwrap(), json!({"a": "b"}));
        assert_eq!(parse("a=b,c").unwrap(), json!({"a": ["b", "c"]}));
        assert_eq!(parse("a=b,c=d").unwrap(), json!({"a": "b", "c": "d"}));
        assert_eq!(parse("a=b,c,d=e").unwrap(), json!({"a": ["b", "c"], "d": "e"}));
        assert_eq!(parse("a=[b,c],d={e=f,g=[h]}").unwrap(), json!({"a": ["b", "c"], "d": {"e": "f", "g": ["h"]}}));
        assert_eq!(parse("a='x,y',b=\"p=q\"").unwrap(), json!({"a": "x,y", "b": "p=q"}));
        assert_eq!(parse("a=x\\,y").unwrap(), json!({"a": "x,y"}));
        assert_eq!(parse("a=").unwrap(), json!({"a": ""}));
        assert_eq!(
            parse("AutomaticallyAfterDays=30,Duration=2h,ScheduleExpression=rate(10 days)").unwrap(),
            json!({"AutomaticallyAfterDays": "30", "Duration": "2h", "ScheduleExpression": "rate(10 days)"})
        );
        assert!(parse("a=b,a=c").is_err());
        assert!(parse("novalue").is_err());
    }

    #[test]
    fn typed_by_the_model() {
        let rules = crate::model::shape("RotationRulesType");
        let v = typed(rules, parse("AutomaticallyAfterDays=30,Duration=2h").unwrap()).unwrap();
        assert_eq!(v, json!({"AutomaticallyAfterDays": 30, "Duration": "2h"}));
        let filter = crate::model::shape("Filter");
        let v = typed(filter, parse("Key=name,Values=app").unwrap()).unwrap();
        assert_eq!(v, json!({"Key": "name", "Values": ["app"]}));
    }
}
