//! The service model's HTML documentation as the aws CLI v2 renders it in
//! help pages: botocore turns it into reStructuredText (inline markup
//! followed by a space, so a link before a full stop reads `text .`;
//! `<note>` and `<important>` become NOTE: and WARNING: blocks; list items
//! `o` bullets; `<fullname>` dropped), which man then lays out. A link
//! whose text starts with inline markup is not valid reStructuredText, so
//! v2 shows it raw (`` ` text <url>`__ ``); so does this.

/// A block of rendered documentation.
#[derive(Debug, PartialEq)]
pub enum Block {
    /// Running text.
    Paragraph(String),
    /// A bulleted item (its paragraphs).
    Item(Vec<Block>),
    /// `NOTE:` or `WARNING:` and what it holds.
    Admonition(&'static str, Vec<Block>),
}

/// Parses documentation HTML into blocks.
pub fn blocks(html: &str) -> Vec<Block> {
    let mut p = Parser { stack: vec![Vec::new()], kinds: Vec::new(), text: String::new(), hidden: 0 };
    // An open link: its target, where its text starts, whether it broke.
    let mut link: Option<(String, usize, bool)> = None;
    // Where the text stood when inline markup last ended.
    let mut inline_end = 0;
    let mut rest = html;
    while let Some(i) = rest.find(['<', '&']) {
        p.text(&rest[..i]);
        rest = &rest[i..];
        if rest.starts_with('&') {
            let end = rest.find(';').filter(|&e| e < 10).unwrap_or(0);
            let decoded = match &rest[..=end] {
                "&amp;" => "&",
                "&lt;" => "<",
                "&gt;" => ">",
                "&quot;" => "\"",
                "&apos;" => "'",
                _ => "&",
            };
            p.text(decoded);
            rest = &rest[if decoded == "&" && !rest.starts_with("&amp;") { 1 } else { end + 1 }..];
            continue;
        }
        let Some(end) = rest.find('>') else {
            p.text(rest);
            rest = "";
            break;
        };
        let tag = &rest[1..end];
        rest = &rest[end + 1..];
        let closing = tag.starts_with('/');
        let name = tag.trim_start_matches('/').split(|c: char| c.is_whitespace() || c == '/').next().unwrap_or("");
        match (name, closing) {
            ("p", _) | ("ul" | "ol", _) | ("br", _) => p.flush(),
            ("li", false) => p.open("li"),
            ("li", true) => p.close("li"),
            ("note", false) => p.open("note"),
            ("important", false) | ("danger", false) => p.open("important"),
            ("note" | "important" | "danger", true) => p.close(name),
            ("fullname", false) => p.hidden += 1,
            ("fullname", true) => p.hidden = p.hidden.saturating_sub(1),
            ("a", true) => match link.take() {
                // Only blanks since the markup ended: botocore drops them
                // and writes the target bare.
                Some((href, _, true)) if p.text.len() > inline_end && p.text[inline_end..].trim().is_empty() => {
                    p.text.truncate(inline_end);
                    p.text(&format!("{href}`__ "))
                }
                Some((href, _, true)) => p.text(&format!(" <{href}>`__ ")),
                _ => p.text(" "),
            },
            // Inline markup ends with a space (botocore's `_end_inline`).
            ("code" | "b" | "i" | "strong" | "em", true) => {
                p.text(" ");
                inline_end = p.text.len();
            }
            ("code" | "b" | "i" | "strong" | "em", false) => {
                if let Some((_, start, broken)) = &mut link
                    && !*broken
                    && p.text[*start..].trim().is_empty()
                {
                    *broken = true;
                    p.text("` ");
                }
            }
            ("a", false) => match tag.split_once("href=\"").and_then(|(_, h)| h.split_once('"')) {
                Some((href, _)) => link = Some((href.to_string(), p.text.len(), false)),
                None => p.text(" "),
            },
            _ => {}
        }
    }
    p.text(rest);
    p.flush();
    while p.stack.len() > 1 {
        let kind = p.kinds.pop().unwrap_or("li");
        p.close(kind);
    }
    p.stack.pop().unwrap_or_default()
}

struct Parser {
    stack: Vec<Vec<Block>>,
    kinds: Vec<&'static str>,
    text: String,
    hidden: usize,
}

impl Parser {
    fn text(&mut self, t: &str) {
        if self.hidden == 0 {
            self.text.push_str(t);
        }
    }

    fn flush(&mut self) {
        let words: Vec<&str> = self.text.split_whitespace().collect();
        if !words.is_empty() {
            let para = Block::Paragraph(words.join(" "));
            self.stack.last_mut().expect("a level").push(para);
        }
        self.text.clear();
    }

    fn open(&mut self, kind: &'static str) {
        self.flush();
        self.stack.push(Vec::new());
        self.kinds.push(kind);
    }

    fn close(&mut self, kind: &str) {
        self.flush();
        if self.kinds.last().is_none_or(|k| *k != kind) || self.stack.len() < 2 {
            return;
        }
        self.kinds.pop();
        let inner = self.stack.pop().expect("opened");
        let block = match kind {
            "li" => Block::Item(inner),
            "note" => Block::Admonition("NOTE:", inner),
            _ => Block::Admonition("WARNING:", inner),
        };
        self.stack.last_mut().expect("a level").push(block);
    }
}

/// Writes `blocks` at `indent`, wrapped as man wraps at 80 columns.
pub fn render(out: &mut String, blocks: &[Block], indent: usize) {
    for block in blocks {
        match block {
            Block::Paragraph(text) => {
                wrap(out, text, indent, indent);
                out.push('\n');
            }
            Block::Item(inner) => {
                for (i, b) in inner.iter().enumerate() {
                    match b {
                        Block::Paragraph(text) if i == 0 => {
                            wrap(out, &format!("o {text}"), indent, indent + 2);
                            out.push('\n');
                        }
                        other => render(out, std::slice::from_ref(other), indent + 2),
                    }
                }
                if inner.is_empty() {
                    out.push_str(&format!("{}o\n\n", " ".repeat(indent)));
                }
            }
            Block::Admonition(label, inner) => {
                out.push_str(&format!("{}{label}\n", " ".repeat(indent)));
                render(out, inner, indent + 4);
            }
        }
    }
}

/// Fills `text` into lines of at most 79 columns: the first at `first`,
/// the others at `rest`.
pub fn wrap(out: &mut String, text: &str, first: usize, rest: usize) {
    let mut line = " ".repeat(first);
    let mut empty = true;
    for word in text.split_whitespace() {
        let width = line.chars().count();
        if !empty && width + 1 + word.chars().count() > 79 {
            out.push_str(line.trim_end());
            out.push('\n');
            line = " ".repeat(rest);
            empty = true;
        }
        if !empty {
            line.push(' ');
        }
        line.push_str(word);
        empty = false;
    }
    out.push_str(line.trim_end());
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn as_botocore_renders_it() {
        let html = "<p>See <a href=\"u\">Finding a secret</a>. Use <code>x</code>, or <i>y</i>.</p><note><p>A note.</p></note><ul><li><p>One</p></li><li>Two</li></ul><fullname>Hidden</fullname>";
        assert_eq!(
            blocks(html),
            vec![
                Block::Paragraph("See Finding a secret . Use x , or y .".into()),
                Block::Admonition("NOTE:", vec![Block::Paragraph("A note.".into())]),
                Block::Item(vec![Block::Paragraph("One".into())]),
                Block::Item(vec![Block::Paragraph("Two".into())]),
            ]
        );
    }
}
