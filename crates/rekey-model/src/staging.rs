//! Staging labels and how they move between versions (docs/behaviour.md §4).
//!
//! Labels are a map label → version: "a label is on at most one version" is
//! true by construction here, and by a primary key in the store.

use crate::error::{ApiError, ApiResult, ErrorCode};
use std::collections::BTreeMap;
use std::fmt;

/// A version's id (= the ClientRequestToken that created it), 32–64 characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct VersionId(String);

impl VersionId {
    /// Wraps an id (length is checked by model validation at the edge).
    pub fn new(s: impl Into<String>) -> Self {
        VersionId(s.into())
    }
    /// A fresh UUIDv4-shaped id, for versions the service creates itself.
    pub fn random() -> Self {
        VersionId(uuid::Uuid::new_v4().to_string())
    }
    /// The id.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for VersionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A staging label, 1–256 characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StagingLabel(String);

impl StagingLabel {
    /// The version returned by default.
    pub const CURRENT: &'static str = "AWSCURRENT";
    /// The version that last held AWSCURRENT.
    pub const PREVIOUS: &'static str = "AWSPREVIOUS";
    /// The version a rotation is building.
    pub const PENDING: &'static str = "AWSPENDING";

    /// Wraps a label.
    pub fn new(s: impl Into<String>) -> Self {
        StagingLabel(s.into())
    }
    /// `AWSCURRENT`.
    pub fn current() -> Self {
        StagingLabel(Self::CURRENT.into())
    }
    /// `AWSPREVIOUS`.
    pub fn previous() -> Self {
        StagingLabel(Self::PREVIOUS.into())
    }
    /// `AWSPENDING`.
    pub fn pending() -> Self {
        StagingLabel(Self::PENDING.into())
    }
    /// The label text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for StagingLabel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// At most this many distinct labels per secret.
pub const MAX_LABELS_PER_SECRET: usize = 20;

/// The labels of one secret.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Labels {
    map: BTreeMap<StagingLabel, VersionId>,
}

/// What placing a new version did besides attaching its labels.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Placement {
    /// AWSPENDING was taken off this version: a rotation in progress was
    /// abandoned by a manual write (CloudTrail `RotationAbandoned`).
    pub abandoned_pending: Option<VersionId>,
}

impl Labels {
    /// Builds from (label, version) pairs.
    pub fn from_pairs(pairs: impl IntoIterator<Item = (StagingLabel, VersionId)>) -> Self {
        Labels { map: pairs.into_iter().collect() }
    }
    /// All (label, version) pairs, ordered by label.
    pub fn iter(&self) -> impl Iterator<Item = (&StagingLabel, &VersionId)> {
        self.map.iter()
    }
    /// The version holding `label`.
    pub fn holder(&self, label: &str) -> Option<&VersionId> {
        self.map.get(&StagingLabel::new(label))
    }
    /// The labels on `version`, ordered by label.
    pub fn on(&self, version: &VersionId) -> Vec<StagingLabel> {
        self.map.iter().filter(|(_, v)| *v == version).map(|(l, _)| l.clone()).collect()
    }
    /// Whether `version` carries any label (else it is deprecated).
    pub fn is_labelled(&self, version: &VersionId) -> bool {
        self.map.values().any(|v| v == version)
    }
    /// A rotation is in progress: AWSPENDING sits on a version that is not AWSCURRENT.
    pub fn rotation_in_progress(&self) -> bool {
        match self.holder(StagingLabel::PENDING) {
            Some(p) => self.holder(StagingLabel::CURRENT) != Some(p),
            None => false,
        }
    }

    fn attach(&mut self, label: StagingLabel, version: &VersionId) {
        self.map.insert(label, version.clone());
    }

    fn check_limit(&self) -> ApiResult<()> {
        if self.map.len() > MAX_LABELS_PER_SECRET {
            return Err(ApiError::new(
                ErrorCode::LimitExceededException,
                format!(
                    "You can't attach more than {MAX_LABELS_PER_SECRET} staging labels to the versions of a secret."
                ),
            ));
        }
        Ok(())
    }

    /// Attaches the labels of a newly written version (CreateSecret,
    /// PutSecretValue, UpdateSecret), moving AWSPREVIOUS along with
    /// AWSCURRENT and abandoning a rotation when a new current value is
    /// written by hand. `requested` is PutSecretValue's VersionStages;
    /// `None` means `[AWSCURRENT]`. The first version is always current.
    pub fn place_new_version(
        &mut self,
        new: &VersionId,
        requested: Option<&[StagingLabel]>,
        first_version: bool,
    ) -> ApiResult<Placement> {
        let mut labels: Vec<StagingLabel> = match requested {
            Some(r) => r.to_vec(),
            None => vec![StagingLabel::current()],
        };
        if first_version && !labels.iter().any(|l| l.as_str() == StagingLabel::CURRENT) {
            labels.push(StagingLabel::current());
        }
        let takes_current = labels.iter().any(|l| l.as_str() == StagingLabel::CURRENT);
        let takes_pending = labels.iter().any(|l| l.as_str() == StagingLabel::PENDING);
        let previous_current = self.holder(StagingLabel::CURRENT).cloned();
        for l in &labels {
            self.map.remove(l);
        }
        let mut placement = Placement::default();
        if takes_current {
            if let Some(p) = previous_current.filter(|p| p != new) {
                self.attach(StagingLabel::previous(), &p);
            }
            if !takes_pending {
                placement.abandoned_pending = self.map.remove(&StagingLabel::pending()).filter(|v| v != new);
            }
        }
        for l in labels {
            self.attach(l, new);
        }
        self.check_limit()?;
        Ok(placement)
    }

    /// Takes `label` off whatever version holds it; returns that version.
    pub fn detach(&mut self, label: &str) -> Option<VersionId> {
        self.map.remove(&StagingLabel::new(label))
    }

    /// Puts `label` on `version`, wherever it was before (no AWSPREVIOUS
    /// bookkeeping: for labels other than AWSCURRENT).
    pub fn set(&mut self, label: StagingLabel, version: &VersionId) -> ApiResult<()> {
        self.attach(label, version);
        self.check_limit()
    }

    /// UpdateSecretVersionStage: add, move or remove one label.
    /// `exists` tells whether a version id names a version of the secret.
    pub fn update_stage(
        &mut self,
        label: &StagingLabel,
        remove_from: Option<&VersionId>,
        move_to: Option<&VersionId>,
        exists: impl Fn(&VersionId) -> bool,
    ) -> ApiResult<()> {
        for v in [remove_from, move_to].into_iter().flatten() {
            if !exists(v) {
                return Err(ApiError::invalid_parameter(format!("Not a valid version: {v}")));
            }
        }
        let holder = self.map.get(label).cloned();
        match (&holder, remove_from) {
            (Some(h), None) => {
                return Err(ApiError::invalid_parameter(format!(
                    "The parameter RemoveFromVersionId can't be empty. Staging label {label} is currently attached to version {h}, so you must explicitly reference that version in RemoveFromVersionId."
                )));
            }
            (Some(h), Some(r)) if h != r => {
                return Err(ApiError::invalid_parameter(format!(
                    "The parameter RemoveFromVersionId doesn't match. Staging label {label} is currently attached to version {h}, so you must explicitly reference that version in RemoveFromVersionId."
                )));
            }
            (None, Some(r)) => {
                return Err(ApiError::invalid_parameter(format!("Version stage {label} not found in version {r}")));
            }
            _ => {}
        }
        let is_current = label.as_str() == StagingLabel::CURRENT;
        match (holder, move_to) {
            (_, None) if is_current => Err(ApiError::invalid_parameter(
                "You can't remove the staging label AWSCURRENT from a version without moving it to another version.",
            )),
            (Some(_), None) => {
                self.map.remove(label);
                Ok(())
            }
            (None, None) => {
                Err(ApiError::invalid_parameter("You must specify MoveToVersionId, RemoveFromVersionId, or both."))
            }
            (holder, Some(to)) => {
                if is_current && let Some(old) = holder.filter(|h| h != to) {
                    self.attach(StagingLabel::previous(), &old);
                }
                self.attach(label.clone(), to);
                self.check_limit()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(n: u8) -> VersionId {
        VersionId::new(format!("{n:0>32}"))
    }
    fn l(s: &str) -> StagingLabel {
        StagingLabel::new(s)
    }
    fn state(labels: &Labels) -> Vec<(String, Vec<String>)> {
        let mut by_version: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (label, version) in labels.iter() {
            by_version.entry(version.to_string()[31..].to_string()).or_default().push(label.to_string());
        }
        by_version.into_iter().collect()
    }
    fn s(pairs: &[(&str, &[&str])]) -> Vec<(String, Vec<String>)> {
        pairs.iter().map(|(v, ls)| (v.to_string(), ls.iter().map(|x| x.to_string()).collect())).collect()
    }

    #[test]
    fn put_moves_current_and_previous() {
        let mut ls = Labels::default();
        ls.place_new_version(&v(1), None, true).unwrap();
        ls.place_new_version(&v(2), None, false).unwrap();
        assert_eq!(state(&ls), s(&[("1", &["AWSPREVIOUS"]), ("2", &["AWSCURRENT"])]));
        ls.place_new_version(&v(3), None, false).unwrap();
        assert_eq!(state(&ls), s(&[("2", &["AWSPREVIOUS"]), ("3", &["AWSCURRENT"])]));
        assert!(!ls.is_labelled(&v(1)));
    }

    #[test]
    fn custom_stages_leave_current_alone() {
        let mut ls = Labels::default();
        ls.place_new_version(&v(1), None, true).unwrap();
        ls.place_new_version(&v(2), Some(&[l("SAMPLESTAGE1"), l("SAMPLESTAGE0")]), false).unwrap();
        assert_eq!(state(&ls), s(&[("1", &["AWSCURRENT"]), ("2", &["SAMPLESTAGE0", "SAMPLESTAGE1"])]));
        ls.place_new_version(&v(3), Some(&[l("AWSCURRENT"), l("PUT0")]), false).unwrap();
        assert_eq!(
            state(&ls),
            s(&[("1", &["AWSPREVIOUS"]), ("2", &["SAMPLESTAGE0", "SAMPLESTAGE1"]), ("3", &["AWSCURRENT", "PUT0"])])
        );
    }

    #[test]
    fn replacing_all_custom_labels_deprecates() {
        let mut ls = Labels::default();
        ls.place_new_version(&v(1), None, true).unwrap();
        ls.place_new_version(&v(2), Some(&[l("one"), l("two"), l("three")]), false).unwrap();
        let mut a = ls.clone();
        a.place_new_version(&v(3), Some(&[l("one"), l("two"), l("three"), l("four")]), false).unwrap();
        assert!(!a.is_labelled(&v(2)));
        ls.place_new_version(&v(3), Some(&[l("one"), l("two"), l("four")]), false).unwrap();
        assert_eq!(state(&ls), s(&[("1", &["AWSCURRENT"]), ("2", &["three"]), ("3", &["four", "one", "two"])]));
    }

    #[test]
    fn manual_current_write_abandons_rotation() {
        let mut ls = Labels::from_pairs([(l("AWSPREVIOUS"), v(1)), (l("AWSCURRENT"), v(2)), (l("AWSPENDING"), v(2))]);
        let p = ls.place_new_version(&v(3), None, false).unwrap();
        assert_eq!(state(&ls), s(&[("2", &["AWSPREVIOUS"]), ("3", &["AWSCURRENT"])]));
        assert_eq!(p.abandoned_pending, Some(v(2)));
        let mut ls = Labels::from_pairs([
            (l("AWSCURRENT"), v(2)),
            (l("AWSPENDING"), v(2)),
            (l("AWSSOMETHING"), v(2)),
            (l("PUT1"), v(2)),
        ]);
        ls.place_new_version(&v(3), Some(&[l("AWSPENDING"), l("PUT2")]), false).unwrap();
        assert_eq!(state(&ls), s(&[("2", &["AWSCURRENT", "AWSSOMETHING", "PUT1"]), ("3", &["AWSPENDING", "PUT2"])]));
    }

    #[test]
    fn moving_current_moves_previous_but_not_pending() {
        let all = |_: &VersionId| true;
        let mut ls = Labels::from_pairs([(l("AWSCURRENT"), v(1)), (l("AWSPENDING"), v(2))]);
        ls.update_stage(&l("AWSCURRENT"), Some(&v(1)), Some(&v(2)), all).unwrap();
        assert_eq!(state(&ls), s(&[("1", &["AWSPREVIOUS"]), ("2", &["AWSCURRENT", "AWSPENDING"])]));
        assert!(!ls.rotation_in_progress());

        let mut ls = Labels::from_pairs([
            (l("AWSPREVIOUS"), v(1)),
            (l("AWSCURRENT"), v(2)),
            (l("PUT0"), v(2)),
            (l("AWSPENDING"), v(3)),
            (l("PUT1"), v(3)),
        ]);
        assert!(ls.rotation_in_progress());
        ls.update_stage(&l("AWSCURRENT"), Some(&v(2)), Some(&v(3)), all).unwrap();
        assert_eq!(state(&ls), s(&[("2", &["AWSPREVIOUS", "PUT0"]), ("3", &["AWSCURRENT", "AWSPENDING", "PUT1"])]));
    }

    #[test]
    fn update_stage_errors() {
        let all = |_: &VersionId| true;
        let mut ls = Labels::from_pairs([(l("AWSCURRENT"), v(1))]);
        let e = ls.update_stage(&l("AWSCURRENT"), None, Some(&v(2)), all).unwrap_err();
        assert_eq!(
            e.message,
            format!(
                "The parameter RemoveFromVersionId can't be empty. Staging label AWSCURRENT is currently attached to version {}, so you must explicitly reference that version in RemoveFromVersionId.",
                v(1)
            )
        );
        assert!(ls.update_stage(&l("AWSCURRENT"), Some(&v(1)), None, all).is_err());
        let none = |_: &VersionId| false;
        assert!(ls.update_stage(&l("X"), None, Some(&v(9)), none).is_err());
        // remove a custom label
        ls.update_stage(&l("X"), None, Some(&v(1)), all).unwrap();
        ls.update_stage(&l("X"), Some(&v(1)), None, all).unwrap();
        assert_eq!(state(&ls), s(&[("1", &["AWSCURRENT"])]));
    }

    #[test]
    fn at_most_twenty_labels() {
        let mut ls = Labels::default();
        ls.place_new_version(&v(1), None, true).unwrap();
        let many: Vec<StagingLabel> = (0..19).map(|i| l(&format!("L{i}"))).collect();
        ls.place_new_version(&v(2), Some(&many), false).unwrap();
        let e = ls.place_new_version(&v(3), Some(&[l("ONE-MORE")]), false).unwrap_err();
        assert_eq!(e.code, ErrorCode::LimitExceededException);
    }

    #[test]
    fn random_version_ids_look_like_uuids() {
        let id = VersionId::random();
        assert_eq!(id.as_str().len(), 36);
        assert_eq!(&id.as_str()[14..15], "4");
    }
}
