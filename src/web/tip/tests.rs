//! The tip card in a real (headless) browser, plus its pure placement and link rules.

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;
use web_sys::{Document, Element, HtmlElement, ShadowRoot};

use super::place::{place, Rect, MARGIN};
use super::{TipEvent, TipView};
use crate::core::config::read::safe_href;
use crate::core::config::{Frequency, Link, Tip, Trigger};
use crate::core::input::{DismissReason, TipAction};
use crate::core::output::ShowTip;
use crate::core::signal::SignalKind;

wasm_bindgen_test_configure!(run_in_browser);

const XSS: &str = "<img src=x onerror=alert(1)>";

fn doc() -> Document {
    web_sys::window().unwrap().document().unwrap()
}

fn tip(anchor: Option<&str>) -> Tip {
    Tip {
        id: "t1".into(),
        trigger: Trigger {
            signal: SignalKind::Stall,
            step: None,
            code: None,
        },
        title: Some("Need a hand?".into()),
        text: "Fill in the company name to continue.".into(),
        anchor: anchor.map(String::from),
        link: Some(Link {
            href: "https://example.com/guide".into(),
            label: "Read the guide".into(),
        }),
        offer_help: true,
        frequency: Frequency::Once,
        cooldown_ms: 0,
        priority: 0,
    }
}

fn show_of(tip: &Tip) -> ShowTip {
    ShowTip {
        tip: tip.id.clone(),
        step: None,
        anchor: tip.anchor.clone(),
        signal: SignalKind::Stall,
    }
}

type Events = Rc<RefCell<Vec<TipEvent>>>;

fn open(tip: &Tip) -> (TipView, Events) {
    let events: Events = Rc::default();
    let sink = events.clone();
    let view = TipView::show(
        tip,
        &show_of(tip),
        Rc::new(move |e| sink.borrow_mut().push(e)),
    )
    .expect("tip renders");
    (view, events)
}

/// Resolves after the next animation frame (the card is placed in one).
async fn next_frame() {
    for _ in 0..2 {
        let p = js_sys::Promise::new(&mut |res, _| {
            web_sys::window()
                .unwrap()
                .request_animation_frame(&res)
                .unwrap();
        });
        JsFuture::from(p).await.unwrap();
    }
}

fn root() -> ShadowRoot {
    let host = doc()
        .query_selector("unstuck-tip")
        .unwrap()
        .expect("host in page");
    host.shadow_root().expect("open shadow root")
}

fn q(root: &ShadowRoot, sel: &str) -> Option<Element> {
    root.query_selector(sel).unwrap()
}

fn rect_of(el: &Element) -> Rect {
    super::rect(el)
}

/// A page element for the tip to anchor to, removed when dropped.
struct Anchor(HtmlElement);

impl Anchor {
    fn new(id: &str, style: &str) -> Anchor {
        let el: HtmlElement = doc().create_element("button").unwrap().unchecked_into();
        el.set_id(id);
        el.set_attribute("style", style).unwrap();
        el.set_text_content(Some("Continue"));
        doc().body().unwrap().append_child(&el).unwrap();
        Anchor(el)
    }
}

impl Drop for Anchor {
    fn drop(&mut self) {
        self.0.remove();
    }
}

fn key(k: &str, prevent: bool) {
    let js = format!(
        "(() => {{ const e = new KeyboardEvent('keydown', {{key: '{k}', bubbles: true, cancelable: true}}); \
         const b = document.body, f = e => {{ if ({prevent}) e.preventDefault(); }}; \
         b.addEventListener('keydown', f); b.dispatchEvent(e); b.removeEventListener('keydown', f); }})()"
    );
    js_sys::eval(&js).unwrap();
}

fn click(root: &ShadowRoot, sel: &str) {
    q(root, sel)
        .unwrap_or_else(|| panic!("{sel} rendered"))
        .unchecked_into::<HtmlElement>()
        .click();
}

#[wasm_bindgen_test]
async fn renders_in_an_open_shadow_root_with_aria() {
    let _a = Anchor::new(
        "a1",
        "position:fixed;left:40px;top:40px;width:100px;height:30px",
    );
    let (view, _events) = open(&tip(Some("#a1")));
    let host = doc().query_selector("unstuck-tip").unwrap().unwrap();
    assert_eq!(host.parent_element().unwrap().tag_name(), "BODY");
    let root = root();
    assert_eq!(root.mode(), web_sys::ShadowRootMode::Open);
    next_frame().await;

    let card = q(&root, ".c").expect("card");
    assert_eq!(card.get_attribute("role").as_deref(), Some("region"));
    assert_eq!(
        card.get_attribute("aria-label").as_deref(),
        Some("Tip: Need a hand?")
    );
    assert!(card.get_attribute("aria-modal").is_none());
    let live = q(&root, "[aria-live]").expect("live region");
    assert_eq!(live.get_attribute("aria-live").as_deref(), Some("polite"));
    assert_eq!(live.get_attribute("role").as_deref(), Some("status"));
    let said = live.text_content().unwrap();
    assert!(
        said.contains("Need a hand?") && said.contains("company name"),
        "{said}"
    );
    let close = q(&root, "button.x").expect("close button");
    assert_eq!(
        close.get_attribute("aria-label").as_deref(),
        Some("Dismiss tip")
    );
    // Every control is a native button or link, in the tab order.
    // Every control is a native button or link, in the tab order.
    let actions = q(&root, ".a").unwrap();
    assert_eq!(actions.child_element_count(), 3, "show me, guide, get help");
    assert_eq!(actions.first_element_child().unwrap().tag_name(), "BUTTON");
    assert!(q(&root, "[tabindex]").is_none());
    let link = q(&root, "a").unwrap();
    assert_eq!(
        link.get_attribute("href").as_deref(),
        Some("https://example.com/guide")
    );
    assert_eq!(link.get_attribute("target").as_deref(), Some("_blank"));
    assert_eq!(
        link.get_attribute("rel").as_deref(),
        Some("noopener noreferrer")
    );
    drop(view);
}

#[wasm_bindgen_test]
async fn placed_and_visible_before_any_frame_but_announced_after_one() {
    let (view, _events) = open(&tip(None));
    let root = root();
    let card = q(&root, ".c").unwrap();
    let style = web_sys::window()
        .unwrap()
        .get_computed_style(&card)
        .unwrap()
        .unwrap();
    assert_eq!(style.get_property_value("visibility").unwrap(), "visible");
    assert!(rect_of(&card).y > 0.0, "placed in the corner at once");
    assert!(card.text_content().unwrap().contains("company name"));
    let live = q(&root, "[aria-live]").unwrap();
    assert_eq!(
        live.text_content().as_deref(),
        Some(""),
        "region first, text next frame"
    );
    next_frame().await;
    assert!(live.text_content().unwrap().contains("company name"));
    drop(view);
}

#[wasm_bindgen_test]
async fn does_not_steal_focus() {
    let a = Anchor::new("f1", "position:fixed;left:40px;top:40px");
    a.0.focus().unwrap();
    let (view, _events) = open(&tip(Some("#f1")));
    next_frame().await;
    let active = doc().active_element().unwrap();
    assert_eq!(active.id(), "f1");
    drop(view);
}

#[wasm_bindgen_test]
async fn hostile_strings_stay_text() {
    let mut t = tip(None);
    t.title = Some(XSS.into());
    t.text = XSS.into();
    t.link = Some(Link {
        href: "/guide".into(),
        label: XSS.into(),
    });
    let (view, _events) = open(&t);
    next_frame().await;
    let root = root();
    assert!(q(&root, "img").is_none(), "no element from config text");
    assert!(doc().query_selector("img").unwrap().is_none());
    assert_eq!(q(&root, ".t").unwrap().text_content().as_deref(), Some(XSS));
    let said = q(&root, "[aria-live]").unwrap().text_content().unwrap();
    assert_eq!(said, format!("{XSS}. {XSS}"));
    assert_eq!(q(&root, "a").unwrap().text_content().as_deref(), Some(XSS));
    let aria = q(&root, ".c").unwrap().get_attribute("aria-label").unwrap();
    assert_eq!(aria, format!("Tip: {XSS}"));
    drop(view);
}

#[wasm_bindgen_test]
async fn unsafe_links_are_not_rendered() {
    for href in [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        " javascript:alert(1)",
        "java\tscript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:x",
    ] {
        let mut t = tip(None);
        t.link = Some(Link {
            href: href.into(),
            label: "Guide".into(),
        });
        let (view, _events) = open(&t);
        assert!(q(&root(), "a").is_none(), "{href:?} rendered as a link");
        drop(view);
    }
}

#[wasm_bindgen_test]
fn link_rule() {
    for ok in [
        "https://example.com/a",
        "HTTP://example.com",
        "/docs/import",
        "docs/import",
        "./a:b",
        "?q=1",
        "#csv",
        "//example.com/x",
        "guide",
    ] {
        assert!(safe_href(ok), "{ok:?} refused");
    }
    for bad in [
        "javascript:alert(1)",
        "\u{1}javascript:alert(1)",
        "ja\nvascript:alert(1)",
        "mailto:a@b.c",
        "data:,x",
        "file:///etc/passwd",
        "",
        "   ",
    ] {
        assert!(!safe_href(bad), "{bad:?} accepted");
    }
}

#[wasm_bindgen_test]
async fn escape_dismisses_once_and_respects_the_page() {
    let (view, events) = open(&tip(None));
    next_frame().await;
    // The page handled this Esc itself (its own dialog): the tip stays.
    key("Escape", true);
    key("Enter", false);
    assert!(events.borrow().is_empty());
    assert!(doc().query_selector("unstuck-tip").unwrap().is_some());

    key("Escape", false);
    assert_eq!(
        *events.borrow(),
        [TipEvent::Dismissed(DismissReason::Escape)]
    );
    assert!(
        doc().query_selector("unstuck-tip").unwrap().is_none(),
        "the card goes at once"
    );
    key("Escape", false);
    assert_eq!(events.borrow().len(), 1, "a second Esc reports nothing");
    drop(view);
}

#[wasm_bindgen_test]
async fn close_button_dismisses() {
    let (view, events) = open(&tip(None));
    next_frame().await;
    click(&root(), "button.x");
    assert_eq!(
        *events.borrow(),
        [TipEvent::Dismissed(DismissReason::Close)]
    );
    assert!(doc().query_selector("unstuck-tip").unwrap().is_none());
    drop(view);
}

#[wasm_bindgen_test]
async fn actions_report_and_show_me_highlights_the_anchor() {
    let a = Anchor::new(
        "s1",
        "position:fixed;left:60px;top:50px;width:120px;height:30px",
    );
    let (view, events) = open(&tip(Some("#s1")));
    next_frame().await;
    let root = root();
    let ring = q(&root, ".r").unwrap();
    let win = web_sys::window().unwrap();
    let display = |el: &Element| {
        win.get_computed_style(el)
            .unwrap()
            .unwrap()
            .get_property_value("display")
            .unwrap()
    };
    assert_eq!(display(&ring), "none");

    click(&root, "[data-a=s]");
    next_frame().await;
    assert_eq!(display(&ring), "block");
    let (r, a) = (rect_of(&ring), rect_of(&a.0));
    assert!(r.x < a.x && r.y < a.y && r.x + r.w > a.x + a.w && r.y + r.h > a.y + a.h);

    click(&root, "[data-a=h]");
    // Keep the guide from opening a tab; the tip still hears the click.
    js_sys::eval("window.__np = e => e.preventDefault(); addEventListener('click', __np, true)")
        .unwrap();
    click(&root, "a");
    js_sys::eval("removeEventListener('click', __np, true)").unwrap();
    assert_eq!(
        *events.borrow(),
        [
            TipEvent::Acted(TipAction::ShowMe),
            TipEvent::Acted(TipAction::GetHelp),
            TipEvent::Acted(TipAction::Link)
        ]
    );
    // Clicks on the card outside any control report nothing.
    click(&root, ".t");
    assert_eq!(events.borrow().len(), 3);
    drop(view);
}

#[wasm_bindgen_test]
async fn drop_removes_the_element_and_the_listeners() {
    // Keep a ledger of the page's listeners: what is added and not yet removed.
    let live = || {
        js_sys::eval(
            "(() => { if (!window.__ls) { const ls = window.__ls = [], P = EventTarget.prototype, \
             add = P.addEventListener, rem = P.removeEventListener, \
             cap = o => typeof o === 'boolean' ? o : !!(o && o.capture); \
             P.addEventListener = function (n, f, o) { ls.push([this, n, f, cap(o)]); return add.call(this, n, f, o); }; \
             P.removeEventListener = function (n, f, o) { const i = ls.findIndex(l => l[0] === this && l[1] === n && l[2] === f && l[3] === cap(o)); \
             if (i >= 0) ls.splice(i, 1); return rem.call(this, n, f, o); }; } return __ls.length; })()",
        )
        .unwrap()
        .as_f64()
        .unwrap()
    };
    let before = live();
    let (view, events) = open(&tip(None));
    next_frame().await;
    assert_eq!(live(), before + 4.0, "scroll, resize, keydown, click");
    drop(view);
    assert_eq!(live(), before, "every listener removed");
    assert!(doc().query_selector("unstuck-tip").unwrap().is_none());
    key("Escape", false);
    js_sys::eval("dispatchEvent(new Event('resize')); dispatchEvent(new Event('scroll'))").unwrap();
    next_frame().await;
    assert!(events.borrow().is_empty());
}

#[wasm_bindgen_test]
async fn page_css_does_not_reach_the_card() {
    let style = doc().create_element("style").unwrap();
    style.set_text_content(Some(
        "*{color:rgb(255,0,0)!important;font-size:40px!important}unstuck-tip{display:none!important}",
    ));
    doc().body().unwrap().append_child(&style).unwrap();
    let (view, _events) = open(&tip(None));
    next_frame().await;
    let p = q(&root(), ".t").unwrap();
    let cs = web_sys::window()
        .unwrap()
        .get_computed_style(&p)
        .unwrap()
        .unwrap();
    assert_ne!(cs.get_property_value("color").unwrap(), "rgb(255, 0, 0)");
    assert_eq!(cs.get_property_value("font-size").unwrap(), "14px");
    assert!(rect_of(&q(&root(), ".c").unwrap()).h > 0.0, "card visible");
    style.remove();
    drop(view);
}

fn viewport() -> (f64, f64) {
    let el = doc().document_element().unwrap();
    (el.client_width() as f64, el.client_height() as f64)
}

fn inside(r: Rect, vw: f64, vh: f64) -> bool {
    r.x >= MARGIN - 0.5
        && r.y >= MARGIN - 0.5
        && r.x + r.w <= vw - MARGIN + 0.5
        && r.y + r.h <= vh - MARGIN + 0.5
}

#[wasm_bindgen_test]
async fn placed_below_the_anchor_or_flipped_above() {
    let (vw, vh) = viewport();
    let a = Anchor::new(
        "p1",
        "position:fixed;left:30px;top:30px;width:80px;height:24px",
    );
    let (view, _e) = open(&tip(Some("#p1")));
    next_frame().await;
    let card = rect_of(&q(&root(), ".c").unwrap());
    let anchor = rect_of(&a.0);
    assert!(card.y >= anchor.y + anchor.h, "below: {card:?} {anchor:?}");
    assert!((card.x - anchor.x).abs() < 1.0, "start-aligned: {card:?}");
    assert!(inside(card, vw, vh), "{card:?} in {vw}x{vh}");
    drop(view);
    drop(a);

    // Bottom-right corner: no room below, so above, and shifted left into the viewport.
    let a = Anchor::new(
        "p2",
        "position:fixed;right:0;bottom:0;width:60px;height:24px",
    );
    let (view, _e) = open(&tip(Some("#p2")));
    next_frame().await;
    let card = rect_of(&q(&root(), ".c").unwrap());
    let anchor = rect_of(&a.0);
    assert!(card.y + card.h <= anchor.y, "above: {card:?} {anchor:?}");
    assert!(inside(card, vw, vh), "{card:?} in {vw}x{vh}");
    drop(view);
}

#[wasm_bindgen_test]
async fn follows_its_anchor() {
    let a = Anchor::new(
        "m1",
        "position:fixed;left:30px;top:30px;width:80px;height:24px",
    );
    let (view, _e) = open(&tip(Some("#m1")));
    next_frame().await;
    let before = rect_of(&q(&root(), ".c").unwrap());
    a.0.style().set_property("top", "120px").unwrap();
    js_sys::eval("dispatchEvent(new Event('resize'))").unwrap();
    next_frame().await;
    let after = rect_of(&q(&root(), ".c").unwrap());
    assert!(
        (after.y - before.y - 90.0).abs() < 1.0,
        "{before:?} -> {after:?}"
    );
    drop(view);
}

#[wasm_bindgen_test]
async fn corner_card_without_a_usable_anchor() {
    let (vw, vh) = viewport();
    let hidden = Anchor::new("h1", "display:none");
    for anchor in [
        None,
        Some("#h1"),
        Some("[[[not a selector"),
        Some("#missing"),
    ] {
        let (view, _e) = open(&tip(anchor));
        next_frame().await;
        let root = root();
        let card = rect_of(&q(&root, ".c").unwrap());
        assert!(inside(card, vw, vh), "{anchor:?}: {card:?}");
        assert!(
            (card.x + card.w - (vw - MARGIN)).abs() < 1.0,
            "{anchor:?}: right"
        );
        assert!(
            (card.y + card.h - (vh - MARGIN)).abs() < 1.0,
            "{anchor:?}: bottom"
        );
        assert!(q(&root, "[data-a=s]").is_none(), "{anchor:?}: no show me");
        drop(view);
    }
    drop(hidden);
}

#[wasm_bindgen_test]
async fn right_to_left_pages_mirror_the_card() {
    let body = doc().body().unwrap();
    body.set_attribute("dir", "rtl").unwrap();
    let a = Anchor::new(
        "r1",
        "position:fixed;right:30px;top:30px;width:80px;height:24px",
    );
    let (view, _e) = open(&tip(Some("#r1")));
    next_frame().await;
    let root = root();
    let card_el = q(&root, ".c").unwrap();
    assert_eq!(card_el.get_attribute("dir").as_deref(), Some("rtl"));
    let (card, anchor) = (rect_of(&card_el), rect_of(&a.0));
    assert!(
        (card.x + card.w - (anchor.x + anchor.w)).abs() < 1.0,
        "end-aligned: {card:?} {anchor:?}"
    );
    let close = rect_of(&q(&root, ".x").unwrap());
    assert!(close.x < card.x + card.w / 2.0, "close button on the left");
    drop(view);
    drop(a);

    let (view, _e) = open(&tip(None));
    next_frame().await;
    let card = rect_of(&q(&self::root(), ".c").unwrap());
    assert!(
        (card.x - MARGIN).abs() < 1.0,
        "corner on the left: {card:?}"
    );
    drop(view);
    body.remove_attribute("dir").unwrap();
}

#[wasm_bindgen_test]
async fn long_text_stays_within_the_viewport() {
    let (vw, _) = viewport();
    let mut t = tip(None);
    t.text = "word ".repeat(2000) + &"x".repeat(300);
    let (view, _e) = open(&t);
    next_frame().await;
    let card = rect_of(&q(&root(), ".c").unwrap());
    assert!(card.w <= 360.0_f64.min(vw - 16.0) + 0.5, "{card:?}");
    let (_, vh) = viewport();
    assert!(
        inside(card, vw, vh),
        "a long tip scrolls inside the card: {card:?}"
    );
    drop(view);
}

/// A 360 px wide phone viewport, and a card as wide as the CSS allows there (344 px).
#[wasm_bindgen_test]
fn stays_inside_a_phone_viewport() {
    let (vw, vh) = (360.0, 640.0);
    let (w, h) = (344.0, 150.0);
    let anchors = [
        Rect {
            x: 0.0,
            y: 0.0,
            w: 40.0,
            h: 40.0,
        },
        Rect {
            x: 300.0,
            y: 20.0,
            w: 60.0,
            h: 30.0,
        },
        Rect {
            x: 10.0,
            y: 600.0,
            w: 340.0,
            h: 36.0,
        },
        Rect {
            x: -50.0,
            y: 300.0,
            w: 100.0,
            h: 40.0,
        },
        Rect {
            x: 0.0,
            y: 200.0,
            w: 360.0,
            h: 400.0,
        },
    ];
    for rtl in [false, true] {
        for a in anchors {
            let s = place(Some(a), w, h, vw, vh, rtl);
            let card = Rect {
                x: s.x as f64,
                y: s.y as f64,
                w,
                h,
            };
            assert!(inside(card, vw, vh), "{a:?} rtl={rtl}: {card:?}");
        }
        let s = place(None, w, h, vw, vh, rtl);
        assert_eq!((s.x, s.y), (8, 482), "corner rtl={rtl}");
    }
    // Below fits: just under the anchor, start edges aligned.
    let s = place(Some(anchors[0]), 200.0, 100.0, vw, vh, false);
    assert_eq!((s.x, s.y), (8, 48));
    // Near the bottom: flipped above.
    let s = place(Some(anchors[2]), 200.0, 100.0, vw, vh, false);
    assert_eq!((s.x, s.y), (10, 492));
    // RTL: end edges aligned, shifted in.
    let s = place(Some(anchors[1]), 200.0, 100.0, vw, vh, true);
    assert_eq!((s.x, s.y), (152, 58));
    // Off-screen anchor: the corner.
    let off = Rect {
        x: 0.0,
        y: 900.0,
        w: 50.0,
        h: 20.0,
    };
    assert_eq!(
        place(Some(off), 200.0, 100.0, vw, vh, false),
        place(None, 200.0, 100.0, vw, vh, false)
    );
}

#[wasm_bindgen_test]
fn pixels_as_text() {
    let px = |v| {
        let mut css = String::new();
        super::px(&mut css, "left", v);
        css
    };
    assert_eq!(px(0.0), "left:0px;");
    assert_eq!(px(344.7), "left:344px;");
    assert_eq!(px(-4.0), "left:0px;", "never off the start edge");
}

/// The shell drops the view from inside `on_event` (a dismissal ends the tip): the listener
/// that is running is removed mid-call, which must neither throw nor leave anything behind.
#[wasm_bindgen_test]
async fn the_callback_may_drop_the_view() {
    let slot: Rc<RefCell<Option<TipView>>> = Rc::default();
    let events: Events = Rc::default();
    let (s, sink) = (slot.clone(), events.clone());
    let t = tip(None);
    let view = TipView::show(
        &t,
        &show_of(&t),
        Rc::new(move |e| {
            sink.borrow_mut().push(e);
            drop(s.borrow_mut().take());
        }),
    )
    .unwrap();
    *slot.borrow_mut() = Some(view);
    next_frame().await;
    js_sys::eval(
        "window.__errs2 = 0; window.__oe2 = () => __errs2++; addEventListener('error', __oe2)",
    )
    .unwrap();
    click(&root(), "button.x");
    key("Escape", false);
    next_frame().await;
    let errs = js_sys::eval("removeEventListener('error', __oe2); __errs2").unwrap();
    assert_eq!(errs.as_f64(), Some(0.0), "nothing threw");
    assert!(slot.borrow().is_none(), "the view was dropped");
    assert_eq!(
        *events.borrow(),
        [TipEvent::Dismissed(DismissReason::Close)]
    );
    assert!(doc().query_selector("unstuck-tip").unwrap().is_none());
}
