//! Property tests: random input sequences never panic, the same inputs give the same outputs,
//! and `poll_timeout` never points before the latest time seen.

mod common;

use common::*;
use proptest::prelude::*;
use unstuck::core::config::{Frequency, Tip, Trigger};
use unstuck::core::{
    ClickTarget, Config, DismissReason, Engine, ErrorInfo, ErrorKind, Init, Input, Output,
    SignalKind, State, TipAction, Traits,
};

/// One step of a random session: a time delta (sometimes backwards, as from a bad clock) and
/// either an input or a timer poll.
#[derive(Clone, Debug)]
enum Op {
    Input(i64, Input),
    Timeout(i64),
}

fn step_id() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(vec!["account", "profile", "import", "integrate", "invite"])
            .prop_map(String::from),
        1 => Just(String::new()),
        1 => "[a-z]{1,8}",
    ]
}

fn fraction() -> impl Strategy<Value = f64> {
    prop_oneof![
        4 => 0.0..=1.0f64,
        1 => Just(f64::NAN),
        1 => Just(f64::INFINITY),
        1 => -2.0..3.0f64,
    ]
}

fn error_kind() -> impl Strategy<Value = ErrorKind> {
    prop::sample::select(vec![
        ErrorKind::Validation,
        ErrorKind::Import,
        ErrorKind::Integration,
        ErrorKind::Network,
        ErrorKind::Script,
    ])
}

fn tip_id() -> impl Strategy<Value = String> {
    prop::sample::select(vec!["t1", "t2", "nope", ""]).prop_map(String::from)
}

fn input() -> impl Strategy<Value = Input> {
    prop_oneof![
        1 => (any::<bool>(), any::<bool>(), any::<bool>(), prop::sample::select(vec!["u1", "u2", ""]))
            .prop_map(|(h, e, s, u)| Input::Identify {
                user: u.into(),
                traits: Traits { high_value: h, enterprise: e, sales_qualified: s },
            }),
        6 => step_id().prop_map(|step| Input::StepEntered { step }),
        2 => (step_id(), fraction()).prop_map(|(step, fraction)| Input::StepProgress { step, fraction }),
        2 => (step_id(), "[a-z]{0,3}").prop_map(|(step, field)| Input::FieldCompleted { step, field }),
        3 => step_id().prop_map(|step| Input::StepCompleted { step }),
        1 => Just(Input::OnboardingCompleted),
        5 => (
            prop::option::of(step_id()),
            error_kind(),
            prop::option::of(prop::sample::select(vec!["E1", "E2", ""]).prop_map(String::from)),
            prop::option::of("[A-Za-z0-9 ]{0,12}"),
        )
            .prop_map(|(step, kind, code, message)| Input::Error(ErrorInfo {
                step,
                kind,
                code,
                message,
                field: None,
            })),
        6 => (
            prop_oneof![4 => 0.0..50.0f64, 1 => Just(f64::NAN), 1 => Just(f64::NEG_INFINITY)],
            0.0..50.0f64,
            any::<bool>()
        )
            .prop_map(|(x, y, nav)| Input::Click {
                x,
                y,
                target: if nav { ClickTarget::Navigation } else { ClickTarget::Other },
            }),
        1 => "[a-z]{0,4}".prop_map(|topic| Input::HelpOpened { topic }),
        1 => Just(Input::HelpClosed),
        1 => Just(Input::HelpRequested),
        2 => Just(Input::Hidden),
        2 => Just(Input::Visible),
        1 => Just(Input::PageExit),
        1 => Just(Input::Resumed),
        1 => (tip_id(), prop::sample::select(vec![
            DismissReason::Close, DismissReason::Escape, DismissReason::Action, DismissReason::Timeout,
        ]))
            .prop_map(|(tip, reason)| Input::TipDismissed { tip, reason }),
        1 => (tip_id(), prop::sample::select(vec![TipAction::ShowMe, TipAction::Link, TipAction::GetHelp]))
            .prop_map(|(tip, action)| Input::TipActed { tip, action }),
        1 => ("[a-z]{0,4}", prop::option::of("[a-z{}:]{0,6}"))
            .prop_map(|(name, props)| Input::Track { name, props }),
    ]
}

fn delta() -> impl Strategy<Value = i64> {
    prop_oneof![
        6 => 0i64..2_000,
        4 => 0i64..(20 * MIN as i64),
        1 => 0i64..(80 * HOUR as i64),
        1 => -(10 * MIN as i64)..0,
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        5 => (delta(), input()).prop_map(|(d, i)| Op::Input(d, i)),
        1 => delta().prop_map(Op::Timeout),
    ]
}

fn tips_config() -> Config {
    let tip = |id: &str, signal, frequency| Tip {
        id: id.into(),
        trigger: Trigger {
            signal,
            step: None,
            code: None,
        },
        title: None,
        text: "x".into(),
        anchor: None,
        link: None,
        offer_help: true,
        frequency,
        cooldown_ms: MIN,
        priority: 0,
    };
    Config {
        tips: vec![
            tip("t1", SignalKind::Stall, Frequency::Always),
            tip("t2", SignalKind::RageClick, Frequency::Once),
        ],
        ..config()
    }
}

/// Runs `ops` and returns every output; checks `poll_timeout` against the clock as it goes.
fn run(ops: &[Op], restored: Option<State>) -> Vec<Output> {
    let mut e = Engine::new(
        tips_config(),
        Init {
            session: "s".into(),
            user: None,
            now_ms: T0,
            restored,
        },
    );
    let mut out = Vec::new();
    let mut t = T0 as i64;
    let mut seen = T0;
    for op in ops {
        let d = match op {
            Op::Input(d, _) | Op::Timeout(d) => *d,
        };
        t = (t + d).max(0);
        seen = seen.max(t as u64);
        match op {
            Op::Input(_, i) => e.handle(t as u64, i.clone()),
            Op::Timeout(_) => {
                // A well-behaved shell: wake at the polled time, if it is due.
                if let Some(p) = e.poll_timeout() {
                    e.handle_timeout(p.max(t as u64));
                    seen = seen.max(p);
                } else {
                    e.handle_timeout(t as u64);
                }
            }
        }
        if let Some(p) = e.poll_timeout() {
            assert!(
                p >= seen,
                "poll_timeout {p} before the latest time seen {seen}"
            );
        }
        out.extend(std::iter::from_fn(|| e.poll_output()));
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn random_sessions_never_panic_and_are_deterministic(ops in prop::collection::vec(op(), 0..120)) {
        let a = run(&ops, None);
        let b = run(&ops, None);
        prop_assert_eq!(a, b);
    }

    #[test]
    fn restored_state_from_a_random_session_is_safe(ops in prop::collection::vec(op(), 0..80)) {
        let a = run(&ops, None);
        let saved = a.iter().rev().find_map(|o| match o {
            Output::Persist(s) => Some(s.clone()),
            _ => None,
        });
        let b = run(&ops, saved.clone());
        let c = run(&ops, saved);
        prop_assert_eq!(b, c);
    }

    #[test]
    fn every_persisted_state_reads_back_as_written(ops in prop::collection::vec(op(), 0..80)) {
        for o in run(&ops, None) {
            if let Output::Persist(s) = o {
                let json = serde_json::to_value(&s).expect("serializes");
                prop_assert_eq!(State::read(&&json), Some(s));
            }
        }
    }

    #[test]
    fn every_signal_is_also_an_event_and_none_follows_completion(
        ops in prop::collection::vec(op(), 0..120)
    ) {
        let out = run(&ops, None);
        let mut complete = false;
        let mut user: Option<String> = None;
        for (k, o) in out.iter().enumerate() {
            match o {
                Output::Signal(s) => {
                    let next = out.get(k + 1);
                    let paired = matches!(
                        next,
                        Some(Output::Event(e)) if e.body == unstuck::core::EventBody::Signal(s.clone())
                    );
                    prop_assert!(paired, "signal without its event: {:?}", s);
                    prop_assert!(
                        !complete || s.kind == SignalKind::MajorStruggle,
                        "{:?} after onboarding completed", s.kind
                    );
                }
                Output::Event(e) if e.body == unstuck::core::EventBody::OnboardingCompleted => {
                    complete = true;
                }
                // Another user on the same browser starts onboarding from scratch.
                Output::Event(e) => {
                    if let unstuck::core::EventBody::Identify { user: u, .. } = &e.body {
                        if user.as_ref().is_some_and(|old| old != u) {
                            complete = false;
                        }
                        user = Some(u.clone());
                    }
                }
                _ => {}
            }
        }
    }
}

#[test]
fn times_going_backwards_are_clamped() {
    let mut e = Engine::new(
        config(),
        Init {
            now_ms: T0,
            ..Default::default()
        },
    );
    e.handle(
        T0,
        Input::StepEntered {
            step: "profile".into(),
        },
    );
    assert_eq!(e.poll_timeout(), Some(T0 + 5 * MIN));
    e.handle(0, Input::Hidden);
    e.handle(1, Input::Visible);
    // The clock said 0 and 1: both taken as T0, so no visible time was lost or invented.
    assert_eq!(e.poll_timeout(), Some(T0 + 5 * MIN));
    e.handle_timeout(u64::MAX);
    assert!(std::iter::from_fn(|| e.poll_output())
        .any(|o| matches!(o, Output::Signal(s) if s.kind == SignalKind::Stall)));
    assert_eq!(e.poll_timeout(), None);
}

#[test]
fn malformed_inputs_are_rejected_with_a_reason() {
    let mut r = Run::new(config());
    r.at(
        0,
        Input::StepEntered {
            step: "nope".into(),
        },
    )
    .at(
        0,
        Input::StepEntered {
            step: String::new(),
        },
    )
    .at(
        0,
        Input::StepProgress {
            step: "profile".into(),
            fraction: f64::NAN,
        },
    )
    .at(
        0,
        Input::StepProgress {
            step: "profile".into(),
            fraction: 1.5,
        },
    )
    .at(
        0,
        Input::Click {
            x: f64::NAN,
            y: 0.0,
            target: ClickTarget::Other,
        },
    )
    .at(
        0,
        Input::Identify {
            user: String::new(),
            traits: Traits::default(),
        },
    )
    .at(
        0,
        Input::Error(ErrorInfo {
            step: Some("ghost".into()),
            ..Default::default()
        }),
    );
    assert_eq!(
        r.rejected(),
        vec![
            "unknown step \"nope\"",
            "empty step id",
            "fraction must be a number from 0 to 1",
            "fraction must be a number from 0 to 1",
            "click coordinates must be finite numbers",
            "empty user id",
            "unknown step \"ghost\"",
        ]
    );
    // Nothing else happened: no step, no error event, no timer.
    assert_eq!(r.engine.poll_timeout(), None);
    assert_eq!(r.outputs.len(), 7);
}

#[test]
fn persist_comes_on_meaningful_changes_not_on_every_click() {
    let mut r = Run::new(config());
    r.at(0, enter("profile"));
    let after_enter = r.outputs.len();
    for i in 0..10 {
        r.at(i * 2 * SEC, click(i as f64 * 100.0, 0.0));
    }
    assert_eq!(r.outputs.len(), after_enter, "clicks alone produce nothing");
    r.at(30 * SEC, done("profile"));
    let persisted: Vec<_> = r
        .outputs
        .iter()
        .filter_map(|(_, o)| match o {
            Output::Persist(s) => Some(s.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(persisted.len(), 2);
    assert_eq!(persisted[1].completed, vec!["profile".to_string()]);
    assert_eq!(persisted[1].step.as_deref(), Some("profile"));
}

#[test]
fn state_reads_back_what_persist_wrote() {
    let mut r = Run::new(config());
    r.at(
        0,
        Input::Identify {
            user: "u1".into(),
            traits: Traits {
                high_value: true,
                ..Default::default()
            },
        },
    )
    .at(MIN, enter("profile"))
    .at(2 * MIN, done("account"))
    .until(7 * MIN)
    .at(8 * MIN, Input::HelpRequested);
    let saved = r.last_persist().expect("persisted");
    let json = serde_json::to_value(&saved).expect("serializes");
    let back = State::read(&&json).expect("an object");
    assert_eq!(back, saved);
    assert_eq!(State::read(&&serde_json::json!([1, 2])), None);
    let partial = State::read(&&serde_json::json!({"tier": "bogus", "struggle": [["stall"], 5]}))
        .expect("an object");
    assert_eq!(partial, State::default());
}

proptest! {
    /// The hand-rolled rounding (no `f64::round` in the no_std SDK) is std's, on any float.
    #[test]
    fn percent_rounds_as_std_does(x in any::<f64>()) {
        prop_assert_eq!(unstuck::core::routing::percent(x), (x * 100.0).round() as u32);
    }

    #[test]
    fn percent_rounds_as_std_does_on_fractions(n in 0u32..=100_000) {
        let x = f64::from(n) / 100_000.0;
        prop_assert_eq!(unstuck::core::routing::percent(x), (x * 100.0).round() as u32);
    }
}
