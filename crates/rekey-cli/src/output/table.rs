//! `--output table`: `awscli/formatter.py`'s TableFormatter over
//! `awscli/table.py`'s MultiTable: a titled section per object, columns
//! sized to the widest value and scaled to the widest section, sections
//! with one row turned vertical when the table is wider than the terminal.

use super::python_str;
use serde_json::{Map, Value};

/// Colours: none, or the aws CLI's (blue values, yellow indentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// Plain text.
    Plain,
    /// ANSI colours.
    Color,
}

/// The value as a table titled `title` (the operation's name), for a
/// terminal `width` columns wide; fails, as v2's does, on rows of
/// different lengths in one section.
pub fn table(title: &str, v: &Value, style: Style, width: usize) -> Result<String, String> {
    let mut t = MultiTable { sections: Vec::new(), style, width };
    if !t.build(Some(title), v, 0) {
        return Ok(String::new());
    }
    if let Some(e) = t.sections.iter().find_map(|s| s.bad_row.clone()) {
        return Err(e);
    }
    Ok(t.render())
}

#[derive(Default, Clone)]
struct Section {
    title: String,
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
    indent: usize,
    max_widths: Vec<usize>,
    /// Columns, set by the first header or row.
    columns: Option<usize>,
    /// The first row that did not have them.
    bad_row: Option<String>,
}

/// Display width as v2's `get_text_length` counts it.
fn text_len(s: &str) -> usize {
    s.chars().map(|c| if super::wide::is_wide(c) { 2 } else { 1 }).sum()
}

impl Section {
    fn update_widths(&mut self, row: &[String]) {
        if self.max_widths.is_empty() {
            self.max_widths = row.iter().map(|e| text_len(e)).collect();
        } else {
            for (w, e) in self.max_widths.iter_mut().zip(row) {
                *w = (*w).max(text_len(e));
            }
        }
    }

    fn add_header(&mut self, headers: Vec<String>) {
        self.update_widths(&headers);
        self.columns.get_or_insert(headers.len());
        self.headers = headers;
    }

    fn add_row(&mut self, row: Vec<String>) {
        let columns = *self.columns.get_or_insert(row.len());
        if row.len() != columns && self.bad_row.is_none() {
            self.bad_row = Some(format!("Row should have {columns} elements, instead it has {}", row.len()));
        }
        self.update_widths(&row);
        self.rows.push(row);
    }

    /// Column widths scaled to `max_width` (Python's `round`: half to even).
    fn column_widths(&self, padding: usize, max_width: Option<usize>) -> Vec<usize> {
        let unscaled: Vec<usize> = self.max_widths.iter().map(|w| w + padding).collect();
        let Some(max_width) = max_width else { return unscaled };
        if unscaled.is_empty() {
            return unscaled;
        }
        let factor = max_width as f64 / unscaled.iter().sum::<usize>() as f64;
        let mut scaled: Vec<i64> = unscaled.iter().map(|w| (factor * *w as f64).round_ties_even() as i64).collect();
        let mut off_by = scaled.iter().sum::<i64>() - max_width as i64;
        while off_by != 0 {
            let order: Vec<usize> =
                if off_by < 0 { (0..scaled.len()).rev().collect() } else { (0..scaled.len()).collect() };
            for i in order {
                if off_by > 0 {
                    scaled[i] -= 1;
                    off_by -= 1;
                } else {
                    scaled[i] += 1;
                    off_by += 1;
                }
                if off_by == 0 {
                    break;
                }
            }
        }
        scaled.into_iter().map(|w| w.max(0) as usize).collect()
    }

    fn total_width(&self, padding: usize, outer_padding: usize) -> usize {
        let total: usize =
            self.column_widths(0, None).iter().map(|w| w + padding).sum::<usize>() + 2 + 2 * outer_padding;
        (text_len(&self.title) + 2 + 2 * outer_padding).max(total)
    }
}

struct MultiTable {
    sections: Vec<Section>,
    style: Style,
    width: usize,
}

fn is_scalar(v: &Value) -> bool {
    !matches!(v, Value::Object(_) | Value::Array(_))
}

impl MultiTable {
    fn current(&mut self) -> &mut Section {
        if self.sections.is_empty() {
            self.sections.push(Section::default());
        }
        self.sections.last_mut().expect("a section")
    }

    fn new_section(&mut self, title: &str, indent: usize) {
        self.sections.push(Section { title: title.to_string(), indent, ..Section::default() });
    }

    fn build(&mut self, title: Option<&str>, current: &Value, indent: usize) -> bool {
        let empty = match current {
            Value::Null => true,
            Value::Bool(b) => !b,
            Value::String(s) => s.is_empty(),
            Value::Array(a) => a.is_empty(),
            Value::Object(o) => o.is_empty(),
            Value::Number(n) => n.as_f64() == Some(0.0),
        };
        if empty {
            return false;
        }
        if let Some(t) = title {
            self.new_section(t, indent);
        }
        match current {
            Value::Array(items) => {
                if items[0].is_object() {
                    self.sub_table_from_list(items, indent, title);
                } else {
                    for item in items {
                        match item {
                            Value::Array(inner) if inner.iter().all(is_scalar) => {
                                self.current().add_row(inner.iter().map(python_str).collect())
                            }
                            Value::Array(_) | Value::Object(_) => {
                                self.build(None, item, 0);
                            }
                            scalar => self.current().add_row(vec![python_str(scalar)]),
                        }
                    }
                }
            }
            Value::Object(map) => self.sub_table_from_dict(map, indent),
            _ => {}
        }
        true
    }

    fn sub_table_from_dict(&mut self, map: &Map<String, Value>, indent: usize) {
        let (headers, more) = group_scalar_keys(map);
        if headers.len() == 1 {
            let row = vec![headers[0].clone(), python_str(&map[&headers[0]])];
            self.current().add_row(row);
        } else if !headers.is_empty() {
            let row = headers.iter().map(|k| python_str(&map[k])).collect();
            self.current().add_header(headers);
            self.current().add_row(row);
        }
        for k in more {
            self.build(Some(&k), &map[&k], indent + 1);
        }
    }

    fn sub_table_from_list(&mut self, items: &[Value], indent: usize, title: Option<&str>) {
        let mut headers = Vec::new();
        let mut more = Vec::new();
        for item in items.iter().filter_map(Value::as_object) {
            let (h, m) = group_scalar_keys(item);
            headers.extend(h);
            more.extend(m);
        }
        headers.sort();
        headers.dedup();
        more.sort();
        more.dedup();
        self.current().add_header(headers.clone());
        for (i, element) in items.iter().enumerate() {
            let Some(element) = element.as_object() else { continue };
            if i > 0 && !more.is_empty() {
                self.new_section(title.unwrap_or_default(), indent);
                self.current().add_header(headers.clone());
            }
            let row = headers.iter().map(|h| element.get(h).map_or_else(String::new, python_str)).collect();
            self.current().add_row(row);
            for k in &more {
                if let Some(v) = element.get(k) {
                    self.build(Some(k), v, indent + 1);
                }
            }
        }
    }

    fn max_width(&self) -> usize {
        self.sections.iter().map(|s| s.total_width(4, s.indent)).max().unwrap_or(0)
    }

    fn render(mut self) -> String {
        let mut max_width = self.max_width();
        if max_width > self.width {
            // Sections with one row become `header | value` rows.
            for s in &mut self.sections {
                if s.rows.len() == 1 && !s.headers.is_empty() {
                    let mut vertical = Section { title: s.title.clone(), indent: s.indent, ..Section::default() };
                    for (h, e) in s.headers.iter().zip(&s.rows[0]) {
                        vertical.add_row(vec![h.clone(), e.clone()]);
                    }
                    *s = vertical;
                }
            }
            max_width = self.max_width();
        }
        let mut out = String::new();
        out.push_str(&"-".repeat(max_width));
        out.push('\n');
        out.push_str(self.reset());
        for s in &self.sections {
            self.render_section(&mut out, s, max_width);
        }
        out
    }

    fn indent_char(&self) -> String {
        match self.style {
            Style::Plain => "|".into(),
            Style::Color => "\x1b[2m\x1b[33m|\x1b[0m".into(),
        }
    }

    /// What follows every write in colour: v2's colorama runs with
    /// `autoreset`, so each write to stdout is followed by a reset.
    fn reset(&self) -> &'static str {
        match self.style {
            Style::Plain => "",
            Style::Color => "\x1b[0m",
        }
    }

    /// Writes one line of a section, with the indentation bars around it
    /// (four writes in v2: left bars, the text, right bars, the newline).
    fn line(&self, out: &mut String, indent: usize, text: &str) {
        let bar = self.indent_char().repeat(indent);
        for part in [bar.as_str(), text, bar.as_str(), "\n"] {
            out.push_str(part);
            out.push_str(self.reset());
        }
    }

    fn render_section(&self, out: &mut String, s: &Section, max_width: usize) {
        let max_width = max_width - s.indent * 2;
        if !s.title.is_empty() {
            self.line(out, s.indent, &center(&s.title, text_len(&s.title), max_width, "|", "|"));
            if s.headers.is_empty() && s.rows.is_empty() {
                self.line(out, s.indent, &format!("+{}+", "-".repeat(max_width - 2)));
            }
        }
        if !s.headers.is_empty() {
            let widths = s.column_widths(4, Some(max_width));
            let mut current = String::new();
            for (i, (w, h)) in widths.iter().zip(&s.headers).enumerate() {
                current.push_str(&center(h, text_len(h), *w, if i == 0 { "|" } else { "" }, "|"));
            }
            self.line(out, s.indent, &line_break(&widths));
            self.line(out, s.indent, &current);
        }
        if !s.rows.is_empty() {
            let widths = s.column_widths(4, Some(max_width));
            if widths.is_empty() {
                return;
            }
            self.line(out, s.indent, &line_break(&widths));
            for row in &s.rows {
                let mut current = String::new();
                for (i, (w, e)) in widths.iter().zip(row).enumerate() {
                    let styled = match self.style {
                        Style::Plain => e.clone(),
                        Style::Color => format!("\x1b[1m\x1b[34m{e}\x1b[0m"),
                    };
                    current.push_str(&align_left(&styled, text_len(e), *w, if i == 0 { "|" } else { "" }, "|"));
                }
                self.line(out, s.indent, &current);
            }
            self.line(out, s.indent, &line_break(&widths));
        }
    }
}

fn group_scalar_keys(map: &Map<String, Value>) -> (Vec<String>, Vec<String>) {
    let mut headers: Vec<String> = map.iter().filter(|(_, v)| is_scalar(v)).map(|(k, _)| k.clone()).collect();
    let mut more: Vec<String> = map.iter().filter(|(_, v)| !is_scalar(v)).map(|(k, _)| k.clone()).collect();
    headers.sort();
    more.sort();
    (headers, more)
}

/// `+-----+------+`
fn line_break(widths: &[usize]) -> String {
    let mut s = String::new();
    for (i, w) in widths.iter().enumerate() {
        if i == 0 {
            s.push_str(&format!("+{}+", "-".repeat(w.saturating_sub(2))));
        } else {
            s.push_str(&format!("{}+", "-".repeat(w.saturating_sub(1))));
        }
    }
    s
}

/// `table.py`'s `center_text`.
fn center(text: &str, text_length: usize, length: usize, left: &str, right: &str) -> String {
    // Python's arithmetic, negative counts repeating nothing.
    let start = (length / 2) as i64 - (text_length / 2) as i64 - 1;
    let so_far = left.len() as i64 + start + text_length as i64;
    let right_spaces = length as i64 - right.len() as i64 - so_far;
    let spaces = |n: i64| " ".repeat(n.max(0) as usize);
    format!("{left}{}{text}{}{right}", spaces(start), spaces(right_spaces))
}

/// `table.py`'s `align_left`, with two spaces of padding when they fit.
fn align_left(text: &str, text_length: usize, length: usize, left: &str, right: &str) -> String {
    let computed = text_length + 2 + left.len() + right.len();
    let padding = if length >= computed { 2 } else { 0 };
    let so_far = left.len() + padding + text_length;
    let fill = (length as i64 - so_far as i64 - right.len() as i64).max(0) as usize;
    format!("{left}{}{text}{}{right}", " ".repeat(padding), " ".repeat(fill))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_dict_and_a_nested_list() {
        let v = json!({"ARN": "arn:x", "Name": "app", "VersionStages": ["AWSCURRENT"]});
        let got = table("GetSecretValue", &v, Style::Plain, 80).unwrap();
        // What awscli's TableFormatter writes for the same value.
        let want = "-------------------\n| GetSecretValue  |\n+--------+--------+\n|   ARN  | Name   |\n+--------+--------+\n|  arn:x |  app   |\n+--------+--------+\n|| VersionStages ||\n|+---------------+|\n||  AWSCURRENT   ||\n|+---------------+|\n";
        assert_eq!(got, want);
    }
}
