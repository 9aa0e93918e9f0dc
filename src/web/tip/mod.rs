//! The tip card the end user sees.
//!
//! A [`TipView`] owns its DOM (a host element holding a shadow root, so no CSS leaks either
//! way) and its listeners; dropping it removes both. It decides nothing: which tip, when and
//! how often is the engine's job; the view renders one and reports what the user did.
//!
//! Config strings are hostile: text goes in through `textContent` only, and a link is
//! rendered only for http(s) or relative URLs.

use crate::prelude::*;

mod place;

#[cfg(test)]
mod tests;

use alloc::rc::Rc;
use core::cell::{Cell, OnceCell, RefCell};

use js_sys::Function;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{
    CssStyleSheet, Document, Element, Event, HtmlElement, ScrollIntoViewOptions,
    ScrollLogicalPosition, ShadowRoot, ShadowRootInit, ShadowRootMode, Window,
};

use crate::core::config::read::safe_href;
use crate::core::config::Tip;
use crate::core::input::{DismissReason, TipAction};
use crate::core::output::ShowTip;

use super::dom::{callback, closest, target, Callback, Listener};
use place::{place, Rect};

/// What the user did with a tip.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TipEvent {
    /// It was dismissed (close button or Esc). The card is already gone from the page.
    Dismissed(DismissReason),
    /// One of its actions was taken.
    Acted(TipAction),
}

// Compact on purpose: every byte is in the wasm. `--a/--b/--f` resolve the public theme
// properties (`--unstuck-*`, inherited through the host) with light or dark defaults.
// `all` does not reset `direction`, so logical properties follow the page's RTL.
const CSS: &str = concat!(
    ":host{all:initial!important;--a:var(--unstuck-accent,#2548d8);--b:var(--unstuck-bg,#fff);--f:var(--unstuck-fg,#1b1c20)}",
    "@media(prefers-color-scheme:dark){:host{--a:var(--unstuck-accent,#9bb0ff);--b:var(--unstuck-bg,#25262b);--f:var(--unstuck-fg,#eceef2)}}",
    ".c{position:fixed;z-index:2147483647;left:0;top:0;visibility:hidden;box-sizing:border-box;width:max-content;max-width:min(360px,calc(100vw - 16px));max-height:calc(100vh - 16px);overflow:auto;",
    "padding:12px 14px;border-radius:var(--unstuck-radius,10px);background:var(--b);color:var(--f);border:1px solid #8884;",
    "font:14px/1.45 var(--unstuck-font,system-ui,sans-serif);box-shadow:0 4px 18px #0005;overflow-wrap:anywhere}",
    "p{margin:0}.t{font-weight:600;margin:0 0 2px;margin-inline-end:24px}",
    "button,a{font:inherit;color:var(--a);background:none;border:1px solid;border-radius:6px;padding:4px 10px;cursor:pointer;text-decoration:none}",
    ".x{position:absolute;top:6px;inset-inline-end:6px;border:0;padding:0 6px;color:inherit;font-size:18px;line-height:1.3}",
    ".a{display:flex;flex-wrap:wrap;gap:8px;margin-top:10px}.a:empty{display:none}.a>:first-child{background:var(--a);color:var(--b)}",
    ".s{position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%)}",
    ":focus-visible{outline:2px solid var(--a);outline-offset:2px}",
    ".r{position:fixed;z-index:2147483646;pointer-events:none;border-radius:6px;box-shadow:0 0 0 3px var(--a);display:none}",
    "@media(prefers-reduced-motion:no-preference){.c{animation:u .2s}}@keyframes u{from{opacity:0}}"
);

/// A tip on screen. Dropping it removes its element and every listener it added.
pub struct TipView {
    inner: Rc<Inner>,
    _frame: Callback,
    _listeners: [Listener; 4],
}

/// What a listener heard.
#[derive(Clone, Copy)]
enum On {
    /// Scroll or resize: place again.
    Move,
    /// A key (Esc dismisses).
    Key,
    /// A click in the card.
    Click,
}

/// State shared with the listeners (they hold it weakly, so dropping the view frees it).
struct Inner {
    win: Window,
    doc: Document,
    host: Element,
    card: HtmlElement,
    ring: HtmlElement,
    /// The live region, empty until the first frame so screen readers announce its text.
    live: Element,
    /// What goes in it; taken on the first frame.
    said: RefCell<Option<String>>,
    anchor: Option<String>,
    rtl: bool,
    /// The pending animation frame's id, 0 when none.
    raf: Cell<i32>,
    frame: OnceCell<Function>,
    /// Dismissed: the card is gone; only dropping the view remains.
    done: Cell<bool>,
    /// "Show me" was used: draw the ring around the anchor.
    ring_on: Cell<bool>,
    on_event: Rc<dyn Fn(TipEvent)>,
}

impl TipView {
    /// Renders `tip` (as the engine asked in `show`), placed next to its anchor, and calls
    /// `on_event` with what the user does. On error nothing is left in the page.
    pub fn show(
        tip: &Tip,
        show: &ShowTip,
        on_event: Rc<dyn Fn(TipEvent)>,
    ) -> Result<TipView, JsValue> {
        let win = super::dom::window();
        let doc = win.document().ok_or(JsValue::NULL)?;
        let (host, root) = shadow_host(&doc, "unstuck-tip", CSS)?;
        let rtl = is_rtl(&doc);
        let anchor = show.anchor.clone().or_else(|| tip.anchor.clone());

        let title = tip.title.as_deref();
        let label = ["Tip", title.map_or("", |_| ": "), title.unwrap_or("")].concat();
        let dir = if rtl { "rtl" } else { "ltr" };
        // "Show me" needs something to scroll to: an anchor that is rendered (maybe off screen).
        let show_me = anchor
            .as_deref()
            .and_then(find)
            .map(|a| rect(&a))
            .is_some_and(|r| r.w > 0.0 && r.h > 0.0);
        // Checked again here with the config's own rule: config strings are hostile, and the
        // renderer is the last line.
        let link = tip.link.as_ref().filter(|l| safe_href(&l.href));
        let href = link.map_or("", |l| l.href.as_str());
        let link_attrs = [
            ("href", href),
            ("target", "_blank"),
            ("rel", "noopener noreferrer"),
            ("data-a", "l"),
        ];
        let card_attrs = [
            ("class", "c"),
            ("role", "region"),
            ("aria-label", &label),
            ("dir", dir),
        ];
        // The card as data, made by one loop: (parent index, tag, attributes, text). The text
        // is shown at once but hidden from assistive technology, which hears it from the polite
        // live region (5) filled a frame later: a region must be in the page before its text
        // is for screen readers to announce it.
        let nodes: [Option<Spec>; 11] = [
            Some((ROOT, "div", &card_attrs, None)),
            Some((
                0,
                "button",
                &[
                    ("class", "x"),
                    ("aria-label", "Dismiss tip"),
                    ("data-a", "x"),
                ],
                Some("×"),
            )),
            Some((0, "div", &[("aria-hidden", "true")], None)),
            title.map(|t| (2, "p", &[("class", "t")][..], Some(t))),
            Some((2, "p", &[], Some(tip.text.as_str()))),
            Some((
                0,
                "div",
                &[("class", "s"), ("role", "status"), ("aria-live", "polite")],
                None,
            )),
            Some((0, "div", &[("class", "a")], None)),
            show_me.then_some((6, "button", &[("data-a", "s")][..], Some("Show me"))),
            link.map(|l| (6, "a", &link_attrs[..], Some(l.label.as_str()))),
            tip.offer_help
                .then_some((6, "button", &[("data-a", "h")][..], Some("Get help"))),
            Some((ROOT, "div", &[("class", "r")], None)),
        ];
        let mut made = build(&doc, &root, &nodes)?;
        let mut take = |i: usize| made.get_mut(i).and_then(Option::take).ok_or(JsValue::NULL);
        let (card, live, ring) = (take(0)?, take(5)?, take(10)?);
        // Into the page only once complete, so a failure above leaves nothing behind.
        doc.body().ok_or(JsValue::NULL)?.append_child(&host)?;
        let said = match title {
            // A pause between title and text, unless the title already ends in one.
            Some(t) if t.ends_with(['.', '?', '!', ':']) => [t, " ", &tip.text].concat(),
            Some(t) => [t, ". ", &tip.text].concat(),
            None => tip.text.clone(),
        };

        let inner = Rc::new(Inner {
            win: win.clone(),
            doc: doc.clone(),
            host,
            card: card.unchecked_into(),
            ring: ring.unchecked_into(),
            live,
            said: RefCell::new(Some(said)),
            anchor,
            rtl,
            raf: Cell::new(0),
            frame: OnceCell::new(),
            done: Cell::new(false),
            ring_on: Cell::new(false),
            on_event,
        });
        let w = Rc::downgrade(&inner);
        // Through the same try/catch trampoline as every other callback: a frame that runs
        // after the view is gone (a page clock may run it late) must not throw into the page.
        let (frame, wrapper) = callback(Box::new(move |_| {
            if let Some(i) = w.upgrade() {
                i.frame();
            }
        }));
        let _ = inner.frame.set(wrapper);
        let on = |kind: On| {
            let w = Rc::downgrade(&inner);
            move |e: Event| {
                if let Some(i) = w.upgrade() {
                    i.on(kind, &e);
                }
            }
        };
        let listeners = [
            // Scroll does not bubble; capturing at the window sees every scrolling container.
            Listener::new(&win, "scroll", true, on(On::Move)),
            Listener::new(&win, "resize", false, on(On::Move)),
            Listener::new(&doc, "keydown", false, on(On::Key)),
            Listener::new(&root, "click", false, on(On::Click)),
        ];
        // Placed at once (visible even where frames are throttled); the frame fills the live
        // region and places again after the first layout settles.
        inner.place();
        inner.schedule();
        Ok(TipView {
            inner,
            _frame: frame,
            _listeners: listeners,
        })
    }

    /// Places the card again on the next frame, for when the page changed without a scroll
    /// or resize (an anchor appeared, moved or went away): call it from a MutationObserver.
    pub fn reposition(&self) {
        self.inner.schedule();
    }
}

impl Drop for TipView {
    fn drop(&mut self) {
        self.inner.done.set(true);
        let raf = self.inner.raf.replace(0);
        if raf != 0 {
            let _ = self.inner.win.cancel_animation_frame(raf);
        }
        self.inner.host.remove();
        // The listeners remove themselves as the fields drop.
    }
}

impl Inner {
    /// One placement per frame, however many scroll events arrive.
    fn schedule(&self) {
        if self.raf.get() != 0 || self.done.get() {
            return;
        }
        if let Some(f) = self.frame.get() {
            self.raf
                .set(self.win.request_animation_frame(f).unwrap_or(0));
        }
    }

    fn frame(&self) {
        self.raf.set(0);
        if self.done.get() {
            return;
        }
        if let Some(said) = self.said.take() {
            self.live.set_text_content(Some(&said));
        }
        self.place();
    }

    /// Puts the card (and the ring, after "Show me") where they belong now.
    fn place(&self) {
        let el = self.doc.document_element();
        let (vw, vh) = el
            .map(|e| (e.client_width() as f64, e.client_height() as f64))
            .unwrap_or((360.0, 640.0));
        let anchor = self
            .anchor
            .as_deref()
            .and_then(find)
            .map(|a| rect(&a))
            .filter(|r| r.visible_in(vw, vh));
        let card = rect(&self.card);
        let spot = place(anchor, card.w, card.h, vw, vh, self.rtl);
        // CSSOM, not the style attribute: allowed under a CSP without 'unsafe-inline'.
        let mut css = String::new();
        px(&mut css, "left", spot.x as f64);
        px(&mut css, "top", spot.y as f64);
        css += "visibility:visible";
        self.card.style().set_css_text(&css);
        let mut ring = String::new();
        if let Some(r) = anchor.filter(|_| self.ring_on.get()) {
            px(&mut ring, "left", r.x - 4.0);
            px(&mut ring, "top", r.y - 4.0);
            px(&mut ring, "width", r.w + 8.0);
            px(&mut ring, "height", r.h + 8.0);
            ring += "display:block";
        }
        self.ring.style().set_css_text(&ring);
    }

    fn on(&self, kind: On, e: &Event) {
        match kind {
            On::Move => self.schedule(),
            On::Key => {
                // The page may have used this Esc for its own dialog (default prevented).
                // `key` read as a property: no KeyboardEvent binding in the wasm for one field.
                let esc = super::dom::get_str(e, "key").is_some_and(|k| k == "Escape");
                if esc && !e.default_prevented() && !self.done.get() {
                    self.dismiss(DismissReason::Escape);
                }
            }
            On::Click => self.click(e),
        }
    }

    fn click(&self, e: &Event) {
        let action = target(e)
            .and_then(|t| closest(&t, "[data-a]"))
            .and_then(|t| t.get_attribute("data-a"));
        let event = match action.as_deref() {
            Some("x") => return self.dismiss(DismissReason::Close),
            Some("s") => {
                if let Some(a) = self.anchor.as_deref().and_then(find) {
                    let opts = ScrollIntoViewOptions::new();
                    opts.set_block(ScrollLogicalPosition::Center);
                    a.scroll_into_view_with_scroll_into_view_options(&opts);
                }
                self.ring_on.set(true);
                self.schedule();
                TipAction::ShowMe
            }
            // The link opens by itself (target=_blank); this only reports it.
            Some("l") => TipAction::Link,
            Some("h") => TipAction::GetHelp,
            _ => return,
        };
        (self.on_event)(TipEvent::Acted(event));
    }

    /// Takes the card off the page at once, then reports. The callback may drop the view.
    fn dismiss(&self, reason: DismissReason) {
        self.done.set(true);
        self.host.remove();
        (self.on_event)(TipEvent::Dismissed(reason));
    }
}

/// A `<tag>` host (not yet in the page) with an open shadow root styled by `css`.
///
/// `all: initial` (important, from inside) keeps the page's CSS off the host. The sheet is
/// adopted rather than a `<style>` element, so a CSP without `'unsafe-inline'` styles still
/// allows it; browsers without constructable sheets get the element.
pub(super) fn shadow_host(
    doc: &Document,
    tag: &str,
    css: &str,
) -> Result<(Element, ShadowRoot), JsValue> {
    let host = doc.create_element(tag)?;
    let root = host.attach_shadow(&ShadowRootInit::new(ShadowRootMode::Open))?;
    match CssStyleSheet::new() {
        Ok(sheet) => {
            sheet.replace_sync(css)?;
            root.set_adopted_style_sheets(&js_sys::Array::of1(&sheet));
        }
        Err(_) => drop(el(doc, &root, "style", &[], Some(css))?),
    }
    Ok((host, root))
}

/// An element to make: parent (an index into those made before, or [`ROOT`]), tag,
/// attributes, text.
type Spec<'a> = (
    usize,
    &'static str,
    &'a [(&'static str, &'a str)],
    Option<&'a str>,
);

/// The parent index that means the shadow root.
const ROOT: usize = usize::MAX;

/// Makes `nodes` in order (skipping `None`s, which are only ever leaves) under `root`; the
/// result lines up with `nodes`.
fn build(
    doc: &Document,
    root: &ShadowRoot,
    nodes: &[Option<Spec>],
) -> Result<Vec<Option<Element>>, JsValue> {
    let mut made: Vec<Option<Element>> = Vec::with_capacity(nodes.len());
    for node in nodes {
        let e = match node {
            Some((parent, tag, attrs, text)) => {
                let parent: &web_sys::Node = match made.get(*parent) {
                    Some(Some(p)) => p,
                    _ => root,
                };
                Some(el(doc, parent, tag, attrs, *text)?)
            }
            None => None,
        };
        made.push(e);
    }
    Ok(made)
}

/// Appends a new `<tag>` with these attributes and text to `parent`. Attribute values and
/// text go in as data (never parsed as HTML), which is what keeps hostile config inert.
pub(super) fn el(
    doc: &Document,
    parent: &web_sys::Node,
    tag: &str,
    attrs: &[(&str, &str)],
    text: Option<&str>,
) -> Result<Element, JsValue> {
    let e = doc.create_element(tag)?;
    for (k, v) in attrs {
        // Only fails for invalid attribute names, and ours are constants.
        let _ = e.set_attribute(k, v);
    }
    if text.is_some() {
        e.set_text_content(text);
    }
    parent.append_child(&e)?;
    Ok(e)
}

/// The page's direction from the nearest `dir` on `<body>` or `<html>`.
fn is_rtl(doc: &Document) -> bool {
    doc.body()
        .and_then(|b| b.closest("[dir]").ok().flatten())
        .and_then(|e| e.get_attribute("dir"))
        .is_some_and(|d| d.eq_ignore_ascii_case("rtl"))
}

/// The element for a config selector; an invalid selector finds nothing instead of throwing.
fn find(selector: &str) -> Option<Element> {
    super::dom::query(selector)
}

fn rect(el: &Element) -> Rect {
    // Read as properties: four DOMRect getter bindings cost more than the lookups.
    let r: JsValue = el.get_bounding_client_rect().into();
    let n = |k| super::dom::get(&r, k).as_f64().unwrap_or(0.0);
    Rect {
        x: n("left"),
        y: n("top"),
        w: n("width"),
        h: n("height"),
    }
}

/// Appends `name:Vpx;` to `css`, `v` as a whole number of CSS pixels (never negative), through
/// the JSON writer's integer digits: no `core::fmt` for it.
fn px(css: &mut String, name: &str, v: f64) {
    *css += name;
    css.push(':');
    crate::core::json::push_u64(css, (v.max(0.0) as u32).into());
    *css += "px;";
}
