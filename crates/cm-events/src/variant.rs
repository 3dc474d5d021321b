//! [`Variant`]: one payload value (the `carb::variant::Variant` counterpart).
//!
//! Strings are `Arc<str>` so queuing or cloning a payload never copies text. Maps are boxed
//! [`Payload`]s so a nested map reads exactly like the top level.

use std::sync::Arc;

use serde_json::Value;

use crate::error::PayloadError;
use crate::name::EventName;
use crate::payload::Payload;

/// A payload value.
#[derive(Clone, Debug, Default)]
pub enum Variant {
    /// No value (also what indexing a missing key yields).
    #[default]
    Null,
    /// A boolean.
    Bool(bool),
    /// An 8-bit signed integer.
    I8(i8),
    /// A 16-bit signed integer.
    I16(i16),
    /// A 32-bit signed integer.
    I32(i32),
    /// A 64-bit signed integer.
    I64(i64),
    /// An 8-bit unsigned integer.
    U8(u8),
    /// A 16-bit unsigned integer.
    U16(u16),
    /// A 32-bit unsigned integer.
    U32(u32),
    /// A 64-bit unsigned integer.
    U64(u64),
    /// A 32-bit float.
    F32(f32),
    /// A 64-bit float.
    F64(f64),
    /// A string (shared, cheap to clone).
    String(Arc<str>),
    /// An interned string (`RString`).
    Name(EventName),
    /// An array of values.
    Array(Vec<Variant>),
    /// A map of named values.
    Map(Box<Payload>),
}

impl Variant {
    /// The value as a string, for [`Variant::String`] and [`Variant::Name`].
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Variant::String(s) => Some(s),
            Variant::Name(n) => Some(n.as_str()),
            _ => None,
        }
    }

    /// The value as a bool.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Variant::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// Any integer that fits in `i64`.
    pub fn as_i64(&self) -> Option<i64> {
        self.as_i128().and_then(|v| i64::try_from(v).ok())
    }

    /// Any integer that fits in `u64`.
    pub fn as_u64(&self) -> Option<u64> {
        self.as_i128().and_then(|v| u64::try_from(v).ok())
    }

    /// Any number, as `f64`.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Variant::F32(v) => Some(f64::from(*v)),
            Variant::F64(v) => Some(*v),
            // Integers convert with the usual float rounding for large magnitudes.
            _ => self.as_i128().map(|v| v as f64),
        }
    }

    /// The elements of an array.
    pub fn as_array(&self) -> Option<&[Variant]> {
        match self {
            Variant::Array(a) => Some(a),
            _ => None,
        }
    }

    /// The entries of a map.
    pub fn as_map(&self) -> Option<&Payload> {
        match self {
            Variant::Map(m) => Some(m),
            _ => None,
        }
    }

    /// True for [`Variant::Null`].
    pub fn is_null(&self) -> bool {
        matches!(self, Variant::Null)
    }

    fn as_i128(&self) -> Option<i128> {
        Some(match *self {
            Variant::I8(v) => v.into(),
            Variant::I16(v) => v.into(),
            Variant::I32(v) => v.into(),
            Variant::I64(v) => v.into(),
            Variant::U8(v) => v.into(),
            Variant::U16(v) => v.into(),
            Variant::U32(v) => v.into(),
            Variant::U64(v) => v.into(),
            _ => return None,
        })
    }

    fn is_float(&self) -> bool {
        matches!(self, Variant::F32(_) | Variant::F64(_))
    }

    /// A float's value (exact: f32 widens to f64 losslessly); `None` for anything else.
    fn float_value(&self) -> Option<f64> {
        match *self {
            Variant::F32(v) => Some(f64::from(v)),
            Variant::F64(v) => Some(v),
            _ => None,
        }
    }

    /// Converts to JSON. Non-finite floats become `null` (JSON has no NaN).
    pub fn to_json(&self) -> Value {
        match self {
            Variant::Null => Value::Null,
            Variant::Bool(b) => Value::Bool(*b),
            Variant::F32(_) | Variant::F64(_) => self
                .as_f64()
                .and_then(serde_json::Number::from_f64)
                .map_or(Value::Null, Value::Number),
            Variant::String(s) => Value::String(s.to_string()),
            Variant::Name(n) => Value::String(n.as_str().to_owned()),
            Variant::Array(a) => Value::Array(a.iter().map(Variant::to_json).collect()),
            Variant::Map(m) => m.to_json(),
            Variant::U64(v) => Value::from(*v),
            _ => self.as_i64().map_or(Value::Null, Value::from),
        }
    }

    /// Converts from JSON: integers become `I64` (or `U64` above `i64::MAX`), other numbers
    /// `F64`, objects `Map`.
    ///
    /// # Panics
    ///
    /// When an object key is new and the process-wide name table is full; for untrusted JSON use
    /// [`Variant::try_from_json`].
    pub fn from_json(value: &Value) -> Variant {
        match Self::try_from_json(value) {
            Ok(variant) => variant,
            Err(error) => panic!("cm-events: {error}"),
        }
    }

    /// [`Variant::from_json`] that returns [`PayloadError::TooManyNames`] instead of panicking.
    pub fn try_from_json(value: &Value) -> Result<Variant, PayloadError> {
        Ok(match value {
            Value::Null => Variant::Null,
            Value::Bool(b) => Variant::Bool(*b),
            Value::Number(n) => {
                if let Some(i) = n.as_i64() {
                    Variant::I64(i)
                } else if let Some(u) = n.as_u64() {
                    Variant::U64(u)
                } else {
                    Variant::F64(n.as_f64().unwrap_or(f64::NAN))
                }
            }
            Value::String(s) => Variant::String(Arc::from(s.as_str())),
            Value::Array(a) => Variant::Array(
                a.iter()
                    .map(Variant::try_from_json)
                    .collect::<Result<_, _>>()?,
            ),
            Value::Object(map) => Variant::Map(Box::new(Payload::try_from_json_map(map)?)),
        })
    }
}

/// Equality used by filters and `==`: integers compare by value whatever their width and sign,
/// floats by value, an integer and a float only when the float is exactly that integer, strings
/// and interned strings by text. Exact comparison keeps it transitive.
impl PartialEq for Variant {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Variant::Null, Variant::Null) => true,
            (Variant::Bool(a), Variant::Bool(b)) => a == b,
            (Variant::Name(a), Variant::Name(b)) => a == b,
            (Variant::Array(a), Variant::Array(b)) => a == b,
            (Variant::Map(a), Variant::Map(b)) => a == b,
            // Exact, so transitive: two floats by value (f32 widens to f64 exactly); an integer
            // and a float only when the float is integral and exactly that integer (comparing
            // through `as_f64` made u64 2^53+1 equal f64 2^53, which equals u64 2^53).
            (a, b) if a.is_float() || b.is_float() => match (a.float_value(), b.float_value()) {
                (Some(x), Some(y)) => x == y,
                (Some(f), None) => b
                    .as_i128()
                    .is_some_and(|i| float_as_exact_i128(f) == Some(i)),
                (None, Some(f)) => a
                    .as_i128()
                    .is_some_and(|i| float_as_exact_i128(f) == Some(i)),
                (None, None) => false,
            },
            (a, b) => match (a.as_i128(), b.as_i128()) {
                (Some(x), Some(y)) => x == y,
                _ => match (a.as_str(), b.as_str()) {
                    (Some(x), Some(y)) => x == y,
                    _ => false,
                },
            },
        }
    }
}

/// The integer a float is exactly equal to, if it is finite, integral and within `i128` (which
/// holds every integer variant); `None` otherwise.
fn float_as_exact_i128(f: f64) -> Option<i128> {
    // -2^127 exactly; `i128::MAX as f64` would round up to 2^127, one past the range.
    const MIN: f64 = i128::MIN as f64;
    (f.is_finite() && f.fract() == 0.0 && (MIN..-MIN).contains(&f)).then_some(f as i128)
}

macro_rules! from_scalar {
    ($($t:ty => $v:ident),*) => {$(
        impl From<$t> for Variant {
            fn from(v: $t) -> Self {
                Variant::$v(v)
            }
        }
    )*};
}
from_scalar!(bool => Bool, i8 => I8, i16 => I16, i32 => I32, i64 => I64, u8 => U8, u16 => U16,
    u32 => U32, u64 => U64, f32 => F32, f64 => F64, EventName => Name, Arc<str> => String,
    Vec<Variant> => Array);

impl From<&str> for Variant {
    fn from(v: &str) -> Self {
        Variant::String(Arc::from(v))
    }
}
impl From<String> for Variant {
    fn from(v: String) -> Self {
        Variant::String(Arc::from(v))
    }
}
impl From<&String> for Variant {
    fn from(v: &String) -> Self {
        Variant::String(Arc::from(v.as_str()))
    }
}
impl From<Payload> for Variant {
    fn from(v: Payload) -> Self {
        Variant::Map(Box::new(v))
    }
}
impl From<&Value> for Variant {
    fn from(v: &Value) -> Self {
        Variant::from_json(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_widths_compare_by_value() {
        assert_eq!(Variant::I32(5), Variant::U64(5));
        assert_ne!(Variant::I32(-1), Variant::U64(u64::MAX));
        assert_eq!(Variant::F32(0.5), Variant::F64(0.5));
        assert_eq!(Variant::from("a"), Variant::Name(EventName::new("a")));
        assert_ne!(Variant::from("1"), Variant::I64(1));
    }

    #[test]
    fn integer_float_equality_is_exact() {
        let two_53 = 9_007_199_254_740_992_u64;
        assert_ne!(Variant::U64(two_53 + 1), Variant::F64(two_53 as f64));
        assert_eq!(Variant::U64(two_53), Variant::F64(two_53 as f64));
        assert_ne!(
            Variant::I64(i64::MAX),
            Variant::F64(9_223_372_036_854_775_808.0)
        );
        assert_eq!(
            Variant::I64(i64::MIN),
            Variant::F64(-9_223_372_036_854_775_808.0)
        );
        assert_eq!(Variant::U64(u64::MAX), Variant::U64(u64::MAX));
        assert_ne!(
            Variant::U64(u64::MAX),
            Variant::F64(18_446_744_073_709_551_616.0)
        );
        assert_eq!(Variant::I32(3), Variant::F32(3.0));
        assert_ne!(Variant::I32(3), Variant::F64(3.5));
        assert_ne!(Variant::I32(0), Variant::F64(f64::NAN));
        assert_ne!(Variant::I64(i64::MAX), Variant::F64(f64::INFINITY));
        assert_eq!(Variant::I8(0), Variant::F64(-0.0));
    }

    #[test]
    fn json_round_trip() {
        let v = serde_json::json!({"a": [1, -2, 3.5, "x", null, true], "b": {"c": 18446744073709551615u64}});
        assert_eq!(Variant::from_json(&v).to_json(), v);
    }
}
