//! Weighted onboarding progress.
//!
//! Progress is the weighted fraction of completed required steps, 0.0 to 1.0. Steps with
//! `required: false` neither add to the total nor to the done part. Partial fractions within
//! a step do not count: a step is done or not (the seed's "50% through onboarding").

use super::config::Step;

/// Progress for `steps` given which are done (`done[i]` for `steps[i]`; missing = not done).
pub fn fraction(steps: &[Step], done: &[bool]) -> f64 {
    let mut total = 0.0;
    let mut got = 0.0;
    for (i, s) in steps.iter().enumerate() {
        // A non-finite or negative weight (the reader rejects those) must not poison the sum.
        if !(s.required && s.weight.is_finite() && s.weight > 0.0) {
            continue;
        }
        total += s.weight;
        if done.get(i).copied().unwrap_or(false) {
            got += s.weight;
        }
    }
    if total > 0.0 {
        (got / total).clamp(0.0, 1.0)
    } else {
        0.0
    }
}

/// True when every required step is done (and at least one step is required).
pub fn all_required_done(steps: &[Step], done: &[bool]) -> bool {
    let mut any = false;
    for (i, s) in steps.iter().enumerate() {
        if s.required {
            any = true;
            if !done.get(i).copied().unwrap_or(false) {
                return false;
            }
        }
    }
    any
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(id: &str, weight: f64, required: bool) -> Step {
        Step {
            id: id.into(),
            weight,
            required,
            selector: None,
            url: None,
            title: None,
        }
    }

    #[test]
    fn weighted_and_optional_steps() {
        let steps = [
            step("a", 1.0, true),
            step("b", 3.0, true),
            step("c", 5.0, false),
        ];
        assert_eq!(fraction(&steps, &[true, false, true]), 0.25);
        assert_eq!(fraction(&steps, &[false, true, false]), 0.75);
        assert_eq!(fraction(&steps, &[true, true]), 1.0);
        assert!(all_required_done(&steps, &[true, true, false]));
        assert!(!all_required_done(&steps, &[true, false, true]));
        assert_eq!(fraction(&[], &[]), 0.0);
        assert!(!all_required_done(&[], &[]));
    }
}
