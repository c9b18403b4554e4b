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

mod condition;
mod glob;
mod layout;

pub use crate::policy::PolicyKind;
use crate::policy::{Effect, Matcher, PolicyDocument, Principals, Statement};
pub use condition::Condition;
use glob::{LITERAL_QUESTION, LITERAL_STAR, Shape};
pub use glob::{Pattern, wildcard_match};
pub(crate) use layout::Layout;
use memchr::memchr;
use std::borrow::{Borrow, Cow};
use std::net::IpAddr;

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

    /// `key` as a time (epoch milliseconds, whole seconds) when the
    /// request holds it as one (`aws:CurrentTime`, `aws:EpochTime`), so a
    /// date condition compares numbers; `None` reads [`values`](Self::values).
    fn time(&self, key: &str) -> Option<i64> {
        let _ = key;
        None
    }

    /// `key` as an address when the request holds it as one
    /// (`aws:SourceIp`); `None` reads [`values`](Self::values).
    fn ip(&self, key: &str) -> Option<IpAddr> {
        let _ = key;
        None
    }
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
pub fn evaluate<D: Borrow<PolicyDocument>>(
    req: &Request<'_>,
    identity: &[D],
    resource: Option<&PolicyDocument>,
) -> Decision {
    evaluate_explained(req, identity, resource).0
}

/// Like [`evaluate`], also naming the policy kind behind a denial: the one
/// whose statement denied, or the one whose allow is missing.
pub fn evaluate_explained<D: Borrow<PolicyDocument>>(
    req: &Request<'_>,
    identity: &[D],
    resource: Option<&PolicyDocument>,
) -> (Decision, PolicyKind) {
    let action = layout::action_bit(req.action);
    let matching = |doc: &PolicyDocument, is_resource: bool, effect: Effect| {
        doc.layout.entries().iter().zip(&doc.statements).any(|(e, s)| {
            e.effect == effect
                && match (e.actions, action) {
                    (Some(named), Some(bit)) => named & bit != 0,
                    _ => matcher_matches(&s.action, req.action, true, req.context),
                }
                && (!is_resource || principal_matches(s, req))
                && doc.layout.applies(e, req.resource, req.context)
        })
    };
    if identity.iter().any(|d| matching(d.borrow(), false, Effect::Deny)) {
        return (Decision::ExplicitDeny, PolicyKind::Identity);
    }
    if resource.is_some_and(|d| matching(d, true, Effect::Deny)) {
        return (Decision::ExplicitDeny, PolicyKind::Resource);
    }
    let by_identity = identity.iter().any(|d| matching(d.borrow(), false, Effect::Allow));
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

/// Replaces `${key}` with the context's value (`${*}`, `${?}`, `${$}` are
/// the literal characters); a variable without a value makes the text
/// match nothing (`None`).
pub(crate) fn substitute<'t>(text: &'t str, ctx: &dyn Keys) -> Option<Cow<'t, str>> {
    if !has_variable(text) {
        return Some(Cow::Borrowed(text));
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = variable_start(rest) {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = memchr(b'}', after.as_bytes())?;
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

/// Where the first `${` is (a byte scan: no searcher to build).
fn variable_start(text: &str) -> Option<usize> {
    text.as_bytes().windows(2).position(|w| w == b"${")
}

/// Whether `text` may hold a policy variable (a cheap byte scan: most
/// patterns and values have none).
pub(crate) fn has_variable(text: &str) -> bool {
    memchr(b'$', text.as_bytes()).is_some()
}

fn matcher_matches(m: &Matcher, value: &str, case_insensitive: bool, ctx: &dyn Keys) -> bool {
    let any = |patterns: &[Pattern]| {
        patterns.iter().any(|p| pattern_matches(p.as_str(), p.shape(), p.has_variable(), value, case_insensitive, ctx))
    };
    match m {
        Matcher::Only(p) => any(p),
        Matcher::AllBut(p) => !any(p),
    }
}

/// Whether `value` matches the pattern written `text` (of `shape`), its
/// variables (when it has any) substituted from the request first.
fn pattern_matches(text: &str, shape: Shape, variable: bool, value: &str, ci: bool, ctx: &dyn Keys) -> bool {
    if !variable {
        return shape.matches(text, value, ci);
    }
    substitute(text, ctx).is_some_and(|p| wildcard_match(&p, value, ci))
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

#[cfg(test)]
mod tests;
