//! `unstuck replay CONFIG EVENTS.jsonl`: feeds a recorded session through the engine on a
//! virtual clock and prints every output as one JSON line.
//!
//! The whole recording is parsed first: if any line is malformed, each is reported as
//! `line N: problem` on stderr and nothing is replayed (exit 1), so output never comes from
//! half a session. Between two lines, every timer the engine asks for fires at its exact
//! virtual time; after the last line nothing more runs (an `end` line moves the clock on).

use std::io::{self, Write};
use std::path::Path;
use std::process::ExitCode;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use unstuck::core::{
    ClickTarget, Config, DismissReason, Engine, ErrorInfo, ErrorKind, EventBody, Init, Input,
    Millis, Output, Severity, TipAction, Traits,
};

/// Runs the subcommand.
pub fn run(config: &Path, events: &Path) -> ExitCode {
    let config = match super::validate::load(config) {
        Ok(c) => c,
        Err(errors) => {
            for e in &errors {
                eprintln!("{}: {e}", config.display());
            }
            return ExitCode::FAILURE;
        }
    };
    let text = match std::fs::read_to_string(events) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("cannot read {}: {e}", events.display());
            return ExitCode::FAILURE;
        }
    };
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let ok = replay(config, &text, &mut out, &mut io::stderr());
    if out.flush().is_err() {
        return ExitCode::FAILURE;
    }
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// One recorded input line, without its `t`.
#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
enum Recorded {
    Identify {
        user: String,
        #[serde(default)]
        traits: RecordedTraits,
    },
    Step {
        step: String,
    },
    Progress {
        step: String,
        fraction: f64,
    },
    Field {
        step: String,
        field: String,
    },
    StepComplete {
        step: String,
    },
    Complete,
    Error {
        #[serde(default)]
        step: Option<String>,
        #[serde(default)]
        kind: Option<String>,
        #[serde(default)]
        code: Option<String>,
        #[serde(default)]
        message: Option<String>,
        #[serde(default)]
        field: Option<String>,
    },
    Click {
        x: f64,
        y: f64,
        #[serde(default)]
        target: Option<String>,
    },
    HelpOpen {
        #[serde(default)]
        topic: String,
    },
    HelpClose,
    HelpRequest,
    Hidden,
    Visible,
    Exit,
    Resume,
    TipDismiss {
        tip: String,
        reason: String,
    },
    TipAct {
        tip: String,
        action: String,
    },
    Track {
        name: String,
        #[serde(default)]
        props: Option<Value>,
    },
    End,
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RecordedTraits {
    #[serde(default)]
    high_value: bool,
    #[serde(default)]
    enterprise: bool,
    #[serde(default)]
    sales_qualified: bool,
}

/// A parsed line: when, and what (`None` for `end`, which only moves the clock).
struct Line {
    number: usize,
    t: Millis,
    input: Option<Input>,
}

/// Parses one non-blank line.
fn parse_line(text: &str) -> Result<(Millis, Option<Input>), String> {
    let value: Value = serde_json::from_str(text).map_err(|e| format!("not valid JSON: {e}"))?;
    let Value::Object(mut fields) = value else {
        return Err("must be a JSON object".into());
    };
    let t = match fields.remove("t") {
        None => return Err("missing field `t`".into()),
        Some(t) => t
            .as_u64()
            .ok_or("`t` must be a whole number of milliseconds, 0 or more")?,
    };
    let recorded: Recorded =
        serde_json::from_value(Value::Object(fields)).map_err(|e| e.to_string())?;
    Ok((t, to_input(recorded)?))
}

fn to_input(r: Recorded) -> Result<Option<Input>, String> {
    Ok(Some(match r {
        Recorded::Identify { user, traits } => Input::Identify {
            user,
            traits: Traits {
                high_value: traits.high_value,
                enterprise: traits.enterprise,
                sales_qualified: traits.sales_qualified,
            },
        },
        Recorded::Step { step } => Input::StepEntered { step },
        Recorded::Progress { step, fraction } => {
            if !(0.0..=1.0).contains(&fraction) {
                return Err("`fraction` must be between 0 and 1".into());
            }
            Input::StepProgress { step, fraction }
        }
        Recorded::Field { step, field } => Input::FieldCompleted { step, field },
        Recorded::StepComplete { step } => Input::StepCompleted { step },
        Recorded::Complete => Input::OnboardingCompleted,
        Recorded::Error {
            step,
            kind,
            code,
            message,
            field,
        } => {
            let kind = match kind.as_deref() {
                None => ErrorKind::default(),
                Some(k) => ErrorKind::parse(k).ok_or_else(|| {
                    format!(
                        "unknown error kind \"{k}\", expected one of validation, import, \
                         integration, network, script"
                    )
                })?,
            };
            Input::Error(ErrorInfo {
                step,
                kind,
                code,
                message,
                field,
            })
        }
        Recorded::Click { x, y, target } => {
            let target = match target.as_deref() {
                None | Some("other") => ClickTarget::Other,
                Some("navigation") => ClickTarget::Navigation,
                Some(t) => {
                    return Err(format!(
                        "unknown click target \"{t}\", expected other or navigation"
                    ))
                }
            };
            Input::Click { x, y, target }
        }
        Recorded::HelpOpen { topic } => Input::HelpOpened { topic },
        Recorded::HelpClose => Input::HelpClosed,
        Recorded::HelpRequest => Input::HelpRequested,
        Recorded::Hidden => Input::Hidden,
        Recorded::Visible => Input::Visible,
        Recorded::Exit => Input::PageExit,
        Recorded::Resume => Input::Resumed,
        Recorded::TipDismiss { tip, reason } => Input::TipDismissed {
            tip,
            reason: DismissReason::parse(&reason).ok_or_else(|| {
                format!("unknown dismiss reason \"{reason}\", expected close, escape, action or timeout")
            })?,
        },
        Recorded::TipAct { tip, action } => Input::TipActed {
            tip,
            action: TipAction::parse(&action).ok_or_else(|| {
                format!("unknown tip action \"{action}\", expected show_me, link or get_help")
            })?,
        },
        Recorded::Track { name, props } => Input::Track {
            name,
            props: props.map(|p| p.to_string()),
        },
        Recorded::End => return Ok(None),
    }))
}

/// Parses a whole recording; every malformed line is reported.
fn parse(text: &str) -> Result<Vec<Line>, Vec<String>> {
    let mut lines = Vec::new();
    let mut problems = Vec::new();
    let mut last_t: Option<Millis> = None;
    for (i, raw) in text.lines().enumerate() {
        let number = i + 1;
        if raw.trim().is_empty() {
            continue;
        }
        match parse_line(raw) {
            Ok((t, input)) => {
                if let Some(prev) = last_t.filter(|prev| t < *prev) {
                    problems.push(format!(
                        "line {number}: `t` goes back in time (an earlier line has t = {prev})"
                    ));
                }
                last_t = Some(last_t.map_or(t, |p| p.max(t)));
                lines.push(Line { number, t, input });
            }
            Err(p) => problems.push(format!("line {number}: {p}")),
        }
    }
    if problems.is_empty() {
        Ok(lines)
    } else {
        Err(problems)
    }
}

/// Replays `text` through a new engine. Output lines go to `out`; problems to `err`.
/// Returns false if anything was wrong (malformed lines, inputs the engine rejected).
pub fn replay(config: Config, text: &str, out: &mut impl Write, err: &mut impl Write) -> bool {
    let lines = match parse(text) {
        Ok(lines) => lines,
        Err(problems) => {
            for p in problems {
                let _ = writeln!(err, "{p}");
            }
            return false;
        }
    };
    let start = lines.first().map_or(0, |l| l.t);
    let mut r = Replay {
        engine: Engine::new(
            config,
            Init {
                session: "replay".into(),
                user: None,
                now_ms: start,
                restored: None,
            },
        ),
        now: start,
        ok: true,
        out,
        err,
    };
    r.drain(None);
    for line in lines {
        r.advance_to(line.t);
        r.now = line.t;
        if let Some(input) = line.input {
            r.engine.handle(line.t, input);
            r.drain(Some(line.number));
        }
    }
    r.ok
}

struct Replay<'a, O: Write, E: Write> {
    engine: Engine,
    now: Millis,
    ok: bool,
    out: &'a mut O,
    err: &'a mut E,
}

impl<O: Write, E: Write> Replay<'_, O, E> {
    /// Fires every timer due up to and including `t`, each at its own deadline.
    fn advance_to(&mut self, t: Millis) {
        let mut last_fired: Option<Millis> = None;
        let mut stuck = 0;
        while let Some(deadline) = self.engine.poll_timeout() {
            if deadline > t {
                break;
            }
            // A deadline in the past fires now: the clock never runs backwards.
            let at = deadline.max(self.now);
            if last_fired == Some(at) {
                // The engine keeps asking for a time it was just woken at: stop rather than spin.
                stuck += 1;
                if stuck > 1000 {
                    let _ = writeln!(
                        self.err,
                        "t {at}: the engine's timer does not advance; skipping to t {t}"
                    );
                    self.ok = false;
                    break;
                }
            } else {
                stuck = 0;
            }
            self.now = at;
            self.engine.handle_timeout(at);
            last_fired = Some(at);
            self.drain(None);
        }
    }

    /// Prints every pending output, stamped with the current virtual time.
    fn drain(&mut self, line: Option<usize>) {
        while let Some(output) = self.engine.poll_output() {
            let t = self.now;
            let printed = match &output {
                Output::Signal(s) => print(
                    self.out,
                    t,
                    "signal",
                    SignalLine {
                        signal: s.kind.as_str(),
                        step: s.step.as_deref(),
                        severity: s.severity,
                        count: s.count,
                        detail: &s.detail,
                    },
                ),
                Output::ShowTip(s) => print(
                    self.out,
                    t,
                    "tip_show",
                    TipLine {
                        tip: &s.tip,
                        step: s.step.as_deref(),
                        anchor: s.anchor.as_deref(),
                        signal: s.signal.as_str(),
                    },
                ),
                Output::HideTip { tip } => print(self.out, t, "tip_hide", HideLine { tip }),
                Output::Tier(d) => print(
                    self.out,
                    t,
                    "tier",
                    TierLine {
                        tier: d
                            .tier
                            .number()
                            .map_or(Value::from("graduated"), Value::from),
                        checkpoint: d.checkpoint.as_str(),
                        reason: &d.reason,
                        changed: d.changed,
                    },
                ),
                // An event carries its own time: that is the line's `t`. Nested, because its
                // fields (a signal's `kind`) would clash with the line's own.
                Output::Event(e) => print(self.out, e.t, "event", EventLine { event: &e.body }),
                // The stored state is the browser's business, not the session's story.
                Output::Persist(_) => Ok(()),
                Output::Rejected { reason } => {
                    let at = line.map_or_else(|| format!("t {t}"), |n| format!("line {n}"));
                    let _ = writeln!(self.err, "{at}: rejected by the engine: {reason}");
                    self.ok = false;
                    Ok(())
                }
            };
            if printed.is_err() {
                self.ok = false;
            }
        }
    }
}

#[derive(Serialize)]
struct OutLine<B: Serialize> {
    t: Millis,
    kind: &'static str,
    #[serde(flatten)]
    body: B,
}

#[derive(Serialize)]
struct SignalLine<'a> {
    signal: &'static str,
    step: Option<&'a str>,
    severity: Severity,
    count: u32,
    detail: &'a str,
}

#[derive(Serialize)]
struct TipLine<'a> {
    tip: &'a str,
    step: Option<&'a str>,
    anchor: Option<&'a str>,
    signal: &'static str,
}

#[derive(Serialize)]
struct EventLine<'a> {
    event: &'a EventBody,
}

#[derive(Serialize)]
struct HideLine<'a> {
    tip: &'a str,
}

#[derive(Serialize)]
struct TierLine<'a> {
    tier: Value,
    checkpoint: &'static str,
    reason: &'a str,
    changed: bool,
}

fn print(
    out: &mut impl Write,
    t: Millis,
    kind: &'static str,
    body: impl Serialize,
) -> io::Result<()> {
    let line = OutLine { t, kind, body };
    serde_json::to_writer(&mut *out, &line)?;
    out.write_all(b"\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(text: &str) -> Vec<String> {
        match parse(text) {
            Ok(_) => Vec::new(),
            Err(p) => p,
        }
    }

    #[test]
    fn every_line_type_parses() {
        let text = r#"
{"t":0,"type":"identify","user":"u1","traits":{"high_value":true}}
{"t":1,"type":"step","step":"account"}
{"t":2,"type":"progress","step":"account","fraction":0.5}
{"t":3,"type":"field","step":"account","field":"email"}
{"t":4,"type":"error","step":"account","kind":"validation","code":"typeMismatch","message":"bad","field":"email"}
{"t":5,"type":"click","x":1,"y":2,"target":"navigation"}
{"t":6,"type":"help_open","topic":"csv"}
{"t":7,"type":"help_close"}
{"t":8,"type":"help_request"}
{"t":9,"type":"hidden"}
{"t":10,"type":"visible"}
{"t":11,"type":"exit"}
{"t":12,"type":"resume"}
{"t":13,"type":"tip_dismiss","tip":"a","reason":"escape"}
{"t":14,"type":"tip_act","tip":"a","action":"get_help"}
{"t":15,"type":"track","name":"x","props":{"a":1}}
{"t":16,"type":"step_complete","step":"account"}
{"t":17,"type":"complete"}
{"t":18,"type":"end"}
"#;
        let lines = parse(text).unwrap();
        assert_eq!(lines.len(), 19);
        assert_eq!(lines[0].number, 2);
        assert_eq!(
            lines[0].input,
            Some(Input::Identify {
                user: "u1".into(),
                traits: Traits {
                    high_value: true,
                    ..Traits::default()
                }
            })
        );
        assert_eq!(
            lines[4].input,
            Some(Input::Error(ErrorInfo {
                step: Some("account".into()),
                kind: ErrorKind::Validation,
                code: Some("typeMismatch".into()),
                message: Some("bad".into()),
                field: Some("email".into()),
            }))
        );
        assert_eq!(
            lines[5].input,
            Some(Input::Click {
                x: 1.0,
                y: 2.0,
                target: ClickTarget::Navigation
            })
        );
        assert_eq!(lines[18].input, None);
        assert_eq!(lines[18].t, 18);
    }

    #[test]
    fn malformed_lines_are_reported_with_their_numbers() {
        let text = "{\"t\":0,\"type\":\"step\",\"step\":\"a\"}\n\
                    not json\n\
                    [1]\n\
                    {\"type\":\"end\"}\n\
                    {\"t\":-5,\"type\":\"end\"}\n\
                    {\"t\":1,\"type\":\"teleport\"}\n\
                    {\"t\":1,\"type\":\"step\"}\n\
                    {\"t\":1,\"type\":\"progress\",\"step\":\"a\",\"fraction\":2}\n\
                    {\"t\":1,\"type\":\"error\",\"kind\":\"cosmic\"}\n\
                    {\"t\":1,\"type\":\"step\",\"step\":\"a\",\"colour\":1}\n\
                    {\"t\":5,\"type\":\"end\"}\n\
                    {\"t\":4,\"type\":\"end\"}\n";
        let p = problems(text);
        let numbers: Vec<&str> = p.iter().map(|l| l.split(':').next().unwrap()).collect();
        assert_eq!(
            numbers,
            [
                "line 2", "line 3", "line 4", "line 5", "line 6", "line 7", "line 8", "line 9",
                "line 10", "line 12"
            ]
        );
        assert!(p[0].starts_with("line 2: not valid JSON"), "{p:?}");
        assert_eq!(p[1], "line 3: must be a JSON object");
        assert_eq!(p[2], "line 4: missing field `t`");
        assert!(p[4].contains("unknown variant `teleport`"), "{p:?}");
        assert!(p[5].contains("missing field `step`"), "{p:?}");
        assert_eq!(p[6], "line 8: `fraction` must be between 0 and 1");
        assert!(p[7].contains("unknown error kind \"cosmic\""), "{p:?}");
        assert!(p[8].contains("unknown field `colour`"), "{p:?}");
        assert_eq!(
            p[9],
            "line 12: `t` goes back in time (an earlier line has t = 5)"
        );
    }

    #[test]
    fn a_malformed_recording_prints_nothing_and_fails() {
        let config = unstuck::core::config::json::from_str(r#"{"steps":[{"id":"a"}]}"#).unwrap();
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let ok = replay(
            config,
            "{\"t\":0,\"type\":\"step\",\"step\":\"a\"}\n{",
            &mut out,
            &mut err,
        );
        assert!(!ok);
        assert!(out.is_empty());
        assert!(String::from_utf8(err).unwrap().starts_with("line 2: "));
    }
}
