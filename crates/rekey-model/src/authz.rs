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
    fn values(&self, key: &str) -> Option<Cow<'_, [String]>>;
}

impl Keys for Context {
    fn values(&self, key: &str) -> Option<Cow<'_, [String]>> {
        self.get(key).map(|v| Cow::Borrowed(v.as_slice()))
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
    match pattern.find(['*', '?']) {
        _ if !pattern.is_ascii() => {}
        None => return same(pattern, text),
        Some(i) if i == pattern.len() - 1 && pattern.ends_with('*') => {
            return text.len() >= i && text.is_char_boundary(i) && same(&pattern[..i], &text[..i]);
        }
        _ => {}
    }
    // Policies are almost always ASCII: match bytes, allocating nothing.
    if pattern.is_ascii() && text.is_ascii() {
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
    if !text.contains("${") {
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
        || entry == format!("arn:aws:iam::{}:root", req.principal_account)
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
    let policy_values: Vec<Cow<'_, str>> = policy_values.iter().filter_map(|v| substitute(v, ctx)).collect();
    let negated = op.contains("Not");
    let Some(request_values) = present else {
        // A missing key: IfExists and ForAllValues pass, negated operators
        // pass, everything else fails.
        return if_exists || set == Some("ForAllValues") || negated;
    };
    // The operator without its negation (`StringNotLike` → `StringLike`).
    let base = if negated { Cow::Owned(op.replacen("Not", "", 1)) } else { Cow::Borrowed(op) };
    let one = |rv: &str| value_matches(&base, negated, rv, &policy_values);
    match set {
        Some("ForAllValues") => request_values.iter().all(|rv| one(rv)),
        Some(_) => request_values.iter().any(|rv| one(rv)),
        None => request_values.first().is_some_and(|rv| one(rv)),
    }
}

/// Whether request value `rv` satisfies operator `base` (negated when
/// `negated`) against the policy's values.
fn value_matches(base: &str, negated: bool, rv: &str, policy_values: &[Cow<'_, str>]) -> bool {
    let positive = |pv: &str| -> Option<bool> {
        Some(match base {
            "StringEquals" => rv == pv,
            "StringEqualsIgnoreCase" => rv.eq_ignore_ascii_case(pv),
            "StringLike" => wildcard_match(pv, rv, false),
            "NumericEquals" => num(rv)? == num(pv)?,
            "NumericLessThan" => num(rv)? < num(pv)?,
            "NumericLessThanEquals" => num(rv)? <= num(pv)?,
            "NumericGreaterThan" => num(rv)? > num(pv)?,
            "NumericGreaterThanEquals" => num(rv)? >= num(pv)?,
            "DateEquals" => date(rv)? == date(pv)?,
            "DateLessThan" => date(rv)? < date(pv)?,
            "DateLessThanEquals" => date(rv)? <= date(pv)?,
            "DateGreaterThan" => date(rv)? > date(pv)?,
            "DateGreaterThanEquals" => date(rv)? >= date(pv)?,
            "Bool" => rv.eq_ignore_ascii_case(pv),
            "IpAddress" => ip_in(rv, pv)?,
            "ArnEquals" | "ArnLike" => arn_like(pv, rv),
            _ => return None,
        })
    };
    if negated {
        // Negated: no policy value matches (and the operator is known).
        policy_values.iter().all(|pv| positive(pv) == Some(false))
    } else {
        policy_values.iter().any(|pv| positive(pv) == Some(true))
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
