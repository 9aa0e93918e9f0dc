//! The browser shell (wasm32 only): the exported API, page instrumentation, the one timer,
//! storage, transport and tips around the pure engine. No rule lives here.
//!
//! Every export is guarded: bad arguments come back as `JsError` (the JS side swallows them and
//! logs in debug mode); a panic (never unwinding) marks the SDK dead through the panic handler,
//! after which every entry point and listener returns at once.

use crate::prelude::*;

mod dom;
mod overlay;
mod shell;
mod source;
mod storage;
mod tip;
mod transport;
mod watch;

#[cfg(test)]
mod tests;

use core::cell::RefCell;
use core::sync::atomic::{AtomicBool, Ordering};

use js_sys::{Function, JSON};
use wasm_bindgen::prelude::*;

use crate::core::config::read::read;
use crate::core::config::ConfigError;
use crate::core::input::{ErrorInfo, ErrorKind, Input, Traits};
use crate::core::mask::mask_message;
use shell::{Options, Shell};

#[global_allocator]
static ALLOC: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

type Deferred = Box<dyn FnOnce(&mut Shell)>;

/// A static for the one thread the wasm has (`thread_local!` needs std). Not `Sync` in truth:
/// sound because this wasm is built without threads (no `atomics` target feature).
struct Local<T>(T);
// SAFETY: wasm32 without the atomics feature runs on one thread; nothing is shared.
unsafe impl<T> Sync for Local<T> {}
impl<T> Local<T> {
    /// Runs `f` on the value (the same shape as `LocalKey::with`).
    fn with<R>(&'static self, f: impl FnOnce(&T) -> R) -> R {
        f(&self.0)
    }
}

static SHELL: Local<RefCell<Option<Shell>>> = Local(RefCell::new(None));
// Work that arrived while the shell was busy (a DOM event dispatched by our own DOM change).
static DEFERRED: Local<RefCell<Vec<Deferred>>> = Local(RefCell::new(Vec::new()));
static FAIL: Local<RefCell<Option<Function>>> = Local(RefCell::new(None));

/// Set on a panic: the SDK is dead and every entry point returns at once.
static DEAD: AtomicBool = AtomicBool::new(false);

fn dead() -> bool {
    DEAD.load(Ordering::Relaxed)
}

/// A panic (abort, never unwinding) marks the SDK dead and tells the loader once. A fixed text:
/// the message and its location would keep `core::fmt` and every panic site's file name in the
/// wasm.
fn on_panic() {
    DEAD.store(true, Ordering::Relaxed);
    FAIL.with(|f| {
        if let Some(f) = f.try_borrow().ok().and_then(|f| f.clone()) {
            let _ = f.call1(&JsValue::NULL, &JsValue::from_str("panicked"));
        }
    });
}

/// The SDK is `no_std` outside tests: its own panic handler, then the wasm traps (the loader
/// catches the trap as the failed call's exception).
#[cfg(not(test))]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    on_panic();
    core::arch::wasm32::unreachable()
}

/// Runs `f` on the shell (if started), then everything deferred meanwhile, then carries out
/// the engine's outputs; JS callbacks run last, after the shell is released, so they may call
/// back into the SDK.
pub(crate) fn with(f: impl FnOnce(&mut Shell) + 'static) {
    with_dyn(Box::new(f));
}

// Not generic: one copy of the loop below instead of one per call site (wasm bytes).
#[inline(never)]
fn with_dyn(f: Deferred) {
    if dead() {
        return;
    }
    let done = SHELL.with(|cell| {
        let Ok(mut guard) = cell.try_borrow_mut() else {
            DEFERRED.with(|d| d.borrow_mut().push(f));
            return None;
        };
        let shell = guard.as_mut()?;
        f(shell);
        // In arrival order: what these defer in turn runs in the next round.
        loop {
            let batch = DEFERRED.with(|d| core::mem::take(&mut *d.borrow_mut()));
            if batch.is_empty() {
                break;
            }
            for g in batch {
                g(shell);
            }
        }
        shell.pump();
        let emits = shell.take_emits();
        let stop = shell.stop;
        // Shut down with the borrow released: dropping listeners and tips may dispatch events.
        let taken = if stop { guard.take() } else { None };
        Some((emits, taken))
    });
    let Some(((emits, emit, debug), taken)) = done else {
        return;
    };
    if let Some(mut s) = taken {
        s.finish();
        drop(s);
        DEFERRED.with(|d| d.borrow_mut().clear());
    }
    for (kind, value) in emits {
        if debug {
            dom::log(kind, &value);
        }
        let _ = emit.call2(&JsValue::NULL, &JsValue::from_str(kind), &value);
    }
}

fn text(v: &JsValue, what: &str) -> Result<String, JsError> {
    v.as_string()
        .ok_or_else(|| JsError::new(&[what, " must be a string"].concat()))
}

fn opt_text(v: &JsValue, key: &str) -> Option<String> {
    dom::get_str(v, key).filter(|s| !s.is_empty())
}

/// Starts the SDK: validates `config` (a plain object, as `JSON.parse` makes it), reads
/// `options` (`{site, endpoint, debug, consent}`), and attaches to the page. `emit(kind, value)`
/// receives callback outputs (`signal`, `tip`, `tier`, `action`); `fail(message)` is called once
/// if the SDK dies. Starting twice does nothing. Config errors come back as one `JsError`, one
/// `path: problem` per line.
#[wasm_bindgen]
pub fn start(
    config: JsValue,
    options: JsValue,
    emit: Function,
    fail: Function,
) -> Result<(), JsError> {
    if dead() || SHELL.with(|s| s.try_borrow().map_or(true, |s| s.is_some())) {
        return Ok(());
    }
    FAIL.with(|f| *f.borrow_mut() = Some(fail));
    // In the test build std is linked and owns the panic handler: the hook does the same there.
    #[cfg(test)]
    std::panic::set_hook(Box::new(|_| on_panic()));
    let config = read(&config).map_err(|errors| JsError::new(&ConfigError::lines(&errors)))?;
    let site = opt_text(&options, "site").ok_or_else(|| JsError::new("site is required"))?;
    let opts = Options {
        site,
        endpoint: dom::get_str(&options, "endpoint").unwrap_or_default(),
        debug: dom::get(&options, "debug").as_bool() == Some(true),
        consent: dom::get(&options, "consent").as_bool() != Some(false),
    };
    let shell = Shell::new(config, opts, emit);
    let resumed = shell.restored;
    SHELL.with(|s| {
        if let Ok(mut s) = s.try_borrow_mut() {
            *s = Some(shell);
        }
    });
    with(move |s| s.begin(resumed));
    Ok(())
}

/// Every API method in one export: `call(method, a, b)`, `method` the method's index in
/// js/api.js `METHODS` (identify, step, progress, fieldCompleted, completeStep, complete, error,
/// helpOpened, helpClosed, requestHelp, track, consent, debug, shutdown). One entry point
/// instead of fourteen, and numbers instead of names, keep the wasm and its glue small; each
/// method is documented on its function below.
#[wasm_bindgen]
pub fn call(method: u32, a: JsValue, b: JsValue) -> Result<(), JsError> {
    match method {
        0 => identify(a, b),
        1 => step(a),
        2 => progress(a, b),
        3 => field_completed(a, b),
        4 => complete_step(a),
        5 => {
            complete();
            Ok(())
        }
        6 => error(a),
        7 => {
            help_opened(a);
            Ok(())
        }
        8 => {
            help_closed();
            Ok(())
        }
        9 => {
            request_help();
            Ok(())
        }
        10 => track(a, b),
        11 => {
            consent(a.as_bool() == Some(true));
            Ok(())
        }
        12 => {
            debug(a.as_bool() == Some(true));
            Ok(())
        }
        13 => {
            shutdown();
            Ok(())
        }
        _ => Err(JsError::new("unknown method")),
    }
}

/// `identify(userId, traits)`: the user is known.
pub fn identify(user: JsValue, traits: JsValue) -> Result<(), JsError> {
    let user = text(&user, "userId")?;
    let flag = |k| dom::get(&traits, k).as_bool() == Some(true);
    let traits = Traits {
        high_value: flag("high_value"),
        enterprise: flag("enterprise"),
        sales_qualified: flag("sales_qualified"),
    };
    with(move |s| s.input(Input::Identify { user, traits }));
    Ok(())
}

/// `step(id)`: a step became current.
pub fn step(id: JsValue) -> Result<(), JsError> {
    let id = text(&id, "step")?;
    with(move |s| s.api_step(id));
    Ok(())
}

/// `progress(step, fraction)`: a fraction of the step is done.
pub fn progress(step: JsValue, fraction: JsValue) -> Result<(), JsError> {
    let step = text(&step, "step")?;
    let fraction = fraction
        .as_f64()
        .filter(|f| (0.0..=1.0).contains(f))
        .ok_or_else(|| JsError::new("fraction must be a number from 0 to 1"))?;
    with(move |s| s.input(Input::StepProgress { step, fraction }));
    Ok(())
}

/// `fieldCompleted(step, field)`.
pub fn field_completed(step: JsValue, field: JsValue) -> Result<(), JsError> {
    let (step, field) = (text(&step, "step")?, text(&field, "field")?);
    with(move |s| s.input(Input::FieldCompleted { step, field }));
    Ok(())
}

/// `completeStep(id)`.
pub fn complete_step(step: JsValue) -> Result<(), JsError> {
    let step = text(&step, "step")?;
    with(move |s| s.input(Input::StepCompleted { step }));
    Ok(())
}

/// `complete()`: the whole onboarding is done.
pub fn complete() {
    with(|s| s.input(Input::OnboardingCompleted));
}

/// `error({step?, kind, code?, message?, field?})`; the message is masked here.
pub fn error(info: JsValue) -> Result<(), JsError> {
    let kind = match dom::get_str(&info, "kind") {
        None => ErrorKind::Validation,
        Some(k) => ErrorKind::parse(&k).ok_or_else(|| JsError::new("unknown error kind"))?,
    };
    let e = ErrorInfo {
        step: opt_text(&info, "step"),
        kind,
        code: opt_text(&info, "code"),
        message: opt_text(&info, "message").and_then(|m| mask_message(&m)),
        field: opt_text(&info, "field"),
    };
    with(move |s| s.input(Input::Error(e)));
    Ok(())
}

/// `helpOpened(topic)`.
pub fn help_opened(topic: JsValue) {
    let topic = topic.as_string().unwrap_or_else(|| "help".into());
    with(move |s| s.input(Input::HelpOpened { topic }));
}

/// `helpClosed()`.
pub fn help_closed() {
    with(|s| s.input(Input::HelpClosed));
}

/// `requestHelp()`: the user asked for a person.
pub fn request_help() {
    with(|s| s.input(Input::HelpRequested));
}

/// `track(name, props?)`: a custom milestone, sent as an event as is.
pub fn track(name: JsValue, props: JsValue) -> Result<(), JsError> {
    let name = text(&name, "name")?;
    let props = if props.is_undefined() || props.is_null() {
        None
    } else {
        let json = JSON::stringify(&props).map_err(|_| JsError::new("props must be JSON"))?;
        json.as_string()
    };
    with(move |s| s.input(Input::Track { name, props }));
    Ok(())
}

/// `consent(bool)`: storage and sending on or off.
pub fn consent(on: bool) {
    with(move |s| s.set_consent(on));
}

/// `debug(bool)`: console logging and the overlay.
pub fn debug(on: bool) {
    with(move |s| s.set_debug(on));
}

/// `shutdown()`: removes every listener, observer, timer and element the SDK added.
pub fn shutdown() {
    with(|s| s.stop = true);
}
