//! Typed GObject properties through `GValue`, checked before GLib sees them.
//!
//! `g_object_set` on an unknown property, a value of the wrong type, an out-of-range number or a
//! construct-only property only emits a `g_warning` — which aborts the process under
//! `G_DEBUG=fatal-warnings` and is silently ignored otherwise. So every set first looks the
//! property up with `g_object_class_find_property`, checks access flags and the value type, and
//! validates the range with `g_param_value_validate`; each failure is a specific [`Error`].

use std::ffi::c_char;
use std::mem;

use glib_sys::GType;
use gobject_sys as gobject;
use gstreamer_sys as sys;

use super::caps::Caps;
use super::glib_util::{object_name, take_gstr, type_name_of};
use super::{Error, cstring, lossy};

/// A value to set on a property.
#[derive(Debug, Clone, Copy)]
pub enum Value<'a> {
    /// `gboolean`.
    Bool(bool),
    /// Any integer property (`gint`, `guint`, `gint64`, `guint64`, `glong`, `gulong`, `gchar`,
    /// `guchar`) accepts any integer value that fits its type and range.
    Int(i128),
    /// `gdouble` or `gfloat`.
    F64(f64),
    /// A string property; for any other type (enum, flags, caps, fraction, …) the string is
    /// deserialised the way `gst-launch-1.0` does.
    Str(&'a str),
    /// An enum property by nick/name or by number.
    Enum(EnumValue<'a>),
    /// A `GstCaps` property.
    Caps(&'a Caps),
}

/// An enum property value.
#[derive(Debug, Clone, Copy)]
pub enum EnumValue<'a> {
    /// By nick (`"time"`) or full name (`"GST_FORMAT_TIME"`).
    Nick(&'a str),
    /// By number.
    Int(i32),
}

impl From<bool> for Value<'_> {
    fn from(v: bool) -> Self {
        Value::Bool(v)
    }
}
macro_rules! int_value {
    ($($t:ty),*) => {$(
        impl From<$t> for Value<'_> {
            fn from(v: $t) -> Self { Value::Int(v as i128) }
        }
    )*};
}
int_value!(i8, u8, i16, u16, i32, u32, i64, u64, usize, isize);
impl From<f64> for Value<'_> {
    fn from(v: f64) -> Self {
        Value::F64(v)
    }
}
impl From<f32> for Value<'_> {
    fn from(v: f32) -> Self {
        Value::F64(v as f64)
    }
}
impl<'a> From<&'a str> for Value<'a> {
    fn from(v: &'a str) -> Self {
        Value::Str(v)
    }
}
impl<'a> From<&'a String> for Value<'a> {
    fn from(v: &'a String) -> Self {
        Value::Str(v)
    }
}
impl<'a> From<&'a Caps> for Value<'a> {
    fn from(v: &'a Caps) -> Self {
        Value::Caps(v)
    }
}
impl<'a> From<EnumValue<'a>> for Value<'a> {
    fn from(v: EnumValue<'a>) -> Self {
        Value::Enum(v)
    }
}

/// An initialised `GValue`, unset on drop.
struct GValue(gobject::GValue);

impl GValue {
    fn new(ty: GType) -> GValue {
        // SAFETY: a zeroed GValue is the documented "uninitialised" state g_value_init expects.
        let mut v: gobject::GValue = unsafe { mem::zeroed() };
        // SAFETY: valid, zeroed value and a valid type.
        unsafe { gobject::g_value_init(&mut v, ty) };
        GValue(v)
    }
}

impl Drop for GValue {
    fn drop(&mut self) {
        // SAFETY: initialised by `new`.
        unsafe { gobject::g_value_unset(&mut self.0) };
    }
}

/// A property looked up on an object.
struct Prop {
    pspec: *mut gobject::GParamSpec,
    ty: GType,
    fundamental: GType,
    object: String,
}

/// # Safety
/// `obj` is a valid GstObject.
unsafe fn find(obj: *mut sys::GstObject, name: &str) -> Result<Prop, Error> {
    let cname = cstring(name)?;
    // SAFETY: a GObject instance's first field points to its class.
    let pspec = unsafe {
        let class = (*(obj as *mut gobject::GTypeInstance)).g_class as *mut gobject::GObjectClass;
        gobject::g_object_class_find_property(class, cname.as_ptr())
    };
    // SAFETY: valid object.
    let object = unsafe { object_name(obj) };
    if pspec.is_null() {
        return Err(Error::UnknownProperty {
            object,
            // SAFETY: valid object.
            type_name: unsafe { type_name_of(obj.cast()) },
            property: name.to_owned(),
        });
    }
    // SAFETY: a valid param spec owned by the class (lives as long as the type).
    let ty = unsafe { (*pspec).value_type };
    // SAFETY: pure type-system lookup.
    let fundamental = unsafe { gobject::g_type_fundamental(ty) };
    Ok(Prop { pspec, ty, fundamental, object })
}

fn type_name(ty: GType) -> String {
    // SAFETY: registered types have static names.
    unsafe { lossy(gobject::g_type_name(ty)) }
}

fn value_kind(v: &Value<'_>) -> &'static str {
    match v {
        Value::Bool(_) => "a bool",
        Value::Int(_) => "an integer",
        Value::F64(_) => "a float",
        Value::Str(_) => "a string",
        Value::Enum(_) => "an enum value",
        Value::Caps(_) => "caps",
    }
}

/// Sets property `name` of `obj` to `value`, checking existence, access, type and range.
///
/// # Safety
/// `obj` is a valid GstObject.
pub(crate) unsafe fn set(
    obj: *mut sys::GstObject,
    name: &str,
    value: Value<'_>,
) -> Result<(), Error> {
    // SAFETY: forwarded contract.
    let p = unsafe { find(obj, name)? };
    // SAFETY: valid param spec.
    let flags = unsafe { (*p.pspec).flags };
    if flags & gobject::G_PARAM_WRITABLE == 0 || flags & gobject::G_PARAM_CONSTRUCT_ONLY != 0 {
        return Err(Error::PropertyAccess {
            object: p.object,
            property: name.into(),
            access: "writ",
        });
    }
    let type_err = |p: &Prop| Error::PropertyType {
        object: p.object.clone(),
        property: name.into(),
        expected: type_name(p.ty),
        actual: value_kind(&value).into(),
    };
    let range_err = |p: &Prop, what: String| Error::PropertyValue {
        object: p.object.clone(),
        property: name.into(),
        reason: what,
    };
    let mut gv = GValue::new(p.ty);
    let v = &mut gv.0 as *mut gobject::GValue;
    // SAFETY (whole match): `v` is initialised to the property's own type, and each setter used
    // matches that type's fundamental.
    match value {
        Value::Bool(b) if p.fundamental == gobject::G_TYPE_BOOLEAN => {
            // SAFETY: see the match.
            unsafe { gobject::g_value_set_boolean(v, b as i32) }
        }
        Value::Int(i) => {
            let fits = |lo: i128, hi: i128| {
                if i < lo || i > hi {
                    Err(range_err(&p, format!("{i} does not fit {}", type_name(p.ty))))
                } else {
                    Ok(())
                }
            };
            match p.fundamental {
                gobject::G_TYPE_INT => {
                    fits(i32::MIN as i128, i32::MAX as i128)?;
                    // SAFETY: see the match.
                    unsafe { gobject::g_value_set_int(v, i as i32) }
                }
                gobject::G_TYPE_UINT => {
                    fits(0, u32::MAX as i128)?;
                    // SAFETY: see the match.
                    unsafe { gobject::g_value_set_uint(v, i as u32) }
                }
                gobject::G_TYPE_INT64 => {
                    fits(i64::MIN as i128, i64::MAX as i128)?;
                    // SAFETY: see the match.
                    unsafe { gobject::g_value_set_int64(v, i as i64) }
                }
                gobject::G_TYPE_UINT64 => {
                    fits(0, u64::MAX as i128)?;
                    // SAFETY: see the match.
                    unsafe { gobject::g_value_set_uint64(v, i as u64) }
                }
                gobject::G_TYPE_LONG => {
                    fits(std::ffi::c_long::MIN as i128, std::ffi::c_long::MAX as i128)?;
                    // SAFETY: see the match.
                    unsafe { gobject::g_value_set_long(v, i as std::ffi::c_long) }
                }
                gobject::G_TYPE_ULONG => {
                    fits(0, std::ffi::c_ulong::MAX as i128)?;
                    // SAFETY: see the match.
                    unsafe { gobject::g_value_set_ulong(v, i as std::ffi::c_ulong) }
                }
                gobject::G_TYPE_CHAR => {
                    fits(i8::MIN as i128, i8::MAX as i128)?;
                    // SAFETY: see the match.
                    unsafe { gobject::g_value_set_schar(v, i as i8) }
                }
                gobject::G_TYPE_UCHAR => {
                    fits(0, u8::MAX as i128)?;
                    // SAFETY: see the match.
                    unsafe { gobject::g_value_set_uchar(v, i as u8) }
                }
                // SAFETY: see the match.
                gobject::G_TYPE_DOUBLE => unsafe { gobject::g_value_set_double(v, i as f64) },
                // SAFETY: see the match.
                gobject::G_TYPE_FLOAT => unsafe { gobject::g_value_set_float(v, i as f32) },
                gobject::G_TYPE_ENUM => {
                    fits(i32::MIN as i128, i32::MAX as i128)?;
                    // SAFETY: enum type checked above.
                    unsafe { set_enum(v, &p, EnumValue::Int(i as i32), name)? }
                }
                _ => return Err(type_err(&p)),
            }
        }
        Value::F64(f) if p.fundamental == gobject::G_TYPE_DOUBLE => {
            // SAFETY: see the match.
            unsafe { gobject::g_value_set_double(v, f) }
        }
        Value::F64(f) if p.fundamental == gobject::G_TYPE_FLOAT => {
            if f.is_finite() && f.abs() > f32::MAX as f64 {
                return Err(range_err(&p, format!("{f} does not fit gfloat")));
            }
            // SAFETY: see the match.
            unsafe { gobject::g_value_set_float(v, f as f32) }
        }
        Value::Str(s) if p.fundamental == gobject::G_TYPE_STRING => {
            let c = cstring(s)?;
            // SAFETY: g_value_set_string copies the string.
            unsafe { gobject::g_value_set_string(v, c.as_ptr()) }
        }
        Value::Str(s) if p.fundamental == gobject::G_TYPE_ENUM => {
            // SAFETY: enum type checked by the guard.
            unsafe { set_enum(v, &p, EnumValue::Nick(s), name)? }
        }
        Value::Str(s) => {
            let c = cstring(s)?;
            // SAFETY: `v` holds the property's type; deserialisation fills it or fails.
            let ok = unsafe { sys::gst_value_deserialize_with_pspec(v, c.as_ptr(), p.pspec) };
            if ok == 0 {
                return Err(range_err(
                    &p,
                    format!("\"{s}\" cannot be read as a {}", type_name(p.ty)),
                ));
            }
        }
        Value::Enum(e) if p.fundamental == gobject::G_TYPE_ENUM => {
            // SAFETY: enum type checked by the guard.
            unsafe { set_enum(v, &p, e, name)? }
        }
        // SAFETY: pure type-system query.
        Value::Caps(c) if unsafe { gobject::g_type_is_a(p.ty, sys::gst_caps_get_type()) } != 0 => {
            // SAFETY: boxed caps type; set_boxed takes its own reference.
            unsafe { gobject::g_value_set_boxed(v, c.as_ptr() as *const _) }
        }
        _ => return Err(type_err(&p)),
    }
    // SAFETY: valid pspec and value of its type; returns TRUE if it had to modify the value.
    if unsafe { gobject::g_param_value_validate(p.pspec, v) } != 0 {
        // SAFETY: valid pspec.
        let range = unsafe { describe_range(&p) };
        return Err(range_err(&p, format!("out of range{range}")));
    }
    let cname = cstring(name)?;
    // SAFETY: valid object; the property exists, is writable, and the value has its type and
    // passed validation, so GLib has nothing to warn about.
    unsafe { gobject::g_object_set_property(obj.cast(), cname.as_ptr(), v) };
    Ok(())
}

/// # Safety
/// `v` is initialised to the enum type `p.ty`.
unsafe fn set_enum(
    v: *mut gobject::GValue,
    p: &Prop,
    e: EnumValue<'_>,
    name: &str,
) -> Result<(), Error> {
    // SAFETY: `p.ty` is an enum type; the class reference is released below.
    let class = unsafe { gobject::g_type_class_ref(p.ty) } as *mut gobject::GEnumClass;
    // SAFETY: valid enum class for the rest of this function.
    let found = unsafe {
        match e {
            EnumValue::Int(i) => gobject::g_enum_get_value(class, i),
            EnumValue::Nick(s) => match cstring(s) {
                Ok(c) => {
                    let byn = gobject::g_enum_get_value_by_nick(class, c.as_ptr());
                    if byn.is_null() {
                        gobject::g_enum_get_value_by_name(class, c.as_ptr())
                    } else {
                        byn
                    }
                }
                Err(_) => std::ptr::null_mut(),
            },
        }
    };
    let result = if found.is_null() {
        // SAFETY: valid enum class.
        let nicks = unsafe { enum_nicks(class) };
        Err(Error::PropertyValue {
            object: p.object.clone(),
            property: name.into(),
            reason: format!("{e:?} is not a {}; valid: {nicks}", type_name(p.ty)),
        })
    } else {
        // SAFETY: `v` holds this enum type; `found` is a valid entry.
        unsafe { gobject::g_value_set_enum(v, (*found).value) };
        Ok(())
    };
    // SAFETY: releases the reference taken above.
    unsafe { gobject::g_type_class_unref(class.cast()) };
    result
}

/// # Safety
/// `class` is a valid enum class.
unsafe fn enum_nicks(class: *mut gobject::GEnumClass) -> String {
    // SAFETY: `values` holds `n_values` entries.
    let values = unsafe { std::slice::from_raw_parts((*class).values, (*class).n_values as usize) };
    values
        .iter()
        // SAFETY: static strings of the registered enum.
        .map(|ev| format!("{} ({})", unsafe { lossy(ev.value_nick) }, ev.value))
        .collect::<Vec<_>>()
        .join(", ")
}

/// # Safety
/// `p.pspec` is valid.
unsafe fn describe_range(p: &Prop) -> String {
    // SAFETY: each cast matches the param spec class of the fundamental type.
    unsafe {
        match p.fundamental {
            gobject::G_TYPE_INT => {
                let s = p.pspec as *const gobject::GParamSpecInt;
                format!(" (valid {}..={})", (*s).minimum, (*s).maximum)
            }
            gobject::G_TYPE_UINT => {
                let s = p.pspec as *const gobject::GParamSpecUInt;
                format!(" (valid {}..={})", (*s).minimum, (*s).maximum)
            }
            gobject::G_TYPE_INT64 => {
                let s = p.pspec as *const gobject::GParamSpecInt64;
                format!(" (valid {}..={})", (*s).minimum, (*s).maximum)
            }
            gobject::G_TYPE_UINT64 => {
                let s = p.pspec as *const gobject::GParamSpecUInt64;
                format!(" (valid {}..={})", (*s).minimum, (*s).maximum)
            }
            gobject::G_TYPE_DOUBLE => {
                let s = p.pspec as *const gobject::GParamSpecDouble;
                format!(" (valid {}..={})", (*s).minimum, (*s).maximum)
            }
            _ => String::new(),
        }
    }
}

/// Reads property `name` into a fresh `GValue` of its type.
///
/// # Safety
/// `obj` is a valid GstObject.
unsafe fn get_raw(obj: *mut sys::GstObject, name: &str) -> Result<(Prop, GValue), Error> {
    // SAFETY: forwarded contract.
    let p = unsafe { find(obj, name)? };
    // SAFETY: valid pspec.
    if unsafe { (*p.pspec).flags } & gobject::G_PARAM_READABLE == 0 {
        return Err(Error::PropertyAccess {
            object: p.object,
            property: name.into(),
            access: "read",
        });
    }
    let mut gv = GValue::new(p.ty);
    let cname = cstring(name)?;
    // SAFETY: readable property and a value of its type.
    unsafe { gobject::g_object_get_property(obj.cast(), cname.as_ptr(), &mut gv.0) };
    Ok((p, gv))
}

/// A Rust type a property can be read as.
pub trait FromProperty: Sized {
    /// Human-readable name for type errors.
    const NAME: &'static str;
    /// Extracts the value, `None` when the property's type does not fit `Self`.
    ///
    /// # Safety
    /// `v` is an initialised value whose fundamental type is `fundamental`.
    unsafe fn from_gvalue(v: *const gobject::GValue, fundamental: GType) -> Option<Self>;
}

macro_rules! from_prop {
    ($t:ty, $name:expr, $( $fund:path => $get:path ),+) => {
        impl FromProperty for $t {
            const NAME: &'static str = $name;
            unsafe fn from_gvalue(v: *const gobject::GValue, f: GType) -> Option<Self> {
                // SAFETY: the getter matches the fundamental type (caller contract).
                $( if f == $fund { return <$t>::try_from(unsafe { $get(v) }).ok(); } )+
                None
            }
        }
    };
}
from_prop!(bool, "bool", gobject::G_TYPE_BOOLEAN => gbool);
from_prop!(i32, "i32", gobject::G_TYPE_INT => gobject::g_value_get_int);
from_prop!(u32, "u32", gobject::G_TYPE_UINT => gobject::g_value_get_uint);
from_prop!(i64, "i64",
    gobject::G_TYPE_INT64 => gobject::g_value_get_int64,
    gobject::G_TYPE_INT => gobject::g_value_get_int,
    gobject::G_TYPE_LONG => gobject::g_value_get_long);
from_prop!(u64, "u64",
    gobject::G_TYPE_UINT64 => gobject::g_value_get_uint64,
    gobject::G_TYPE_UINT => gobject::g_value_get_uint,
    gobject::G_TYPE_ULONG => gobject::g_value_get_ulong);
from_prop!(f64, "f64",
    gobject::G_TYPE_DOUBLE => gobject::g_value_get_double,
    gobject::G_TYPE_FLOAT => gfloat);

/// # Safety
/// `v` holds a boolean.
unsafe fn gbool(v: *const gobject::GValue) -> bool {
    // SAFETY: caller contract.
    unsafe { gobject::g_value_get_boolean(v) != 0 }
}

/// # Safety
/// `v` holds a float.
unsafe fn gfloat(v: *const gobject::GValue) -> f64 {
    // SAFETY: caller contract.
    unsafe { gobject::g_value_get_float(v) as f64 }
}

impl FromProperty for Option<String> {
    const NAME: &'static str = "string";
    unsafe fn from_gvalue(v: *const gobject::GValue, f: GType) -> Option<Self> {
        if f != gobject::G_TYPE_STRING {
            return None;
        }
        // SAFETY: string value (caller contract); the string is borrowed from `v`.
        let p: *const c_char = unsafe { gobject::g_value_get_string(v) };
        // SAFETY: NULL or a valid string.
        Some((!p.is_null()).then(|| unsafe { lossy(p) }))
    }
}

/// Reads property `name` as `T`.
///
/// # Safety
/// `obj` is a valid GstObject.
pub(crate) unsafe fn get<T: FromProperty>(
    obj: *mut sys::GstObject,
    name: &str,
) -> Result<T, Error> {
    // SAFETY: forwarded contract.
    let (p, gv) = unsafe { get_raw(obj, name)? };
    // SAFETY: `gv` has type `p.ty` whose fundamental is `p.fundamental`.
    unsafe { T::from_gvalue(&gv.0, p.fundamental) }.ok_or_else(|| Error::PropertyType {
        object: p.object.clone(),
        property: name.into(),
        expected: type_name(p.ty),
        actual: T::NAME.into(),
    })
}

/// Reads an enum property as `(value, nick)`.
///
/// # Safety
/// `obj` is a valid GstObject.
pub(crate) unsafe fn get_enum(
    obj: *mut sys::GstObject,
    name: &str,
) -> Result<(i32, String), Error> {
    // SAFETY: forwarded contract.
    let (p, gv) = unsafe { get_raw(obj, name)? };
    if p.fundamental != gobject::G_TYPE_ENUM {
        return Err(Error::PropertyType {
            object: p.object,
            property: name.into(),
            expected: type_name(p.ty),
            actual: "enum".into(),
        });
    }
    // SAFETY: enum value of type `p.ty`; class ref released below.
    unsafe {
        let i = gobject::g_value_get_enum(&gv.0);
        let class = gobject::g_type_class_ref(p.ty) as *mut gobject::GEnumClass;
        let ev = gobject::g_enum_get_value(class, i);
        let nick = if ev.is_null() { String::new() } else { lossy((*ev).value_nick) };
        gobject::g_type_class_unref(class.cast());
        Ok((i, nick))
    }
}

/// Reads a caps property (`None` when unset).
///
/// # Safety
/// `obj` is a valid GstObject.
pub(crate) unsafe fn get_caps(obj: *mut sys::GstObject, name: &str) -> Result<Option<Caps>, Error> {
    // SAFETY: forwarded contract.
    let (p, gv) = unsafe { get_raw(obj, name)? };
    // SAFETY: pure type query.
    if unsafe { gobject::g_type_is_a(p.ty, sys::gst_caps_get_type()) } == 0 {
        return Err(Error::PropertyType {
            object: p.object,
            property: name.into(),
            expected: type_name(p.ty),
            actual: "caps".into(),
        });
    }
    // SAFETY: boxed caps borrowed from the value; we take our own reference.
    let c = unsafe { gobject::g_value_get_boxed(&gv.0) } as *mut sys::GstCaps;
    // SAFETY: valid caps when non-NULL.
    Ok(std::ptr::NonNull::new(c).map(|c| unsafe { Caps::from_glib_borrow(c) }))
}

/// Reads any property serialised to a string, the way `gst-inspect-1.0` shows it.
///
/// # Safety
/// `obj` is a valid GstObject.
pub(crate) unsafe fn get_string_repr(
    obj: *mut sys::GstObject,
    name: &str,
) -> Result<String, Error> {
    // SAFETY: forwarded contract.
    let (p, gv) = unsafe { get_raw(obj, name)? };
    if p.fundamental == gobject::G_TYPE_STRING {
        // SAFETY: string value.
        return Ok(unsafe { lossy(gobject::g_value_get_string(&gv.0)) });
    }
    // SAFETY: valid value; the result is transfer full (NULL when not serialisable).
    Ok(unsafe { take_gstr(sys::gst_value_serialize(&gv.0)) }.unwrap_or_default())
}
