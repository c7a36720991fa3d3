//! XDR (RFC 4506) as libvirt's wire protocol uses it.
//!
//! * [`Encode`] / [`Decode`] for every shape the protocol needs: `i32`, `u32`, `i64` (hyper),
//!   `u64`, `f64`, `bool` (any nonzero word decodes as true), the 4-byte `char`/`short`
//!   family (`i8`, `u8`, `i16`, `u16`), strings, variable and fixed opaque data, fixed and
//!   variable arrays, optional pointers (`Option<T>`), and — through `#[derive]` — structs,
//!   enums and discriminated unions.
//! * Maxima are declared with `#[xdr(max = N)]` on a field and are checked **before** anything
//!   is allocated. Independently of declared maxima, a length can never make the decoder
//!   allocate more than the input could hold, so no input can exhaust memory or panic.
//!
//! ```
//! use oxvirt_xdr::{Decode, Encode};
//!
//! #[derive(Debug, PartialEq, Encode, Decode)]
//! struct Open {
//!     #[xdr(max = 4194304)]
//!     name: Option<String>,
//!     flags: u32,
//! }
//! let bytes = oxvirt_xdr::to_bytes(&Open { name: Some("qemu:///system".into()), flags: 0 }).unwrap();
//! assert_eq!(bytes.len(), 4 + 4 + 16 + 4);
//! assert_eq!(oxvirt_xdr::from_bytes::<Open>(&bytes).unwrap().flags, 0);
//! ```

#![warn(missing_docs, unreachable_pub)]

pub use oxvirt_xdr_derive::{Decode, Encode};

// Lets the derive macros' `::oxvirt_xdr::...` paths work inside this crate's own tests.
extern crate self as oxvirt_xdr;

/// What can go wrong while encoding or decoding.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The input ended before the value did.
    #[error("XDR input truncated: needed {needed} more bytes at offset {offset}")]
    Truncated {
        /// Where the value started to be read.
        offset: usize,
        /// How many bytes were missing.
        needed: usize,
    },
    /// A length or count is larger than the declared maximum.
    #[error("XDR length {len} exceeds the maximum {max}")]
    TooLong {
        /// The length found.
        len: usize,
        /// The most allowed.
        max: usize,
    },
    /// A string is not valid UTF-8.
    #[error("XDR string is not valid UTF-8")]
    InvalidUtf8,
    /// An enum or union discriminant has no arm.
    #[error("XDR discriminant {value} is not valid for {type_name}")]
    BadDiscriminant {
        /// The discriminant read.
        value: i32,
        /// The Rust type being decoded.
        type_name: &'static str,
    },
    /// A 4-byte char/short word holds a value out of the target type's range.
    #[error("XDR value {value} is out of range for {type_name}")]
    OutOfRange {
        /// The value read.
        value: i64,
        /// The Rust type being decoded.
        type_name: &'static str,
    },
    /// Input left over where the caller demanded an exact fit.
    #[error("XDR input has {0} unexpected trailing bytes")]
    TrailingBytes(usize),
}

/// Results of encoding and decoding.
pub type Result<T> = std::result::Result<T, Error>;

/// A cursor over borrowed input.
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    /// Read `buf` from its start.
    pub fn new(buf: &'a [u8]) -> Self {
        Reader { buf, pos: 0 }
    }

    /// Bytes not consumed yet.
    pub fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    /// Current offset into the input.
    pub fn position(&self) -> usize {
        self.pos
    }

    /// The unread rest of the input.
    pub fn rest(&self) -> &'a [u8] {
        &self.buf[self.pos..]
    }

    /// Take exactly `n` bytes.
    pub fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        if self.remaining() < n {
            return Err(Error::Truncated {
                offset: self.pos,
                needed: n - self.remaining(),
            });
        }
        let s = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    fn word(&mut self) -> Result<[u8; 4]> {
        let s = self.take(4)?;
        Ok([s[0], s[1], s[2], s[3]])
    }

    /// One big-endian unsigned word.
    pub fn read_u32(&mut self) -> Result<u32> {
        Ok(u32::from_be_bytes(self.word()?))
    }

    /// One big-endian signed word.
    pub fn read_i32(&mut self) -> Result<i32> {
        Ok(i32::from_be_bytes(self.word()?))
    }

    /// One big-endian unsigned hyper (8 bytes).
    pub fn read_u64(&mut self) -> Result<u64> {
        let s = self.take(8)?;
        let mut b = [0u8; 8];
        b.copy_from_slice(s);
        Ok(u64::from_be_bytes(b))
    }

    /// Skip the zero padding after `len` bytes of opaque data. Like libvirt (libtirpc), the
    /// padding's value is not checked.
    fn skip_padding(&mut self, len: usize) -> Result<()> {
        let pad = (4 - len % 4) % 4;
        self.take(pad).map(|_| ())
    }

    /// Read a length word and check it against `max` and against what the input can still
    /// hold (`min_elem_size` bytes per element), before the caller allocates anything.
    pub fn read_len(&mut self, max: usize, min_elem_size: usize) -> Result<usize> {
        let len = self.read_u32()? as usize;
        if len > max {
            return Err(Error::TooLong { len, max });
        }
        let need = len.saturating_mul(min_elem_size.max(1));
        if need > self.remaining() {
            return Err(Error::Truncated {
                offset: self.pos,
                needed: need - self.remaining(),
            });
        }
        Ok(len)
    }

    /// Variable-length opaque data (`opaque<max>`), borrowed.
    pub fn read_opaque(&mut self, max: usize) -> Result<&'a [u8]> {
        let len = self.read_len(max, 1)?;
        let data = self.take(len)?;
        self.skip_padding(len)?;
        Ok(data)
    }

    /// Fixed-length opaque data (`opaque[N]`).
    pub fn read_fixed_opaque<const N: usize>(&mut self) -> Result<[u8; N]> {
        let data = self.take(N)?;
        self.skip_padding(N)?;
        let mut out = [0u8; N];
        out.copy_from_slice(data);
        Ok(out)
    }

    /// A string (`string<max>`).
    pub fn read_string(&mut self, max: usize) -> Result<String> {
        let data = self.read_opaque(max)?;
        std::str::from_utf8(data)
            .map(str::to_owned)
            .map_err(|_| Error::InvalidUtf8)
    }
}

/// Append-only output buffer helpers.
pub trait WriteExt {
    /// One big-endian unsigned word.
    fn put_u32(&mut self, v: u32);
    /// One big-endian signed word.
    fn put_i32(&mut self, v: i32);
    /// One big-endian unsigned hyper (8 bytes).
    fn put_u64(&mut self, v: u64);
    /// Length-prefixed, padded opaque data, checked against `max`.
    fn put_opaque(&mut self, data: &[u8], max: usize) -> Result<()>;
    /// Fixed opaque data (no length word), padded.
    fn put_fixed_opaque(&mut self, data: &[u8]);
    /// Length word checked against `max`.
    fn put_len(&mut self, len: usize, max: usize) -> Result<()>;
}

impl WriteExt for Vec<u8> {
    fn put_u32(&mut self, v: u32) {
        self.extend_from_slice(&v.to_be_bytes());
    }
    fn put_i32(&mut self, v: i32) {
        self.extend_from_slice(&v.to_be_bytes());
    }
    fn put_u64(&mut self, v: u64) {
        self.extend_from_slice(&v.to_be_bytes());
    }
    fn put_len(&mut self, len: usize, max: usize) -> Result<()> {
        if len > max || len > u32::MAX as usize {
            return Err(Error::TooLong { len, max });
        }
        self.put_u32(len as u32);
        Ok(())
    }
    fn put_opaque(&mut self, data: &[u8], max: usize) -> Result<()> {
        self.put_len(data.len(), max)?;
        self.put_fixed_opaque(data);
        Ok(())
    }
    fn put_fixed_opaque(&mut self, data: &[u8]) {
        self.extend_from_slice(data);
        let pad = (4 - data.len() % 4) % 4;
        self.extend_from_slice(&[0u8; 3][..pad]);
    }
}

/// A value that can be written as XDR.
pub trait Encode {
    /// Append the value's XDR form to `out`.
    fn encode(&self, out: &mut Vec<u8>) -> Result<()>;
}

/// A value that can be read from XDR.
pub trait Decode: Sized {
    /// Read one value, checking every declared maximum before allocating.
    fn decode(r: &mut Reader<'_>) -> Result<Self>;

    /// The least number of bytes one value takes on the wire, used to bound allocations
    /// before decoding arrays. Every XDR item takes at least one 4-byte word.
    const MIN_SIZE: usize = 4;
}

/// Encode a value into a new buffer.
pub fn to_bytes<T: Encode + ?Sized>(v: &T) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    v.encode(&mut out)?;
    Ok(out)
}

/// Decode a value, ignoring trailing bytes (as libvirtd does with call arguments).
pub fn from_bytes<T: Decode>(buf: &[u8]) -> Result<T> {
    T::decode(&mut Reader::new(buf))
}

/// Decode a value that must use the whole input.
pub fn from_bytes_exact<T: Decode>(buf: &[u8]) -> Result<T> {
    let mut r = Reader::new(buf);
    let v = T::decode(&mut r)?;
    match r.remaining() {
        0 => Ok(v),
        n => Err(Error::TrailingBytes(n)),
    }
}

impl Encode for u32 {
    fn encode(&self, out: &mut Vec<u8>) -> Result<()> {
        out.put_u32(*self);
        Ok(())
    }
}
impl Decode for u32 {
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        r.read_u32()
    }
}
impl Encode for i32 {
    fn encode(&self, out: &mut Vec<u8>) -> Result<()> {
        out.put_i32(*self);
        Ok(())
    }
}
impl Decode for i32 {
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        r.read_i32()
    }
}
impl Encode for u64 {
    fn encode(&self, out: &mut Vec<u8>) -> Result<()> {
        out.put_u64(*self);
        Ok(())
    }
}
impl Decode for u64 {
    const MIN_SIZE: usize = 8;
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        r.read_u64()
    }
}
impl Encode for i64 {
    fn encode(&self, out: &mut Vec<u8>) -> Result<()> {
        out.put_u64(*self as u64);
        Ok(())
    }
}
impl Decode for i64 {
    const MIN_SIZE: usize = 8;
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        Ok(r.read_u64()? as i64)
    }
}
impl Encode for f64 {
    fn encode(&self, out: &mut Vec<u8>) -> Result<()> {
        out.put_u64(self.to_bits());
        Ok(())
    }
}
impl Decode for f64 {
    const MIN_SIZE: usize = 8;
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        Ok(f64::from_bits(r.read_u64()?))
    }
}
impl Encode for bool {
    fn encode(&self, out: &mut Vec<u8>) -> Result<()> {
        out.put_u32(u32::from(*self));
        Ok(())
    }
}
impl Decode for bool {
    /// Any nonzero word is true (libtirpc accepts it, go-libvirt relies on it).
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        Ok(r.read_u32()? != 0)
    }
}

/// XDR `char`, `unsigned char`, `short` and `unsigned short` each take a 4-byte word.
macro_rules! small_int {
    ($t:ty, $wide:ty, $read:ident, $put:ident) => {
        impl Encode for $t {
            fn encode(&self, out: &mut Vec<u8>) -> Result<()> {
                out.$put(<$wide>::from(*self));
                Ok(())
            }
        }
        impl Decode for $t {
            fn decode(r: &mut Reader<'_>) -> Result<Self> {
                let w = r.$read()?;
                <$t>::try_from(w).map_err(|_| Error::OutOfRange {
                    value: i64::from(w),
                    type_name: stringify!($t),
                })
            }
        }
    };
}
small_int!(i8, i32, read_i32, put_i32);
small_int!(u8, u32, read_u32, put_u32);
small_int!(i16, i32, read_i32, put_i32);
small_int!(u16, u32, read_u32, put_u32);

/// `string<>` with no declared maximum; the field attribute `#[xdr(max = N)]` adds one.
impl Encode for String {
    fn encode(&self, out: &mut Vec<u8>) -> Result<()> {
        out.put_opaque(self.as_bytes(), u32::MAX as usize)
    }
}
impl Decode for String {
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        r.read_string(u32::MAX as usize)
    }
}
impl Encode for str {
    fn encode(&self, out: &mut Vec<u8>) -> Result<()> {
        out.put_opaque(self.as_bytes(), u32::MAX as usize)
    }
}

/// `T *name`: a presence word, then the value.
impl<T: Encode> Encode for Option<T> {
    fn encode(&self, out: &mut Vec<u8>) -> Result<()> {
        match self {
            None => {
                out.put_u32(0);
                Ok(())
            }
            Some(v) => {
                out.put_u32(1);
                v.encode(out)
            }
        }
    }
}
impl<T: Decode> Decode for Option<T> {
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        if bool::decode(r)? {
            Ok(Some(T::decode(r)?))
        } else {
            Ok(None)
        }
    }
}

impl<T: Encode> Encode for Box<T> {
    fn encode(&self, out: &mut Vec<u8>) -> Result<()> {
        (**self).encode(out)
    }
}
impl<T: Decode> Decode for Box<T> {
    const MIN_SIZE: usize = T::MIN_SIZE;
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        T::decode(r).map(Box::new)
    }
}

/// `T name<>` with no declared maximum (see [`array`] for bounded ones).
impl<T: Encode> Encode for Vec<T> {
    fn encode(&self, out: &mut Vec<u8>) -> Result<()> {
        array::encode(self, u32::MAX as usize, out)
    }
}
impl<T: Decode> Decode for Vec<T> {
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        array::decode(r, u32::MAX as usize)
    }
}

/// `T name[N]` for non-opaque T: N elements, no count.
impl<T: Encode, const N: usize> Encode for [T; N] {
    fn encode(&self, out: &mut Vec<u8>) -> Result<()> {
        self.iter().try_for_each(|v| v.encode(out))
    }
}
impl<T: Decode, const N: usize> Decode for [T; N] {
    const MIN_SIZE: usize = T::MIN_SIZE * N;
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        if N.saturating_mul(T::MIN_SIZE) > r.remaining() {
            return Err(Error::Truncated {
                offset: r.position(),
                needed: N.saturating_mul(T::MIN_SIZE) - r.remaining(),
            });
        }
        let mut v = Vec::with_capacity(N);
        for _ in 0..N {
            v.push(T::decode(r)?);
        }
        v.try_into().map_err(|_| Error::OutOfRange {
            value: N as i64,
            type_name: "fixed array",
        })
    }
}

impl Encode for () {
    fn encode(&self, _out: &mut Vec<u8>) -> Result<()> {
        Ok(())
    }
}
impl Decode for () {
    const MIN_SIZE: usize = 0;
    fn decode(_r: &mut Reader<'_>) -> Result<Self> {
        Ok(())
    }
}

impl<T: Encode + ?Sized> Encode for &T {
    fn encode(&self, out: &mut Vec<u8>) -> Result<()> {
        (**self).encode(out)
    }
}

/// Helpers the derive macro calls for fields with `#[xdr(max = N)]`.
pub mod array {
    use super::*;

    /// A variable-length array of at most `max` items.
    pub fn encode<T: Encode>(v: &[T], max: usize, out: &mut Vec<u8>) -> Result<()> {
        out.put_len(v.len(), max)?;
        v.iter().try_for_each(|e| e.encode(out))
    }

    /// A variable-length array of at most `max` items.
    pub fn decode<T: Decode>(r: &mut Reader<'_>, max: usize) -> Result<Vec<T>> {
        let len = r.read_len(max, T::MIN_SIZE)?;
        let mut v = Vec::with_capacity(len);
        for _ in 0..len {
            v.push(T::decode(r)?);
        }
        Ok(v)
    }
}

/// Helpers for strings with a declared maximum.
pub mod string {
    use super::*;

    /// A string of at most `max` bytes.
    pub fn encode(s: &str, max: usize, out: &mut Vec<u8>) -> Result<()> {
        out.put_opaque(s.as_bytes(), max)
    }

    /// A string of at most `max` bytes.
    pub fn decode(r: &mut Reader<'_>, max: usize) -> Result<String> {
        r.read_string(max)
    }

    /// `string *name` (libvirt's `remote_string`) with a maximum.
    pub fn encode_opt(s: &Option<String>, max: usize, out: &mut Vec<u8>) -> Result<()> {
        match s {
            None => {
                out.put_u32(0);
                Ok(())
            }
            Some(s) => {
                out.put_u32(1);
                encode(s, max, out)
            }
        }
    }

    /// `string *name` with a maximum.
    pub fn decode_opt(r: &mut Reader<'_>, max: usize) -> Result<Option<String>> {
        if bool::decode(r)? {
            decode(r, max).map(Some)
        } else {
            Ok(None)
        }
    }

    /// `string name<N>` arrays with a maximum for the count and for each string.
    pub fn encode_vec(
        v: &[String],
        max_count: usize,
        max_len: usize,
        out: &mut Vec<u8>,
    ) -> Result<()> {
        out.put_len(v.len(), max_count)?;
        v.iter().try_for_each(|s| encode(s, max_len, out))
    }

    /// `string name<N>` arrays with a maximum for the count and for each string.
    pub fn decode_vec(r: &mut Reader<'_>, max_count: usize, max_len: usize) -> Result<Vec<String>> {
        let len = r.read_len(max_count, 4)?;
        let mut v = Vec::with_capacity(len);
        for _ in 0..len {
            v.push(decode(r, max_len)?);
        }
        Ok(v)
    }
}

/// Helpers for opaque data: `opaque name<max>` (`Vec<u8>`) and `opaque name[N]` (`[u8; N]`).
pub mod opaque {
    use super::*;

    /// `opaque name<max>`.
    pub fn encode(v: &[u8], max: usize, out: &mut Vec<u8>) -> Result<()> {
        out.put_opaque(v, max)
    }

    /// `opaque name<max>`.
    pub fn decode(r: &mut Reader<'_>, max: usize) -> Result<Vec<u8>> {
        r.read_opaque(max).map(<[u8]>::to_vec)
    }

    /// `opaque name[N]`.
    pub fn encode_fixed<const N: usize>(v: &[u8; N], out: &mut Vec<u8>) -> Result<()> {
        out.put_fixed_opaque(v);
        Ok(())
    }

    /// `opaque name[N]`.
    pub fn decode_fixed<const N: usize>(r: &mut Reader<'_>) -> Result<[u8; N]> {
        r.read_fixed_opaque::<N>()
    }
}

#[cfg(test)]
mod tests;
