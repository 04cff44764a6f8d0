//! Queries: owned [`Query`] and the borrowed [`QueryRef`] a probe answers.

use std::cell::UnsafeCell;
use std::fmt;
use std::ptr::{self, NonNull};

use gstreamer_sys as sys;

use super::caps::Caps;
use super::pool::BufferPool;
use super::{Error, live, lossy};

/// A `GstQueryType`.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct QueryType(pub sys::GstQueryType);

impl QueryType {
    /// ALLOCATION: upstream asks downstream which pool/metas to use.
    pub const ALLOCATION: QueryType = QueryType(sys::GST_QUERY_ALLOCATION);
    /// CAPS.
    pub const CAPS: QueryType = QueryType(sys::GST_QUERY_CAPS);

    /// GStreamer's name (`"allocation"`).
    pub fn name(self) -> String {
        // SAFETY: returns a static string.
        unsafe { lossy(sys::gst_query_type_get_name(self.0)) }
    }
}

impl fmt::Debug for QueryType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "QueryType({})", self.name())
    }
}

/// One owned reference to a `GstQuery`.
#[repr(transparent)]
pub struct Query {
    ptr: NonNull<sys::GstQuery>,
}

// SAFETY: queries are reference counted atomically; mutation needs `&mut QueryRef`.
unsafe impl Send for Query {}

impl Query {
    /// A new ALLOCATION query for `caps` (as an upstream element would send).
    pub fn new_allocation(caps: &Caps, need_pool: bool) -> Result<Query, Error> {
        let _t = live::begin()?;
        // SAFETY: valid caps (borrowed; the query takes its own reference).
        let p = unsafe { sys::gst_query_new_allocation(caps.as_ptr(), need_pool as i32) };
        let ptr = NonNull::new(p).ok_or(Error::Missing("query"))?;
        live::inc();
        Ok(Query { ptr })
    }

    /// Mutable access (a fresh query has one reference).
    pub fn get_mut(&mut self) -> Option<&mut QueryRef> {
        // SAFETY: `&mut self` plus the writability check give exclusive access.
        unsafe {
            (sys::gst_mini_object_is_writable(self.ptr.as_ptr().cast()) != 0)
                .then(|| QueryRef::from_mut_ptr(self.ptr.as_ptr()))
        }
    }

    /// The raw pointer.
    pub fn as_ptr(&self) -> *mut sys::GstQuery {
        self.ptr.as_ptr()
    }
}

impl std::ops::Deref for Query {
    type Target = QueryRef;
    fn deref(&self) -> &QueryRef {
        // SAFETY: valid while the handle lives.
        unsafe { QueryRef::from_ptr(self.ptr.as_ptr()) }
    }
}

impl Drop for Query {
    fn drop(&mut self) {
        // SAFETY: we own one reference.
        unsafe { sys::gst_mini_object_unref(self.ptr.as_ptr().cast()) };
        live::dec();
    }
}

impl fmt::Debug for Query {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        (**self).fmt(f)
    }
}

/// A borrowed `GstQuery`.
#[repr(transparent)]
pub struct QueryRef(UnsafeCell<sys::GstQuery>);

impl QueryRef {
    /// Borrows a raw query.
    ///
    /// # Safety
    /// `ptr` is valid for `'a`.
    pub unsafe fn from_ptr<'a>(ptr: *mut sys::GstQuery) -> &'a QueryRef {
        // SAFETY: repr(transparent); validity per the contract.
        unsafe { &*(ptr as *const QueryRef) }
    }

    /// Borrows a raw query mutably.
    ///
    /// # Safety
    /// `ptr` is valid, writable and not accessed by others for `'a`.
    pub unsafe fn from_mut_ptr<'a>(ptr: *mut sys::GstQuery) -> &'a mut QueryRef {
        // SAFETY: as above plus exclusivity.
        unsafe { &mut *(ptr as *mut QueryRef) }
    }

    /// The raw pointer.
    pub fn as_ptr(&self) -> *mut sys::GstQuery {
        self.0.get()
    }

    /// The query type.
    pub fn type_(&self) -> QueryType {
        // SAFETY: immutable after creation.
        QueryType(unsafe { ptr::addr_of!((*self.as_ptr()).type_).read() })
    }

    /// Whether it may be modified (one reference).
    pub fn is_writable(&self) -> bool {
        // SAFETY: valid mini object.
        unsafe { sys::gst_mini_object_is_writable(self.as_ptr().cast()) != 0 }
    }

    fn expect_allocation(&self) -> Result<(), Error> {
        if self.type_() != QueryType::ALLOCATION {
            return Err(Error::Query(format!("{:?} is not an ALLOCATION query", self.type_())));
        }
        Ok(())
    }

    /// The caps and `need_pool` flag of an ALLOCATION query.
    pub fn parse_allocation(&self) -> Result<(Option<Caps>, bool), Error> {
        self.expect_allocation()?;
        let (mut caps, mut need) = (ptr::null_mut(), 0);
        // SAFETY: an allocation query; caps are borrowed and we take our own reference.
        unsafe {
            sys::gst_query_parse_allocation(self.as_ptr(), &mut caps, &mut need);
            Ok((NonNull::new(caps).map(|c| Caps::from_glib_borrow(c)), need != 0))
        }
    }

    /// Number of pools proposed so far.
    pub fn n_allocation_pools(&self) -> Result<u32, Error> {
        self.expect_allocation()?;
        // SAFETY: an allocation query.
        Ok(unsafe { sys::gst_query_get_n_allocation_pools(self.as_ptr()) })
    }

    /// Pool `index` as `(pool, size, min, max)`.
    pub fn nth_allocation_pool(
        &self,
        index: u32,
    ) -> Result<(Option<BufferPool>, u32, u32, u32), Error> {
        if index >= self.n_allocation_pools()? {
            return Err(Error::Query(format!("no allocation pool {index}")));
        }
        let (mut pool, mut size, mut min, mut max) = (ptr::null_mut(), 0, 0, 0);
        // SAFETY: index checked; the returned pool is a new reference (transfer full) or NULL.
        unsafe {
            sys::gst_query_parse_nth_allocation_pool(
                self.as_ptr(),
                index,
                &mut pool,
                &mut size,
                &mut min,
                &mut max,
            );
            Ok((NonNull::new(pool).map(|p| BufferPool::from_glib_full(p)), size, min, max))
        }
    }

    /// Whether a meta API is already proposed.
    pub fn has_allocation_meta(&self, api: glib_sys::GType) -> Result<bool, Error> {
        self.expect_allocation()?;
        // SAFETY: an allocation query; NULL index is allowed.
        Ok(unsafe { sys::gst_query_find_allocation_meta(self.as_ptr(), api, ptr::null_mut()) } != 0)
    }

    /// Proposes `pool` (or just sizes, with `None`) to upstream.
    pub fn add_allocation_pool(
        &mut self,
        pool: Option<&BufferPool>,
        size: u32,
        min: u32,
        max: u32,
    ) -> Result<(), Error> {
        self.expect_allocation()?;
        if !self.is_writable() {
            return Err(Error::NotWritable("allocation query"));
        }
        // SAFETY: writable allocation query; the query takes its own pool reference.
        unsafe {
            sys::gst_query_add_allocation_pool(
                self.as_ptr(),
                pool.map_or(ptr::null_mut(), |p| p.as_ptr()),
                size,
                min,
                max,
            )
        };
        Ok(())
    }

    /// Declares that downstream supports meta `api` (e.g. `GstVideoMeta`).
    pub fn add_allocation_meta(&mut self, api: glib_sys::GType) -> Result<(), Error> {
        self.expect_allocation()?;
        if !self.is_writable() {
            return Err(Error::NotWritable("allocation query"));
        }
        // SAFETY: writable allocation query; NULL params allowed.
        unsafe { sys::gst_query_add_allocation_meta(self.as_ptr(), api, ptr::null()) };
        Ok(())
    }
}

impl fmt::Debug for QueryRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Query").field("type", &self.type_()).finish()
    }
}
