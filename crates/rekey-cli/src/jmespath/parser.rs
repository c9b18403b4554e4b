//! The JMESPath grammar as `jmespath.py` parses it: a Pratt parser with
//! its binding powers and its projection rules.

use super::QueryError;
use super::lexer::{Token, tokens};
use serde_json::Value;

/// A parsed expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Ast {
    /// `@`.
    Identity,
    /// A literal value.
    Literal(Value),
    /// `name`.
    Field(String),
    /// `a.b`.
    Subexpression(Box<Ast>, Box<Ast>),
    /// `a | b`.
    Pipe(Box<Ast>, Box<Ast>),
    /// `[0]`.
    Index(i64),
    /// `[start:stop:step]`.
    Slice(Option<i64>, Option<i64>, Option<i64>),
    /// `a[*].b`, `a[].b`: `b` of each element of `a`.
    Projection(Box<Ast>, Box<Ast>),
    /// `a.*.b`: `b` of each value of object `a`.
    ValueProjection(Box<Ast>, Box<Ast>),
    /// `a[?cond].b`.
    FilterProjection(Box<Ast>, Box<Ast>, Box<Ast>),
    /// `a[]` (before its projection).
    Flatten(Box<Ast>),
    /// `a || b`.
    Or(Box<Ast>, Box<Ast>),
    /// `a && b`.
    And(Box<Ast>, Box<Ast>),
    /// `!a`.
    Not(Box<Ast>),
    /// `a == b` and the other comparisons.
    Compare(String, Box<Ast>, Box<Ast>),
    /// `[a, b]`.
    MultiList(Vec<Ast>),
    /// `{k: a, l: b}`.
    MultiHash(Vec<(String, Ast)>),
    /// `name(args)`.
    Function(String, Vec<Ast>),
    /// `&expr`.
    ExpRef(Box<Ast>),
}

fn binding_power(t: &Token) -> u8 {
    match t {
        Token::Pipe => 1,
        Token::Or => 2,
        Token::And => 3,
        Token::Compare(_) => 5,
        Token::Flatten => 9,
        Token::Star => 20,
        Token::Filter => 21,
        Token::Dot => 40,
        Token::Not => 45,
        Token::LBrace => 50,
        Token::LBracket => 55,
        Token::LParen => 60,
        _ => 0,
    }
}

/// Below this, a token ends a projection's right-hand side.
const PROJECTION_STOP: u8 = 10;

struct Parser {
    tokens: Vec<(Token, usize)>,
    i: usize,
    text: String,
}

/// Parses a whole expression.
pub fn parse(expr: &str) -> Result<Ast, QueryError> {
    let mut p = Parser { tokens: tokens(expr)?, i: 0, text: expr.to_string() };
    let ast = p.expression(0)?;
    if p.current() != &Token::Eof {
        return Err(p.unexpected());
    }
    Ok(ast)
}

fn boxed(a: Ast) -> Box<Ast> {
    Box::new(a)
}

impl Parser {
    fn current(&self) -> &Token {
        &self.tokens[self.i].0
    }

    fn lookahead(&self, n: usize) -> &Token {
        &self.tokens[(self.i + n).min(self.tokens.len() - 1)].0
    }

    fn advance(&mut self) -> Token {
        let t = self.tokens[self.i].0.clone();
        if self.i < self.tokens.len() - 1 {
            self.i += 1;
        }
        t
    }

    fn unexpected(&self) -> QueryError {
        let (t, pos) = &self.tokens[self.i];
        let what = match t {
            Token::Eof => "Unexpected end of expression".to_string(),
            t => format!("Unexpected token: {}", describe(t)),
        };
        QueryError(format!("Bad jmespath expression: {what}:\n{}\n{}^", self.text, " ".repeat(*pos)))
    }

    fn expect(&mut self, t: Token) -> Result<(), QueryError> {
        if self.current() == &t {
            self.advance();
            Ok(())
        } else {
            Err(self.unexpected())
        }
    }

    fn expression(&mut self, bp: u8) -> Result<Ast, QueryError> {
        let token = self.advance();
        let mut left = self.nud(token)?;
        while bp < binding_power(self.current()) {
            let token = self.advance();
            left = self.led(token, left)?;
        }
        Ok(left)
    }

    fn nud(&mut self, token: Token) -> Result<Ast, QueryError> {
        Ok(match token {
            Token::Literal(v) => Ast::Literal(v),
            Token::Identifier(name) => Ast::Field(name),
            Token::QuotedIdentifier(name) => {
                if self.current() == &Token::LParen {
                    return Err(QueryError(
                        "Bad jmespath expression: Quoted identifier not allowed for function names.".into(),
                    ));
                }
                Ast::Field(name)
            }
            Token::Star => {
                let right = self.projection_rhs(binding_power(&Token::Star))?;
                Ast::ValueProjection(boxed(Ast::Identity), boxed(right))
            }
            Token::Filter => self.filter(Ast::Identity)?,
            Token::LBrace => self.multi_hash()?,
            Token::LParen => {
                let e = self.expression(0)?;
                self.expect(Token::RParen)?;
                e
            }
            Token::Flatten => {
                let right = self.projection_rhs(binding_power(&Token::Flatten))?;
                Ast::Projection(boxed(Ast::Flatten(boxed(Ast::Identity))), boxed(right))
            }
            Token::Not => Ast::Not(boxed(self.expression(binding_power(&Token::Not))?)),
            Token::LBracket => match self.current() {
                Token::Number(_) | Token::Colon => {
                    let index = self.index_expression()?;
                    self.project_if_slice(Ast::Identity, index)?
                }
                Token::Star if self.lookahead(1) == &Token::RBracket => {
                    self.advance();
                    self.advance();
                    let right = self.projection_rhs(binding_power(&Token::Star))?;
                    Ast::Projection(boxed(Ast::Identity), boxed(right))
                }
                _ => self.multi_list()?,
            },
            Token::At => Ast::Identity,
            Token::Ampersand => Ast::ExpRef(boxed(self.expression(0)?)),
            _ => {
                self.i -= 1;
                return Err(self.unexpected());
            }
        })
    }

    fn led(&mut self, token: Token, left: Ast) -> Result<Ast, QueryError> {
        Ok(match token {
            Token::Dot => {
                if self.current() == &Token::Star {
                    self.advance();
                    let right = self.projection_rhs(binding_power(&Token::Dot))?;
                    Ast::ValueProjection(boxed(left), boxed(right))
                } else {
                    let right = self.dot_rhs(binding_power(&Token::Dot))?;
                    Ast::Subexpression(boxed(left), boxed(right))
                }
            }
            Token::Pipe => Ast::Pipe(boxed(left), boxed(self.expression(binding_power(&Token::Pipe))?)),
            Token::Or => Ast::Or(boxed(left), boxed(self.expression(binding_power(&Token::Or))?)),
            Token::And => Ast::And(boxed(left), boxed(self.expression(binding_power(&Token::And))?)),
            Token::Compare(op) => {
                Ast::Compare(op.to_string(), boxed(left), boxed(self.expression(binding_power(&Token::Compare(op)))?))
            }
            Token::LParen => {
                let Ast::Field(name) = left else {
                    return Err(QueryError("Bad jmespath expression: invalid function call".into()));
                };
                let mut args = Vec::new();
                while self.current() != &Token::RParen {
                    args.push(self.expression(0)?);
                    if self.current() == &Token::Comma {
                        self.advance();
                    } else if self.current() != &Token::RParen {
                        return Err(self.unexpected());
                    }
                }
                self.expect(Token::RParen)?;
                Ast::Function(name, args)
            }
            Token::Filter => self.filter(left)?,
            Token::Flatten => {
                let right = self.projection_rhs(binding_power(&Token::Flatten))?;
                Ast::Projection(boxed(Ast::Flatten(boxed(left))), boxed(right))
            }
            Token::LBracket => match self.current() {
                Token::Number(_) | Token::Colon => {
                    let index = self.index_expression()?;
                    self.project_if_slice(left, index)?
                }
                _ => {
                    self.expect(Token::Star)?;
                    self.expect(Token::RBracket)?;
                    let right = self.projection_rhs(binding_power(&Token::Star))?;
                    Ast::Projection(boxed(left), boxed(right))
                }
            },
            _ => {
                self.i -= 1;
                return Err(self.unexpected());
            }
        })
    }

    fn filter(&mut self, left: Ast) -> Result<Ast, QueryError> {
        let condition = self.expression(0)?;
        self.expect(Token::RBracket)?;
        let right = if self.current() == &Token::Flatten {
            Ast::Identity
        } else {
            self.projection_rhs(binding_power(&Token::Filter))?
        };
        Ok(Ast::FilterProjection(boxed(left), boxed(condition), boxed(right)))
    }

    /// After `[`: an index (`0]`) or a slice (`1:2]`).
    fn index_expression(&mut self) -> Result<Ast, QueryError> {
        if self.lookahead(1) == &Token::Colon || self.current() == &Token::Colon {
            let mut parts = [None, None, None];
            let mut n = 0;
            loop {
                match self.current().clone() {
                    Token::RBracket => break,
                    Token::Colon => {
                        n += 1;
                        if n > 2 {
                            return Err(self.unexpected());
                        }
                        self.advance();
                    }
                    Token::Number(v) => {
                        parts[n] = Some(v);
                        self.advance();
                    }
                    _ => return Err(self.unexpected()),
                }
            }
            self.expect(Token::RBracket)?;
            return Ok(Ast::Slice(parts[0], parts[1], parts[2]));
        }
        let Token::Number(n) = self.advance() else { return Err(self.unexpected()) };
        self.expect(Token::RBracket)?;
        Ok(Ast::Index(n))
    }

    fn project_if_slice(&mut self, left: Ast, index: Ast) -> Result<Ast, QueryError> {
        let is_slice = matches!(index, Ast::Slice(..));
        let expr = match left {
            Ast::Identity => index,
            left => Ast::Subexpression(boxed(left), boxed(index)),
        };
        if is_slice {
            let right = self.projection_rhs(binding_power(&Token::Star))?;
            Ok(Ast::Projection(boxed(expr), boxed(right)))
        } else {
            Ok(expr)
        }
    }

    fn projection_rhs(&mut self, bp: u8) -> Result<Ast, QueryError> {
        let t = self.current().clone();
        if binding_power(&t) < PROJECTION_STOP {
            return Ok(Ast::Identity);
        }
        match t {
            Token::LBracket | Token::Filter => self.expression(bp),
            Token::Dot => {
                self.advance();
                self.dot_rhs(bp)
            }
            _ => Err(self.unexpected()),
        }
    }

    fn dot_rhs(&mut self, bp: u8) -> Result<Ast, QueryError> {
        match self.current() {
            Token::Identifier(_) | Token::QuotedIdentifier(_) | Token::Star => self.expression(bp),
            Token::LBracket => {
                self.advance();
                self.multi_list()
            }
            Token::LBrace => {
                self.advance();
                self.multi_hash()
            }
            _ => Err(self.unexpected()),
        }
    }

    fn multi_list(&mut self) -> Result<Ast, QueryError> {
        let mut items = Vec::new();
        loop {
            items.push(self.expression(0)?);
            if self.current() == &Token::RBracket {
                self.advance();
                return Ok(Ast::MultiList(items));
            }
            self.expect(Token::Comma)?;
        }
    }

    fn multi_hash(&mut self) -> Result<Ast, QueryError> {
        let mut pairs = Vec::new();
        loop {
            let key = match self.advance() {
                Token::Identifier(k) | Token::QuotedIdentifier(k) => k,
                _ => {
                    self.i -= 1;
                    return Err(self.unexpected());
                }
            };
            self.expect(Token::Colon)?;
            pairs.push((key, self.expression(0)?));
            if self.current() == &Token::RBrace {
                self.advance();
                return Ok(Ast::MultiHash(pairs));
            }
            self.expect(Token::Comma)?;
        }
    }
}

fn describe(t: &Token) -> String {
    match t {
        Token::Identifier(s) | Token::QuotedIdentifier(s) => s.clone(),
        Token::Number(n) => n.to_string(),
        Token::Literal(v) => v.to_string(),
        other => format!("{other:?}").to_lowercase(),
    }
}
