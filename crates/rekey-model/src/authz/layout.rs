//! A policy laid out for evaluation. A parsed document is a tree of small
//! allocations (a string per pattern, key and value), and a request that
//! walks ten statements touches a hundred scattered cache lines: on a busy
//! server, each a likely miss. The layout holds what evaluation reads in
//! a few contiguous arrays and one text: per statement its effect, the
//! service actions it names (a bit each), its resource patterns and its
//! conditions, with every operator and value already read.

use super::condition::{Literal, Test};
use super::glob::Shape;
use super::{Keys, Pattern, pattern_matches, substitute};
use crate::api::Operation;
use crate::policy::{Effect, Matcher, Statement};
use std::ops::Range;

/// The statements of one policy, as evaluation reads them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Layout {
    /// Every resource pattern, condition key and value, end to end.
    text: String,
    statements: Vec<Entry>,
    patterns: Vec<PatternEntry>,
    conditions: Vec<ConditionEntry>,
    operands: Vec<OperandEntry>,
}

/// A range of one of the layout's arrays, or of its text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Span {
    start: u32,
    end: u32,
}

impl Span {
    fn range(self) -> Range<usize> {
        self.start as usize..self.end as usize
    }
}

/// One statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Entry {
    pub(crate) effect: Effect,
    /// Which of the service's actions ([`Operation::ALL`], a bit each) the
    /// statement names; `None` when an action pattern holds a variable.
    pub(crate) actions: Option<u64>,
    /// `Resource` (false) or `NotResource` (true) patterns; `None`: no
    /// resource element (a resource policy's own secret).
    resource: Option<(bool, Span)>,
    conditions: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct PatternEntry {
    text: Span,
    shape: Shape,
    variable: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct ConditionEntry {
    key: Span,
    test: Test,
    operands: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct OperandEntry {
    text: Span,
    literal: Option<Literal>,
}

impl Layout {
    /// Lays out `statements`.
    pub(crate) fn new(statements: &[Statement]) -> Layout {
        let mut l = Layout {
            text: String::new(),
            statements: Vec::with_capacity(statements.len()),
            patterns: Vec::new(),
            conditions: Vec::new(),
            operands: Vec::new(),
        };
        for s in statements {
            let resource = s.resource.as_ref().map(|m| {
                let start = l.patterns.len();
                for p in m.patterns() {
                    let text = l.put(p.as_str());
                    let (shape, variable) = Shape::of(p.as_str());
                    l.patterns.push(PatternEntry { text, shape, variable });
                }
                (matches!(m, Matcher::AllBut(_)), span(start, l.patterns.len()))
            });
            let first_condition = l.conditions.len();
            for c in &s.condition {
                let test = Test::of(&c.operator, &c.values);
                let key = l.put(&c.key);
                let start = l.operands.len();
                for v in &c.values {
                    let text = l.put(v);
                    l.operands.push(OperandEntry { text, literal: test.literal(v) });
                }
                l.conditions.push(ConditionEntry { key, test, operands: span(start, l.operands.len()) });
            }
            let conditions = span(first_condition, l.conditions.len());
            l.statements.push(Entry { effect: s.effect, actions: actions(&s.action), resource, conditions });
        }
        l
    }

    /// This layout with the variables `keys` has values for substituted
    /// once: a resource pattern, or a condition's values, whose every
    /// variable resolves becomes plain text, matched without a
    /// substitution per request. Anything else keeps its variables, to be
    /// substituted from the request as before; either way a request whose
    /// keys agree with `keys` is decided the same.
    pub(crate) fn bind(&self, keys: &dyn Keys) -> Layout {
        let mut l = self.clone();
        for i in 0..l.patterns.len() {
            let p = l.patterns[i];
            if !p.variable {
                continue;
            }
            if let Some(text) = substitute(self.str(p.text), keys) {
                let (shape, _) = Shape::of(&text);
                // Substituted text is literal: a `$` in it is no variable.
                l.patterns[i] = PatternEntry { text: l.put(&text), shape, variable: false };
            }
        }
        for i in 0..l.conditions.len() {
            let c = l.conditions[i];
            if c.test.plain() {
                continue;
            }
            let operands = &self.operands[c.operands.range()];
            let Some(values) = operands.iter().map(|o| substitute(self.str(o.text), keys)).collect::<Option<Vec<_>>>()
            else {
                continue;
            };
            let test = c.test.bound();
            let start = l.operands.len();
            for v in values {
                let text = l.put(&v);
                l.operands.push(OperandEntry { text, literal: test.literal(&v) });
            }
            l.conditions[i] = ConditionEntry { key: c.key, test, operands: span(start, l.operands.len()) };
        }
        l
    }

    /// Appends `text`; where it is.
    fn put(&mut self, text: &str) -> Span {
        let start = self.text.len();
        self.text.push_str(text);
        span(start, self.text.len())
    }

    fn str(&self, s: Span) -> &str {
        &self.text[s.range()]
    }

    /// The statements, in the document's order.
    pub(crate) fn entries(&self) -> &[Entry] {
        &self.statements
    }

    /// Whether a statement (whose action and principal match) applies to
    /// `resource` under the request's condition keys.
    pub(crate) fn applies(&self, e: &Entry, resource: &str, ctx: &dyn Keys) -> bool {
        if let Some((not, patterns)) = e.resource {
            let named = self.patterns[patterns.range()]
                .iter()
                .any(|p| pattern_matches(self.str(p.text), p.shape, p.variable, resource, false, ctx));
            if named == not {
                return false;
            }
        }
        self.conditions[e.conditions.range()].iter().all(|c| {
            let operands = &self.operands[c.operands.range()];
            c.test.holds(self.str(c.key), || operands.iter().map(|o| (self.str(o.text), o.literal.as_ref())), ctx)
        })
    }
}

fn span(start: usize, end: usize) -> Span {
    // Policies are at most a few kilobytes (AWS: 20 KB).
    Span { start: start as u32, end: end as u32 }
}

/// The service actions an `Action`/`NotAction` names, a bit each; `None`
/// when a pattern holds a variable (matched per request).
fn actions(m: &Matcher) -> Option<u64> {
    const _: () = assert!(Operation::ALL.len() <= 64);
    let patterns = m.patterns();
    if patterns.iter().any(Pattern::has_variable) {
        return None;
    }
    let only = matches!(m, Matcher::Only(_));
    let named = |action: &str| patterns.iter().any(|p| p.matches(action, true));
    Some(Operation::ALL.iter().enumerate().filter(|(_, op)| named(op.action()) == only).fold(0, |m, (i, _)| m | 1 << i))
}

/// The bit of a service action in [`Entry::actions`] (`None`: another service's).
pub(crate) fn action_bit(action: &str) -> Option<u64> {
    // By name (a match), then by value: not a string comparison per operation.
    let op = Operation::from_name(action.strip_prefix("secretsmanager:")?)?;
    Operation::ALL.iter().position(|o| *o == op).map(|i| 1 << i)
}

#[cfg(test)]
mod tests {
    use crate::authz::Context;
    use crate::policy::PolicyDocument;

    #[test]
    fn binding_leaves_only_the_variables_it_has_no_value_for() {
        let doc = PolicyDocument::parse_identity(
            r#"{"Version":"2012-10-17","Statement":[
                {"Effect":"Allow","Action":"*","Resource":"arn:aws:secretsmanager:*:*:secret:${aws:username}/*"},
                {"Effect":"Allow","Action":"*","Resource":"arn:aws:secretsmanager:*:*:secret:${aws:SourceIp}/*"},
                {"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringLike":{"secretsmanager:Name":["${aws:username}/*","x"]}}},
                {"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"secretsmanager:Name":["${aws:username}","${aws:SourceIp}"]}}}
            ]}"#,
        )
        .unwrap();
        let bound = doc.bind(&Context::new().with("aws:username", "alice"));
        let l = &bound.layout;
        let variables: Vec<bool> = l.patterns.iter().map(|p| p.variable).collect();
        assert_eq!(variables, [false, true, false, false], "the last two are the conditions' statements' `*`");
        assert_eq!(l.str(l.patterns[0].text), "arn:aws:secretsmanager:*:*:secret:alice/*");
        let plain: Vec<bool> = l.conditions.iter().map(|c| c.test.plain()).collect();
        assert_eq!(plain, [true, false], "a condition binds when all its values do");
        let values: Vec<&str> = l.operands[l.conditions[0].operands.range()].iter().map(|o| l.str(o.text)).collect();
        assert_eq!(values, ["alice/*", "x"]);
        assert!(l.operands[l.conditions[0].operands.range()].iter().all(|o| o.literal.is_some()));
        assert_eq!(doc.bind(&Context::new()), doc, "nothing to bind");
    }
}
