//! Payload values between Rust ([`Variant`], [`Payload`]) and Python.
//!
//! | Python | Rust |
//! |---|---|
//! | `None` | `Variant::Null` |
//! | `bool` | `Variant::Bool` (checked before `int`, since `bool` is an `int` in Python) |
//! | `int` | `Variant::I64`, or `U64` above `i64::MAX` |
//! | `float` | `Variant::F64` |
//! | `str` | `Variant::String` |
//! | `list` / `tuple` | `Variant::Array` |
//! | `dict` with `str` keys | `Variant::Map` |
//!
//! Anything else is a `TypeError` naming the key, so a payload never loses a value silently.
//! A container that contains itself, or nesting deeper than [`MAX_PAYLOAD_DEPTH`], is a
//! `ValueError`: the conversion recurses, and without the limit a self-containing list or a
//! list nested a few thousand deep overflowed the native stack and killed the interpreter.
//! Back to Python every integer width is an `int`, both string kinds a `str`.

use cm_events::{Payload, Variant};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};

/// How many containers (`dict`, `list`, `tuple`) a payload may nest, the payload itself being
/// depth 1. Far above any real payload, far below what overflows a thread's stack.
pub(crate) const MAX_PAYLOAD_DEPTH: usize = 128;

/// The containers being converted, outermost first: their depth and, by identity, whether a
/// container is already on the path (a cycle).
#[derive(Default)]
struct Path(Vec<usize>);

impl Path {
    /// Enters `container`, refusing a cycle or nesting deeper than [`MAX_PAYLOAD_DEPTH`].
    fn enter(&mut self, container: &Bound<'_, PyAny>, key: &str) -> PyResult<()> {
        let id = container.as_ptr() as usize;
        if self.0.contains(&id) {
            return Err(PyValueError::new_err(format!(
                "payload value {key:?}: the container contains itself (a cycle cannot be a payload)"
            )));
        }
        if self.0.len() >= MAX_PAYLOAD_DEPTH {
            return Err(PyValueError::new_err(format!(
                "payload value {key:?}: nested deeper than {MAX_PAYLOAD_DEPTH} containers"
            )));
        }
        self.0.push(id);
        Ok(())
    }

    fn leave(&mut self) {
        self.0.pop();
    }
}

/// A Python value as a payload value; `key` names it in the error.
fn variant_at(value: &Bound<'_, PyAny>, key: &str, path: &mut Path) -> PyResult<Variant> {
    if value.is_none() {
        return Ok(Variant::Null);
    }
    if let Ok(b) = value.cast::<PyBool>() {
        return Ok(Variant::Bool(b.is_true()));
    }
    if value.is_instance_of::<PyInt>() {
        if let Ok(i) = value.extract::<i64>() {
            return Ok(Variant::I64(i));
        }
        return value.extract::<u64>().map(Variant::U64).map_err(|_| {
            PyTypeError::new_err(format!(
                "payload value {key:?}: integer out of 64-bit range"
            ))
        });
    }
    if let Ok(f) = value.cast::<PyFloat>() {
        return Ok(Variant::F64(f.value()));
    }
    if value.is_instance_of::<PyString>() {
        return Ok(Variant::String(value.extract::<String>()?.into()));
    }
    if let Ok(d) = value.cast::<PyDict>() {
        return Ok(Variant::Map(Box::new(payload_at(d, key, path)?)));
    }
    if value.is_instance_of::<PyList>() || value.is_instance_of::<PyTuple>() {
        path.enter(value, key)?;
        let items = value.try_iter().and_then(|iter| {
            iter.map(|item| variant_at(&item?, key, path))
                .collect::<PyResult<Vec<_>>>()
        });
        path.leave();
        return Ok(Variant::Array(items?));
    }
    Err(PyTypeError::new_err(format!(
        "payload value {key:?}: unsupported type {} (use None, bool, int, float, str, list, tuple or dict)",
        value.get_type().name()?
    )))
}

/// A `dict` with `str` keys as a payload.
pub(crate) fn to_payload(dict: &Bound<'_, PyDict>) -> PyResult<Payload> {
    payload_at(dict, "", &mut Path::default())
}

fn payload_at(dict: &Bound<'_, PyDict>, outer_key: &str, path: &mut Path) -> PyResult<Payload> {
    path.enter(dict.as_any(), outer_key)?;
    let entries = (|| {
        let mut payload = Payload::new();
        for (key, value) in dict.iter() {
            let key: String = key
                .extract()
                .map_err(|_| PyTypeError::new_err("payload keys must be str"))?;
            let value = variant_at(&value, &key, path)?;
            payload.insert(key.as_str(), value);
        }
        Ok(payload)
    })();
    path.leave();
    entries
}

/// An optional `dict` (or `None`) as a payload.
pub(crate) fn optional_payload(dict: Option<&Bound<'_, PyDict>>) -> PyResult<Payload> {
    dict.map_or_else(|| Ok(Payload::new()), to_payload)
}

/// A payload value as a Python object.
pub(crate) fn from_variant<'py>(py: Python<'py>, value: &Variant) -> PyResult<Bound<'py, PyAny>> {
    Ok(match value {
        Variant::Null => py.None().into_bound(py),
        Variant::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        Variant::I8(v) => v.into_pyobject(py)?.into_any(),
        Variant::I16(v) => v.into_pyobject(py)?.into_any(),
        Variant::I32(v) => v.into_pyobject(py)?.into_any(),
        Variant::I64(v) => v.into_pyobject(py)?.into_any(),
        Variant::U8(v) => v.into_pyobject(py)?.into_any(),
        Variant::U16(v) => v.into_pyobject(py)?.into_any(),
        Variant::U32(v) => v.into_pyobject(py)?.into_any(),
        Variant::U64(v) => v.into_pyobject(py)?.into_any(),
        Variant::F32(v) => f64::from(*v).into_pyobject(py)?.into_any(),
        Variant::F64(v) => v.into_pyobject(py)?.into_any(),
        Variant::String(s) => PyString::new(py, s).into_any(),
        Variant::Name(n) => PyString::new(py, n.as_str()).into_any(),
        Variant::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(from_variant(py, item)?)?;
            }
            list.into_any()
        }
        Variant::Map(map) => from_payload(py, map)?.into_any(),
    })
}

/// A payload as a new `dict`.
pub(crate) fn from_payload<'py>(
    py: Python<'py>,
    payload: &Payload,
) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    for (key, value) in payload.iter() {
        dict.set_item(key.as_str(), from_variant(py, value)?)?;
    }
    Ok(dict)
}
