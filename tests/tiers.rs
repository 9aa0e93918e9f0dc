//! Tier checkpoints in the engine, and the severity rules that feed them, on the virtual clock.

mod common;

use common::*;
use unstuck::core::config::{RoutingConfig, SignalConfig};
use unstuck::core::routing::RoutingThresholds;
use unstuck::core::{
    Checkpoint, Config, Decision, ErrorKind, Input, Output, SignalKind, State, Tier, Traits,
};

fn identify(traits: Traits) -> Input {
    Input::Identify {
        user: "u1".into(),
        traits,
    }
}

fn tiers(r: &Run) -> Vec<(u64, Checkpoint, Tier)> {
    r.outputs
        .iter()
        .filter_map(|(t, o)| match o {
            Output::Tier(Decision {
                tier, checkpoint, ..
            }) => Some((t - T0, *checkpoint, *tier)),
            _ => None,
        })
        .collect()
}

fn high_value() -> Traits {
    Traits {
        high_value: true,
        ..Default::default()
    }
}

#[test]
fn signup_then_24_48_72_hours_on_their_exact_times() {
    let mut r = Run::new(config());
    r.at(0, identify(Traits::default()))
        .at(MIN, enter("account"))
        .at(2 * MIN, done("account")) // 20%: exactly at the 24h tier-3 boundary
        .until(24 * HOUR - 1);
    assert_eq!(tiers(&r), vec![(0, Checkpoint::Signup, Tier::SelfServe)]);
    r.until(72 * HOUR);
    assert_eq!(
        tiers(&r),
        vec![
            (0, Checkpoint::Signup, Tier::SelfServe),
            // 0.20 is not below 0.20, and at most 0.50: tier 2.
            (24 * HOUR, Checkpoint::H24, Tier::LightTouch),
            // Tier 2 with 20% < 40%: tier 3.
            (48 * HOUR, Checkpoint::H48, Tier::HighTouch),
            (72 * HOUR, Checkpoint::H72, Tier::HighTouch),
        ]
    );
    assert_eq!(r.engine.poll_timeout(), None, "no checkpoint after 72h");
}

#[test]
fn h24_below_20_percent_is_tier_3() {
    let mut r = Run::new(config());
    r.at(0, identify(Traits::default())).until(24 * HOUR);
    assert_eq!(tiers(&r)[1], (24 * HOUR, Checkpoint::H24, Tier::HighTouch));
}

#[test]
fn h24_over_50_percent_without_struggle_stays_self_serve_then_h48_over_70_stays() {
    let mut r = Run::new(config());
    r.at(0, identify(Traits::default()));
    for s in ["account", "profile", "import", "integrate"] {
        r.at(MIN, done(s));
    }
    r.until(48 * HOUR);
    assert_eq!(
        tiers(&r)[1..],
        [
            (24 * HOUR, Checkpoint::H24, Tier::SelfServe),
            (48 * HOUR, Checkpoint::H48, Tier::SelfServe),
        ]
    );
}

#[test]
fn h24_minor_struggle_is_tier_2_and_major_is_tier_3() {
    let mut r = Run::new(config());
    r.at(0, identify(Traits::default()));
    for s in ["account", "profile", "import"] {
        r.at(MIN, done(s));
    }
    r.at(MIN, enter("integrate")).until(24 * HOUR);
    // 60% done, but stalls and a step timeout on the way: stall is confusion (counts).
    assert!(r.count(SignalKind::Stall) >= 1);
    assert_eq!(tiers(&r)[1], (24 * HOUR, Checkpoint::H24, Tier::LightTouch));

    let mut r = Run::new(config());
    r.at(0, identify(Traits::default()));
    for s in ["account", "profile", "import"] {
        r.at(MIN, done(s));
    }
    r.at(2 * MIN, Input::HelpRequested).until(24 * HOUR);
    assert_eq!(tiers(&r)[1], (24 * HOUR, Checkpoint::H24, Tier::HighTouch));
}

#[test]
fn abandonment_alone_is_not_routing_struggle_unless_configured() {
    let run = |cfg: Config| {
        let mut r = Run::new(cfg);
        r.at(0, identify(Traits::default()));
        for s in ["account", "profile", "import"] {
            r.at(MIN, done(s));
        }
        r.at(2 * MIN, Input::PageExit).until(24 * HOUR);
        assert_eq!(r.count(SignalKind::Abandoned), 1);
        tiers(&r)[1].2
    };
    assert_eq!(run(config()), Tier::SelfServe);
    let counted = Config {
        routing: RoutingConfig {
            abandonment_counts: true,
            ..Default::default()
        },
        ..config()
    };
    assert_eq!(run(counted), Tier::LightTouch);
}

#[test]
fn high_value_signup_is_tier_2_and_escalates_at_72h() {
    let mut r = Run::new(config());
    r.at(0, identify(high_value()));
    for s in ["account", "profile", "import", "integrate"] {
        r.at(MIN, done(s));
    }
    r.until(72 * HOUR);
    assert_eq!(
        tiers(&r),
        vec![
            (0, Checkpoint::Signup, Tier::LightTouch),
            (24 * HOUR, Checkpoint::H24, Tier::HighTouch),
            (48 * HOUR, Checkpoint::H48, Tier::HighTouch),
            (72 * HOUR, Checkpoint::H72, Tier::HighTouch),
        ]
    );
}

#[test]
fn enterprise_and_sales_qualified_start_in_tier_3() {
    for traits in [
        Traits {
            enterprise: true,
            ..Default::default()
        },
        Traits {
            sales_qualified: true,
            ..Default::default()
        },
    ] {
        let mut r = Run::new(config());
        r.at(0, identify(traits));
        assert_eq!(tiers(&r), vec![(0, Checkpoint::Signup, Tier::HighTouch)]);
    }
}

#[test]
fn completion_graduates_and_stops_the_checkpoints() {
    let mut r = Run::new(config());
    r.at(0, identify(Traits::default()));
    for s in ["account", "profile", "import", "integrate", "invite"] {
        r.at(HOUR, done(s));
    }
    r.until(100 * HOUR);
    assert_eq!(
        tiers(&r),
        vec![
            (0, Checkpoint::Signup, Tier::SelfServe),
            (HOUR, Checkpoint::Completed, Tier::Graduated),
        ]
    );
    assert_eq!(r.engine.poll_timeout(), None);
}

#[test]
fn configured_thresholds_move_the_decision() {
    let cfg = Config {
        routing: RoutingConfig {
            thresholds: RoutingThresholds {
                h24_high_touch_below: 0.5,
                ..Default::default()
            },
            ..Default::default()
        },
        ..config()
    };
    let mut r = Run::new(cfg);
    r.at(0, identify(Traits::default()))
        .at(MIN, done("account"))
        .at(MIN, done("profile"))
        .until(24 * HOUR);
    assert_eq!(tiers(&r)[1].2, Tier::HighTouch);
}

#[test]
fn signup_at_survives_a_page_load_and_overdue_checkpoints_run_at_once() {
    let mut r = Run::new(config());
    r.at(0, identify(Traits::default()))
        .at(MIN, done("account"));
    let saved: State = r.last_persist().expect("identify persists");
    assert_eq!(saved.signup_at, Some(T0));

    // A page load 50 hours later: 24h and 48h are overdue.
    let mut later = unstuck::core::Engine::new(
        config(),
        unstuck::core::Init {
            session: "s2".into(),
            user: Some("u1".into()),
            now_ms: T0 + 50 * HOUR,
            restored: Some(saved),
        },
    );
    assert_eq!(later.poll_timeout(), Some(T0 + 50 * HOUR));
    later.handle_timeout(T0 + 50 * HOUR);
    let cps: Vec<Checkpoint> = std::iter::from_fn(|| later.poll_output())
        .filter_map(|o| match o {
            Output::Tier(d) => Some(d.checkpoint),
            _ => None,
        })
        .collect();
    assert_eq!(cps, vec![Checkpoint::H24, Checkpoint::H48]);
    // Next: the returning user's 2-minute grace, then 72h.
    assert_eq!(later.poll_timeout(), Some(T0 + 50 * HOUR + 2 * MIN));
    later.handle_timeout(T0 + 50 * HOUR + 2 * MIN);
    assert_eq!(later.poll_timeout(), Some(T0 + 72 * HOUR));
    assert_eq!(later.tier(), Some(Tier::HighTouch));
}

// ---- severity ----

#[test]
fn three_errors_in_20_min_is_major_once() {
    let mut r = Run::new(config());
    r.at(0, enter("profile"))
        .at(MIN, validation("a"))
        .at(10 * MIN, validation("b"));
    assert_eq!(r.count(SignalKind::MajorStruggle), 0);
    r.at(21 * MIN, validation("c"));
    assert_eq!(r.count(SignalKind::MajorStruggle), 1);
    r.at(22 * MIN, validation("d"))
        .at(23 * MIN, validation("e"));
    assert_eq!(r.count(SignalKind::MajorStruggle), 1, "raised once");
    assert!(r.engine.is_major());
}

#[test]
fn three_errors_over_more_than_20_min_are_not_major() {
    let mut r = Run::new(config());
    r.at(0, enter("profile"))
        .at(0, validation("a"))
        .at(10 * MIN, validation("b"))
        .at(20 * MIN + 1, validation("c"));
    assert_eq!(r.count(SignalKind::MajorStruggle), 0);
}

#[test]
fn three_signals_of_two_kinds_in_24h_is_major_but_one_kind_is_not() {
    let cfg = config_with(SignalConfig {
        disabled: vec![SignalKind::StepTimeout],
        ..Default::default()
    });
    // Three stalls on three steps: one kind.
    let mut r = Run::new(cfg.clone());
    for (i, s) in ["account", "profile", "import"].iter().enumerate() {
        r.at(i as u64 * HOUR, enter(s))
            .until(i as u64 * HOUR + 6 * MIN);
    }
    assert_eq!(r.count(SignalKind::Stall), 3);
    assert_eq!(r.count(SignalKind::MajorStruggle), 0);
    // Two stalls and a rage click.
    let mut r = Run::new(cfg);
    r.at(0, enter("account")).until(6 * MIN);
    r.at(HOUR, enter("profile")).until(HOUR + 6 * MIN);
    r.at(2 * HOUR, click(1.0, 1.0))
        .at(2 * HOUR + 100, click(1.0, 1.0))
        .at(2 * HOUR + 200, click(1.0, 1.0));
    assert_eq!(r.count(SignalKind::MajorStruggle), 1);
}

#[test]
fn help_requested_is_major() {
    let mut r = Run::new(config());
    r.at(0, enter("import")).at(MIN, Input::HelpRequested);
    let s = r.signals();
    assert_eq!(s.len(), 1);
    assert_eq!(s[0].1, SignalKind::MajorStruggle);
    assert_eq!(s[0].3, unstuck::core::Severity::Major);
    assert_eq!(s[0].2.as_deref(), Some("import"));
}

#[test]
fn major_is_remembered_across_page_loads() {
    let mut r = Run::new(config());
    r.at(0, enter("import")).at(MIN, Input::HelpRequested);
    let saved = r.last_persist().expect("major persists");
    assert!(saved.major_raised);
    let mut r = Run::with(config(), Some(saved));
    r.at(MIN, Input::HelpRequested)
        .at(2 * MIN, error(ErrorKind::Import, Some("x"), None))
        .at(3 * MIN, error(ErrorKind::Import, Some("x"), None));
    assert_eq!(r.count(SignalKind::MajorStruggle), 0);
    assert!(r.engine.is_major());
}

#[test]
fn another_user_on_the_same_browser_starts_from_scratch() {
    let mut r = Run::new(config());
    r.at(0, identify(Traits::default()))
        .at(MIN, done("account"))
        .at(2 * MIN, Input::HelpRequested)
        .at(
            HOUR,
            Input::Identify {
                user: "u2".into(),
                traits: Traits::default(),
            },
        );
    assert_eq!(
        tiers(&r),
        vec![
            (0, Checkpoint::Signup, Tier::SelfServe),
            (HOUR, Checkpoint::Signup, Tier::SelfServe),
        ]
    );
    assert_eq!(r.engine.progress(), 0.0);
    assert!(!r.engine.is_major());
    let s = r.last_persist().expect("persisted");
    assert_eq!(
        (s.user.as_deref(), s.signup_at),
        (Some("u2"), Some(T0 + HOUR))
    );
    // u2's 24h checkpoint counts from u2's signup.
    r.until(25 * HOUR);
    assert_eq!(tiers(&r)[2].0, 25 * HOUR);
}

#[test]
fn h48_self_serve_at_exactly_70_percent_moves_to_tier_2() {
    // Weights 7 and 3: completing the first is exactly 0.70.
    let mut a = step("setup");
    a.weight = 7.0;
    let mut b = step("invite");
    b.weight = 3.0;
    let cfg = Config {
        steps: vec![a, b],
        ..Default::default()
    };
    let mut r = Run::new(cfg);
    r.at(0, identify(Traits::default()))
        .at(MIN, done("setup"))
        .until(48 * HOUR);
    assert_eq!(
        tiers(&r)[1..],
        [
            (24 * HOUR, Checkpoint::H24, Tier::SelfServe),
            (48 * HOUR, Checkpoint::H48, Tier::LightTouch),
        ]
    );
}

#[test]
fn h48_light_touch_at_exactly_40_percent_stays() {
    let mut r = Run::new(config());
    r.at(0, identify(Traits::default()))
        .at(MIN, done("account"))
        .at(MIN, done("profile"))
        .until(72 * HOUR);
    assert_eq!(
        tiers(&r)[1..],
        [
            (24 * HOUR, Checkpoint::H24, Tier::LightTouch),
            (48 * HOUR, Checkpoint::H48, Tier::LightTouch),
            (72 * HOUR, Checkpoint::H72, Tier::LightTouch),
        ]
    );
}

#[test]
fn tier_decisions_are_events_with_their_reason() {
    let mut r = Run::new(config());
    r.at(0, identify(Traits::default())).until(24 * HOUR);
    let reasons: Vec<String> = r
        .outputs
        .iter()
        .filter_map(|(_, o)| match o {
            Output::Event(e) => match &e.body {
                unstuck::core::EventBody::Tier(d) => Some(d.reason.clone()),
                _ => None,
            },
            _ => None,
        })
        .collect();
    assert_eq!(
        reasons,
        [
            "signup: default to self-serve",
            "24h: progress 0% below 20%"
        ]
    );
}
