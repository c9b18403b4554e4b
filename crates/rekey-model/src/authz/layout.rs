//! A policy laid out for evaluation. A parsed document is a tree of small
//! allocations (a string per pattern, key and value), and a request that
//! walks ten statements touches a hundred scattered cache lines: on a busy
//! server, each a likely miss. The layout holds what evaluation reads in
//! a few contiguous arrays and one text: per statement its effect, the
//! service actions it names (a bit each), its resource patterns and its
//! conditions, with every operator and value already read.

use super::condition::{Literal, Test};
use super::glob::Shape;
use super::{Keys, Pattern, pattern_matches};
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
