//! libvirt's CPU-list bitmaps as found in sysfs ("0-3,8,10-11"): parsing with
//! `virBitmapParseUnlimited`'s rules, and the byte form of `virBitmapToData`.

use crate::ctext::{skip_spaces, vir_str_to_i};
use crate::error::{ErrorDomain, HostError};

/// Largest bitmap accepted (bits). libvirt has no limit; this only guards against absurd
/// input ("0-2147483647") allocating gigabytes.
const MAX_BITS: usize = 1 << 22;

/// A growable bitmap; `size()` is libvirt's `virBitmapSize` (highest bit ever touched + 1).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Bitmap {
    bits: Vec<bool>,
}

impl Bitmap {
    /// `virBitmapSize`.
    pub fn size(&self) -> usize {
        self.bits.len()
    }

    /// `virBitmapIsBitSet` (false beyond the size).
    pub fn is_set(&self, bit: usize) -> bool {
        self.bits.get(bit).copied().unwrap_or(false)
    }

    /// `virBitmapCountBits`.
    pub fn count(&self) -> usize {
        self.bits.iter().filter(|&&b| b).count()
    }

    /// `virBitmapLastSetBit`.
    pub fn last_set(&self) -> Option<usize> {
        self.bits.iter().rposition(|&b| b)
    }

    /// The set bits, ascending.
    pub fn iter_set(&self) -> impl Iterator<Item = usize> + '_ {
        self.bits
            .iter()
            .enumerate()
            .filter_map(|(i, &b)| b.then_some(i))
    }

    fn expand_to(&mut self, bit: usize) -> Result<(), ()> {
        if bit >= MAX_BITS {
            return Err(());
        }
        if bit >= self.bits.len() {
            self.bits.resize(bit + 1, false);
        }
        Ok(())
    }

    /// `virBitmapSetBitExpand`.
    pub(crate) fn set_expand(&mut self, bit: usize) -> Result<(), ()> {
        self.expand_to(bit)?;
        if let Some(b) = self.bits.get_mut(bit) {
            *b = true;
        }
        Ok(())
    }

    /// `virBitmapClearBitExpand`.
    fn clear_expand(&mut self, bit: usize) -> Result<(), ()> {
        self.expand_to(bit)?;
        if let Some(b) = self.bits.get_mut(bit) {
            *b = false;
        }
        Ok(())
    }

    /// `virBitmapToData`: little-endian bytes, bit N in byte N/8, bit N%8; as many bytes as
    /// needed for the last set bit (one byte when none is set).
    pub fn to_data(&self) -> Vec<u8> {
        let len = match self.last_set() {
            Some(last) => last / 8 + 1,
            None => 1,
        };
        let mut data = vec![0u8; len];
        for bit in self.iter_set() {
            if let Some(byte) = data.get_mut(bit / 8) {
                *byte |= 1 << (bit % 8);
            }
        }
        data
    }

    /// Parses a CPU list with `virBitmapParseUnlimited`'s rules: comma-separated `N`,
    /// `N-M` (N <= M) and `^N` (clear N), white space allowed around items. On failure the
    /// error is libvirt's: invalid argument "Failed to parse bitmap '...'".
    pub fn parse(text: &[u8]) -> Result<Bitmap, HostError> {
        let fail = || HostError::InvalidArgDetail {
            domain: ErrorDomain::None,
            detail: format!(
                "Failed to parse bitmap '{}'",
                String::from_utf8_lossy(crate::ctext::c_str(text))
            ),
        };
        let text = crate::ctext::c_str(text);
        let mut map = Bitmap::default();
        let mut cur = skip_spaces(text);
        if cur.is_empty() {
            return Err(fail());
        }
        let mut neg = false;
        loop {
            if cur.first() == Some(&b'^') {
                cur = &cur[1..];
                neg = true;
            }
            if !cur.first().is_some_and(|b| b.is_ascii_digit()) {
                return Err(fail());
            }
            let (start, n) = vir_str_to_i(cur).ok_or_else(fail)?;
            let start = usize::try_from(start).map_err(|_| fail())?;
            cur = skip_spaces(&cur[n..]);
            match cur.first() {
                Some(b',') | None => {
                    let r = if neg {
                        map.clear_expand(start)
                    } else {
                        map.set_expand(start)
                    };
                    r.map_err(|_| fail())?;
                }
                Some(b'-') => {
                    if neg {
                        return Err(fail());
                    }
                    cur = skip_spaces(&cur[1..]);
                    let (last, n) = vir_str_to_i(cur).ok_or_else(fail)?;
                    let last = usize::try_from(last).map_err(|_| fail())?;
                    if last < start {
                        return Err(fail());
                    }
                    cur = &cur[n..];
                    map.expand_to(last).map_err(|_| fail())?;
                    for i in start..=last {
                        map.set_expand(i).map_err(|_| fail())?;
                    }
                    cur = skip_spaces(cur);
                }
                Some(_) => {}
            }
            match cur.first() {
                Some(b',') => {
                    cur = skip_spaces(&cur[1..]);
                    neg = false;
                }
                None => break,
                Some(_) => return Err(fail()),
            }
        }
        Ok(map)
    }
}

/// Removes trailing newlines, like `virStringTrimOptionalNewline`.
pub(crate) fn trim_newlines(s: &[u8]) -> &[u8] {
    let mut end = s.len();
    while end > 0 && s[end - 1] == b'\n' {
        end -= 1;
    }
    &s[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bits(s: &str) -> Vec<usize> {
        match Bitmap::parse(s.as_bytes()) {
            Ok(b) => b.iter_set().collect(),
            Err(e) => panic!("{s}: {e}"),
        }
    }

    #[test]
    fn parses_lists() {
        assert_eq!(bits("0-1"), vec![0, 1]);
        assert_eq!(bits("0,2-4, 7"), vec![0, 2, 3, 4, 7]);
        assert_eq!(bits(" 3 "), vec![3]);
        assert_eq!(bits("0-5,^2"), vec![0, 1, 3, 4, 5]);
        let b = Bitmap::parse(b"0-3,^7").unwrap_or_default();
        assert_eq!(b.size(), 8);
        assert_eq!(b.count(), 4);
    }

    #[test]
    fn rejects_garbage() {
        for s in [
            "",
            " ",
            "a",
            "1-",
            "3-1",
            "^1-2",
            "1,,2",
            "1;2",
            "-1",
            "0-99999999999",
        ] {
            let e = Bitmap::parse(s.as_bytes());
            assert!(e.is_err(), "{s:?} accepted");
        }
        let e = Bitmap::parse(b"x").err().map(|e| e.to_string());
        assert_eq!(
            e.as_deref(),
            Some("invalid argument: Failed to parse bitmap 'x'")
        );
        assert!(Bitmap::parse(b"0-2147483647").is_err());
    }

    #[test]
    fn to_data_like_libvirt() {
        let b = Bitmap::parse(b"0-1").unwrap_or_default();
        assert_eq!(b.to_data(), vec![0b11]);
        let b = Bitmap::parse(b"0,9").unwrap_or_default();
        assert_eq!(b.to_data(), vec![1, 2]);
        assert_eq!(Bitmap::default().to_data(), vec![0]);
    }
}
