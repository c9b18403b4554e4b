//! Benchmark: next-window computations per second for each kind of
//! schedule. Run by `bench/schedule`.

use rekey_model::Timestamp;
use rekey_model::api::RotationRulesType;
use rekey_model::schedule::Schedule;
use std::hint::black_box;
use std::time::Instant;

fn main() {
    let cases = [
        ("AutomaticallyAfterDays=30", RotationRulesType { automatically_after_days: Some(30), ..Default::default() }),
        ("rate(4 hours)", expr("rate(4 hours)")),
        ("cron(0 8/8 * * ? *)", expr("cron(0 8/8 * * ? *)")),
        ("cron(0 10 ? * TUE#2 *)", expr("cron(0 10 ? * TUE#2 *)")),
        ("cron(0 17 L 2 ? *)", expr("cron(0 17 L 2 ? *)")),
        ("cron(0 0 29 2 ? *)", expr("cron(0 0 29 2 ? *)")),
    ];
    println!("{:<28} {:>14}", "schedule", "windows/s");
    let start = 1_767_225_600_000i64; // 2026-01-01
    for (name, rules) in cases {
        let s = Schedule::from_rules(&rules).unwrap().unwrap();
        let n = 200_000;
        let t = Instant::now();
        for i in 0..n {
            // Instants spread over four years.
            let now = Timestamp::from_millis(start + (i * 631_137) % (4 * 365 * 86_400_000));
            black_box(s.window(black_box(now), now));
        }
        let rate = n as f64 / t.elapsed().as_secs_f64();
        println!("{name:<28} {rate:>14.0}");
    }
}

fn expr(e: &str) -> RotationRulesType {
    RotationRulesType { schedule_expression: Some(e.into()), ..Default::default() }
}
