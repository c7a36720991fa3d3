//! Small helpers reproducing the C library behaviour libvirt's parsers rely on (`fgets`
//! with a fixed buffer, `strtoul`, `sscanf("%llu")`, `g_ascii_isspace`, `strstr`), on
//! byte slices and without panics, so that odd input is handled the way libvirt handles it.

/// `g_ascii_isspace` / `c_isspace`: space, `\t`, `\n`, `\v`, `\f`, `\r`.
pub(crate) fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// The text up to the first NUL: what C string functions see.
pub(crate) fn c_str(s: &[u8]) -> &[u8] {
    match s.iter().position(|&b| b == 0) {
        Some(n) => &s[..n],
        None => s,
    }
}

/// Splits `text` like repeated `fgets(buf, size, f)`: chunks of at most `size - 1` bytes,
/// each ending at (and including) a newline when one comes first. Each chunk is cut at
/// its first NUL, as C string functions would see it.
pub(crate) fn fgets_lines(text: &[u8], size: usize) -> impl Iterator<Item = &[u8]> {
    let max = size.saturating_sub(1).max(1);
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let limit = rest.len().min(max);
        let end = match rest[..limit].iter().position(|&b| b == b'\n') {
            Some(i) => i + 1,
            None => limit,
        };
        let (chunk, tail) = rest.split_at(end);
        rest = tail;
        Some(c_str(chunk))
    })
}

/// Skips leading `g_ascii_isspace` bytes.
pub(crate) fn skip_spaces(s: &[u8]) -> &[u8] {
    let n = s.iter().take_while(|&&b| is_space(b)).count();
    &s[n..]
}

/// `strstr`: the position of `needle` in `hay`.
pub(crate) fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return Some(0);
    }
    hay.windows(needle.len()).position(|w| w == needle)
}

/// `strcasestr` with an ASCII needle.
pub(crate) fn find_ignore_case(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return Some(0);
    }
    hay.windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle))
}

/// What `strtoull(s, &end, base)` does (base 0, 8, 10 or 16): the value, how many bytes
/// were consumed (0 = no conversion), and whether it overflowed (ERANGE; the value is then
/// `u64::MAX`). A leading '-' negates (wrapping), as C does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Strtoul {
    pub value: u64,
    pub consumed: usize,
    pub overflow: bool,
    /// A '-' sign was part of the conversion.
    pub negative: bool,
}

pub(crate) fn strtoull(s: &[u8], base: u32) -> Strtoul {
    let none = Strtoul {
        value: 0,
        consumed: 0,
        overflow: false,
        negative: false,
    };
    let mut i = s.iter().take_while(|&&b| is_space(b)).count();
    let mut negative = false;
    match s.get(i) {
        Some(b'-') => {
            negative = true;
            i += 1;
        }
        Some(b'+') => i += 1,
        _ => {}
    }
    let mut base = base;
    let hex_prefix = s.get(i) == Some(&b'0')
        && matches!(s.get(i + 1), Some(b'x') | Some(b'X'))
        && s.get(i + 2).is_some_and(|b| b.is_ascii_hexdigit());
    if (base == 0 || base == 16) && hex_prefix {
        i += 2;
        base = 16;
    } else if base == 0 {
        base = if s.get(i) == Some(&b'0') { 8 } else { 10 };
    }
    let start = i;
    let mut value: u64 = 0;
    let mut overflow = false;
    while let Some(&b) = s.get(i) {
        let d = match (b as char).to_digit(36) {
            Some(d) if d < base => u64::from(d),
            _ => break,
        };
        match value
            .checked_mul(u64::from(base))
            .and_then(|v| v.checked_add(d))
        {
            Some(v) => value = v,
            None => overflow = true,
        }
        i += 1;
    }
    if i == start {
        return none;
    }
    let value = if overflow {
        u64::MAX
    } else if negative {
        value.wrapping_neg()
    } else {
        value
    };
    Strtoul {
        value,
        consumed: i,
        overflow,
        negative,
    }
}

/// libvirt's `virStrToLong_ui(s, &end, 10, &v)`: `Some((value, consumed))` or `None` on
/// error. Like libvirt it accepts "-N" as `2^32 - N` (for N up to `u32::MAX`).
pub(crate) fn vir_str_to_ui(s: &[u8]) -> Option<(u32, usize)> {
    let r = strtoull(s, 10);
    if r.consumed == 0 || r.overflow {
        return None;
    }
    let mut val = r.value;
    if r.negative {
        if val.wrapping_neg() > u64::from(u32::MAX) {
            return None;
        }
        val &= 0xffff_ffff;
    }
    u32::try_from(val).ok().map(|v| (v, r.consumed))
}

/// libvirt's `virStrToLong_uip(s, NULL, 10, &v)`: the whole string must be a
/// non-negative number that fits in `u32`.
pub(crate) fn vir_str_to_uip_whole(s: &[u8]) -> Option<u32> {
    let r = strtoull(s, 10);
    if r.consumed == 0 || r.overflow || r.negative || r.consumed != s.len() {
        return None;
    }
    u32::try_from(r.value).ok()
}

/// libvirt's `virStrToLong_i(s, &end, 10, &v)`: `Some((value, consumed))` or `None`.
pub(crate) fn vir_str_to_i(s: &[u8]) -> Option<(i32, usize)> {
    let r = strtoull(s, 10);
    if r.consumed == 0 || r.overflow {
        return None;
    }
    // strtol: the magnitude must fit in a signed long.
    let magnitude = if r.negative {
        r.value.wrapping_neg()
    } else {
        r.value
    };
    let v: i64 = if r.negative {
        if magnitude > (i64::MAX as u64) + 1 {
            return None;
        }
        0i64.wrapping_sub(magnitude as i64)
    } else {
        i64::try_from(magnitude).ok()?
    };
    i32::try_from(v).ok().map(|v| (v, r.consumed))
}

/// `virStrToLong_i(s, NULL, 10, &v)`: the whole string must be the number.
pub(crate) fn vir_str_to_i_whole(s: &[u8]) -> Option<i32> {
    match vir_str_to_i(s) {
        Some((v, n)) if n == s.len() => Some(v),
        _ => None,
    }
}

/// A `sscanf` numeric conversion (`%llu`, `%lu`): skips white space, then converts like
/// `strtoull(..., 10)` (overflow clamps to `u64::MAX`). Returns the value and the rest.
pub(crate) fn scan_u64(s: &[u8]) -> Option<(u64, &[u8])> {
    let r = strtoull(s, 10);
    if r.consumed == 0 {
        return None;
    }
    Some((r.value, &s[r.consumed..]))
}

/// A `sscanf` `%s` (optionally with a maximum width): skips white space, then takes up to
/// `width` non-space bytes. Returns the token and the rest.
pub(crate) fn scan_token(s: &[u8], width: usize) -> Option<(&[u8], &[u8])> {
    let s = skip_spaces(s);
    let n = s.iter().take(width).take_while(|&&b| !is_space(b)).count();
    if n == 0 {
        return None;
    }
    Some(s.split_at(n))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fgets_splits_long_lines() {
        let text = b"abcdef\ngh\n\nij";
        let v: Vec<&[u8]> = fgets_lines(text, 4).collect();
        assert_eq!(v, vec![&b"abc"[..], b"def", b"\n", b"gh\n", b"\n", b"ij"]);
        let v: Vec<&[u8]> = fgets_lines(b"a\0b\nc", 1024).collect();
        assert_eq!(v, vec![&b"a"[..], b"c"]);
        assert_eq!(fgets_lines(b"", 1024).count(), 0);
    }

    #[test]
    fn strtoull_like_c() {
        assert_eq!(strtoull(b"  42kB", 10).value, 42);
        assert_eq!(strtoull(b"  42kB", 10).consumed, 4);
        assert_eq!(strtoull(b"x", 10).consumed, 0);
        assert_eq!(strtoull(b"0x1f", 0).value, 31);
        assert_eq!(strtoull(b"010", 0).value, 8);
        assert_eq!(strtoull(b"0x", 0).consumed, 1);
        assert_eq!(strtoull(b"-1", 10).value, u64::MAX);
        let r = strtoull(b"99999999999999999999999", 10);
        assert!(r.overflow);
        assert_eq!(r.value, u64::MAX);
    }

    #[test]
    fn vir_conversions() {
        assert_eq!(vir_str_to_ui(b"2596.128"), Some((2596, 4)));
        assert_eq!(vir_str_to_ui(b"-1"), Some((u32::MAX, 2)));
        assert_eq!(vir_str_to_ui(b"4294967296"), None);
        assert_eq!(vir_str_to_ui(b"abc"), None);
        assert_eq!(vir_str_to_i_whole(b"-1"), Some(-1));
        assert_eq!(vir_str_to_i_whole(b"2147483648"), None);
        assert_eq!(vir_str_to_i_whole(b"12 "), None);
        assert_eq!(vir_str_to_uip_whole(b"7"), Some(7));
        assert_eq!(vir_str_to_uip_whole(b"-7"), None);
    }

    #[test]
    fn scanning() {
        assert_eq!(
            scan_token(b"  MemTotal:  12 kB", 80).map(|t| t.0),
            Some(&b"MemTotal:"[..])
        );
        assert_eq!(scan_token(b"abcdef", 3).map(|t| t.0), Some(&b"abc"[..]));
        assert_eq!(scan_token(b"   ", 3), None);
        assert_eq!(scan_u64(b" 12 kB").map(|t| t.0), Some(12));
        assert_eq!(scan_u64(b" kB"), None);
        assert_eq!(find(b"hello", b"ll"), Some(2));
        assert_eq!(find_ignore_case(b"12 KB", b"kB"), Some(3));
    }
}
