//! Small owned browser resources: an event listener, a mutation observer and the one timer,
//! each removed or cancelled when dropped (the gloo pattern), plus a few DOM helpers.

use crate::prelude::*;

use js_sys::{Function, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Document, Element, Event, EventTarget, MutationObserver, Window};

// Every callback the browser calls directly (listeners, the observer, the timer) goes through
// this wrapper: if the SDK ever traps (a panic aborts), the error stops here instead of reaching
// the host page's `error` handlers. The panic handler has already turned the SDK off.
//
// `hooked` is the same kind of trampoline for a host method the SDK wraps (`history.pushState`):
// the original runs with the host's arguments, its result and exceptions pass through as
// before, then `f` (a guarded callback) hears of it.
#[wasm_bindgen(
    inline_js = "export function guarded(f) { return function (a) { try { return f(a); } catch (e) {} }; }
export function hooked(o, t, f) { return function (...a) { const r = o.apply(t, a); f(); return r; }; }"
)]
extern "C" {
    /// `f` wrapped so a trap stays inside (its result passes through: promise callbacks chain).
    pub fn guarded(f: &JsValue) -> Function;
    /// A function that calls `original` on `this_arg` with its arguments, then `f`.
    pub fn hooked(original: &Function, this_arg: &JsValue, f: &Function) -> Function;
}

#[wasm_bindgen]
extern "C" {
    // The global `window` read directly: `web_sys::window()` goes through js-sys' search of
    // four globals and an `instanceof Window` check (wasm bytes and glue for nothing here).
    #[wasm_bindgen(thread_local_v2, js_name = window)]
    static WINDOW: Window;
}

/// The window (always present where the SDK runs).
pub fn window() -> Window {
    WINDOW.with(Window::clone)
}

/// The document.
pub fn document() -> Option<Document> {
    window().document()
}

/// Wall-clock milliseconds.
pub fn now() -> u64 {
    js_sys::Date::now() as u64
}

/// `value` as JSON text (the core's writer; floats through JavaScript's number formatting).
pub fn json<T: serde::Serialize + ?Sized>(value: &T) -> Option<String> {
    crate::core::json::to_string(value, js_float)
}

/// `value` as the plain JS object `JSON.parse` makes of its JSON (what callbacks receive).
pub fn to_js<T: serde::Serialize + ?Sized>(value: &T) -> JsValue {
    parse(json(value))
}

// Not generic: one copy for every type `to_js` serializes.
#[inline(never)]
fn parse(json: Option<String>) -> JsValue {
    json.and_then(|t| js_sys::JSON::parse(&t).ok())
        .unwrap_or(JsValue::NULL)
}

/// A finite float as serde_json writes it: JavaScript's shortest digits, re-laid out.
pub fn js_float(x: f64, out: &mut String) {
    // JavaScript writes -0 as `0`; serde_json keeps the sign.
    if x.is_sign_negative() {
        out.push('-');
    }
    if let Some(s) = js_sys::JSON::stringify(&JsValue::from_f64(x.abs()))
        .ok()
        .and_then(|s| s.as_string())
    {
        crate::core::json::float_layout(&s, out);
    }
}

/// `obj[key]`, or `undefined`.
pub fn get(obj: &JsValue, key: &str) -> JsValue {
    Reflect::get(obj, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

/// `obj[key] = value`, ignoring failures (frozen objects).
pub fn set(obj: &JsValue, key: &str, value: &JsValue) {
    let _ = Reflect::set(obj, &JsValue::from_str(key), value);
}

/// `obj[key]` as a string, if it is one.
pub fn get_str(obj: &JsValue, key: &str) -> Option<String> {
    get(obj, key).as_string()
}

/// Logs `[unstuck] msg` to the console.
pub fn log(msg: &str, value: &JsValue) {
    web_sys::console::log_3(
        &JsValue::from_str("[unstuck]"),
        &JsValue::from_str(msg),
        value,
    );
}

/// The element an event was dispatched to, if it is an element.
pub fn target(ev: &Event) -> Option<Element> {
    ev.target()?.dyn_into::<Element>().ok()
}

/// Whether the element takes up space on the page (not `display: none` or detached).
pub fn visible(el: &Element) -> bool {
    el.get_client_rects().length() > 0
}

/// Every element matching `selector` under `root`; an invalid selector matches nothing.
pub fn query_all(root: &Element, selector: &str) -> Vec<Element> {
    let Ok(list) = root.query_selector_all(selector) else {
        return Vec::new();
    };
    // querySelectorAll only ever lists elements.
    (0..list.length())
        .filter_map(|i| Some(list.item(i)?.unchecked_into::<Element>()))
        .collect()
}

/// The first element matching `selector` in the document; an invalid selector matches nothing.
pub fn query(selector: &str) -> Option<Element> {
    document()?.query_selector(selector).ok().flatten()
}

/// `el.closest(selector)`; an invalid selector matches nothing.
pub fn closest(el: &Element, selector: &str) -> Option<Element> {
    el.closest(selector).ok().flatten()
}

/// A form control's name, or its id.
pub fn field_name(el: &Element) -> Option<String> {
    get_str(el, "name")
        .filter(|n| !n.is_empty())
        .or_else(|| get_str(el, "id").filter(|n| !n.is_empty()))
}

/// The one closure type of every callback the browser calls directly (listeners, the observer,
/// the timer, a tip's frame): one invoke shim in the wasm and one in the glue.
pub type Callback = Closure<dyn Fn(JsValue)>;

/// `f` as a [`Callback`], and the guarded function to hand to the browser. Not generic: one
/// copy of the closure set-up for every caller.
#[inline(never)]
pub fn callback(f: Box<dyn Fn(JsValue)>) -> (Callback, Function) {
    let c = Closure::wrap_aborting(f);
    let wrapper = guarded(c.as_ref());
    (c, wrapper)
}

/// An event listener that removes itself when dropped.
pub struct Listener {
    target: EventTarget,
    kind: &'static str,
    capture: bool,
    wrapper: Function,
    _callback: Callback,
}

impl Listener {
    /// Listens to `kind` on `target`. No options object: `passive` only changes what
    /// `preventDefault` does (the SDK never calls it) and scroll blocking for touch and wheel
    /// events (the SDK listens to none).
    pub fn new(
        target: &EventTarget,
        kind: &'static str,
        capture: bool,
        f: impl Fn(Event) + 'static,
    ) -> Listener {
        let (callback, wrapper) = callback(Box::new(move |e| f(e.unchecked_into())));
        let _ = target.add_event_listener_with_callback_and_bool(kind, &wrapper, capture);
        Listener {
            target: target.clone(),
            kind,
            capture,
            wrapper,
            _callback: callback,
        }
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        let _ = self.target.remove_event_listener_with_callback_and_bool(
            self.kind,
            &self.wrapper,
            self.capture,
        );
    }
}

/// A `MutationObserver` on the whole document that disconnects when dropped.
pub struct Observer {
    observer: MutationObserver,
    _callback: Callback,
}

impl Observer {
    /// Observes `root` with `init`, a `MutationObserverInit` as JSON text (one parse instead
    /// of an object built key by key).
    pub fn new(root: &Element, init: &str, f: impl Fn() + 'static) -> Option<Observer> {
        let (callback, wrapper) = callback(Box::new(move |_| f()));
        let observer = MutationObserver::new(&wrapper).ok()?;
        let init = js_sys::JSON::parse(init).ok()?;
        observer
            .observe_with_options(root, init.unchecked_ref())
            .ok()?;
        Some(Observer {
            observer,
            _callback: callback,
        })
    }
}

impl Drop for Observer {
    fn drop(&mut self) {
        self.observer.disconnect();
    }
}

/// The shell's one timer: armed for one deadline at a time, cancelled when dropped.
pub struct Timer {
    wrapper: Function,
    _callback: Callback,
    handle: Option<i32>,
    at: Option<u64>,
}

impl Timer {
    /// A disarmed timer that runs `f` when it fires.
    pub fn new(f: impl Fn() + 'static) -> Timer {
        let (callback, wrapper) = callback(Box::new(move |_| f()));
        Timer {
            wrapper,
            _callback: callback,
            handle: None,
            at: None,
        }
    }

    /// When it will fire, if armed.
    #[cfg(test)]
    pub fn deadline(&self) -> Option<u64> {
        self.at
    }

    /// Arms it for `at` (wall-clock ms), or disarms it with `None`. Re-arming for the same
    /// deadline keeps the pending timeout.
    pub fn arm(&mut self, at: Option<u64>, now: u64) {
        if at == self.at && (at.is_none() || self.handle.is_some()) {
            return;
        }
        self.cancel();
        let Some(at) = at else { return };
        // setTimeout takes a signed 32-bit delay; later deadlines are re-armed when reached.
        let delay = at.saturating_sub(now).min(i32::MAX as u64) as i32;
        self.handle = window()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&self.wrapper, delay)
            .ok();
        self.at = Some(at);
    }

    /// Forgets the deadline after the timeout fired (the browser already dropped the handle).
    pub fn fired(&mut self) {
        self.handle = None;
        self.at = None;
    }

    fn cancel(&mut self) {
        if let Some(h) = self.handle.take() {
            window().clear_timeout_with_handle(h);
        }
        self.at = None;
    }
}

impl Drop for Timer {
    fn drop(&mut self) {
        self.cancel();
    }
}
