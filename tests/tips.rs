//! Which tip shows when: triggers, frequency, caps, priority, hiding on step change.

mod common;

use common::*;
use unstuck::core::config::{Frequency, Tip, TipLimits, Trigger};
use unstuck::core::{
    Config, DismissReason, ErrorKind, EventBody, Input, Output, SignalKind, TipAction,
};

fn tip(id: &str, signal: SignalKind, step: Option<&str>) -> Tip {
    Tip {
        id: id.into(),
        trigger: Trigger {
            signal,
            step: step.map(Into::into),
            code: None,
        },
        title: None,
        text: format!("tip {id}"),
        anchor: Some(format!("#{id}")),
        link: None,
        offer_help: false,
        frequency: Frequency::UntilDismissed,
        cooldown_ms: 0,
        priority: 0,
    }
}

fn with_tips(tips: Vec<Tip>) -> Config {
    Config { tips, ..config() }
}

fn shown(r: &Run) -> Vec<(u64, String)> {
    r.outputs
        .iter()
        .filter_map(|(t, o)| match o {
            Output::ShowTip(s) => Some((t - T0, s.tip.clone())),
            _ => None,
        })
        .collect()
}

fn hidden(r: &Run) -> Vec<String> {
    r.outputs
        .iter()
        .filter_map(|(_, o)| match o {
            Output::HideTip { tip } => Some(tip.clone()),
            _ => None,
        })
        .collect()
}

fn dismiss(tip: &str, reason: DismissReason) -> Input {
    Input::TipDismissed {
        tip: tip.into(),
        reason,
    }
}

#[test]
fn a_matching_tip_shows_with_its_anchor_and_an_event() {
    let mut r = Run::new(with_tips(vec![
        tip("other-step", SignalKind::Stall, Some("import")),
        tip("profile-stall", SignalKind::Stall, Some("profile")),
    ]));
    r.at(0, enter("profile")).until(5 * MIN);
    assert_eq!(shown(&r), vec![(5 * MIN, "profile-stall".to_string())]);
    let show = r
        .outputs
        .iter()
        .find_map(|(_, o)| match o {
            Output::ShowTip(s) => Some(s.clone()),
            _ => None,
        })
        .expect("a tip");
    assert_eq!(show.anchor.as_deref(), Some("#profile-stall"));
    assert_eq!(show.step.as_deref(), Some("profile"));
    assert_eq!(show.signal, SignalKind::Stall);
    assert!(r.outputs.iter().any(|(_, o)| matches!(
        o,
        Output::Event(e) if matches!(&e.body, EventBody::TipShown { tip, .. } if tip == "profile-stall")
    )));
}

#[test]
fn an_error_code_trigger_matches_only_that_code() {
    let mut t = tip("csv", SignalKind::ImportFailure, None);
    t.trigger.code = Some("E_COLUMNS".into());
    let mut r = Run::new(with_tips(vec![t]));
    r.at(0, enter("import"))
        .at(SEC, error(ErrorKind::Import, Some("E_ENCODING"), None));
    assert!(shown(&r).is_empty());
    r.at(2 * SEC, error(ErrorKind::Import, Some("E_COLUMNS"), None));
    assert_eq!(shown(&r), vec![(2 * SEC, "csv".to_string())]);
}

#[test]
fn priority_wins_and_ties_go_to_the_first() {
    let mut low = tip("low", SignalKind::Stall, None);
    low.priority = 1;
    let mut high = tip("high", SignalKind::Stall, None);
    high.priority = 5;
    let mut also_high = tip("also-high", SignalKind::Stall, None);
    also_high.priority = 5;
    let mut r = Run::new(with_tips(vec![low, high, also_high]));
    r.at(0, enter("profile")).until(5 * MIN);
    assert_eq!(shown(&r), vec![(5 * MIN, "high".to_string())]);
}

#[test]
fn leaving_the_step_hides_the_tip_with_a_timeout_dismissal_that_does_not_retire_it() {
    let mut r = Run::new(with_tips(vec![tip("t", SignalKind::Stall, None)]));
    r.at(0, enter("profile"))
        .until(5 * MIN)
        .at(6 * MIN, enter("import"));
    assert_eq!(hidden(&r), vec!["t".to_string()]);
    assert!(r.outputs.iter().any(|(_, o)| matches!(
        o,
        Output::Event(e) if e.body == EventBody::TipDismissed { tip: "t".into(), reason: DismissReason::Timeout }
    )));
    // Not retired: it shows again on the next stall.
    r.until(11 * MIN);
    assert_eq!(shown(&r).len(), 2);
}

#[test]
fn until_dismissed_stops_after_a_dismissal_and_once_after_one_showing() {
    let mut once = tip("once", SignalKind::RageClick, None);
    once.frequency = Frequency::Once;
    let rage = |r: &mut Run, t: u64| {
        r.at(t, click(1.0, 1.0))
            .at(t + 10, click(1.0, 1.0))
            .at(t + 20, click(1.0, 1.0));
    };
    let mut r = Run::new(with_tips(vec![once]));
    rage(&mut r, 0);
    r.at(SEC, dismiss("once", DismissReason::Timeout));
    rage(&mut r, MIN);
    assert_eq!(shown(&r).len(), 1, "once means once");
    assert_eq!(
        r.last_persist().expect("persisted").retired_tips,
        vec!["once".to_string()]
    );

    let mut r = Run::new(with_tips(vec![tip("ud", SignalKind::RageClick, None)]));
    rage(&mut r, 0);
    r.at(SEC, dismiss("ud", DismissReason::Timeout));
    rage(&mut r, MIN);
    assert_eq!(
        shown(&r).len(),
        2,
        "a timeout is not a dismissal by the user"
    );
    r.at(MIN + SEC, dismiss("ud", DismissReason::Close));
    rage(&mut r, 2 * MIN);
    assert_eq!(shown(&r).len(), 2);
}

#[test]
fn always_respects_its_cooldown() {
    let mut t = tip("a", SignalKind::RageClick, None);
    t.frequency = Frequency::Always;
    t.cooldown_ms = 10 * MIN;
    let mut r = Run::new(with_tips(vec![t]));
    for k in 0..4u64 {
        let at = k * 5 * MIN;
        r.at(at, click(1.0, 1.0))
            .at(at + 10, click(1.0, 1.0))
            .at(at + 20, click(1.0, 1.0))
            .at(at + SEC, dismiss("a", DismissReason::Close));
    }
    assert_eq!(
        shown(&r),
        vec![(20, "a".to_string()), (10 * MIN + 20, "a".to_string())]
    );
}

#[test]
fn global_caps_limit_visible_tips_and_showings_per_window() {
    let cfg = Config {
        tip_limits: TipLimits {
            max_visible: 1,
            max_per_window: 2,
            window_ms: 10 * MIN,
        },
        ..with_tips(vec![
            tip("a", SignalKind::RageClick, None),
            tip("b", SignalKind::RageClick, None),
            tip("c", SignalKind::RageClick, None),
        ])
    };
    let mut r = Run::new(cfg);
    let rage = |r: &mut Run, t: u64| {
        r.at(t, click(1.0, 1.0))
            .at(t + 10, click(1.0, 1.0))
            .at(t + 20, click(1.0, 1.0));
    };
    rage(&mut r, 0);
    rage(&mut r, SEC);
    assert_eq!(shown(&r).len(), 1, "one visible at a time");
    r.at(2 * SEC, dismiss("a", DismissReason::Close));
    rage(&mut r, 3 * SEC);
    r.at(4 * SEC, dismiss("b", DismissReason::Close));
    rage(&mut r, 5 * SEC);
    assert_eq!(shown(&r).len(), 2, "two per window");
    rage(&mut r, 11 * MIN);
    assert_eq!(
        shown(&r).iter().map(|s| s.1.as_str()).collect::<Vec<_>>(),
        ["a", "b", "c"]
    );
}

#[test]
fn a_higher_priority_tip_replaces_a_lower_one_when_the_visible_cap_is_reached() {
    let mut help = tip("help", SignalKind::MajorStruggle, None);
    help.priority = 100;
    let mut rage = tip("rage", SignalKind::RageClick, None);
    rage.priority = 100;
    let mut r = Run::new(with_tips(vec![
        tip("stall", SignalKind::Stall, None),
        help,
        rage,
    ]));
    r.at(0, enter("profile")).until(5 * MIN);
    assert_eq!(shown(&r), [(5 * MIN, "stall".to_string())]);
    r.at(6 * MIN, Input::HelpRequested);
    assert_eq!(
        shown(&r),
        [
            (5 * MIN, "stall".to_string()),
            (6 * MIN, "help".to_string())
        ]
    );
    assert_eq!(hidden(&r), ["stall"], "the lower one makes room");

    // An equal priority never pushes a showing tip out.
    r.at(7 * MIN, click(1.0, 1.0))
        .at(7 * MIN + 10, click(1.0, 1.0))
        .at(7 * MIN + 20, click(1.0, 1.0));
    assert_eq!(r.count(SignalKind::RageClick), 1);
    assert_eq!(shown(&r).len(), 2);
    assert_eq!(hidden(&r), ["stall"]);
}

#[test]
fn retired_tips_are_remembered_by_a_later_page_load() {
    let mut r = Run::new(with_tips(vec![tip("t", SignalKind::Stall, None)]));
    r.at(0, enter("profile"))
        .until(5 * MIN)
        .at(6 * MIN, dismiss("t", DismissReason::Escape));
    let saved = r.last_persist().expect("persisted");
    let mut r = Run::with(
        with_tips(vec![tip("t", SignalKind::Stall, None)]),
        Some(saved),
    );
    r.at(0, enter("profile")).until(10 * MIN);
    assert_eq!(r.count(SignalKind::Stall), 1);
    assert!(shown(&r).is_empty());
}

#[test]
fn get_help_on_a_tip_is_a_help_request_and_unknown_tips_are_rejected() {
    let mut r = Run::new(with_tips(vec![tip("t", SignalKind::Stall, None)]));
    r.at(0, enter("profile")).until(5 * MIN).at(
        6 * MIN,
        Input::TipActed {
            tip: "t".into(),
            action: TipAction::GetHelp,
        },
    );
    assert_eq!(r.count(SignalKind::MajorStruggle), 1);
    r.at(7 * MIN, dismiss("nope", DismissReason::Close));
    assert_eq!(r.rejected(), vec!["unknown tip \"nope\"".to_string()]);
}
