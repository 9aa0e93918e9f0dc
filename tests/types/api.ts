// Compiled by `tsc --noEmit --strict` in scripts/test.sh: the types accept real use and reject
// mistakes (each @ts-expect-error must be an error, or tsc fails).
import { init, Unstuck, Config } from "../../js/unstuck";
const cfg: Config = { steps: [{ id: "a", selector: "#a" }], tips: [{ id: "t", trigger: { signal: "stall" }, text: "hi" }] };
const u: Unstuck = init({ site: "demo", config: cfg });
const off = u.on("signal", (s) => console.log(s.kind, s.severity));
u.on("tier", (t) => t.tier === "high_touch");
u.push(["step", "a"]);
u.push(["on", "action", (a) => a.action]);
off();
// @ts-expect-error unknown event
u.on("nope", () => {});
// @ts-expect-error bad kind
u.error({ kind: "oops" });
const inline: Config = { steps: [{ id: "x" }], selectors: { next: ["button.next"] } };
u.push(["identify", "u1", { high_value: true }]);
u.push(["on", "tier", (t) => t.reason.length]);
// @ts-expect-error steps are required
const bad: Config = { tips: [] };
// @ts-expect-error unknown signal in a trigger
const bad2: Config = { steps: [], tips: [{ id: "t", trigger: { signal: "bored" }, text: "" }] };
// @ts-expect-error progress takes a number
u.progress("a", "half");
if (!Array.isArray(window.unstuck)) window.unstuck.debug(true);
export { inline, bad, bad2 };
