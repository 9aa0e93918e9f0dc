// Types for the Unstuck browser SDK: `window.unstuck` (script tag) and `init()` (ESM).

/** Every struggle signal the engine raises. */
export type SignalKind =
  | "repeated_error" | "import_failure" | "integration_failure" | "stall" | "back_loop"
  | "help_unresolved" | "step_timeout" | "abandoned" | "returned_no_resume" | "rage_click"
  | "major_struggle";

export type Severity = "minor" | "major";
export type Tier = "self_serve" | "light_touch" | "high_touch" | "graduated";
export type Checkpoint = "signup" | "24h" | "48h" | "72h" | "completed";
export type ErrorKind = "validation" | "import" | "integration" | "network" | "script";
export type DismissReason = "close" | "escape" | "action" | "timeout";
export type TipAction = "show_me" | "link" | "get_help";
export type Frequency = "once" | "until_dismissed" | "always";

/** The config document (`unstuck.config.json`); only `steps` is required. */
export interface Config {
  steps: Step[];
  /** The page's own controls, for zero-code instrumentation. */
  selectors?: {
    next?: string[];
    back?: string[];
    help?: string[];
    /** Elements that mark an error when they appear (added to the built-in defaults). */
    error?: string[];
  };
  signals?: SignalConfig;
  routing?: {
    thresholds?: {
      h24_high_touch_below?: number;
      h24_light_touch_at_most?: number;
      h48_stay_above?: number;
      h48_high_touch_below?: number;
    };
    abandonment_counts?: boolean;
  };
  tips?: Tip[];
  tip_limits?: { max_visible?: number; max_per_window?: number; window_ms?: number };
}

export interface Step {
  id: string;
  weight?: number;
  required?: boolean;
  /** The step is current while this element is visible. */
  selector?: string | null;
  /** The step is current while the URL matches (`*` wildcard; path, query, hash or full URL). */
  url?: string | null;
  title?: string | null;
}

export interface SignalConfig {
  repeated_error_count?: number;
  repeated_error_window_ms?: number;
  stall_after_ms?: number;
  stall_visible_only?: boolean;
  back_loop_count?: number;
  back_loop_window_ms?: number;
  help_open_max_ms?: number;
  help_grace_ms?: number;
  step_timeout_ms?: number;
  abandon_hidden_ms?: number;
  return_grace_ms?: number;
  rage_click_count?: number;
  rage_click_gap_ms?: number;
  rage_click_radius_px?: number;
  major_error_count?: number;
  major_error_window_ms?: number;
  major_signal_count?: number;
  major_signal_kinds?: number;
  major_signal_window_ms?: number;
  script_errors_count?: boolean;
  disabled?: SignalKind[];
}

export interface Tip {
  id: string;
  trigger: { signal: SignalKind; step?: string | null; code?: string | null };
  title?: string | null;
  /** Plain text, never HTML. */
  text: string;
  /** CSS selector of the element to place the tip next to. */
  anchor?: string | null;
  /** http(s) or relative URL only. */
  link?: { href: string; label: string } | null;
  offer_help?: boolean;
  frequency?: Frequency;
  cooldown_ms?: number;
  priority?: number;
}

/** Passed to `on("signal", …)`. */
export interface SignalEvent {
  kind: SignalKind;
  step: string | null;
  severity: Severity;
  count: number;
  detail: string;
}

/** Passed to `on("tip", …)`. */
export type TipEvent =
  | { type: "show"; tip: string; step: string | null; anchor: string | null; signal: SignalKind }
  | { type: "hide"; tip: string }
  | { type: "dismissed"; tip: string; reason: DismissReason };

/** Passed to `on("tier", …)`. */
export interface TierEvent {
  tier: Tier;
  checkpoint: Checkpoint;
  changed: boolean;
  reason: string;
}

/** Passed to `on("action", …)`: `get_help` is the moment to open the host's chat. */
export interface ActionEvent {
  tip: string;
  action: TipAction;
}

export interface Events {
  signal: SignalEvent;
  tip: TipEvent;
  tier: TierEvent;
  action: ActionEvent;
}

export interface Traits {
  high_value?: boolean;
  enterprise?: boolean;
  sales_qualified?: boolean;
}

export interface ErrorReport {
  step?: string;
  kind: ErrorKind;
  code?: string;
  /** Masked (emails, long numbers, tokens) before it is used. */
  message?: string;
  field?: string;
}

type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** A queued call, as in `unstuck.push(["step", "profile"])`. */
export type Command =
  | { [M in Exclude<keyof Methods, "on">]: [M, ...Parameters<Methods[M]>] }[Exclude<keyof Methods, "on">]
  | { [K in keyof Events]: ["on", K, (value: Events[K]) => void] }[keyof Events];

interface Methods {
  identify(userId: string, traits?: Traits): void;
  step(id: string): void;
  progress(step: string, fraction: number): void;
  fieldCompleted(step: string, field: string): void;
  completeStep(id: string): void;
  complete(): void;
  error(report: ErrorReport): void;
  helpOpened(topic?: string): void;
  helpClosed(): void;
  requestHelp(): void;
  track(name: string, props?: { [key: string]: JsonValue }): void;
  on<K extends keyof Events>(event: K, callback: (value: Events[K]) => void): () => void;
  consent(granted: boolean): void;
  debug(on: boolean): void;
  shutdown(): void;
}

/** The SDK. Every method is safe to call at any time; none throws. */
export interface Unstuck extends Methods {
  /** Runs a queued call; works before and after the SDK has loaded. */
  push<K extends keyof Events>(command: ["on", K, (value: Events[K]) => void]): void;
  push(command: Command): void;
}

export interface InitOptions {
  site: string;
  /** Collector base URL; defaults to the page's origin. */
  endpoint?: string;
  /** The config itself; otherwise fetched from `configUrl` or `{endpoint}/v1/config/{site}`. */
  config?: Config;
  configUrl?: string;
  debug?: boolean;
  /** `false` keeps storage and sending off until `consent(true)`. */
  consent?: boolean;
  /** Where `unstuck_bg.wasm` is; defaults to next to the module. */
  wasmUrl?: string | URL;
}

/** Starts the SDK once and returns its API (later calls return the same object). */
export function init(options: InitOptions): Unstuck;

declare global {
  interface Window {
    unstuck: Unstuck | Command[];
  }
}
