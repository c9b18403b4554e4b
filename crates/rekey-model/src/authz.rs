//! Policy evaluation as AWS documents it: an explicit Deny in any policy
//! wins; otherwise, within one account, an Allow from an identity policy or
//! from the secret's resource policy allows; across accounts both must
//! allow; anything else is an implicit deny.
//!
//! Statements match by action (`Action`/`NotAction`, case-insensitive
//! wildcards), resource (`Resource`/`NotResource`, with policy variables),
//! principal (resource policies: `Principal`/`NotPrincipal`) and every
//! condition (operators ANDed, values ORed; `…IfExists`, `ForAllValues:`,
//! `ForAnyValue:`, `Null`).

pub use crate::policy::PolicyKind;
use crate::policy::{Effect, Matcher, PolicyDocument, Principals, Statement};
use std::borrow::Cow;

/// The request context keys and their values (keys compared
/// case-insensitively, as AWS does). A request has a dozen or two keys:
/// a list scanned in place is cheaper than a map of lowercased copies.
#[derive(Debug, Clone, Default)]
pub struct Context {
    values: Vec<(Cow<'static, str>, Vec<String>)>,
}

impl PartialEq for Context {
    /// The same keys (in any order and case) with the same values.
    fn eq(&self, other: &Self) -> bool {
        self.values.len() == other.values.len() && self.values.iter().all(|(k, v)| other.get(k).is_some_and(|o| o == v))
    }
}

impl Eq for Context {}

/// Where the values of condition keys come from. A request's keys are
/// many and a policy uses few, so an implementation may compute each one
/// only when a policy asks for it.
pub trait Keys {
    /// The values of `key` (compared case-insensitively), or `None` when
    /// the request has no such key.
    fn values(&self, key: &str) -> Option<Values<'_>>;
}

/// The values of one condition key. Most keys have one value, often
/// borrowed from the request: this carries it without a list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Values<'a> {
    /// A single value.
    One(Cow<'a, str>),
    /// Any number of values (`aws:TagKeys`; possibly none).
    Many(&'a [String]),
}

impl<'a> Values<'a> {
    /// The first value.
    pub fn first(&self) -> Option<&str> {
        match self {
            Values::One(v) => Some(v),
            Values::Many(v) => v.first().map(String::as_str),
        }
    }

    /// Every value.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        let (one, many) = match self {
            Values::One(v) => (Some(v.as_ref()), &[][..]),
            Values::Many(v) => (None, *v),
        };
        one.into_iter().chain(many.iter().map(String::as_str))
    }
}

impl Keys for Context {
    fn values(&self, key: &str) -> Option<Values<'_>> {
        self.get(key).map(|v| Values::Many(v.as_slice()))
    }
}

impl Context {
    /// An empty context.
    pub fn new() -> Self {
        Context::default()
    }

    /// Sets a single-valued key.
    pub fn with(self, key: impl Into<Cow<'static, str>>, value: impl Into<String>) -> Self {
        self.with_all(key, [value.into()])
    }

    /// Sets a multi-valued key (e.g. `aws:TagKeys`).
    pub fn with_all(mut self, key: impl Into<Cow<'static, str>>, values: impl IntoIterator<Item = String>) -> Self {
        let key = key.into();
        let values = values.into_iter().collect();
        match self.values.iter_mut().find(|(k, _)| k.eq_ignore_ascii_case(&key)) {
            Some(slot) => slot.1 = values,
            None => self.values.push((key, values)),
        }
        self
    }

    /// The values of `key`, compared case-insensitively.
    pub fn get(&self, key: &str) -> Option<&Vec<String>> {
        self.values.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v)
    }
}

/// What is asked.
#[derive(Clone, Copy)]
pub struct Request<'a> {
    /// `service:Action`, e.g. `secretsmanager:GetSecretValue`.
    pub action: &'a str,
    /// The resource ARN.
    pub resource: &'a str,
    /// The caller's ARN.
    pub principal_arn: &'a str,
    /// The caller's account.
    pub principal_account: &'a str,
    /// The resource's account.
    pub resource_account: &'a str,
    /// Context keys.
    pub context: &'a dyn Keys,
}

/// The outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Allowed.
    Allow,
    /// A statement denies it.
    ExplicitDeny,
    /// Nothing allows it.
    ImplicitDeny,
}

/// Evaluates `req` against the caller's identity policies and the
/// resource's policy.
pub fn evaluate(req: &Request<'_>, identity: &[&PolicyDocument], resource: Option<&PolicyDocument>) -> Decision {
    evaluate_explained(req, identity, resource).0
}

/// Like [`evaluate`], also naming the policy kind behind a denial: the one
/// whose statement denied, or the one whose allow is missing.
pub fn evaluate_explained(
    req: &Request<'_>,
    identity: &[&PolicyDocument],
    resource: Option<&PolicyDocument>,
) -> (Decision, PolicyKind) {
    let matching = |doc: &PolicyDocument, is_resource: bool, effect: Effect| {
        doc.statements.iter().any(|s| s.effect == effect && statement_matches(s, req, is_resource))
    };
    if identity.iter().any(|d| matching(d, false, Effect::Deny)) {
        return (Decision::ExplicitDeny, PolicyKind::Identity);
    }
    if resource.is_some_and(|d| matching(d, true, Effect::Deny)) {
        return (Decision::ExplicitDeny, PolicyKind::Resource);
    }
    let by_identity = identity.iter().any(|d| matching(d, false, Effect::Allow));
    let by_resource = resource.is_some_and(|d| matching(d, true, Effect::Allow));
    let same_account = req.principal_account == req.resource_account;
    match (by_identity, by_resource) {
        (true, true) => (Decision::Allow, PolicyKind::Identity),
        (true, false) if same_account => (Decision::Allow, PolicyKind::Identity),
        (false, true) if same_account => (Decision::Allow, PolicyKind::Resource),
        (true, false) => (Decision::ImplicitDeny, PolicyKind::Resource),
        _ => (Decision::ImplicitDeny, PolicyKind::Identity),
    }
}

/// A literal `*` in a pattern (what `${*}` becomes): not a wildcard.
const LITERAL_STAR: char = '\u{E000}';
/// A literal `?` in a pattern (what `${?}` becomes).
const LITERAL_QUESTION: char = '\u{E001}';

/// `*` and `?` wildcards; `case_insensitive` for actions.
pub fn wildcard_match(pattern: &str, text: &str, case_insensitive: bool) -> bool {
    let same = |a: &str, b: &str| if case_insensitive { a.eq_ignore_ascii_case(b) } else { a == b };
    // Most patterns are literals or end in one `*` (and are ASCII: a
    // non-ASCII pattern may hold the literal `${*}` and `${?}` markers).
    let ascii = pattern.is_ascii();
    if ascii {
        match pattern.bytes().position(|b| b == b'*' || b == b'?') {
            None => return same(pattern, text),
            Some(i) if i == pattern.len() - 1 && pattern.as_bytes()[i] == b'*' => {
                return text.len() >= i && text.is_char_boundary(i) && same(&pattern[..i], &text[..i]);
            }
            _ => {}
        }
    }
    // Policies are almost always ASCII: match bytes, allocating nothing.
    if ascii && text.is_ascii() {
        return glob(pattern.as_bytes(), text.as_bytes(), |p, t| {
            p == t || (case_insensitive && p.eq_ignore_ascii_case(&t))
        });
    }
    let literal = |c: char| match c {
        LITERAL_STAR => '*',
        LITERAL_QUESTION => '?',
        c => c,
    };
    let fold = |s: &str| if case_insensitive { s.to_ascii_lowercase() } else { s.to_string() };
    let (p, t): (Vec<char>, Vec<char>) = (fold(pattern).chars().collect(), fold(text).chars().collect());
    glob(&p, &t, |p, t| literal(p) == t)
}

/// Iterative glob matching with backtracking on the last `*`; `same`
/// compares a literal pattern element with a text element.
fn glob<T: Copy + PartialEq + From<u8>>(p: &[T], t: &[T], same: impl Fn(T, T) -> bool) -> bool {
    let (star_c, any_c) = (T::from(b'*'), T::from(b'?'));
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == any_c || (p[pi] != star_c && same(p[pi], t[ti]))) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == star_c {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == star_c)
}

/// Replaces `${key}` with the context's value (`${*}`, `${?}`, `${$}` are
/// the literal characters); a variable without a value makes the text
/// match nothing (`None`).
fn substitute<'t>(text: &'t str, ctx: &dyn Keys) -> Option<Cow<'t, str>> {
    if !has_variable(text) {
        return Some(Cow::Borrowed(text));
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after.find('}')?;
        let name = &after[..end];
        match name {
            "*" => out.push(LITERAL_STAR),
            "?" => out.push(LITERAL_QUESTION),
            "$" => out.push('$'),
            key => out.push_str(ctx.values(key)?.first()?),
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Some(Cow::Owned(out))
}

/// Whether `text` may hold a policy variable (a cheap byte scan: most
/// patterns and values have none).
fn has_variable(text: &str) -> bool {
    text.as_bytes().contains(&b'$')
}

fn matcher_matches(m: &Matcher, value: &str, case_insensitive: bool, ctx: &dyn Keys) -> bool {
    let any = |patterns: &[String]| {
        patterns.iter().filter_map(|p| substitute(p, ctx)).any(|p| wildcard_match(&p, value, case_insensitive))
    };
    match m {
        Matcher::Only(p) => any(p),
        Matcher::AllBut(p) => !any(p),
    }
}

/// Whether a principal entry names the caller: its ARN (wildcards
/// allowed), its account id, or its account's root ARN.
fn names_principal(entry: &str, req: &Request<'_>) -> bool {
    entry == "*"
        || entry == req.principal_account
        || entry.strip_prefix("arn:aws:iam::").and_then(|e| e.strip_suffix(":root")) == Some(req.principal_account)
        || wildcard_match(entry, req.principal_arn, false)
}

fn principal_matches(s: &Statement, req: &Request<'_>) -> bool {
    let named = match &s.principal {
        Principals::Anyone => true,
        Principals::Listed(kinds) => kinds.get("AWS").is_some_and(|list| list.iter().any(|e| names_principal(e, req))),
    };
    named != s.not_principal
}

fn statement_matches(s: &Statement, req: &Request<'_>, is_resource_policy: bool) -> bool {
    if is_resource_policy && !principal_matches(s, req) {
        return false;
    }
    if !matcher_matches(&s.action, req.action, true, req.context) {
        return false;
    }
    if let Some(r) = &s.resource
        && !matcher_matches(r, req.resource, false, req.context)
    {
        return false;
    }
    s.condition.iter().all(|(op, keys)| keys.iter().all(|(key, values)| condition(op, key, values, req.context)))
}

/// A condition operator without its `Not`: what a request value is
/// compared with a policy value by.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Comparison {
    StringEquals,
    StringEqualsIgnoreCase,
    StringLike,
    Numeric(std::cmp::Ordering, bool),
    Date(std::cmp::Ordering, bool),
    Bool,
    IpAddress,
    Arn,
}

impl Comparison {
    /// The comparison an operator makes (set qualifier and `IfExists`
    /// removed) and whether it is negated; `None` for an unknown operator.
    fn of(op: &str) -> Option<(Comparison, bool)> {
        use std::cmp::Ordering::{Equal, Greater, Less};
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

    /// Whether request value `rv` satisfies the comparison with policy
    /// value `pv` (`None`: a value that does not parse as the type).
    fn holds(self, rv: &str, pv: &str) -> Option<bool> {
        // `ordering` is how rv compares to pv; `or_equal` accepts equality too.
        let ordered = |got: std::cmp::Ordering, want: std::cmp::Ordering, or_equal: bool| {
            got == want || (or_equal && got == std::cmp::Ordering::Equal)
        };
        Some(match self {
            Comparison::StringEquals => rv == pv,
            Comparison::StringEqualsIgnoreCase => rv.eq_ignore_ascii_case(pv),
            Comparison::StringLike => wildcard_match(pv, rv, false),
            Comparison::Numeric(want, or_equal) => ordered(num(rv)?.partial_cmp(&num(pv)?)?, want, or_equal),
            Comparison::Date(want, or_equal) => ordered(date(rv)?.cmp(&date(pv)?), want, or_equal),
            Comparison::Bool => rv.eq_ignore_ascii_case(pv),
            Comparison::IpAddress => ip_in(rv, pv)?,
            Comparison::Arn => arn_like(pv, rv),
        })
    }
}

/// One condition operator on one key.
fn condition(op: &str, key: &str, policy_values: &[String], ctx: &dyn Keys) -> bool {
    let (set, op) = match op.split_once(':') {
        Some((set @ ("ForAllValues" | "ForAnyValue"), rest)) => (Some(set), rest),
        _ => (None, op),
    };
    let (op, if_exists) = match op.strip_suffix("IfExists") {
        Some(base) => (base, true),
        None => (op, false),
    };
    let present = ctx.values(key);
    if op == "Null" {
        let wanted_null = policy_values.iter().any(|v| v.eq_ignore_ascii_case("true"));
        return present.is_none() == wanted_null;
    }
    let Some(request_values) = present else {
        // A missing key: IfExists and ForAllValues pass, negated operators
        // pass, everything else fails.
        return if_exists || set == Some("ForAllValues") || op.contains("Not");
    };
    let Some((comparison, negated)) = Comparison::of(op) else {
        return false;
    };
    // Policy values with variables are substituted once, here.
    if policy_values.iter().any(|v| has_variable(v)) {
        let substituted: Vec<Cow<'_, str>> = policy_values.iter().filter_map(|v| substitute(v, ctx)).collect();
        matches_set(set, &request_values, |rv| value_matches(comparison, negated, rv, &substituted))
    } else {
        matches_set(set, &request_values, |rv| value_matches(comparison, negated, rv, policy_values))
    }
}

/// The set qualifier applied to the request's values: `ForAllValues:`
/// (every value), `ForAnyValue:` (some value), or the first value.
fn matches_set(set: Option<&str>, request_values: &Values<'_>, one: impl Fn(&str) -> bool) -> bool {
    match set {
        Some("ForAllValues") => request_values.iter().all(one),
        Some(_) => request_values.iter().any(one),
        None => request_values.first().is_some_and(one),
    }
}

/// Whether request value `rv` satisfies `comparison` (negated when
/// `negated`) against the policy's values.
fn value_matches<P: AsRef<str>>(comparison: Comparison, negated: bool, rv: &str, policy_values: &[P]) -> bool {
    if negated {
        // Negated: no policy value matches (and every one parses).
        policy_values.iter().all(|pv| comparison.holds(rv, pv.as_ref()) == Some(false))
    } else {
        policy_values.iter().any(|pv| comparison.holds(rv, pv.as_ref()) == Some(true))
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

fn ip_in(ip: &str, cidr: &str) -> Option<bool> {
    let parse = |a: &str| -> Option<u32> {
        let parts: Vec<u8> = a.split('.').map(|p| p.parse().ok()).collect::<Option<_>>()?;
        (parts.len() == 4).then(|| u32::from_be_bytes([parts[0], parts[1], parts[2], parts[3]]))
    };
    let (net, bits) = cidr.split_once('/').map_or((cidr, 32), |(n, b)| (n, b.parse().unwrap_or(33)));
    if bits > 32 {
        return None;
    }
    let mask = if bits == 0 { 0 } else { u32::MAX << (32 - bits) };
    Some(parse(ip)? & mask == parse(net)? & mask)
}

/// ARN matching: each of the six colon-separated parts by wildcard.
fn arn_like(pattern: &str, arn: &str) -> bool {
    let p: Vec<&str> = pattern.splitn(6, ':').collect();
    let a: Vec<&str> = arn.splitn(6, ':').collect();
    p.len() == 6 && a.len() == 6 && p.iter().zip(&a).all(|(p, a)| wildcard_match(p, a, false))
}

#[cfg(test)]
mod tests;
