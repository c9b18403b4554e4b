//! ListSecrets filters (docs/behaviour.md §10.2): several filters are ANDed,
//! the values of one filter ORed, a leading `!` negates a value. `name`,
//! `tag-key`, `tag-value`, `primary-region` and `owning-service` match by
//! prefix; `description` and `all` match word by word, case-insensitively,
//! after splitting text into words the way AWS does.

use crate::api::{Filter, FilterNameStringType, Tag};

/// What a secret offers to the filters.
#[derive(Debug, Clone, Copy)]
pub struct Searchable<'a> {
    /// The name.
    pub name: &'a str,
    /// The description.
    pub description: Option<&'a str>,
    /// The tags.
    pub tags: &'a [Tag],
    /// OwningService.
    pub owning_service: Option<&'a str>,
    /// PrimaryRegion (replicated secrets only).
    pub primary_region: Option<&'a str>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Value {
    negated: bool,
    text: String,
}

/// One filter of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretFilter {
    key: FilterNameStringType,
    values: Vec<Value>,
}

impl SecretFilter {
    /// The filters of a request. The model requires neither a filter's key
    /// nor its values, but AWS refuses a filter without either
    /// (docs/behaviour.md §13.1) rather than ignore it.
    pub fn from_api(filters: &[Filter]) -> Result<Vec<SecretFilter>, crate::ApiError> {
        filters
            .iter()
            .map(|f| {
                let key = f.key.ok_or_else(|| crate::ApiError::invalid_parameter("Invalid filter key"))?;
                if f.values.is_none() {
                    return Err(crate::ApiError::invalid_parameter(format!(
                        "Invalid filter values for key: {}",
                        key.as_str()
                    )));
                }
                let values = f
                    .values
                    .iter()
                    .flatten()
                    .map(|v| match v.strip_prefix('!') {
                        Some(rest) => Value { negated: true, text: rest.to_string() },
                        None => Value { negated: false, text: v.clone() },
                    })
                    .collect();
                Ok(SecretFilter { key, values })
            })
            .collect()
    }

    /// Whether `s` passes this filter (some value matches).
    pub fn matches(&self, s: &Searchable<'_>) -> bool {
        self.values.iter().any(|v| self.matches_value(&v.text, s) != v.negated)
    }

    fn matches_value(&self, text: &str, s: &Searchable<'_>) -> bool {
        match self.key {
            FilterNameStringType::Name => s.name.starts_with(text),
            FilterNameStringType::TagKey => s.tags.iter().any(|t| t.key.as_deref().unwrap_or("").starts_with(text)),
            FilterNameStringType::TagValue => s.tags.iter().any(|t| t.value.as_deref().unwrap_or("").starts_with(text)),
            FilterNameStringType::PrimaryRegion => s.primary_region.is_some_and(|r| r.starts_with(text)),
            FilterNameStringType::OwningService => {
                s.owning_service.is_some_and(|o| o.to_lowercase().starts_with(&text.to_lowercase()))
            }
            FilterNameStringType::Description => words_match(text, s.description.into_iter().flat_map(words)),
            FilterNameStringType::All => {
                let tags = s.tags.iter().flat_map(|t| [t.key.as_deref(), t.value.as_deref()]).flatten();
                let fields = [Some(s.name), s.description].into_iter().flatten().chain(tags);
                words_match(text, fields.flat_map(words))
            }
        }
    }
}

/// Whether `s` passes every filter.
pub fn matches_all(filters: &[SecretFilter], s: &Searchable<'_>) -> bool {
    filters.iter().all(|f| f.matches(s))
}

/// Every word of `query` is a prefix of some word of `text`
/// (case-insensitive); a query without words matches nothing.
fn words_match(query: &str, text: impl Iterator<Item = String>) -> bool {
    let wanted: Vec<String> = words(query).into_iter().map(|w| w.to_lowercase()).collect();
    if wanted.is_empty() {
        return false;
    }
    let have: Vec<String> = text.map(|w| w.to_lowercase()).collect();
    wanted.iter().all(|w| have.iter().any(|h| h.starts_with(w.as_str())))
}

/// Splits text into words as AWS's search does: at non-alphanumeric
/// characters, at lower→upper case changes, at letter↔digit changes, and
/// before the last capital of an upper-case run followed by lower case
/// (`COMPANYthings` → `COMPAN`, `Ythings`).
pub fn words(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut word = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_alphanumeric() {
            if !word.is_empty() {
                out.push(std::mem::take(&mut word));
            }
            continue;
        }
        if let Some(&prev) = word.chars().last().as_ref() {
            let next = chars.get(i + 1).copied();
            let boundary = (prev.is_lowercase() && c.is_uppercase())
                || (prev.is_alphabetic() && c.is_numeric())
                || (prev.is_numeric() && c.is_alphabetic())
                || (prev.is_uppercase() && c.is_uppercase() && next.is_some_and(char::is_lowercase));
            if boundary {
                out.push(std::mem::take(&mut word));
            }
        }
        word.push(c);
    }
    if !word.is_empty() {
        out.push(word);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filter(key: FilterNameStringType, values: &[&str]) -> SecretFilter {
        SecretFilter::from_api(&[Filter {
            key: Some(key),
            values: Some(values.iter().map(|v| v.to_string()).collect()),
        }])
        .unwrap()
        .pop()
        .unwrap()
    }

    fn secret<'a>(name: &'a str, description: Option<&'a str>, tags: &'a [Tag]) -> Searchable<'a> {
        Searchable { name, description, tags, owning_service: None, primary_region: None }
    }

    #[test]
    fn splits_words_like_aws() {
        assert_eq!(words("SecretOne-two_3x"), ["Secret", "One", "two", "3", "x"]);
        assert_eq!(words("COMPANYthings"), ["COMPAN", "Ythings"]);
        assert_eq!(words("DescTwo"), ["Desc", "Two"]);
        assert!(words("+").is_empty());
    }

    #[test]
    fn description_is_word_prefix_and_case_insensitive() {
        // docs/behaviour.md §10.2, from LocalStack's validated test.
        let descs = ["a secret", "an secret", "asecret", "thesecret"];
        let hits = |values: &[&str]| -> Vec<&str> {
            let f = filter(FilterNameStringType::Description, values);
            descs.iter().copied().filter(|d| f.matches(&secret("n", Some(d), &[]))).collect()
        };
        assert_eq!(hits(&["a"]), ["a secret", "an secret", "asecret"]);
        assert_eq!(hits(&["a secret"]), ["a secret", "an secret"]);
        assert_eq!(hits(&["!a"]), ["thesecret"]);
        assert_eq!(hits(&["!c"]), descs);
        assert_eq!(hits(&["A SECRET"]), ["a secret", "an secret"]);
    }

    #[test]
    fn name_is_case_sensitive_whole_prefix() {
        let f = filter(FilterNameStringType::Name, &["/"]);
        assert!(f.matches(&secret("/a", None, &[])));
        assert!(!f.matches(&secret("a/", None, &[])));
        let neg = filter(FilterNameStringType::Name, &["!/"]);
        assert!(neg.matches(&secret("a/", None, &[])));
        let spaced = filter(FilterNameStringType::Name, &["testing1 one"]);
        assert!(!spaced.matches(&secret("testing1", None, &[])));
        let either = filter(FilterNameStringType::Name, &["foo", "bar"]);
        assert!(either.matches(&secret("bar1", None, &[])) && !either.matches(&secret("Foo", None, &[])));
    }

    #[test]
    fn all_searches_every_field_by_word() {
        let tags = [Tag { key: Some("Environment".into()), value: Some("prod-eu".into()) }];
        let s = secret("SecretOne", Some("DescTwo"), &tags);
        let all = |v: &str| filter(FilterNameStringType::All, &[v]).matches(&s);
        assert!(all("d t"));
        assert!(all("sec"));
        assert!(!all("ret"));
        assert!(all("env eu"));
        assert!(!all("+"));
    }

    #[test]
    fn filters_are_anded() {
        let tags = [Tag { key: Some("team".into()), value: Some("core".into()) }];
        let s = secret("app/db", None, &tags);
        let fs = vec![filter(FilterNameStringType::Name, &["app"]), filter(FilterNameStringType::TagValue, &["co"])];
        assert!(matches_all(&fs, &s));
        let fs = vec![filter(FilterNameStringType::Name, &["app"]), filter(FilterNameStringType::TagKey, &["x"])];
        assert!(!matches_all(&fs, &s));
    }
}
