//! JSON text from any `Serialize` value, byte for byte what `serde_json::to_string` writes (a
//! native test holds the two together). The browser SDK uses it instead of serde-wasm-bindgen and
//! serde_json: a minimal serializer into a `String` costs a fraction of either in wasm bytes.
//!
//! Floats are the one thing written through a caller-supplied function, because a shortest
//! round-trip float formatter is big: the browser passes one built on JavaScript's number
//! formatting, re-laid out by [`float_layout`] the way serde_json (ryu) lays digits out.

use crate::prelude::*;

use serde::ser::{self, Serialize};

/// Serializes unit enums as their name through their `as_str` (what a derive writes), instead of
/// a derived `serialize_unit_variant` match per enum in the wasm.
macro_rules! serialize_as_str {
    ($($t:ty),+) => {$(
        impl serde::Serialize for $t {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }
    )+};
}
pub(crate) use serialize_as_str;

/// Writes a float's shortest round-trip text (any layout [`float_layout`] reads) into the string.
pub type FloatFn = fn(f64, &mut String);

/// `value` as JSON text, or `None` if it holds something JSON cannot (a map with non-string keys).
pub fn to_string<T: Serialize + ?Sized>(value: &T, float: FloatFn) -> Option<String> {
    let mut w = Writer {
        out: String::new(),
        float,
    };
    value.serialize(&mut w).ok()?;
    Some(w.out)
}

/// Appends `s` as a JSON string literal with serde_json's escapes.
pub fn push_str(out: &mut String, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => {
                out.push_str("\\u00");
                out.push(char::from(HEX[(c as usize) >> 4]));
                out.push(char::from(HEX[(c as usize) & 15]));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Appends `n` in decimal (no `format!`: it pulls the formatting machinery into the wasm).
pub fn push_u64(out: &mut String, mut n: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 || i == 0 {
            break;
        }
    }
    for &b in buf.get(i..).unwrap_or(&[]) {
        out.push(char::from(b));
    }
}

fn push_i64(out: &mut String, n: i64) {
    if n < 0 {
        out.push('-');
    }
    push_u64(out, n.unsigned_abs());
}

/// Re-lays a float's text the way serde_json writes it. `text` is a finite number's shortest
/// round-trip digits in decimal (`0.000001`, `123`, `-1.5`) or scientific (`1.5e-7`, `1e+21`,
/// `1e21`) notation, as JavaScript's `String(x)` or Rust's `{}`/`{:e}` write them. Unreadable
/// text is appended as is. Byte loops only: `str` searching and slicing cost kilobytes of wasm.
pub fn float_layout(text: &str, out: &mut String) {
    let mut digits = [0u8; 24];
    let mut n = 0usize; // significant digits kept
    let mut zeros = 0usize; // zeros seen after a significant digit, not yet kept
    let mut lead = 0i32; // zeros before the first significant digit
    let mut seen = 0i32; // mantissa digits so far
    let mut point = None;
    let (mut neg, mut in_exp, mut exp_neg, mut exp) = (false, false, false, 0i32);
    for (i, &c) in text.as_bytes().iter().enumerate() {
        let ok = match (in_exp, c) {
            (false, b'-') => {
                neg = i == 0;
                neg
            }
            (false, b'.') => point.replace(seen).is_none(),
            (false, b'e' | b'E') => {
                in_exp = true;
                true
            }
            (false, b'0') if n == 0 => {
                lead += 1;
                seen += 1;
                true
            }
            (false, b'0') => {
                zeros += 1;
                seen += 1;
                true
            }
            (false, b'1'..=b'9') => {
                seen += 1;
                n + zeros < digits.len() && {
                    for d in digits.iter_mut().skip(n).take(zeros) {
                        *d = b'0';
                    }
                    n += zeros;
                    zeros = 0;
                    if let Some(d) = digits.get_mut(n) {
                        *d = c;
                    }
                    n += 1;
                    true
                }
            }
            (true, b'-') => {
                exp_neg = true;
                true
            }
            (true, b'+') => true,
            (true, b'0'..=b'9') => {
                exp = exp * 10 + i32::from(c - b'0');
                exp < 100_000
            }
            _ => false,
        };
        if !ok {
            out.push_str(text);
            return;
        }
    }
    if neg {
        out.push('-');
    }
    if n == 0 {
        out.push_str("0.0");
        return;
    }
    // value = 0.d1d2d3... × 10^kk
    let kk = point.unwrap_or(seen) - lead + if exp_neg { -exp } else { exp };
    let digits = digits.iter().take(n);
    let n = n as i32;
    // The same four layouts as serde_json's float writer (zmij, like ryu but `e+`).
    if n <= kk && kk <= 16 {
        digits.for_each(|&d| out.push(char::from(d)));
        for _ in n..kk {
            out.push('0');
        }
        out.push_str(".0");
    } else if 0 < kk && kk <= 16 {
        for (i, &d) in digits.enumerate() {
            if i as i32 == kk {
                out.push('.');
            }
            out.push(char::from(d));
        }
    } else if -5 < kk && kk <= 0 {
        out.push_str("0.");
        for _ in kk..0 {
            out.push('0');
        }
        digits.for_each(|&d| out.push(char::from(d)));
    } else {
        for (i, &d) in digits.enumerate() {
            if i == 1 {
                out.push('.');
            }
            out.push(char::from(d));
        }
        out.push_str(if kk > 0 { "e+" } else { "e" });
        push_i64(out, i64::from(kk - 1));
    }
}

/// Why a value could not be written (JSON has no place for it).
#[derive(Debug)]
pub struct Unsupported;

impl core::fmt::Display for Unsupported {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("not representable in JSON")
    }
}

impl ser::StdError for Unsupported {}

impl ser::Error for Unsupported {
    // The message is dropped on purpose: formatting it would pull `core::fmt` into the wasm.
    fn custom<T: core::fmt::Display>(_msg: T) -> Self {
        Unsupported
    }
}

struct Writer {
    out: String,
    float: FloatFn,
}

/// A sequence, map or struct in progress: whether the next entry needs a comma.
#[doc(hidden)]
pub struct Compound<'a> {
    w: &'a mut Writer,
    first: bool,
    /// Closing text (`]`, `}`, or `}}` for a variant wrapping its content).
    close: &'static str,
}

impl Compound<'_> {
    fn comma(&mut self) {
        if !self.first {
            self.w.out.push(',');
        }
        self.first = false;
    }

    fn key(&mut self, key: &str) {
        self.comma();
        push_str(&mut self.w.out, key);
        self.w.out.push(':');
    }

    fn end(self) -> Result<(), Unsupported> {
        self.w.out.push_str(self.close);
        Ok(())
    }
}

type R = Result<(), Unsupported>;

impl<'a> Writer {
    fn open(&'a mut self, open: &str, close: &'static str) -> Compound<'a> {
        self.out.push_str(open);
        Compound {
            w: self,
            first: true,
            close,
        }
    }

    /// `{"variant":` before a variant's content.
    fn variant(&mut self, variant: &str) {
        self.out.push('{');
        push_str(&mut self.out, variant);
        self.out.push(':');
    }
}

impl<'a> ser::Serializer for &'a mut Writer {
    type Ok = ();
    type Error = Unsupported;
    type SerializeSeq = Compound<'a>;
    type SerializeTuple = Compound<'a>;
    type SerializeTupleStruct = Compound<'a>;
    type SerializeTupleVariant = Compound<'a>;
    type SerializeMap = Compound<'a>;
    type SerializeStruct = Compound<'a>;
    type SerializeStructVariant = Compound<'a>;

    fn serialize_bool(self, v: bool) -> R {
        self.out.push_str(if v { "true" } else { "false" });
        Ok(())
    }
    fn serialize_i8(self, v: i8) -> R {
        self.serialize_i64(v.into())
    }
    fn serialize_i16(self, v: i16) -> R {
        self.serialize_i64(v.into())
    }
    fn serialize_i32(self, v: i32) -> R {
        self.serialize_i64(v.into())
    }
    fn serialize_i64(self, v: i64) -> R {
        push_i64(&mut self.out, v);
        Ok(())
    }
    fn serialize_u8(self, v: u8) -> R {
        self.serialize_u64(v.into())
    }
    fn serialize_u16(self, v: u16) -> R {
        self.serialize_u64(v.into())
    }
    fn serialize_u32(self, v: u32) -> R {
        self.serialize_u64(v.into())
    }
    fn serialize_u64(self, v: u64) -> R {
        push_u64(&mut self.out, v);
        Ok(())
    }
    fn serialize_f32(self, v: f32) -> R {
        self.serialize_f64(v.into())
    }
    fn serialize_f64(self, v: f64) -> R {
        if v.is_finite() {
            (self.float)(v, &mut self.out);
        } else {
            self.out.push_str("null");
        }
        Ok(())
    }
    fn serialize_char(self, v: char) -> R {
        let mut b = [0u8; 4];
        self.serialize_str(v.encode_utf8(&mut b))
    }
    fn serialize_str(self, v: &str) -> R {
        push_str(&mut self.out, v);
        Ok(())
    }
    fn serialize_bytes(self, v: &[u8]) -> R {
        let mut s = self.open("[", "]");
        for b in v {
            s.comma();
            push_u64(&mut s.w.out, u64::from(*b));
        }
        s.end()
    }
    fn serialize_none(self) -> R {
        self.serialize_unit()
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> R {
        value.serialize(self)
    }
    fn serialize_unit(self) -> R {
        self.out.push_str("null");
        Ok(())
    }
    fn serialize_unit_struct(self, _name: &'static str) -> R {
        self.serialize_unit()
    }
    fn serialize_unit_variant(self, _name: &'static str, _i: u32, variant: &'static str) -> R {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _name: &'static str, v: &T) -> R {
        v.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _i: u32,
        variant: &'static str,
        value: &T,
    ) -> R {
        self.variant(variant);
        value.serialize(&mut *self)?;
        self.out.push('}');
        Ok(())
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Compound<'a>, Unsupported> {
        Ok(self.open("[", "]"))
    }
    fn serialize_tuple(self, _len: usize) -> Result<Compound<'a>, Unsupported> {
        Ok(self.open("[", "]"))
    }
    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Compound<'a>, Unsupported> {
        Ok(self.open("[", "]"))
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _i: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Compound<'a>, Unsupported> {
        self.variant(variant);
        Ok(self.open("[", "]}"))
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Compound<'a>, Unsupported> {
        Ok(self.open("{", "}"))
    }
    fn serialize_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Compound<'a>, Unsupported> {
        Ok(self.open("{", "}"))
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _i: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Compound<'a>, Unsupported> {
        self.variant(variant);
        Ok(self.open("{", "}}"))
    }
}

impl ser::SerializeSeq for Compound<'_> {
    type Ok = ();
    type Error = Unsupported;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, v: &T) -> R {
        self.comma();
        v.serialize(&mut *self.w)
    }
    fn end(self) -> R {
        Compound::end(self)
    }
}

impl ser::SerializeTuple for Compound<'_> {
    type Ok = ();
    type Error = Unsupported;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, v: &T) -> R {
        ser::SerializeSeq::serialize_element(self, v)
    }
    fn end(self) -> R {
        Compound::end(self)
    }
}

impl ser::SerializeTupleStruct for Compound<'_> {
    type Ok = ();
    type Error = Unsupported;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, v: &T) -> R {
        ser::SerializeSeq::serialize_element(self, v)
    }
    fn end(self) -> R {
        Compound::end(self)
    }
}

impl ser::SerializeTupleVariant for Compound<'_> {
    type Ok = ();
    type Error = Unsupported;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, v: &T) -> R {
        ser::SerializeSeq::serialize_element(self, v)
    }
    fn end(self) -> R {
        Compound::end(self)
    }
}

impl ser::SerializeMap for Compound<'_> {
    type Ok = ();
    type Error = Unsupported;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> R {
        self.comma();
        key.serialize(KeySerializer(&mut *self.w))?;
        self.w.out.push(':');
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, v: &T) -> R {
        v.serialize(&mut *self.w)
    }
    fn end(self) -> R {
        Compound::end(self)
    }
}

impl ser::SerializeStruct for Compound<'_> {
    type Ok = ();
    type Error = Unsupported;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, v: &T) -> R {
        self.key(key);
        v.serialize(&mut *self.w)
    }
    fn end(self) -> R {
        Compound::end(self)
    }
}

impl ser::SerializeStructVariant for Compound<'_> {
    type Ok = ();
    type Error = Unsupported;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, v: &T) -> R {
        ser::SerializeStruct::serialize_field(self, key, v)
    }
    fn end(self) -> R {
        Compound::end(self)
    }
}

/// Map keys: strings only (serde_json also quotes integer keys; nothing here has them).
struct KeySerializer<'a>(&'a mut Writer);

impl ser::Serializer for KeySerializer<'_> {
    type Ok = ();
    type Error = Unsupported;
    type SerializeSeq = ser::Impossible<(), Unsupported>;
    type SerializeTuple = ser::Impossible<(), Unsupported>;
    type SerializeTupleStruct = ser::Impossible<(), Unsupported>;
    type SerializeTupleVariant = ser::Impossible<(), Unsupported>;
    type SerializeMap = ser::Impossible<(), Unsupported>;
    type SerializeStruct = ser::Impossible<(), Unsupported>;
    type SerializeStructVariant = ser::Impossible<(), Unsupported>;

    fn serialize_str(self, v: &str) -> R {
        push_str(&mut self.0.out, v);
        Ok(())
    }
    fn serialize_unit_variant(self, _n: &'static str, _i: u32, variant: &'static str) -> R {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _n: &'static str, v: &T) -> R {
        v.serialize(self)
    }
    fn serialize_bool(self, _v: bool) -> R {
        Err(Unsupported)
    }
    fn serialize_i8(self, _v: i8) -> R {
        Err(Unsupported)
    }
    fn serialize_i16(self, _v: i16) -> R {
        Err(Unsupported)
    }
    fn serialize_i32(self, _v: i32) -> R {
        Err(Unsupported)
    }
    fn serialize_i64(self, _v: i64) -> R {
        Err(Unsupported)
    }
    fn serialize_u8(self, _v: u8) -> R {
        Err(Unsupported)
    }
    fn serialize_u16(self, _v: u16) -> R {
        Err(Unsupported)
    }
    fn serialize_u32(self, _v: u32) -> R {
        Err(Unsupported)
    }
    fn serialize_u64(self, _v: u64) -> R {
        Err(Unsupported)
    }
    fn serialize_f32(self, _v: f32) -> R {
        Err(Unsupported)
    }
    fn serialize_f64(self, _v: f64) -> R {
        Err(Unsupported)
    }
    fn serialize_char(self, _v: char) -> R {
        Err(Unsupported)
    }
    fn serialize_bytes(self, _v: &[u8]) -> R {
        Err(Unsupported)
    }
    fn serialize_none(self) -> R {
        Err(Unsupported)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, _v: &T) -> R {
        Err(Unsupported)
    }
    fn serialize_unit(self) -> R {
        Err(Unsupported)
    }
    fn serialize_unit_struct(self, _n: &'static str) -> R {
        Err(Unsupported)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _n: &'static str,
        _i: u32,
        _v: &'static str,
        _value: &T,
    ) -> R {
        Err(Unsupported)
    }
    fn serialize_seq(self, _l: Option<usize>) -> Result<Self::SerializeSeq, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_tuple(self, _l: usize) -> Result<Self::SerializeTuple, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_tuple_struct(
        self,
        _n: &'static str,
        _l: usize,
    ) -> Result<Self::SerializeTupleStruct, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_tuple_variant(
        self,
        _n: &'static str,
        _i: u32,
        _v: &'static str,
        _l: usize,
    ) -> Result<Self::SerializeTupleVariant, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_map(self, _l: Option<usize>) -> Result<Self::SerializeMap, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_struct(
        self,
        _n: &'static str,
        _l: usize,
    ) -> Result<Self::SerializeStruct, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_struct_variant(
        self,
        _n: &'static str,
        _i: u32,
        _v: &'static str,
        _l: usize,
    ) -> Result<Self::SerializeStructVariant, Unsupported> {
        Err(Unsupported)
    }
}

// Native only: it compares against serde_json, a native dependency.
#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests;
