use super::*;
use crate::api::RotationRulesType;
use crate::name::{AccountId, Arn, ArnSuffix, Namespace, Region, SecretName};
use crate::secret::SecretMeta;
use crate::staging::Labels;
use std::time::Duration;

/// 2026-01-01T00:00:00Z.
const T0: i64 = 1_767_225_600_000;
const DAY: i64 = 86_400_000;

fn at(ms: i64) -> Timestamp {
    Timestamp::from_millis(ms)
}

fn v(id: &str) -> VersionId {
    VersionId::new(id)
}

/// A secret with versions `v1` (AWSPREVIOUS) and `v2` (AWSCURRENT), and
/// rotation every `days` days through `fn` when `days` is given.
fn secret(days: Option<i64>) -> SecretState {
    let arn = Arn {
        namespace: Namespace { account: AccountId::parse("111111111111").unwrap(), region: Region::new("us-east-1") },
        name: SecretName::parse("db").unwrap(),
        suffix: ArnSuffix::parse("AbCdEf").unwrap(),
    };
    let mut meta = SecretMeta::default();
    if let Some(days) = days {
        meta.rotation.enabled = Some(true);
        meta.rotation.lambda_arn = Some("fn".into());
        meta.rotation.rules = Some(RotationRulesType { automatically_after_days: Some(days), ..Default::default() });
    }
    let version = |id: &str, created| VersionRecord {
        version_id: v(id),
        created: at(created),
        last_accessed: None,
        has_value: true,
        kms_key_id: None,
    };
    SecretState {
        secret: SecretRecord {
            pk: 1,
            arn,
            created: at(T0),
            last_changed: at(T0 + DAY),
            last_accessed: None,
            deleted: None,
            purge_at: None,
            rotate_at: None,
            meta,
        },
        versions: vec![version("v1", T0), version("v2", T0 + DAY)],
        labels: Labels::from_pairs([(StagingLabel::previous(), v("v1")), (StagingLabel::current(), v("v2"))]),
    }
}

fn pending_of(state: &SecretState) -> Option<&str> {
    state.labels.holder(StagingLabel::PENDING).map(VersionId::as_str)
}

#[test]
fn a_schedule_is_planned_only_for_enabled_rotation_with_rules() {
    let mut s = secret(Some(30));
    replan(&mut s.secret, at(T0 + 2 * DAY), Some(at(T0 + 2 * DAY)), at(T0 + 2 * DAY));
    let rotate_at = s.secret.rotate_at.expect("planned");
    assert!(rotate_at > at(T0 + 31 * DAY) && rotate_at <= at(T0 + 33 * DAY), "{rotate_at:?}");
    assert!(s.secret.meta.rotation.next_rotation.is_some());
    s.secret.meta.rotation.enabled = Some(false);
    replan(&mut s.secret, at(T0 + 2 * DAY), None, at(T0 + 2 * DAY));
    assert_eq!((s.secret.rotate_at, s.secret.meta.rotation.next_rotation), (None, None), "disabled: no plan");
    assert!(!restarts_on_manual_change(&s.secret));
    s.secret.meta.rotation.enabled = Some(true);
    assert!(restarts_on_manual_change(&s.secret), "days count from the last change");
    s.secret.meta.rotation.rules =
        Some(RotationRulesType { schedule_expression: Some("cron(0 9 * * ? *)".into()), ..Default::default() });
    assert!(!restarts_on_manual_change(&s.secret), "an expression does not");
    assert_eq!(current_since(&s), at(T0 + DAY), "when AWSCURRENT's version was written");
}

#[test]
fn beginning_adds_a_pending_version_and_its_job() {
    let mut s = secret(Some(30));
    s.secret.meta.rotation.master_arn = Some("arn:master".into());
    let (version, job) = begin(&mut s, v("p1"), "fn".into(), RotationMode::Rotate, false, at(T0 + 5)).unwrap();
    assert!(!version.has_value, "value-less until createSecret");
    assert_eq!(pending_of(&s), Some("p1"));
    assert_eq!(s.versions.last(), Some(&version));
    assert_eq!(
        (job.token.as_str(), job.status, job.master_arn.as_deref()),
        ("p1", JobStatus::Active, Some("arn:master"))
    );
    assert_eq!(job.next_step, Some(job.first_step()));
}

#[test]
fn a_due_secret_starts_reattempts_or_skips_and_always_uses_its_window() {
    let now = at(T0 + 40 * DAY);
    let mut s = secret(Some(30));
    assert_eq!(due(&mut s, None, now), Due::NotDue, "no rotation time");
    s.secret.rotate_at = Some(now);
    assert_eq!(due(&mut s, None, now), Due::Start("fn".into()));
    assert!(s.secret.rotate_at.unwrap() > now, "the window is used up");

    // A rotation in progress whose job failed: reattempted from its first step.
    s.secret.rotate_at = Some(now);
    let (_, mut job) = begin(&mut s, v("p1"), "fn".into(), RotationMode::Rotate, false, at(T0)).unwrap();
    job.status = JobStatus::Failed;
    job.attempts = 5;
    job.next_step = None;
    let Due::Reattempt(again) = due(&mut s, Some(job.clone()), now) else { panic!("reattempted") };
    assert_eq!(
        (again.status, again.attempts, again.next_step, again.not_before),
        (JobStatus::Active, 0, Some(job.first_step()), now)
    );
    // Still running, or a failed job of another version: skipped.
    s.secret.rotate_at = Some(now);
    job.status = JobStatus::Active;
    assert_eq!(due(&mut s, Some(job.clone()), now), Due::Skip);
    s.secret.rotate_at = Some(now);
    job.status = JobStatus::Failed;
    job.token = v("other");
    assert_eq!(due(&mut s, Some(job), now), Due::Skip);
    assert!(s.secret.rotate_at.unwrap() > now);
    // Scheduled for deletion, or rotation disabled: not due.
    s.secret.rotate_at = Some(now);
    s.secret.deleted = Some(now);
    assert_eq!(due(&mut s, None, now), Due::NotDue);
    assert_eq!(s.secret.rotate_at, Some(now), "nothing planned");
}

#[test]
fn a_job_stands_where_the_labels_say() {
    let mut s = secret(None);
    let (_, job) = begin(&mut s, v("p1"), "fn".into(), RotationMode::Rotate, false, at(T0)).unwrap();
    assert_eq!(standing(&s, &job), Standing::Pending);
    s.labels.set(StagingLabel::current(), &v("p1")).unwrap();
    assert_eq!(standing(&s, &job), Standing::Done);
    let mut test = job.clone();
    test.mode = RotationMode::Test;
    assert_eq!(standing(&s, &test), Standing::Pending, "a test never completes by AWSCURRENT");
    s.labels.detach(StagingLabel::PENDING);
    s.labels.set(StagingLabel::current(), &v("v2")).unwrap();
    assert_eq!(standing(&s, &job), Standing::Gone);
}

#[test]
fn a_failed_attempt_backs_off_until_the_last() {
    let mut s = secret(None);
    let (_, mut job) = begin(&mut s, v("p1"), "fn".into(), RotationMode::Rotate, false, at(T0)).unwrap();
    job.attempts = 1;
    job.next_step = job.step_after(job.first_step());
    let retry = after_failure(&mut job, "boom".into(), 2, Duration::from_secs(10), at(T0 + 1000));
    assert_eq!(retry, Retry::Later);
    assert_eq!(
        (job.status, job.next_step, job.not_before),
        (JobStatus::Active, Some(job.first_step()), at(T0 + 11_000))
    );
    assert_eq!(job.last_error.as_deref(), Some("boom"));
    job.attempts = 2;
    assert_eq!(after_failure(&mut job, "again".into(), 2, Duration::from_secs(10), at(T0 + 20_000)), Retry::GiveUp);
    assert_eq!((job.status, job.last_error.as_deref()), (JobStatus::Failed, Some("again")));
}

#[test]
fn completing_takes_pending_off_or_abandons_if_current_moved_away() {
    let now = at(T0 + 3 * DAY);
    let mut s = secret(Some(30));
    let (_, mut job) = begin(&mut s, v("p1"), "fn".into(), RotationMode::Rotate, false, at(T0)).unwrap();
    s.labels.set(StagingLabel::current(), &v("p1")).unwrap();
    let mut abandoned = job.clone();
    let mut other = s.clone();
    assert!(complete(&mut s, &mut job, now));
    assert_eq!((job.status, job.next_step), (JobStatus::Succeeded, None));
    assert_eq!(pending_of(&s), None);
    assert_eq!(s.secret.meta.rotation.last_rotated, Some(now));
    assert_eq!(s.secret.last_changed, now);
    assert!(s.secret.rotate_at.is_some(), "the next window is planned from now");

    other.labels.set(StagingLabel::current(), &v("v2")).unwrap();
    let before = other.clone();
    assert!(!complete(&mut other, &mut abandoned, now));
    assert_eq!(abandoned.status, JobStatus::Abandoned);
    assert_eq!(other, before, "the secret is left as it is");
}

#[test]
fn a_configuration_test_ends_and_its_version_goes() {
    let mut s = secret(None);
    let (_, mut job) = begin(&mut s, v("t1"), "fn".into(), RotationMode::Test, true, at(T0)).unwrap();
    let mut failed = job.clone();
    let mut other = s.clone();
    assert_eq!(end_test(&mut s, &mut job, None, at(T0 + 1)), Some(v("t1")));
    assert_eq!((job.status, pending_of(&s)), (JobStatus::Succeeded, None));
    assert_eq!(end_test(&mut other, &mut failed, Some("testSecret failed".into()), at(T0 + 1)), Some(v("t1")));
    assert_eq!((failed.status, failed.last_error.as_deref()), (JobStatus::Failed, Some("testSecret failed")));
    // A version that became current, or is gone, stays as it is.
    let (mut current, mut job) = (secret(None), failed.clone());
    assert_eq!(end_test(&mut current, &mut job, None, at(T0 + 2)), None, "gone");
    current.labels.set(StagingLabel::current(), &v("t1")).unwrap();
    current.versions.push(VersionRecord { version_id: v("t1"), ..current.versions[0].clone() });
    assert_eq!(end_test(&mut current, &mut job, None, at(T0 + 2)), None, "current");
}

#[test]
fn a_late_pending_label_comes_off_unless_it_is_current() {
    let mut s = secret(None);
    assert!(!clear_late_pending(&mut s, &v("p1")), "no AWSPENDING");
    s.labels.set(StagingLabel::pending(), &v("v1")).unwrap();
    assert!(!clear_late_pending(&mut s, &v("p1")), "on another version");
    assert!(clear_late_pending(&mut s, &v("v1")));
    assert_eq!(pending_of(&s), None);
    s.labels.set(StagingLabel::pending(), &v("v2")).unwrap();
    assert!(!clear_late_pending(&mut s, &v("v2")), "on the current version: a finished rotation's");
}
