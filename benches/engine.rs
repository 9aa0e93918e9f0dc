//! Engine throughput on a realistic event mix: `cargo bench -p unstuck --bench engine`
//! (`npm run bench`). Prints events per second; no assertion on time (timings are not tests).
//!
//! The mix per simulated session: mostly clicks (some in rage bursts, some on steppers), field
//! completions and progress, step navigation with occasional backs, errors (validation repeats,
//! import/integration failures, script noise), help, visibility changes and the timers they arm,
//! driven on a virtual clock with `poll_timeout`/`handle_timeout` as a shell would.

use std::hint::black_box;
use std::time::Instant;

use unstuck::core::config::{Frequency, Step, Tip, Trigger};
use unstuck::core::{
    ClickTarget, Config, Engine, ErrorInfo, ErrorKind, Init, Input, SignalKind, Traits,
};

const STEPS: [&str; 6] = [
    "account",
    "profile",
    "import",
    "integrate",
    "invite",
    "done",
];

fn config() -> Config {
    let tip = |id: &str, signal| Tip {
        id: id.into(),
        trigger: Trigger {
            signal,
            step: None,
            code: None,
        },
        title: None,
        text: "Stuck? Here is a quick tip.".into(),
        anchor: Some("#main".into()),
        link: None,
        offer_help: true,
        frequency: Frequency::Always,
        cooldown_ms: 60_000,
        priority: 0,
    };
    Config {
        steps: STEPS
            .iter()
            .map(|s| Step {
                id: (*s).into(),
                weight: 1.0,
                required: true,
                selector: None,
                url: None,
                title: None,
            })
            .collect(),
        tips: vec![
            tip("stall", SignalKind::Stall),
            tip("rage", SignalKind::RageClick),
            tip("err", SignalKind::RepeatedError),
        ],
        ..Default::default()
    }
}

/// A tiny deterministic PRNG (xorshift), so every run feeds the same events.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Builds one session's inputs with their time gaps.
fn session(rng: &mut Rng, len: usize) -> Vec<(u64, Input)> {
    let mut v = Vec::with_capacity(len);
    let mut step = 0usize;
    v.push((
        0,
        Input::Identify {
            user: "u".into(),
            traits: Traits::default(),
        },
    ));
    v.push((
        10,
        Input::StepEntered {
            step: STEPS[0].into(),
        },
    ));
    while v.len() < len {
        let r = rng.below(100);
        let s = STEPS[step].to_string();
        let (gap, input) = match r {
            0..=49 => (
                rng.below(1500),
                Input::Click {
                    x: rng.below(40) as f64,
                    y: rng.below(40) as f64,
                    target: if rng.below(5) == 0 {
                        ClickTarget::Navigation
                    } else {
                        ClickTarget::Other
                    },
                },
            ),
            50..=61 => (
                rng.below(20_000),
                Input::FieldCompleted {
                    step: s,
                    field: "f".into(),
                },
            ),
            62..=67 => (
                rng.below(20_000),
                Input::StepProgress {
                    step: s,
                    fraction: rng.below(101) as f64 / 100.0,
                },
            ),
            68..=73 => {
                // Mostly forward, sometimes back.
                if rng.below(4) == 0 && step > 0 {
                    step -= 1;
                } else if step + 1 < STEPS.len() {
                    step += 1;
                }
                (
                    rng.below(30_000),
                    Input::StepEntered {
                        step: STEPS[step].into(),
                    },
                )
            }
            74..=77 => (rng.below(60_000), Input::StepCompleted { step: s }),
            78..=87 => {
                let kind = match rng.below(10) {
                    0 => ErrorKind::Import,
                    1 => ErrorKind::Integration,
                    2 | 3 => ErrorKind::Script,
                    4 => ErrorKind::Network,
                    _ => ErrorKind::Validation,
                };
                (
                    rng.below(30_000),
                    Input::Error(ErrorInfo {
                        step: None,
                        kind,
                        code: if rng.below(2) == 0 {
                            Some(
                                ["typeMismatch", "required", "E_COLUMNS"][rng.below(3) as usize]
                                    .into(),
                            )
                        } else {
                            None
                        },
                        message: Some("Row 12 has 3 columns, expected 4".into()),
                        field: Some("email".into()),
                    }),
                )
            }
            88..=90 => (
                rng.below(60_000),
                Input::HelpOpened {
                    topic: "csv".into(),
                },
            ),
            91..=92 => (rng.below(60_000), Input::HelpClosed),
            93..=95 => (rng.below(120_000), Input::Hidden),
            96..=98 => (rng.below(5_000), Input::Visible),
            _ => (
                rng.below(5_000),
                Input::Track {
                    name: "milestone".into(),
                    props: None,
                },
            ),
        };
        v.push((gap, input));
    }
    v
}

/// This thread's CPU time in ns (Linux `schedstat`), so a busy shared machine does not
/// count other processes' time as ours; `None` elsewhere.
fn cpu_ns() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    s.split_whitespace().next()?.parse().ok()
}

fn main() {
    let cfg = config();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let sessions: Vec<Vec<(u64, Input)>> = (0..200).map(|_| session(&mut rng, 2_000)).collect();
    let events: usize = sessions.iter().map(Vec::len).sum();

    let mut best = f64::MAX;
    let mut best_cpu = f64::MAX;
    let mut outputs = 0usize;
    let mut timers = 0usize;
    for _round in 0..5 {
        outputs = 0;
        timers = 0;
        let start = Instant::now();
        let cpu0 = cpu_ns();
        for s in &sessions {
            let mut now = 1_733_300_000_000u64;
            let mut e = Engine::new(
                cfg.clone(),
                Init {
                    session: "s".into(),
                    user: None,
                    now_ms: now,
                    restored: None,
                },
            );
            for (gap, input) in s {
                let next = now + gap;
                // Wake for every timer due before the next input, as a shell would.
                while let Some(t) = e.poll_timeout() {
                    if t > next {
                        break;
                    }
                    e.handle_timeout(t);
                    timers += 1;
                    while let Some(o) = e.poll_output() {
                        black_box(&o);
                        outputs += 1;
                    }
                }
                now = next;
                e.handle(now, input.clone());
                while let Some(o) = e.poll_output() {
                    black_box(&o);
                    outputs += 1;
                }
            }
        }
        best = best.min(start.elapsed().as_secs_f64());
        if let (Some(a), Some(b)) = (cpu0, cpu_ns()) {
            best_cpu = best_cpu.min(b.saturating_sub(a) as f64 / 1e9);
        }
    }
    println!("engine: {events} inputs per round, {timers} timers, {outputs} outputs (best of 5)");
    println!(
        "  wall time {:.1} ms: {:.2} million inputs/s",
        best * 1e3,
        events as f64 / best / 1e6
    );
    if best_cpu < f64::MAX {
        println!(
            "  CPU time  {:.1} ms: {:.2} million inputs/s ({:.0} ns per input)",
            best_cpu * 1e3,
            events as f64 / best_cpu / 1e6,
            best_cpu * 1e9 / events as f64
        );
    }
}
