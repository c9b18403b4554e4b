//! JMESPath tokens.

use super::QueryError;
use serde_json::Value;

/// One token, with its position in the expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Token {
    Identifier(String),
    QuotedIdentifier(String),
    Number(i64),
    Literal(Value),
    Dot,
    Star,
    Flatten,
    Filter,
    LBracket,
    RBracket,
    LBrace,
    RBrace,
    LParen,
    RParen,
    Comma,
    Colon,
    Pipe,
    Or,
    And,
    Not,
    Ampersand,
    At,
    Compare(&'static str),
    Eof,
}

/// Splits `expr` into tokens.
pub fn tokens(expr: &str) -> Result<Vec<(Token, usize)>, QueryError> {
    let chars: Vec<char> = expr.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let err = |msg: String| QueryError(msg);
    while i < chars.len() {
        let c = chars[i];
        let start = i;
        let next = chars.get(i + 1).copied();
        let token = match c {
            ' ' | '\t' | '\n' | '\r' => {
                i += 1;
                continue;
            }
            'a'..='z' | 'A'..='Z' | '_' => {
                while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                    i += 1;
                }
                out.push((Token::Identifier(chars[start..i].iter().collect()), start));
                continue;
            }
            '0'..='9' | '-' if c != '-' || next.is_some_and(|n| n.is_ascii_digit()) => {
                i += 1;
                while i < chars.len() && chars[i].is_ascii_digit() {
                    i += 1;
                }
                let text: String = chars[start..i].iter().collect();
                let n = text.parse().map_err(|_| err(format!("Invalid number: {text}")))?;
                out.push((Token::Number(n), start));
                continue;
            }
            '"' => {
                let text = delimited(&chars, &mut i, '"')?;
                let s: String = serde_json::from_str(&format!("\"{text}\""))
                    .map_err(|_| err(format!("Invalid quoted identifier: \"{text}\"")))?;
                out.push((Token::QuotedIdentifier(s), start));
                continue;
            }
            '\'' => {
                let text = delimited(&chars, &mut i, '\'')?;
                out.push((Token::Literal(Value::String(text.replace("\\'", "'"))), start));
                continue;
            }
            '`' => {
                let text = delimited(&chars, &mut i, '`')?.replace("\\`", "`");
                let v = serde_json::from_str(&text)
                    .or_else(|_| serde_json::from_str(&format!("\"{}\"", text.trim())))
                    .map_err(|_| err(format!("Bad jmespath expression: Unknown token {text}")))?;
                out.push((Token::Literal(v), start));
                continue;
            }
            '.' => Token::Dot,
            '*' => Token::Star,
            '[' if next == Some(']') => {
                i += 1;
                Token::Flatten
            }
            '[' if next == Some('?') => {
                i += 1;
                Token::Filter
            }
            '[' => Token::LBracket,
            ']' => Token::RBracket,
            '{' => Token::LBrace,
            '}' => Token::RBrace,
            '(' => Token::LParen,
            ')' => Token::RParen,
            ',' => Token::Comma,
            ':' => Token::Colon,
            '@' => Token::At,
            '|' if next == Some('|') => {
                i += 1;
                Token::Or
            }
            '|' => Token::Pipe,
            '&' if next == Some('&') => {
                i += 1;
                Token::And
            }
            '&' => Token::Ampersand,
            '!' if next == Some('=') => {
                i += 1;
                Token::Compare("!=")
            }
            '!' => Token::Not,
            '=' if next == Some('=') => {
                i += 1;
                Token::Compare("==")
            }
            '<' if next == Some('=') => {
                i += 1;
                Token::Compare("<=")
            }
            '<' => Token::Compare("<"),
            '>' if next == Some('=') => {
                i += 1;
                Token::Compare(">=")
            }
            '>' => Token::Compare(">"),
            other => return Err(err(format!("Bad jmespath expression: Unknown token '{other}'"))),
        };
        i += 1;
        out.push((token, start));
    }
    out.push((Token::Eof, chars.len()));
    Ok(out)
}

/// The text between `quote`s starting at `i` (escapes kept), `i` moved past it.
fn delimited(chars: &[char], i: &mut usize, quote: char) -> Result<String, QueryError> {
    let start = *i;
    *i += 1;
    let mut text = String::new();
    while *i < chars.len() {
        let c = chars[*i];
        if c == '\\' && *i + 1 < chars.len() {
            text.push(c);
            text.push(chars[*i + 1]);
            *i += 2;
            continue;
        }
        if c == quote {
            *i += 1;
            return Ok(text);
        }
        text.push(c);
        *i += 1;
    }
    Err(QueryError(format!("Bad jmespath expression: Unclosed {quote} delimiter at column {start}")))
}
