//! One scenario per signal on the virtual clock, with its boundaries and negatives.

mod common;

use common::*;
use unstuck::core::config::SignalConfig;
use unstuck::core::{ClickTarget, ErrorKind, Input, Severity, SignalKind::*};

// ---- repeated_error ----

#[test]
fn repeated_error_fires_on_the_second_same_error_within_10_min() {
    let mut r = Run::new(config());
    r.at(0, enter("profile"))
        .at(MIN, validation("typeMismatch"))
        .at(11 * MIN, validation("typeMismatch"));
    assert_eq!(
        r.fired(RepeatedError),
        vec![(11 * MIN, Some("profile".into()))]
    );
}

#[test]
fn a_single_error_is_not_repeated_and_the_window_ends_after_10_min() {
    let mut r = Run::new(config());
    r.at(0, enter("profile"))
        .at(MIN, validation("typeMismatch"))
        .at(MIN + 10 * MIN + 1, validation("typeMismatch"));
    assert_eq!(r.count(RepeatedError), 0);
    // Different codes are different errors.
    r.at(12 * MIN, validation("tooShort"));
    assert_eq!(r.count(RepeatedError), 0);
}

#[test]
fn repeated_error_fires_once_until_progress_and_matches_messages_without_code() {
    let mut r = Run::new(config());
    let msg = |m: &str| error(ErrorKind::Validation, None, Some(m));
    r.at(0, enter("import"))
        .at(SEC, msg("Row 12 has 3 columns"))
        .at(2 * SEC, msg("row 40 has  7 columns"))
        .at(3 * SEC, msg("Row 1 has 2 columns"));
    assert_eq!(r.count(RepeatedError), 1, "once per error until progress");
    r.at(4 * SEC, field("import", "file"))
        .at(5 * SEC, msg("Row 9 has 9 columns"))
        .at(6 * SEC, msg("Row 9 has 9 columns"));
    assert_eq!(r.count(RepeatedError), 2, "progress re-arms it");
    let counts: Vec<u32> = r
        .outputs
        .iter()
        .filter_map(|(_, o)| match o {
            unstuck::core::Output::Signal(s) if s.kind == RepeatedError => Some(s.count),
            _ => None,
        })
        .collect();
    assert_eq!(counts, vec![2, 5], "the count goes on across firings");
}

#[test]
fn the_same_code_on_another_step_is_another_error() {
    let mut r = Run::new(config());
    r.at(0, enter("profile"))
        .at(SEC, validation("required"))
        .at(2 * SEC, enter("import"))
        .at(3 * SEC, validation("required"));
    assert_eq!(r.count(RepeatedError), 0);
}

#[test]
fn script_errors_do_not_count_unless_configured() {
    let script = || error(ErrorKind::Script, Some("TypeError"), None);
    let mut r = Run::new(config());
    r.at(0, enter("profile"))
        .at(SEC, script())
        .at(2 * SEC, script())
        .at(3 * SEC, script());
    assert!(r.signals().is_empty(), "{:?}", r.signals());
    let mut r = Run::new(config_with(SignalConfig {
        script_errors_count: true,
        ..Default::default()
    }));
    r.at(0, enter("profile"))
        .at(SEC, script())
        .at(2 * SEC, script());
    assert_eq!(r.count(RepeatedError), 1);
}

// ---- import_failure / integration_failure ----

#[test]
fn import_failure_fires_for_each_and_a_repeated_one_is_major() {
    let mut r = Run::new(config());
    let import = || error(ErrorKind::Import, Some("E_COLUMNS"), None);
    r.at(0, enter("import")).at(MIN, import());
    assert_eq!(
        r.signals(),
        vec![(MIN, ImportFailure, Some("import".into()), Severity::Minor)]
    );
    r.at(2 * MIN, import());
    let s = r.signals();
    assert!(s.contains(&(
        2 * MIN,
        ImportFailure,
        Some("import".into()),
        Severity::Major
    )));
    assert!(s.contains(&(
        2 * MIN,
        RepeatedError,
        Some("import".into()),
        Severity::Minor
    )));
    assert_eq!(r.count(MajorStruggle), 1);
}

#[test]
fn integration_failure_fires_and_other_kinds_do_not() {
    let mut r = Run::new(config());
    r.at(0, enter("integrate"))
        .at(MIN, error(ErrorKind::Integration, Some("E_AUTH"), None))
        .at(2 * MIN, error(ErrorKind::Network, Some("E_NET"), None));
    assert_eq!(
        r.fired(IntegrationFailure),
        vec![(MIN, Some("integrate".into()))]
    );
    assert_eq!(r.count(ImportFailure), 0);
    assert_eq!(r.count(MajorStruggle), 0);
}

#[test]
fn failure_detectors_forget_the_oldest_of_more_than_16_failures() {
    let mut r = Run::new(config());
    let import = |i: u64| error(ErrorKind::Import, Some(&format!("E{i}")), None);
    r.at(0, enter("import"));
    for i in 0..=16 {
        r.at((i + 1) * SEC, import(i));
    }
    // E0 was forgotten when E16 came; E1 is still remembered.
    r.at(20 * SEC, import(1)).at(21 * SEC, import(0));
    let severities: Vec<(u64, Severity)> = r
        .signals()
        .into_iter()
        .filter(|s| s.1 == ImportFailure && s.0 >= 20 * SEC)
        .map(|s| (s.0, s.3))
        .collect();
    assert_eq!(
        severities,
        vec![(20 * SEC, Severity::Major), (21 * SEC, Severity::Minor)]
    );
}

#[test]
fn repeated_error_forgets_the_oldest_quiet_error_of_more_than_32() {
    let mut r = Run::new(config());
    let v = |i: u64| validation(&format!("V{i}"));
    r.at(0, enter("profile")).at(SEC, v(0)).at(2 * SEC, v(0));
    assert_eq!(r.count(RepeatedError), 1);
    for i in 1..=32 {
        r.at((i + 2) * SEC, v(i));
    }
    // V32 made 33 distinct errors: V1, the oldest that has not fired, was forgotten (not V0);
    // V1 coming back is new again, and makes V2 the one forgotten.
    r.at(40 * SEC, v(1));
    assert_eq!(r.count(RepeatedError), 1, "V1 starts over");
    r.at(41 * SEC, v(3));
    assert_eq!(
        r.fired(RepeatedError).last(),
        Some(&(41 * SEC, Some("profile".into())))
    );
    r.at(42 * SEC, v(0));
    assert_eq!(
        r.count(RepeatedError),
        2,
        "V0 is remembered as fired: once until progress"
    );
}

// ---- stall ----

#[test]
fn stall_fires_at_exactly_5_min_without_progress() {
    let mut r = Run::new(config());
    r.at(0, enter("profile")).until(5 * MIN - 1);
    assert_eq!(r.count(Stall), 0, "4:59.999 is not a stall");
    r.until(5 * MIN);
    assert_eq!(r.fired(Stall), vec![(5 * MIN, Some("profile".into()))]);
    r.until(60 * MIN);
    assert_eq!(r.count(Stall), 1, "once per stretch");
}

#[test]
fn progress_resets_a_stall() {
    let mut r = Run::new(config());
    r.at(0, enter("profile"))
        .at(4 * MIN, field("profile", "name"))
        .until(8 * MIN + 59 * SEC);
    assert_eq!(r.count(Stall), 0);
    r.until(9 * MIN);
    assert_eq!(r.fired(Stall), vec![(9 * MIN, Some("profile".into()))]);
    // A fraction that does not increase is not progress.
    let mut r = Run::new(config());
    r.at(0, enter("profile"))
        .at(
            MIN,
            Input::StepProgress {
                step: "profile".into(),
                fraction: 0.5,
            },
        )
        .at(
            2 * MIN,
            Input::StepProgress {
                step: "profile".into(),
                fraction: 0.5,
            },
        )
        .until(6 * MIN);
    assert_eq!(r.fired(Stall), vec![(6 * MIN, Some("profile".into()))]);
}

#[test]
fn hidden_time_does_not_count_for_stall_by_default() {
    let mut r = Run::new(config());
    r.at(0, enter("profile"))
        .at(2 * MIN, Input::Hidden)
        .at(30 * MIN, Input::Visible)
        .until(33 * MIN - 1);
    assert_eq!(r.count(Stall), 0);
    r.until(33 * MIN);
    assert_eq!(r.fired(Stall), vec![(33 * MIN, Some("profile".into()))]);
    // Wall time when configured.
    let mut r = Run::new(config_with(SignalConfig {
        stall_visible_only: false,
        ..Default::default()
    }));
    r.at(0, enter("profile"))
        .at(2 * MIN, Input::Hidden)
        .until(5 * MIN);
    assert_eq!(r.fired(Stall), vec![(5 * MIN, Some("profile".into()))]);
}

#[test]
fn a_completed_step_does_not_stall_and_a_new_step_starts_over() {
    let mut r = Run::new(config());
    r.at(0, enter("account"))
        .at(MIN, done("account"))
        .until(20 * MIN)
        .at(20 * MIN, enter("profile"))
        .until(25 * MIN);
    assert_eq!(r.fired(Stall), vec![(25 * MIN, Some("profile".into()))]);
}

// ---- back_loop ----

#[test]
fn back_loop_fires_on_the_second_back_within_10_min() {
    let mut r = Run::new(config());
    r.at(0, enter("account"))
        .at(SEC, enter("profile"))
        .at(2 * SEC, enter("import"))
        .at(MIN, enter("profile"))
        .at(2 * MIN, enter("import"))
        .at(3 * MIN, enter("profile"));
    assert_eq!(r.fired(BackLoop), vec![(3 * MIN, Some("import".into()))]);
}

#[test]
fn forward_navigation_is_not_a_back_loop_and_backs_too_far_apart_are_not_either() {
    let mut r = Run::new(config());
    for (i, s) in ["account", "profile", "import", "integrate", "invite"]
        .iter()
        .enumerate()
    {
        r.at(i as u64 * SEC, enter(s));
    }
    r.at(MIN, enter("invite"));
    assert_eq!(r.count(BackLoop), 0);
    r.at(2 * MIN, enter("integrate"))
        .at(2 * MIN + 10 * MIN + 1, enter("import"));
    assert_eq!(r.count(BackLoop), 0, "backs more than 10 min apart");
}

// ---- help_unresolved ----

#[test]
fn help_unresolved_fires_3_min_after_closing_without_progress() {
    let mut r = Run::new(config());
    r.at(0, enter("integrate"))
        .at(
            MIN,
            Input::HelpOpened {
                topic: "api keys".into(),
            },
        )
        .at(2 * MIN, Input::HelpClosed)
        .until(5 * MIN - 1);
    assert_eq!(r.count(HelpUnresolved), 0);
    r.until(5 * MIN);
    assert_eq!(
        r.fired(HelpUnresolved),
        vec![(5 * MIN, Some("integrate".into()))]
    );
}

#[test]
fn help_open_3_min_counts_as_closed_and_progress_resolves_it() {
    let mut r = Run::new(config());
    r.at(0, enter("integrate"))
        .at(
            MIN,
            Input::HelpOpened {
                topic: "api keys".into(),
            },
        )
        .until(7 * MIN);
    assert_eq!(
        r.fired(HelpUnresolved),
        vec![(7 * MIN, Some("integrate".into()))]
    );

    let mut r = Run::new(config());
    r.at(0, enter("integrate"))
        .at(
            MIN,
            Input::HelpOpened {
                topic: "api keys".into(),
            },
        )
        .at(2 * MIN, Input::HelpClosed)
        .at(4 * MIN, field("integrate", "key"))
        .until(60 * MIN);
    assert_eq!(r.count(HelpUnresolved), 0);
}

// ---- step_timeout ----

#[test]
fn step_timeout_fires_at_30_min_wall_time_once() {
    let mut r = Run::new(config());
    r.at(0, enter("import"))
        .at(MIN, Input::Hidden)
        .until(30 * MIN - 1);
    assert_eq!(r.count(StepTimeout), 0);
    r.until(30 * MIN);
    assert_eq!(
        r.fired(StepTimeout),
        vec![(30 * MIN, Some("import".into()))]
    );
    r.until(3 * HOUR);
    assert_eq!(r.count(StepTimeout), 1);
}

#[test]
fn completing_the_step_in_time_prevents_step_timeout() {
    let mut r = Run::new(config());
    r.at(0, enter("import"))
        .at(29 * MIN, done("import"))
        .until(2 * HOUR);
    assert_eq!(r.count(StepTimeout), 0);
}

// ---- abandoned ----

#[test]
fn page_exit_with_onboarding_incomplete_is_abandoned() {
    let mut r = Run::new(config());
    r.at(0, enter("profile")).at(MIN, Input::PageExit);
    assert_eq!(r.fired(Abandoned), vec![(MIN, Some("profile".into()))]);
}

#[test]
fn hidden_10_min_is_abandoned_but_9_59_is_not() {
    let mut r = Run::new(config());
    r.at(0, enter("profile"))
        .at(MIN, Input::Hidden)
        .until(11 * MIN - 1)
        .at(11 * MIN - 1, Input::Visible)
        .until(HOUR);
    assert_eq!(r.count(Abandoned), 0);
    r.at(HOUR, Input::Hidden).until(HOUR + 10 * MIN);
    assert_eq!(
        r.fired(Abandoned),
        vec![(HOUR + 10 * MIN, Some("profile".into()))]
    );
    r.at(HOUR + 20 * MIN, Input::PageExit);
    assert_eq!(r.count(Abandoned), 1, "one signal per absence");
}

#[test]
fn leaving_before_onboarding_started_is_not_abandoned() {
    let mut r = Run::new(config());
    r.at(0, Input::Hidden)
        .until(HOUR)
        .at(HOUR, Input::Visible)
        .at(HOUR + MIN, Input::PageExit);
    assert_eq!(r.count(Abandoned), 0);
    // A returning user who completed a step earlier has started.
    let restored = unstuck::core::State {
        completed: vec!["account".into()],
        ..Default::default()
    };
    let mut r = Run::with(config(), Some(restored));
    r.at(MIN, Input::PageExit);
    assert_eq!(r.fired(Abandoned), vec![(MIN, None)]);
}

#[test]
fn leaving_after_completion_is_not_abandoned() {
    let mut r = Run::new(config());
    r.at(0, enter("account"))
        .at(SEC, Input::OnboardingCompleted)
        .at(MIN, Input::PageExit);
    assert_eq!(r.count(Abandoned), 0);
}

// ---- returned_no_resume ----

#[test]
fn a_returning_user_without_progress_within_2_min() {
    let restored = unstuck::core::State {
        completed: vec!["account".into()],
        ..Default::default()
    };
    let mut r = Run::with(config(), Some(restored.clone()));
    r.until(2 * MIN - 1);
    assert_eq!(r.count(ReturnedNoResume), 0);
    r.until(2 * MIN);
    assert_eq!(r.fired(ReturnedNoResume), vec![(2 * MIN, None)]);

    // Progress in time: nothing.
    let mut r = Run::with(config(), Some(restored));
    r.at(MIN, enter("profile"))
        .at(90 * SEC, field("profile", "name"))
        .until(10 * MIN);
    assert_eq!(r.count(ReturnedNoResume), 0);
}

#[test]
fn resumed_input_arms_it_and_a_new_user_does_not() {
    let mut r = Run::new(config());
    r.at(0, enter("profile")).until(HOUR);
    assert_eq!(r.count(ReturnedNoResume), 0);
    r.at(HOUR, Input::Resumed).until(HOUR + 3 * MIN);
    assert_eq!(
        r.fired(ReturnedNoResume),
        vec![(HOUR + 2 * MIN, Some("profile".into()))]
    );
}

#[test]
fn the_next_page_of_a_multi_page_onboarding_is_not_a_return() {
    // Last seen 5 s before this page load: a navigation, not "opening the product again".
    let restored = unstuck::core::State {
        completed: vec!["account".into()],
        last_seen: T0 - 5 * SEC,
        ..Default::default()
    };
    let mut r = Run::with(config(), Some(restored.clone()));
    r.at(0, Input::Resumed).until(10 * MIN);
    assert_eq!(r.count(ReturnedNoResume), 0);
    // A back/forward-cache restore 30 s after leaving is not one either.
    r.at(10 * MIN, Input::PageExit)
        .at(10 * MIN + 30 * SEC, Input::Resumed)
        .until(20 * MIN);
    assert_eq!(r.count(ReturnedNoResume), 0);
    // Away exactly 10 min is.
    let back = unstuck::core::State {
        last_seen: T0 - 10 * MIN,
        ..restored
    };
    let mut r = Run::with(config(), Some(back));
    r.until(2 * MIN);
    assert_eq!(r.fired(ReturnedNoResume), vec![(2 * MIN, None)]);
}

// ---- rage_click ----

#[test]
fn three_close_fast_clicks_are_a_rage_click_once_per_burst() {
    let mut r = Run::new(config());
    r.at(0, enter("profile"))
        .at(SEC, click(100.0, 100.0))
        .at(2 * SEC, click(110.0, 110.0))
        .at(3 * SEC, click(120.0, 100.0));
    assert_eq!(r.fired(RageClick), vec![(3 * SEC, Some("profile".into()))]);
    r.at(3 * SEC + 100, click(120.0, 100.0))
        .at(3 * SEC + 200, click(120.0, 100.0));
    assert_eq!(r.count(RageClick), 1, "once per burst");
}

#[test]
fn slow_far_or_navigation_clicks_are_not_rage_clicks() {
    let mut r = Run::new(config());
    // 1001 ms apart.
    r.at(0, click(0.0, 0.0))
        .at(1001, click(0.0, 0.0))
        .at(2002, click(0.0, 0.0));
    // 31 px apart.
    r.at(5000, click(0.0, 0.0))
        .at(5100, click(31.0, 0.0))
        .at(5200, click(62.0, 0.0));
    // On a stepper.
    let nav = || Input::Click {
        x: 5.0,
        y: 5.0,
        target: ClickTarget::Navigation,
    };
    r.at(9000, nav()).at(9100, nav()).at(9200, nav());
    assert_eq!(r.count(RageClick), 0);
}

// ---- disabled and families ----

#[test]
fn disabled_signals_never_fire() {
    let mut r = Run::new(config_with(SignalConfig {
        disabled: vec![Stall, StepTimeout],
        ..Default::default()
    }));
    r.at(0, enter("profile")).until(2 * HOUR);
    assert!(r.signals().is_empty(), "{:?}", r.signals());
}

#[test]
fn boundaries_are_inclusive_for_rage_clicks_and_back_loops() {
    // Exactly 1000 ms and exactly 30 px apart (18-24-30 triangle) still make a burst.
    let mut r = Run::new(config());
    r.at(0, click(0.0, 0.0))
        .at(1000, click(18.0, 24.0))
        .at(2000, click(36.0, 48.0));
    assert_eq!(r.fired(RageClick), vec![(2000, None)]);
    // Two backs exactly 10 min apart are a loop.
    let mut r = Run::new(config());
    r.at(0, enter("profile"))
        .at(SEC, enter("account"))
        .at(2 * SEC, enter("profile"))
        .at(SEC + 10 * MIN, enter("account"));
    assert_eq!(
        r.fired(BackLoop),
        vec![(SEC + 10 * MIN, Some("profile".into()))]
    );
}

#[test]
fn every_signal_is_also_an_event_for_the_server() {
    let mut r = Run::new(config());
    r.at(0, enter("profile")).until(5 * MIN);
    let events = r
        .outputs
        .iter()
        .filter(|(_, o)| {
            matches!(o, unstuck::core::Output::Event(e)
                if matches!(&e.body, unstuck::core::EventBody::Signal(s) if s.kind == Stall))
        })
        .count();
    assert_eq!(events, 1);
}
