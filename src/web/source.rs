//! [`Source`] for `JsValue`: the config (and stored state) as the browser parsed it, read with
//! `Reflect` so the wasm carries no serde `Deserialize` and no JSON parser, while the very same
//! validation runs as natively.

use crate::prelude::*;

use js_sys::{Array, Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};

use crate::core::config::Source;

/// A plain object (not an array, not null).
fn is_plain_object(v: &JsValue) -> bool {
    v.is_object() && !Array::is_array(v)
}

impl Source for JsValue {
    fn get(&self, key: &str) -> Option<Self> {
        if !is_plain_object(self) {
            return None;
        }
        // Own properties only: inherited ones (`toString`, prototype pollution) are not config.
        let obj: &Object = self.unchecked_ref();
        let k = JsValue::from_str(key);
        if !Object::has_own(obj, &k) {
            return None;
        }
        Reflect::get(self, &k).ok().filter(|v| !v.is_undefined())
    }

    fn keys(&self) -> Option<Vec<String>> {
        if !is_plain_object(self) {
            return None;
        }
        let obj: &Object = self.unchecked_ref();
        let keys = Object::keys(obj);
        // `get`, as in `index` below, rather than the array iterator's `get_unchecked`: one JS
        // import fewer.
        Some(
            (0..keys.length())
                .filter_map(|i| keys.get(i).as_string())
                .collect(),
        )
    }

    fn len(&self) -> Option<usize> {
        Array::is_array(self).then(|| self.unchecked_ref::<Array>().length() as usize)
    }

    fn index(&self, i: usize) -> Option<Self> {
        let arr: &Array = self.dyn_ref()?;
        (i < arr.length() as usize).then(|| arr.get(i as u32))
    }

    fn as_str(&self) -> Option<String> {
        self.as_string()
    }

    fn as_f64(&self) -> Option<f64> {
        JsValue::as_f64(self).filter(|f| f.is_finite())
    }

    fn as_bool(&self) -> Option<bool> {
        JsValue::as_bool(self)
    }

    fn is_null(&self) -> bool {
        JsValue::is_null(self) || self.is_undefined()
    }
}
