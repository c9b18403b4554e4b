//! What the server has done, counted for Prometheus (`GET /metrics`):
//! requests by operation and outcome with their latency, rotations by
//! executor kind and outcome, rotation step durations, and how late the
//! scheduler starts rotations. Labels never name a tenant, a secret or a
//! principal: the numbers are the server's, not any account's.

use rekey_model::histogram::Histogram;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::time::Duration;

/// Histogram bucket bounds, in seconds.
const BUCKETS: [f64; 14] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

/// Bucket bounds of the scheduler's lag, in seconds.
const LAG_BUCKETS: [f64; 8] = [0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 300.0];

#[derive(Debug, Default)]
struct Families {
    /// (operation, outcome) → requests.
    requests: BTreeMap<(&'static str, &'static str), u64>,
    /// operation → latency.
    latency: BTreeMap<&'static str, Histogram>,
    /// (executor kind, outcome) → rotations ended.
    rotations: BTreeMap<(&'static str, &'static str), u64>,
    /// step → duration.
    steps: BTreeMap<&'static str, Histogram>,
    /// How long after its planned start a scheduled rotation started.
    scheduler_lag: Histogram,
}

/// The server's counters.
#[derive(Debug, Default)]
pub struct Metrics {
    families: Mutex<Families>,
}

impl Metrics {
    /// A request of `operation` ended with `outcome` (`ok`, or the error
    /// code) after `elapsed`.
    /// (Labels are `'static`: a fixed set, and no allocation per request.)
    pub fn request(&self, operation: &'static str, outcome: &'static str, elapsed: Duration) {
        let mut f = self.families.lock().expect("metrics lock");
        *f.requests.entry((operation, outcome)).or_default() += 1;
        f.latency.entry(operation).or_default().observe(&BUCKETS, elapsed.as_secs_f64());
    }

    /// A rotation by an executor of `kind` ended with `outcome`
    /// (`succeeded`, `failed`, `abandoned`, `tested`).
    pub fn rotation(&self, kind: &'static str, outcome: &'static str) {
        let mut f = self.families.lock().expect("metrics lock");
        *f.rotations.entry((kind, outcome)).or_default() += 1;
    }

    /// A rotation step took `elapsed`.
    pub fn step(&self, step: &'static str, elapsed: Duration) {
        let mut f = self.families.lock().expect("metrics lock");
        f.steps.entry(step).or_default().observe(&BUCKETS, elapsed.as_secs_f64());
    }

    /// A scheduled rotation started `lag` after its planned instant.
    pub fn scheduler_lag(&self, lag: Duration) {
        self.families.lock().expect("metrics lock").scheduler_lag.observe(&LAG_BUCKETS, lag.as_secs_f64());
    }

    /// The Prometheus text exposition (format 0.0.4) of every family.
    pub fn render(&self) -> String {
        let f = self.families.lock().expect("metrics lock");
        let mut out = String::new();
        out.push_str("# HELP rekey_requests_total API requests by operation and outcome.\n");
        out.push_str("# TYPE rekey_requests_total counter\n");
        for ((op, outcome), n) in &f.requests {
            let _ = writeln!(out, "rekey_requests_total{{operation=\"{op}\",outcome=\"{outcome}\"}} {n}");
        }
        out.push_str("# HELP rekey_request_duration_seconds API request latency by operation.\n");
        out.push_str("# TYPE rekey_request_duration_seconds histogram\n");
        for (op, h) in &f.latency {
            h.render(&mut out, "rekey_request_duration_seconds", &format!("operation=\"{op}\""), &BUCKETS);
        }
        out.push_str("# HELP rekey_rotations_total Rotations ended, by executor kind and outcome.\n");
        out.push_str("# TYPE rekey_rotations_total counter\n");
        for ((kind, outcome), n) in &f.rotations {
            let _ = writeln!(out, "rekey_rotations_total{{executor=\"{kind}\",outcome=\"{outcome}\"}} {n}");
        }
        out.push_str("# HELP rekey_rotation_step_duration_seconds Rotation step durations by step.\n");
        out.push_str("# TYPE rekey_rotation_step_duration_seconds histogram\n");
        for (step, h) in &f.steps {
            h.render(&mut out, "rekey_rotation_step_duration_seconds", &format!("step=\"{step}\""), &BUCKETS);
        }
        out.push_str(
            "# HELP rekey_scheduler_lag_seconds How long after its planned instant a scheduled rotation started.\n",
        );
        out.push_str("# TYPE rekey_scheduler_lag_seconds histogram\n");
        f.scheduler_lag.render(&mut out, "rekey_scheduler_lag_seconds", "", &LAG_BUCKETS);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_render_in_the_text_format() {
        let m = Metrics::default();
        m.request("GetSecretValue", "ok", Duration::from_micros(300));
        m.request("GetSecretValue", "ok", Duration::from_millis(30));
        m.request("GetSecretValue", "ResourceNotFoundException", Duration::from_millis(1));
        let text = m.render();
        assert!(text.contains("rekey_requests_total{operation=\"GetSecretValue\",outcome=\"ok\"} 2\n"), "{text}");
        assert!(text.contains("rekey_request_duration_seconds_bucket{operation=\"GetSecretValue\",le=\"0.0005\"} 1\n"));
        assert!(text.contains("rekey_request_duration_seconds_bucket{operation=\"GetSecretValue\",le=\"+Inf\"} 3\n"));
        assert!(text.contains("rekey_scheduler_lag_seconds_count 0\n"));
    }
}
