//! GetRandomPassword (docs/behaviour.md §11): uniform draws from the allowed
//! characters with a CSPRNG, at least one of each included class unless the
//! caller opts out.

use crate::error::{ApiError, ApiResult};
use rand::Rng;
use rand::seq::SliceRandom;
use zeroize::Zeroizing;

/// The 32 ASCII punctuation characters AWS draws from.
pub const PUNCTUATION: &str = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

/// The options of GetRandomPassword, with AWS's defaults.
#[derive(Debug, Clone)]
pub struct PasswordRules {
    /// Length, 1–4096 (default 32).
    pub length: usize,
    /// Characters never to use.
    pub exclude_characters: String,
    /// Leave out 0–9.
    pub exclude_numbers: bool,
    /// Leave out punctuation.
    pub exclude_punctuation: bool,
    /// Leave out A–Z.
    pub exclude_uppercase: bool,
    /// Leave out a–z.
    pub exclude_lowercase: bool,
    /// Allow the space character.
    pub include_space: bool,
    /// At least one character of every included class (default true).
    pub require_each_included_type: bool,
}

impl Default for PasswordRules {
    fn default() -> Self {
        PasswordRules {
            length: 32,
            exclude_characters: String::new(),
            exclude_numbers: false,
            exclude_punctuation: false,
            exclude_uppercase: false,
            exclude_lowercase: false,
            include_space: false,
            require_each_included_type: true,
        }
    }
}

impl PasswordRules {
    /// Draws a password.
    pub fn generate(&self) -> ApiResult<Zeroizing<String>> {
        let keep = |c: &char| !self.exclude_characters.contains(*c);
        let mut classes: Vec<Vec<char>> = Vec::new();
        if !self.exclude_lowercase {
            classes.push(('a'..='z').filter(keep).collect());
        }
        if !self.exclude_uppercase {
            classes.push(('A'..='Z').filter(keep).collect());
        }
        if !self.exclude_numbers {
            classes.push(('0'..='9').filter(keep).collect());
        }
        if !self.exclude_punctuation {
            classes.push(PUNCTUATION.chars().filter(keep).collect());
        }
        // A class whose every character is excluded cannot be required.
        classes.retain(|c| !c.is_empty());
        let mut pool: Vec<char> = classes.concat();
        if self.include_space && keep(&' ') {
            pool.push(' ');
        }
        if pool.is_empty() {
            return Err(ApiError::invalid_parameter(
                "The password can't be generated because every character type is excluded.",
            ));
        }
        let required = if self.require_each_included_type { classes.len() } else { 0 };
        if self.length < required {
            return Err(ApiError::invalid_parameter("Password length is too short based on the required types."));
        }
        let mut rng = rand::rng();
        let mut chars: Zeroizing<Vec<char>> = Zeroizing::new(Vec::with_capacity(self.length));
        if self.require_each_included_type {
            for class in &classes {
                chars.push(class[rng.random_range(0..class.len())]);
            }
        }
        while chars.len() < self.length {
            chars.push(pool[rng.random_range(0..pool.len())]);
        }
        chars.shuffle(&mut rng);
        Ok(Zeroizing::new(chars.iter().collect()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_has_every_class() {
        for _ in 0..200 {
            let p = PasswordRules::default().generate().unwrap();
            assert_eq!(p.chars().count(), 32);
            assert!(p.chars().any(|c| c.is_ascii_lowercase()));
            assert!(p.chars().any(|c| c.is_ascii_uppercase()));
            assert!(p.chars().any(|c| c.is_ascii_digit()));
            assert!(p.chars().any(|c| PUNCTUATION.contains(c)));
            assert!(!p.contains(' '));
        }
    }

    #[test]
    fn excluded_characters_never_appear() {
        let rules = PasswordRules { length: 120, exclude_characters: "xyzDje@?!.".into(), ..Default::default() };
        for _ in 0..50 {
            let p = rules.generate().unwrap();
            assert_eq!(p.chars().count(), 120);
            assert!(!p.chars().any(|c| "xyzDje@?!.".contains(c)));
        }
    }

    #[test]
    fn impossible_rules_are_refused() {
        let r = PasswordRules { length: 3, ..Default::default() };
        assert!(r.generate().is_err());
        let r = PasswordRules {
            exclude_lowercase: true,
            exclude_uppercase: true,
            exclude_numbers: true,
            exclude_punctuation: true,
            ..Default::default()
        };
        assert!(r.generate().is_err());
        let r = PasswordRules { length: 3, require_each_included_type: false, ..Default::default() };
        assert_eq!(r.generate().unwrap().chars().count(), 3);
    }
}
