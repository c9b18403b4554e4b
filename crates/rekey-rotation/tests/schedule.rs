//! The scheduler in simulated time: a real SQLite store, the real engine
//! with `builtin:password`, and a clock the test moves in 10-minute ticks.
//! Every window gets exactly one rotation, started inside it; after an
//! outage each secret catches up once.

use rekey_model::SensitiveString;
use rekey_model::Timestamp;
use rekey_model::api::*;
use rekey_model::name::{AccountId, Namespace, Region};
use rekey_model::rotation::{JobStatus, RotationJob};
use rekey_model::schedule::{Schedule, Window};
use rekey_rotation::functions::FunctionConfig;
use rekey_rotation::registry::FunctionRegistry;
use rekey_rotation::scheduler::Scheduled;
use rekey_rotation::{Rotation, RotationEngine, RotationSettings};
use rekey_service::{ManualClock, Principal, RequestContext, Service};
use rekey_store::seal::{MasterKey, Seal};
use rekey_store::sqlite::{Durability, SqliteStore};
use rekey_store::{History, RotationStore, SecretStore};
use std::sync::Arc;

const MINUTE_MS: i64 = 60_000;
const DAY_MS: i64 = 86_400_000;
const TICK_MS: i64 = 10 * MINUTE_MS;
const FUNCTION: &str = "arn:aws:lambda:us-east-1:123456789012:function:password";
/// A function that always fails.
const BROKEN: &str = "arn:aws:lambda:us-east-1:123456789012:function:broken";
/// 2026-01-01T00:00:00Z.
const START_MS: i64 = 1_767_225_600_000;

struct Sim {
    engine: RotationEngine<SqliteStore>,
    service: Service<SqliteStore>,
    store: Arc<SqliteStore>,
    seal: Arc<Seal>,
    clock: Arc<ManualClock>,
    ctx: RequestContext,
    _dir: tempfile::TempDir,
}

async fn sim() -> Sim {
    let dir = tempfile::tempdir().unwrap();
    // Years of rotations in seconds: commits are not fsynced here (the
    // durability tests are elsewhere); everything else is the real store.
    let store = Arc::new(SqliteStore::open_with(&SqliteStore::file_in(dir.path()), Durability::Unsynced).unwrap());
    let seal = Arc::new(Seal::unlock(store.as_ref(), MasterKey::generate()).await.unwrap());
    let clock = Arc::new(ManualClock::at(Timestamp::from_millis(START_MS)));
    let engine = RotationEngine::new(Service::new(store.clone(), seal.clone(), clock.clone()), rotation("node-a"));
    let service = engine.service().clone();
    let account = AccountId::parse("123456789012").unwrap();
    let ctx = RequestContext::new(
        Namespace { account: account.clone(), region: Region::new("us-east-1") },
        Principal::root(account, "AKID".into()),
        rekey_model::request_id::RequestId::random(),
    );
    Sim { engine, service, store, seal, clock, ctx, _dir: dir }
}

/// The rotation engine of a node named `node`, with the test's functions.
fn rotation(node: &str) -> Rotation {
    let functions = FunctionRegistry::new(vec![
        FunctionConfig::new(FUNCTION, "builtin:password", serde_json::json!({})),
        FunctionConfig::new(BROKEN, "noop", serde_json::json!({"fail_at": "createSecret"})),
    ])
    .unwrap();
    Rotation::new(functions, RotationSettings { concurrency: 64, node_id: Some(node.into()), ..Default::default() })
}

fn rules(days: Option<i64>, expression: Option<&str>, duration: Option<&str>) -> RotationRulesType {
    RotationRulesType {
        automatically_after_days: days,
        schedule_expression: expression.map(str::to_string),
        duration: duration.map(str::to_string),
    }
}

impl Sim {
    fn now(&self) -> Timestamp {
        use rekey_service::Clock;
        self.clock.now()
    }

    /// Creates `name` and configures rotation with `rules` (rotating now).
    async fn secret(&self, name: &str, rules: RotationRulesType) {
        self.secret_with(name, rules, FUNCTION).await
    }

    async fn secret_with(&self, name: &str, rules: RotationRulesType, function: &str) {
        let create = CreateSecretRequest {
            name: name.into(),
            secret_string: Some(SensitiveString::new("initial".into())),
            client_request_token: Some(format!("{:0>36}", 1)),
            ..Default::default()
        };
        self.service.create_secret(&self.ctx, create).await.unwrap();
        let rotate = RotateSecretRequest {
            secret_id: name.into(),
            client_request_token: Some(uuid()),
            rotation_lambda_arn: Some(function.into()),
            rotation_rules: Some(rules),
            ..Default::default()
        };
        self.service.rotate_secret(&self.ctx, rotate).await.unwrap();
    }

    /// One tick: the scheduler's pass, then the engine runs what is due.
    async fn tick(&self) -> Vec<Scheduled> {
        let done = self.engine.start_due_rotations().await.unwrap();
        while self.engine.run_due_jobs().await.unwrap() > 0 {}
        done
    }

    /// Moves time forward to `until`, pass after pass, at most a tick at a
    /// time and straight to the next due rotation when that comes sooner.
    async fn run_until(&self, until: i64) {
        while self.now().millis() < until {
            let now = self.now().millis();
            let next = self.store.next_rotation_due(self.now()).await.unwrap().map_or(i64::MAX, |t| t.millis());
            let to = next.clamp(now + 1, now + TICK_MS).min(until);
            self.clock.advance_ms(to - now);
            self.tick().await;
        }
    }

    /// Every rotation of `name`, oldest first.
    async fn rotations(&self, name: &str) -> Vec<RotationJob> {
        let ns = &self.ctx.namespace;
        let state = self.store.load(ns, &rekey_model::name::SecretName::parse(name).unwrap()).await.unwrap().unwrap();
        let mut jobs = self.store.rotation_history(History::Secret(state.secret.pk), 100_000).await.unwrap();
        jobs.reverse();
        jobs
    }
}

fn uuid() -> String {
    rekey_model::staging::VersionId::random().to_string()
}

fn inside(t: Timestamp, w: &Window) -> bool {
    w.start <= t && t < w.end
}

/// Checks one secret's rotations against its schedule over [start, end):
/// one rotation per window, each started inside it.
fn check(name: &str, schedule: &Schedule, jobs: &[RotationJob], end: i64) {
    assert!(jobs.iter().all(|j| j.status == JobStatus::Succeeded), "{name}: {jobs:?}");
    let starts: Vec<Timestamp> = jobs.iter().map(|j| j.created).collect();
    let (first, rest) = starts.split_first().expect("the immediate rotation");
    if schedule.counts_from_last_rotation() {
        let mut last = *first;
        for &t in rest {
            let w = schedule.window(t, last).unwrap();
            assert!(inside(t, &w), "{name}: rotation at {t:?} outside its window {w:?} (previous {last:?})");
            last = t;
        }
        let next = schedule.window(last, last).unwrap();
        assert!(next.end.millis() > end - TICK_MS, "{name}: window {next:?} was missed");
    } else {
        let mut expected = Vec::new();
        let mut w = schedule.plan_after_rotation(*first, name).unwrap().window;
        while w.end.millis() <= end {
            expected.push(w);
            w = schedule.window(w.end, w.end).unwrap();
        }
        let counted: Vec<Timestamp> =
            rest.iter().copied().filter(|t| t.millis() < expected.last().map_or(0, |w| w.end.millis())).collect();
        assert_eq!(counted.len(), expected.len(), "{name}: {} rotations for {} windows", counted.len(), expected.len());
        for (t, w) in counted.iter().zip(&expected) {
            assert!(inside(*t, w), "{name}: rotation at {t:?} outside window {w:?}");
        }
    }
}

/// The mix of schedules, one per secret in turn: days, rates and cron
/// expressions of every kind, with and without a Duration; about three
/// rotations a year on average, as production secrets go.
fn mix() -> Vec<RotationRulesType> {
    vec![
        rules(Some(90), None, None),
        rules(Some(180), None, None),
        rules(Some(60), None, Some("6h")),
        rules(None, Some("rate(90 days)"), None),
        rules(None, Some("rate(120 days)"), Some("4h")),
        rules(None, Some("cron(0 1 ? 1/3 SUN#1 *)"), None),
        rules(None, Some("cron(0 3 1 1/6 ? *)"), None),
        rules(None, Some("cron(0 17 L 3,9 ? *)"), None),
        rules(None, Some("cron(0 10 ? FEB,AUG TUE#2 *)"), Some("3h")),
        rules(None, Some("cron(0 8 15W APR,OCT ? *)"), None),
        rules(None, Some("cron(0 6 ? MAY MON *)"), Some("2h")),
        rules(None, Some("cron(0 12 LW 6,12 ? *)"), None),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_simulated_year_of_mixed_schedules() {
    let sim = sim().await;
    let mix = mix();
    let secrets_n: usize = std::env::var("SIM_SECRETS").ok().and_then(|v| v.parse().ok()).unwrap_or(10_000);
    let mut secrets = Vec::new();
    for i in 0..secrets_n {
        // A few secrets rotate several times a day.
        let r = match i {
            0 => rules(None, Some("cron(0 8/8 * * ? *)"), Some("2h")),
            1 => rules(None, Some("rate(12 hours)"), None),
            2 => rules(None, Some("rate(4 hours)"), None),
            3 => rules(Some(1), None, None),
            _ => mix[i % mix.len()].clone(),
        };
        let name = format!("s{i}");
        sim.secret(&name, r.clone()).await;
        secrets.push((name, Schedule::from_rules(&r).unwrap().unwrap()));
    }
    sim.tick().await;
    let end = START_MS + 365 * DAY_MS;
    sim.run_until(end).await;
    let mut total = 0;
    for (name, schedule) in &secrets {
        let jobs = sim.rotations(name).await;
        total += jobs.len();
        check(name, schedule, &jobs, end);
    }
    assert!(total > 30_000, "{total} rotations");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_an_outage_each_secret_catches_up_once() {
    let sim = sim().await;
    let schedules = [
        rules(Some(2), None, None),
        rules(None, Some("rate(4 hours)"), None),
        rules(None, Some("cron(0 8/8 * * ? *)"), Some("2h")),
        rules(None, Some("cron(0 9 * * ? *)"), None),
        rules(None, Some("cron(0 6 ? * MON *)"), None),
    ];
    for (i, r) in schedules.iter().cycle().take(100).enumerate() {
        sim.secret(&format!("s{i}"), r.clone()).await;
    }
    sim.tick().await;
    sim.run_until(START_MS + 10 * DAY_MS).await;
    let before: Vec<usize> = futures_len(&sim, 100).await;

    // Three days without a scheduler, then one pass.
    sim.clock.advance_ms(3 * DAY_MS);
    let resumed = sim.tick().await;
    let after: Vec<usize> = futures_len(&sim, 100).await;
    for i in 0..100 {
        let caught_up = after[i] - before[i];
        // Every schedule here has a window inside three days except weekly
        // Mondays, which may or may not have fallen in the gap.
        let weekly = i % schedules.len() == 4;
        assert!(caught_up <= 1, "s{i} rotated {caught_up} times on resume");
        assert!(weekly || caught_up == 1, "s{i} did not catch up");
    }
    assert!(resumed.iter().all(|s| *s == Scheduled::Started));

    // And then back to the schedule, one rotation per window.
    sim.run_until(START_MS + 20 * DAY_MS).await;
    for (i, r) in schedules.iter().cycle().take(100).enumerate() {
        let name = format!("s{i}");
        let jobs = sim.rotations(&name).await;
        let resume = START_MS + 13 * DAY_MS;
        let after: Vec<RotationJob> = jobs.into_iter().filter(|j| j.created.millis() >= resume).collect();
        check(&name, &Schedule::from_rules(r).unwrap().unwrap(), &after, START_MS + 20 * DAY_MS);
    }
}

async fn futures_len(sim: &Sim, n: usize) -> Vec<usize> {
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        out.push(sim.rotations(&format!("s{i}")).await.len());
    }
    out
}

/// After downtime, the catch-up rotation runs at once, even just before a
/// window. A schedule of calendar windows (cron, rate in hours) still
/// rotates in that window: AWS rotates a secret "during the rotation
/// window", each of them, and the catch-up stands for the window that was
/// missed, not for the next. A schedule in days counts from the last
/// rotation ("calculates the next rotation date based on the previous
/// rotation"), so the catch-up moves it on: no second rotation that day.
#[tokio::test]
async fn a_catch_up_before_a_window_leaves_that_window_its_rotation() {
    let sim = sim().await;
    sim.secret("windows", rules(None, Some("cron(0 8 * * ? *)"), Some("2h"))).await;
    sim.secret("days", rules(Some(1), None, None)).await;
    sim.tick().await;
    sim.run_until(START_MS + DAY_MS).await;
    // Down from Jan 2 00:00 until Jan 3 06:30: Jan 2's windows are missed.
    let back = START_MS + 2 * DAY_MS + 6 * 60 * MINUTE_MS + 30 * MINUTE_MS;
    sim.clock.advance_ms(back - sim.now().millis());
    assert_eq!(sim.tick().await, [Scheduled::Started, Scheduled::Started], "both catch up");
    sim.run_until(START_MS + 4 * DAY_MS - 1).await;

    let on_jan_3 = |jobs: &[RotationJob]| -> Vec<i64> {
        let day = START_MS + 2 * DAY_MS;
        jobs.iter().map(|j| j.created.millis()).filter(|t| (day..day + DAY_MS).contains(t)).collect()
    };
    let windows = on_jan_3(&sim.rotations("windows").await);
    assert_eq!(windows.len(), 2, "the catch-up and the window's: {windows:?}");
    assert_eq!(windows[0], back);
    let window = START_MS + 2 * DAY_MS + 8 * 60 * MINUTE_MS;
    assert!((window..window + 120 * MINUTE_MS).contains(&windows[1]), "{windows:?}");

    let days = sim.rotations("days").await;
    assert_eq!(on_jan_3(&days), [back], "the catch-up alone");
    let jan_4 = START_MS + 3 * DAY_MS;
    assert!(days.iter().any(|j| (jan_4..jan_4 + DAY_MS).contains(&j.created.millis())), "then the next day's");
}

/// A rotation in progress when its next window comes skips that window.
#[tokio::test]
async fn a_rotation_in_progress_skips_the_window() {
    let sim = sim().await;
    sim.secret("daily", rules(None, Some("cron(0 9 * * ? *)"), None)).await;
    sim.tick().await;
    // AWSPENDING put by hand on a new version: a rotation in progress
    // without a job of rekey's.
    let put = PutSecretValueRequest {
        secret_id: "daily".into(),
        client_request_token: Some(uuid()),
        secret_string: Some(SensitiveString::new("manual pending".into())),
        version_stages: Some(vec!["AWSPENDING".into()]),
        ..Default::default()
    };
    sim.service.put_secret_value(&sim.ctx, put).await.unwrap();
    let mut outcomes = Vec::new();
    for _ in 0..(2 * 24 * 6) {
        sim.clock.advance_ms(TICK_MS);
        outcomes.extend(sim.tick().await);
    }
    assert_eq!(outcomes, [Scheduled::Skipped, Scheduled::Skipped], "one skip per daily window");
    assert_eq!(sim.rotations("daily").await.len(), 1);
}

/// A rotation that failed is reattempted in the next window, on the same
/// pending version ("That rotation will be reattempted.").
#[tokio::test]
async fn a_failed_rotation_is_reattempted_in_the_next_window() {
    let sim = sim().await;
    sim.secret_with("flaky", rules(None, Some("cron(0 9 * * ? *)"), None), BROKEN).await;
    let mut outcomes = Vec::new();
    sim.tick().await;
    for _ in 0..(2 * 24 * 6) {
        sim.clock.advance_ms(TICK_MS);
        outcomes.extend(sim.tick().await);
    }
    assert_eq!(outcomes, [Scheduled::Reattempted, Scheduled::Reattempted]);
    let jobs = sim.rotations("flaky").await;
    assert_eq!(jobs.len(), 1, "the same job, reactivated");
    let job = &jobs[0];
    assert_eq!(job.status, JobStatus::Failed);
    let max = RotationSettings::default().max_attempts as usize;
    assert_eq!(job.steps.len(), 3 * max, "three rounds of {max} attempts: {job:?}");
    let why = job.last_error.as_deref().unwrap_or_default();
    assert!(why.contains("during createSecret step: the noop function fails at createSecret"), "{why}");
}

/// A job is driven by one node at a time: while a node that stopped
/// mid-rotation still holds its lease, another node leaves the job alone;
/// once the lease expires the other node takes it over and finishes it,
/// and the stopped node can no longer write its progress.
#[tokio::test]
async fn a_job_held_by_a_stopped_node_is_taken_over_when_its_lease_expires() {
    use rekey_store::LeaseOwner;
    let sim = sim().await;
    let node_b =
        RotationEngine::new(Service::new(sim.store.clone(), sim.seal.clone(), sim.clock.clone()), rotation("node-b"));
    sim.secret("shared", rules(Some(30), None, None)).await;
    let job = sim.rotations("shared").await.pop().unwrap();
    // Node A claims the job, then stops before its first step.
    let a = LeaseOwner("node-a".into());
    let now = sim.now();
    let held = sim.store.claim_rotation(&job.id, &a, now, Timestamp::from_millis(now.millis() + 90_000)).await;
    let held = held.unwrap().expect("free");
    assert_eq!(node_b.run_due_jobs().await.unwrap(), 0, "node B leaves a held job alone");
    sim.clock.advance_ms(89_999);
    assert_eq!(node_b.run_due_jobs().await.unwrap(), 0);
    sim.clock.advance_ms(1);
    assert_eq!(node_b.run_due_jobs().await.unwrap(), 1, "expired: node B takes it over");
    let done = sim.rotations("shared").await.pop().unwrap();
    assert_eq!(done.status, JobStatus::Succeeded, "{done:?}");
    assert_eq!(done.steps.len(), 4, "each step once: {done:?}");
    assert!(!sim.store.save_rotation(held, &a).await.unwrap(), "node A's progress is refused");
}

/// A manual value change counts as a rotation for schedules in days, and
/// changes nothing for expression schedules.
#[tokio::test]
async fn a_manual_value_change_restarts_day_schedules() {
    let sim = sim().await;
    sim.secret("days", rules(Some(30), None, None)).await;
    sim.secret("cron", rules(None, Some("cron(0 3 1 * ? *)"), None)).await;
    sim.tick().await;
    let describe = |name: &str| {
        let input = DescribeSecretRequest { secret_id: name.into() };
        let service = sim.service.clone();
        let ctx = sim.ctx.clone();
        async move { service.describe_secret(&ctx, input).await.unwrap() }
    };
    // 2026-01-31T23:59:59Z: thirty days after the first rotation's day.
    assert_eq!(describe("days").await.next_rotation_date.unwrap().millis(), START_MS + 31 * DAY_MS - 1000);
    sim.run_until(START_MS + 10 * DAY_MS).await;
    let cron_before = describe("cron").await.next_rotation_date.unwrap();
    for name in ["days", "cron"] {
        let put = PutSecretValueRequest {
            secret_id: name.into(),
            client_request_token: Some(uuid()),
            secret_string: Some(SensitiveString::new("by hand".into())),
            ..Default::default()
        };
        sim.service.put_secret_value(&sim.ctx, put).await.unwrap();
    }
    assert_eq!(describe("days").await.next_rotation_date.unwrap().millis(), START_MS + 41 * DAY_MS - 1000);
    assert_eq!(describe("cron").await.next_rotation_date.unwrap(), cron_before);
}
