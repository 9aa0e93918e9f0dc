//! Schema refinements the derive cannot say on its own, so the published JSON Schema states
//! the same bounds the reader enforces (native only: the wasm never builds a schema).

use schemars::Schema;
use serde_json::{json, Value};

/// A link's `href`: `http(s)://…`, or relative (no scheme before the first `/`, `?` or `#`),
/// and no whitespace or control characters (browsers strip some, which hides `java\tscript:`).
pub(crate) const HREF_PATTERN: &str =
    "^(?![\\s\\S]*[\\u0000-\\u0020\\u007f])([Hh][Tt][Tt][Pp][Ss]?://|[^:/?#]*([/?#]|$))";

/// Every integer property at least 1 and every number property above 0.
pub(crate) fn positive_numbers(schema: &mut Schema) {
    for_each_property(schema, positive);
}

/// This number or integer is above 0 (integers: at least 1).
pub(crate) fn positive(schema: &mut Schema) {
    match type_of(schema).as_deref() {
        Some("integer") => {
            schema.insert("minimum".into(), json!(1));
        }
        Some("number") => {
            schema.remove("minimum");
            schema.insert("exclusiveMinimum".into(), json!(0));
        }
        _ => {}
    }
}

/// Every number property between 0 and 1.
pub(crate) fn fractions(schema: &mut Schema) {
    for_each_property(schema, |prop| {
        if type_of(prop).as_deref() == Some("number") {
            prop.insert("minimum".into(), json!(0));
            prop.insert("maximum".into(), json!(1));
        }
    });
}

/// Every string property (or optional string) is not empty.
pub(crate) fn non_empty_strings(schema: &mut Schema) {
    for_each_property(schema, |prop| {
        let is_string = match prop.get("type") {
            Some(Value::String(t)) => t == "string",
            Some(Value::Array(ts)) => ts.iter().any(|t| t == "string"),
            _ => false,
        };
        if is_string {
            prop.insert("minLength".into(), json!(1));
        }
        // Arrays of strings (selector lists).
        if let Some(items) = prop.get_mut("items").and_then(Value::as_object_mut) {
            if items.get("type") == Some(&json!("string")) {
                items.insert("minLength".into(), json!(1));
            }
        }
    });
}

fn type_of(schema: &Schema) -> Option<String> {
    schema.get("type")?.as_str().map(str::to_owned)
}

fn for_each_property(schema: &mut Schema, mut f: impl FnMut(&mut Schema)) {
    let Some(props) = schema.get_mut("properties").and_then(Value::as_object_mut) else {
        return;
    };
    for value in props.values_mut() {
        // A property schema is always an object here; anything else is left as generated.
        if let Ok(prop) = <&mut Schema>::try_from(value) {
            f(prop);
        }
    }
}
