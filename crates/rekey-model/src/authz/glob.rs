//! Wildcard patterns (`*` any run, `?` one character) as policies write
//! them in actions, resources, principals and `StringLike`/`ArnLike`
//! values. A [`Pattern`] is read once, when its policy is parsed, into the
//! shape that matches it cheapest: most are a literal, a literal and a
//! trailing `*`, or literals between `*`s, which match without
//! backtracking.

use memchr::memchr;

/// A literal `*` in a pattern (what `${*}` becomes): not a wildcard.
pub(crate) const LITERAL_STAR: char = '\u{E000}';
/// A literal `?` in a pattern (what `${?}` becomes).
pub(crate) const LITERAL_QUESTION: char = '\u{E001}';

/// A wildcard pattern and how it is matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern {
    text: String,
    shape: Shape,
    /// Holds a policy variable (`${…}`).
    variable: bool,
}

/// How a pattern is matched (its text kept elsewhere).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    /// `*`: anything.
    Any,
    /// No wildcard.
    Exact,
    /// A literal of this many bytes, then `*`.
    Prefix(usize),
    /// ASCII literals between `*`s (the first anchored at the start, the
    /// last at the end, either possibly empty), with the lengths of the
    /// first and the last, so matching need not look for them.
    Pieces(u16, u16),
    /// With `?`, a policy variable or non-ASCII: [`wildcard_match`].
    General,
}

impl Pattern {
    /// Reads `text` as a pattern.
    pub fn new(text: impl Into<String>) -> Pattern {
        let text = text.into();
        let (shape, variable) = Shape::of(&text);
        Pattern { text, shape, variable }
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether the pattern may hold a policy variable (`${…}`), to be
    /// substituted before matching.
    pub fn has_variable(&self) -> bool {
        self.variable
    }

    /// How the pattern is matched.
    pub(crate) fn shape(&self) -> Shape {
        self.shape
    }

    /// Whether `text` matches; `case_insensitive` for actions.
    pub fn matches(&self, text: &str, case_insensitive: bool) -> bool {
        self.shape.matches(&self.text, text, case_insensitive)
    }
}

impl Shape {
    /// The shape of pattern `text`, and whether it holds a policy variable.
    pub(crate) fn of(text: &str) -> (Shape, bool) {
        let shape = if text == "*" {
            Shape::Any
        } else if !text.is_ascii() || text.contains(['?', '$']) {
            // `$`: a `${variable}` is substituted per request, then matched.
            Shape::General
        } else {
            match text.bytes().filter(|b| *b == b'*').count() {
                0 => Shape::Exact,
                1 if text.ends_with('*') => Shape::Prefix(text.len() - 1),
                _ => match ends(text.as_bytes()) {
                    Some(ends) => Shape::Pieces(ends.0, ends.1),
                    // Longer than any policy may be: matched unread.
                    None => Shape::General,
                },
            }
        };
        (shape, shape == Shape::General && text.contains("${"))
    }

    /// Whether `text` matches `pattern` (of this shape).
    pub(crate) fn matches(self, pattern: &str, text: &str, case_insensitive: bool) -> bool {
        let same = |a: &[u8], b: &[u8]| if case_insensitive { a.eq_ignore_ascii_case(b) } else { a == b };
        let (p, t) = (pattern.as_bytes(), text.as_bytes());
        match self {
            Shape::Any => true,
            Shape::Exact => same(p, t),
            Shape::Prefix(n) => t.len() >= n && same(&p[..n], &t[..n]),
            Shape::Pieces(head, tail) if !case_insensitive => pieces_match_at(p, head, tail, t),
            Shape::Pieces(..) | Shape::General => wildcard_match(pattern, text, case_insensitive),
        }
    }
}

impl From<&str> for Pattern {
    fn from(text: &str) -> Self {
        Pattern::new(text)
    }
}

/// `*` and `?` wildcards; `case_insensitive` for actions. For a pattern
/// matched once (a substituted variable); [`Pattern`] reads it once for many.
pub fn wildcard_match(pattern: &str, text: &str, case_insensitive: bool) -> bool {
    // Policies are almost always ASCII: match bytes, allocating nothing (a
    // non-ASCII pattern may hold the literal `${*}` and `${?}` markers).
    if pattern.is_ascii() && text.is_ascii() {
        let (p, t) = (pattern.as_bytes(), text.as_bytes());
        if !case_insensitive && !p.contains(&b'?') {
            return pieces_match(p, t);
        }
        return glob(p, t, |p, t| p == t || (case_insensitive && p.eq_ignore_ascii_case(&t)));
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

/// The lengths of the literal before the first `*` of `p` and after its
/// last (`None` without a `*`, or past `u16`).
fn ends(p: &[u8]) -> Option<(u16, u16)> {
    let first = p.iter().position(|b| *b == b'*')?;
    let last = p.iter().rposition(|b| *b == b'*')?;
    Some((u16::try_from(first).ok()?, u16::try_from(p.len() - last - 1).ok()?))
}

/// Matching of a pattern whose only wildcard is `*`.
fn pieces_match(p: &[u8], t: &[u8]) -> bool {
    match ends(p) {
        Some((head, tail)) => pieces_match_at(p, head, tail, t),
        None if !p.contains(&b'*') => p == t,
        None => glob(p, t, |p, t| p == t),
    }
}

/// Matching of a pattern with at least one `*` and no other wildcard,
/// whose first literal is `head` bytes long and last `tail`: the first at
/// the start, the last at the end, each middle one at its leftmost place
/// after the one before (which is enough: no backtracking).
fn pieces_match_at(p: &[u8], head: u16, tail: u16, t: &[u8]) -> bool {
    let (head, tail) = (usize::from(head), usize::from(tail));
    if t.len() < head + tail
        || !literal_eq(&p[..head], &t[..head])
        || !literal_eq(&p[p.len() - tail..], &t[t.len() - tail..])
    {
        return false;
    }
    // Between the first star and the last (empty when there is one star).
    let middle = p.get(head + 1..p.len() - tail - 1).unwrap_or_default();
    let mut rest = &t[head..t.len() - tail];
    for piece in middle.split(|b| *b == b'*').filter(|piece| !piece.is_empty()) {
        match find(rest, piece) {
            Some(at) => rest = &rest[at + piece.len()..],
            None => return false,
        }
    }
    true
}

/// Whether two short slices are equal, compared in place: policy literals
/// are a few dozen bytes, less than a call to `memcmp` costs. Eight bytes
/// at a time, the last eight overlapping the ones before.
fn literal_eq(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    if n < 8 {
        return a.iter().zip(b).all(|(x, y)| x == y);
    }
    let word = |s: &[u8], at: usize| s.get(at..at + 8).map(|w| u64::from_ne_bytes(w.try_into().expect("8 bytes")));
    let mut at = 0;
    while at + 8 < n {
        if word(a, at) != word(b, at) {
            return false;
        }
        at += 8;
    }
    word(a, n - 8) == word(b, n - 8)
}

/// Where `needle` first occurs in `hay`: a scan for its first byte, its
/// last byte checked before the rest (policy pieces are short: no
/// searcher to build).
fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    let (Some(&first), Some(&last)) = (needle.first(), needle.last()) else { return Some(0) };
    let n = needle.len();
    let last_start = hay.len().checked_sub(n)?;
    let mut from = 0;
    while from <= last_start {
        let at = from + memchr(first, &hay[from..=last_start])?;
        if hay[at + n - 1] == last && literal_eq(&hay[at..at + n], needle) {
            return Some(at);
        }
        from = at + 1;
    }
    None
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shape_matches_as_backtracking_does() {
        let patterns = [
            "*",
            "",
            "abc",
            "ABC",
            "abc*",
            "*abc",
            "a*c",
            "*b*",
            "a**c",
            "**",
            "a*b*c",
            "*a*a*",
            "ab*ab",
            "a?c",
            "a*?",
            "x*",
            "arn:aws:secretsmanager:*:*:secret:prod/*",
            "arn:aws:secretsmanager:*:*:secret:prod/db-*",
            "arn:aws:secretsmanager:us-east-1:*:secret:prod/db-AbCdEf",
            "*:secret:prod/db-AbCdE*",
            "*secretsmanager*prod/db-AbCdEf",
            "arn:aws:*:111111111111:*:prod/db-?bCdEf",
            "abcdefgh*",
            "abcdefghi*ijklmnop*abcdefgh",
        ];
        let texts = [
            "",
            "aa",
            "aaa",
            "ab ab ab",
            "a",
            "abc",
            "ABC",
            "abbbc",
            "abcabc",
            "ac",
            "aXc",
            "aab",
            "ab",
            "aba",
            "abab",
            "é",
            "aéc",
            "arn:aws:secretsmanager:us-east-1:111111111111:secret:prod/db-AbCdEf",
            "arn:aws:secretsmanager:us-east-1:111111111111:secret:dev/db-AbCdEf",
            "arn:aws:secretsmanager:us-east-1:111111111111:secret:prod/db-AbCdEg",
            "arn:aws:secretsmanager:us-east-1:111111111111:secret:prod/dc-AbCdEf",
            "arn:aws:secretsmanaged:us-east-1:111111111111:secret:prod/db-AbCdEf",
            "arn:aws:secretsmanager:us-east-1:111111111111:secret:prod/db-AbCdEf:secret:prod/db-AbCdEf",
            "abcdefgh",
            "abcdefghijklmnopabcdefgh",
            "abcdefghiijklmnopijklmnopabcdefgh",
            "abcdefghijklmnoqabcdefgh",
        ];
        for p in patterns {
            let compiled = Pattern::new(p);
            for t in texts {
                for ci in [false, true] {
                    // The reference: backtracking over characters.
                    let fold = |s: &str| if ci { s.to_ascii_lowercase() } else { s.to_string() };
                    let (pc, tc): (Vec<char>, Vec<char>) = (fold(p).chars().collect(), fold(t).chars().collect());
                    let want = glob(&pc, &tc, |a, b| a == b);
                    assert_eq!(compiled.matches(t, ci), want, "{p:?} on {t:?} (ci {ci})");
                    assert_eq!(wildcard_match(p, t, ci), want, "{p:?} on {t:?} (ci {ci}), unread");
                }
            }
        }
    }

    #[test]
    fn literals_differ_wherever_a_byte_does() {
        let a: Vec<u8> = (0..40u8).map(|i| b'a' + i % 26).collect();
        for n in 0..=a.len() {
            assert!(literal_eq(&a[..n], &a[..n]), "{n}");
            for at in 0..n {
                let mut b = a[..n].to_vec();
                b[at] ^= 1;
                assert!(!literal_eq(&a[..n], &b), "{n} bytes, differing at {at}");
            }
            if n > 0 {
                assert!(!literal_eq(&a[..n], &a[..n - 1]), "lengths");
            }
        }
        assert_eq!(find(b"xxabcabd", b"abd"), Some(5));
        assert_eq!(find(b"xxabcab", b"abd"), None);
        assert_eq!(find(b"ab", b""), Some(0));
    }

    #[test]
    fn shapes() {
        assert_eq!(Pattern::new("*").shape, Shape::Any);
        assert_eq!(Pattern::new("a:b").shape, Shape::Exact);
        assert_eq!(Pattern::new("a:*").shape, Shape::Prefix(2));
        assert_eq!(Pattern::new("a*b*").shape, Shape::Pieces(1, 0));
        assert_eq!(Pattern::new("ab*c*de").shape, Shape::Pieces(2, 2));
        assert_eq!(Pattern::new("a?").shape, Shape::General);
        assert!(Pattern::new("arn:${aws:username}/*").has_variable());
        assert!(!Pattern::new("a*").has_variable());
    }

    #[test]
    fn wildcards() {
        assert!(wildcard_match("a*c", "abbbc", false));
        assert!(wildcard_match("*", "", false));
        assert!(!wildcard_match("a?c", "ac", false));
        assert!(wildcard_match("*b*", "abc", false));
        assert!(!wildcard_match("ABC", "abc", false));
        assert!(wildcard_match("ABC", "abc", true));
    }
}
