//! Rotation schedules: from RotationRules to the next rotation date.

use crate::api::RotationRulesType;
use crate::api::wire::Timestamp;

const LAST_SECOND_OF_DAY_MS: i64 = (24 * 3600 - 1) * 1000;

/// NextRotationDate for `rules` when the secret's value last changed at
/// `last_change`: for `AutomaticallyAfterDays = N`, 23:59:59 UTC of the day
/// N days after that change (BEHAVIOUR.md §8.2). Schedule expressions are
/// not computed here yet (`None`).
pub fn next_rotation(rules: &RotationRulesType, last_change: Timestamp) -> Option<Timestamp> {
    let days = rules.automatically_after_days?;
    if rules.schedule_expression.is_some() {
        return None;
    }
    Some(Timestamp::from_millis(last_change.day_start().plus_days(days).millis() + LAST_SECOND_OF_DAY_MS))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_schedule_ends_on_the_due_day() {
        // BEHAVIOUR.md §8.2: last change 2026-02-03, N=30 -> 2026-03-05T23:59:59Z.
        let feb3 = Timestamp::from_millis(1_770_076_800_000 + 5 * 3600 * 1000);
        let rules = RotationRulesType { automatically_after_days: Some(30), ..Default::default() };
        assert_eq!(next_rotation(&rules, feb3), Some(Timestamp::from_millis(1_772_755_199_000)));
    }
}
