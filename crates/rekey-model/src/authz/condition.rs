//! Condition operators: one `"Operator": {"key": values}` entry of a
//! statement's `Condition`, read once when its policy is parsed (the
//! operator into what it compares, the values into dates, networks and
//! patterns) and tested against a request's keys.

use super::glob::Shape;
use super::{Keys, Values, has_variable, substitute};
use crate::network::Network;
use std::borrow::Cow;
use std::cmp::Ordering;

/// One condition operator on one key, with the policy's values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    /// The operator as written, e.g. `ForAnyValue:StringLikeIfExists`.
    pub operator: String,
    /// The condition key, e.g. `aws:SourceIp`.
    pub key: String,
    /// The values as written.
    pub values: Vec<String>,
}

/// What an operator asks, read once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Test {
    set: Option<SetQualifier>,
    if_exists: bool,
    /// The operator's name says `Not` (a missing key then passes).
    negative: bool,
    kind: Kind,
    /// No value holds a policy variable: each has its [`Literal`].
    plain: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SetQualifier {
    ForAllValues,
    ForAnyValue,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Null,
    /// A comparison, negated or not.
    Compare(Comparison, bool),
    /// An operator the evaluator does not know: never holds.
    Unknown,
}

/// A condition operator without its `Not`: what a request value is
/// compared with a policy value by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Comparison {
    StringEquals,
    StringEqualsIgnoreCase,
    StringLike,
    Numeric(Ordering, bool),
    Date(Ordering, bool),
    Bool,
    IpAddress,
    Arn,
}

/// A policy value, read as its comparison wants it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Literal {
    /// Compared as text (strings, numbers, booleans).
    Text,
    /// Epoch milliseconds (`None`: not a date).
    Date(Option<i64>),
    /// A network (`None`: not one).
    Network(Option<Network>),
    /// A `StringLike` pattern (the value is its text).
    Like(Shape),
}

impl Comparison {
    /// The comparison an operator makes (set qualifier and `IfExists`
    /// removed) and whether it is negated; `None` for an unknown operator.
    fn of(op: &str) -> Option<(Comparison, bool)> {
        use Ordering::{Equal, Greater, Less};
        Some(match op {
            "StringEquals" => (Comparison::StringEquals, false),
            "StringNotEquals" => (Comparison::StringEquals, true),
            "StringEqualsIgnoreCase" => (Comparison::StringEqualsIgnoreCase, false),
            "StringNotEqualsIgnoreCase" => (Comparison::StringEqualsIgnoreCase, true),
            "StringLike" => (Comparison::StringLike, false),
            "StringNotLike" => (Comparison::StringLike, true),
            "NumericEquals" => (Comparison::Numeric(Equal, false), false),
            "NumericNotEquals" => (Comparison::Numeric(Equal, false), true),
            "NumericLessThan" => (Comparison::Numeric(Less, false), false),
            "NumericLessThanEquals" => (Comparison::Numeric(Less, true), false),
            "NumericGreaterThan" => (Comparison::Numeric(Greater, false), false),
            "NumericGreaterThanEquals" => (Comparison::Numeric(Greater, true), false),
            "DateEquals" => (Comparison::Date(Equal, false), false),
            "DateNotEquals" => (Comparison::Date(Equal, false), true),
            "DateLessThan" => (Comparison::Date(Less, false), false),
            "DateLessThanEquals" => (Comparison::Date(Less, true), false),
            "DateGreaterThan" => (Comparison::Date(Greater, false), false),
            "DateGreaterThanEquals" => (Comparison::Date(Greater, true), false),
            "Bool" => (Comparison::Bool, false),
            "IpAddress" => (Comparison::IpAddress, false),
            "NotIpAddress" => (Comparison::IpAddress, true),
            "ArnEquals" | "ArnLike" => (Comparison::Arn, false),
            "ArnNotEquals" | "ArnNotLike" => (Comparison::Arn, true),
            _ => return None,
        })
    }

    /// A policy value as this comparison reads it.
    fn literal(self, value: &str) -> Literal {
        match self {
            Comparison::Date(..) => Literal::Date(date(value)),
            Comparison::IpAddress => Literal::Network(Network::parse(value)),
            Comparison::StringLike => Literal::Like(Shape::of(value).0),
            _ => Literal::Text,
        }
    }

    /// Whether request value `rv` satisfies the comparison with policy
    /// value `pv`, read as `literal` (`None`: a value that does not parse
    /// as the type).
    fn holds(self, rv: &str, pv: &str, literal: Option<&Literal>) -> Option<bool> {
        Some(match (self, literal) {
            (Comparison::StringEquals, _) => rv == pv,
            (Comparison::StringEqualsIgnoreCase, _) => rv.eq_ignore_ascii_case(pv),
            (Comparison::StringLike, Some(Literal::Like(shape))) => shape.matches(pv, rv, false),
            (Comparison::StringLike, _) => super::wildcard_match(pv, rv, false),
            (Comparison::Numeric(want, or_equal), _) => ordered(num(rv)?.partial_cmp(&num(pv)?)?, want, or_equal),
            (Comparison::Date(..), Some(Literal::Date(d))) => self.holds_time(date(rv)?, (*d)?)?,
            (Comparison::Date(..), _) => self.holds_time(date(rv)?, date(pv)?)?,
            (Comparison::Bool, _) => rv.eq_ignore_ascii_case(pv),
            (Comparison::IpAddress, Some(Literal::Network(n))) => (*n)?.contains(rv.parse().ok()?),
            (Comparison::IpAddress, _) => Network::parse(pv)?.contains(rv.parse().ok()?),
            (Comparison::Arn, _) => arn_like(pv, rv),
        })
    }

    /// A date comparison of two epoch-millisecond times.
    fn holds_time(self, rv: i64, pv: i64) -> Option<bool> {
        match self {
            Comparison::Date(want, or_equal) => Some(ordered(rv.cmp(&pv), want, or_equal)),
            _ => None,
        }
    }
}

/// Whether `got` is the wanted ordering (or equality, with `or_equal`).
fn ordered(got: Ordering, want: Ordering, or_equal: bool) -> bool {
    got == want || (or_equal && got == Ordering::Equal)
}

impl Condition {
    /// One operator on one key, as written.
    pub fn new(operator: &str, key: &str, values: Vec<String>) -> Condition {
        Condition { operator: operator.to_string(), key: key.to_string(), values }
    }

    /// Whether the operator is one the evaluator knows.
    pub fn known(&self) -> bool {
        Test::of(&self.operator, &self.values).kind != Kind::Unknown
    }
}

/// A policy value as a test reads it: its text and, for a value without
/// a variable, what it reads as.
pub(crate) type Operand<'v> = (&'v str, Option<&'v Literal>);

impl Test {
    /// Reads an operator (with its set qualifier and `IfExists`) and
    /// whether its `values` hold variables.
    pub(crate) fn of(operator: &str, values: &[String]) -> Test {
        let (set, op) = match operator.split_once(':') {
            Some(("ForAllValues", rest)) => (Some(SetQualifier::ForAllValues), rest),
            Some(("ForAnyValue", rest)) => (Some(SetQualifier::ForAnyValue), rest),
            _ => (None, operator),
        };
        let (op, if_exists) = match op.strip_suffix("IfExists") {
            Some(base) => (base, true),
            None => (op, false),
        };
        let kind = match op {
            "Null" => Kind::Null,
            op => Comparison::of(op).map_or(Kind::Unknown, |(c, negated)| Kind::Compare(c, negated)),
        };
        let plain = !values.iter().any(|v| has_variable(v));
        Test { set, if_exists, negative: op.contains("Not"), kind, plain }
    }

    /// Whether no policy value holds a variable.
    pub(crate) fn plain(&self) -> bool {
        self.plain
    }

    /// The same test on values whose variables have been substituted.
    pub(crate) fn bound(self) -> Test {
        Test { plain: true, ..self }
    }

    /// What a policy value reads as for this test (`None`: read per
    /// request, it holds a variable; or no comparison reads values).
    pub(crate) fn literal(&self, value: &str) -> Option<Literal> {
        match self.kind {
            Kind::Compare(c, _) if self.plain || !has_variable(value) => Some(c.literal(value)),
            _ => None,
        }
    }

    /// Whether the request's `key` satisfies the test against the policy's
    /// values (`operands` lists them, as often as asked).
    pub(crate) fn holds<'v, I>(&self, key: &str, operands: impl Fn() -> I, ctx: &dyn Keys) -> bool
    where
        I: Iterator<Item = Operand<'v>>,
    {
        let Test { set, if_exists, negative, kind, plain } = *self;
        let (comparison, negated) = match kind {
            Kind::Null => {
                let wanted_null = operands().any(|(v, _)| v.eq_ignore_ascii_case("true"));
                return ctx.values(key).is_none() == wanted_null;
            }
            Kind::Compare(c, negated) => (c, negated),
            Kind::Unknown => (Comparison::StringEquals, false),
        };
        // Times and addresses the request holds as such are compared
        // without a round trip through text.
        if set.is_none() && plain {
            let typed = match comparison {
                Comparison::Date(..) => ctx.time(key).map(|t| {
                    combine(
                        negated,
                        operands().map(|(_, l)| match l {
                            Some(Literal::Date(d)) => comparison.holds_time(t, (*d)?),
                            _ => None,
                        }),
                    )
                }),
                Comparison::IpAddress => ctx.ip(key).map(|ip| {
                    combine(
                        negated,
                        operands().map(|(_, l)| match l {
                            Some(Literal::Network(n)) => Some((*n)?.contains(ip)),
                            _ => None,
                        }),
                    )
                }),
                _ => None,
            };
            if let Some(result) = typed {
                return result;
            }
        }
        let Some(request_values) = ctx.values(key) else {
            // A missing key: IfExists and ForAllValues pass, negated
            // operators pass, everything else fails.
            return if_exists || set == Some(SetQualifier::ForAllValues) || negative;
        };
        if kind == Kind::Unknown {
            return false;
        }
        if plain {
            return matches_set(set, &request_values, |rv| {
                combine(negated, operands().map(|(pv, l)| comparison.holds(rv, pv, l)))
            });
        }
        // Policy values with variables are substituted once, here.
        let substituted: Vec<Cow<'_, str>> = operands().filter_map(|(v, _)| substitute(v, ctx)).collect();
        matches_set(set, &request_values, |rv| {
            combine(negated, substituted.iter().map(|pv| comparison.holds(rv, pv, None)))
        })
    }
}

/// Whether a request value satisfies a comparison, given its result
/// against each policy value: some value matches, or (negated) none does
/// and every one parses.
fn combine(negated: bool, mut results: impl Iterator<Item = Option<bool>>) -> bool {
    if negated { results.all(|r| r == Some(false)) } else { results.any(|r| r == Some(true)) }
}

/// The set qualifier applied to the request's values: `ForAllValues:`
/// (every value), `ForAnyValue:` (some value), or the first value.
fn matches_set(set: Option<SetQualifier>, request_values: &Values<'_>, one: impl Fn(&str) -> bool) -> bool {
    match set {
        Some(SetQualifier::ForAllValues) => request_values.iter().all(one),
        Some(SetQualifier::ForAnyValue) => request_values.iter().any(one),
        None => request_values.first().is_some_and(one),
    }
}

fn num(s: &str) -> Option<f64> {
    s.trim().parse().ok()
}

/// Epoch milliseconds of an ISO 8601 UTC date or of epoch seconds.
fn date(s: &str) -> Option<i64> {
    if let Ok(secs) = s.parse::<i64>() {
        return Some(secs * 1000);
    }
    let s = s.trim_end_matches('Z');
    let s = s.split('.').next().unwrap_or(s);
    crate::calendar::parse_utc(s)
}

/// ARN matching: each of the six colon-separated parts by wildcard.
fn arn_like(pattern: &str, arn: &str) -> bool {
    let mut p = pattern.splitn(6, ':');
    let mut a = arn.splitn(6, ':');
    for _ in 0..6 {
        match (p.next(), a.next()) {
            (Some(p), Some(a)) if super::wildcard_match(p, a, false) => {}
            _ => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arns_match_part_by_part() {
        assert!(arn_like("arn:aws:iam::*:user/*", "arn:aws:iam::111111111111:user/alice"));
        assert!(!arn_like("arn:aws:iam::*:user/*", "arn:aws:iam::111111111111:role/r"));
        assert!(!arn_like("arn:aws:iam", "arn:aws:iam"));
    }
}
