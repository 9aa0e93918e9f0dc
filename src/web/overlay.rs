//! The debug overlay (`?unstuck_debug=1` or `unstuck.debug(true)`): a small fixed panel,
//! in its own shadow root, showing what the engine sees. Text only, like the tips.
//!
//! It ignores the pointer so it never blocks the page under it; dropping it removes it.

use crate::prelude::*;

use wasm_bindgen::prelude::*;
use web_sys::Element;

use super::tip::{el, shadow_host};
use crate::core::output::Signal;
use crate::core::routing::Tier;
use crate::core::signal::Severity;

/// What the overlay shows; the shell fills it from the engine's outputs.
#[derive(Clone, Debug, Default)]
pub struct OverlayState {
    /// Current step.
    pub step: Option<String>,
    /// Overall progress, 0.0 to 1.0.
    pub progress: f64,
    /// Current tier.
    pub tier: Option<Tier>,
    /// The latest signals (at most 10, oldest first).
    pub signals: Vec<Signal>,
    /// The latest tip decisions, in words (at most 10, oldest first).
    pub tips: Vec<String>,
}

const CSS: &str = concat!(
    ":host{all:initial!important}",
    "div{position:fixed;z-index:2147483645;bottom:8px;inset-inline-start:8px;box-sizing:border-box;",
    "max-width:min(340px,calc(100vw - 16px));max-height:45vh;overflow:hidden;padding:8px 10px;",
    "border-radius:6px;background:#111d;color:#e8e8e8;font:11px/1.4 ui-monospace,monospace;",
    "white-space:pre-wrap;overflow-wrap:anywhere;pointer-events:none}"
);

/// The debug panel on the page. Dropping it removes it.
pub struct DebugOverlay {
    host: Element,
    panel: Element,
}

impl DebugOverlay {
    /// Adds the (empty) panel to the page.
    pub fn new() -> Result<Self, JsValue> {
        let doc = super::dom::document().ok_or(JsValue::NULL)?;
        let (host, root) = shadow_host(&doc, "unstuck-debug", CSS)?;
        let panel = el(&doc, &root, "div", &[], None)?;
        doc.body().ok_or(JsValue::NULL)?.append_child(&host)?;
        Ok(DebugOverlay { host, panel })
    }

    /// Shows `state`, replacing what was there.
    pub fn update(&self, state: &OverlayState) {
        self.panel.set_text_content(Some(&render(state)));
    }
}

impl Drop for DebugOverlay {
    fn drop(&mut self) {
        self.host.remove();
    }
}

/// The panel's text: one fact per line. Integers only (no float formatting in the wasm).
fn render(s: &OverlayState) -> String {
    let mut out = String::from("unstuck debug\nstep: ");
    out += s.step.as_deref().unwrap_or("-");
    out += " (";
    crate::core::json::push_u64(
        &mut out,
        ((s.progress.clamp(0.0, 1.0) * 100.0 + 0.5) as u32).into(),
    );
    out += "%)\ntier: ";
    out += match s.tier {
        None => "-",
        Some(Tier::SelfServe) => "self_serve",
        Some(Tier::LightTouch) => "light_touch",
        Some(Tier::HighTouch) => "high_touch",
        Some(Tier::Graduated) => "graduated",
    };
    out += "\nsignals:";
    if s.signals.is_empty() {
        out += " none";
    }
    for g in &s.signals {
        out += "\n· ";
        out += g.kind.as_str();
        if let Some(step) = &g.step {
            out += " @";
            out += step;
        }
        if g.severity == Severity::Major {
            out += " MAJOR";
        }
        if !g.detail.is_empty() {
            out += ": ";
            out += &g.detail;
        }
    }
    out += "\ntips:";
    if s.tips.is_empty() {
        out += " none";
    }
    for line in &s.tips {
        out += "\n· ";
        out += line;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::signal::SignalKind;
    use wasm_bindgen_test::*;

    wasm_bindgen_test_configure!(run_in_browser);

    fn state() -> OverlayState {
        let signal = |kind, severity, detail: &str| Signal {
            kind,
            step: Some("profile".into()),
            severity,
            count: 1,
            detail: detail.into(),
        };
        OverlayState {
            step: Some("profile".into()),
            progress: 0.4,
            tier: Some(Tier::LightTouch),
            signals: vec![
                signal(SignalKind::Stall, Severity::Minor, "5 min without progress"),
                signal(SignalKind::MajorStruggle, Severity::Major, "<b>x</b>"),
            ],
            tips: vec![],
        }
    }

    #[wasm_bindgen_test]
    fn shows_state_as_text_and_goes_away_on_drop() {
        let doc = web_sys::window().unwrap().document().unwrap();
        let overlay = DebugOverlay::new().unwrap();
        overlay.update(&state());
        let host = doc.query_selector("unstuck-debug").unwrap().unwrap();
        let root = host.shadow_root().unwrap();
        let panel = root.query_selector("div").unwrap().unwrap();
        let text = panel.text_content().unwrap();
        assert!(text.contains("step: profile (40%)"), "{text}");
        assert!(text.contains("tier: light_touch"), "{text}");
        assert!(
            text.contains("· stall @profile: 5 min without progress"),
            "{text}"
        );
        assert!(text.contains("· major_struggle @profile MAJOR"), "{text}");
        assert!(text.contains("tips: none"), "{text}");
        // Strings stay text: no element came out of "<b>x</b>".
        assert_eq!(panel.child_element_count(), 0);
        assert!(text.contains("<b>x</b>"));

        overlay.update(&OverlayState::default());
        let text = panel.text_content().unwrap();
        assert!(text.contains("step: - (0%)"), "{text}");
        assert!(!text.contains("profile"), "{text}");

        drop(overlay);
        assert!(doc.query_selector("unstuck-debug").unwrap().is_none());
    }
}
