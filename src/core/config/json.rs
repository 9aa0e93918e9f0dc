//! [`Source`] for `serde_json::Value`: the native side (server, CLI, tests).

use super::read::Source;
use serde_json::Value;

impl Source for &Value {
    fn get(&self, key: &str) -> Option<Self> {
        self.as_object()?.get(key)
    }
    fn keys(&self) -> Option<Vec<String>> {
        Some(self.as_object()?.keys().cloned().collect())
    }
    fn len(&self) -> Option<usize> {
        Some(self.as_array()?.len())
    }
    fn index(&self, i: usize) -> Option<Self> {
        self.as_array()?.get(i)
    }
    fn as_str(&self) -> Option<String> {
        Value::as_str(self).map(str::to_owned)
    }
    fn as_f64(&self) -> Option<f64> {
        Value::as_f64(self).filter(|f| f.is_finite())
    }
    fn as_bool(&self) -> Option<bool> {
        Value::as_bool(self)
    }
    fn is_null(&self) -> bool {
        Value::is_null(self)
    }
}

/// Parses JSON text and reads it as a config.
pub fn from_str(text: &str) -> Result<super::Config, Vec<super::ConfigError>> {
    let value: Value = serde_json::from_str(text).map_err(|e| {
        vec![super::ConfigError {
            path: String::from("$"),
            problem: format!("not valid JSON: {e}"),
        }]
    })?;
    super::read::read(&&value)
}
