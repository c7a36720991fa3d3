//! libvirt's save-image format (`virsh save`, managed save), as libvirt 9.0 writes and reads
//! it: a 92-byte header (the magic `LibvirtQemudSave`, or `LibvirtQemudPart` while the image
//! is being written; then, in the host's byte order, the version 2, the length of the data
//! that follows, whether the domain was running, the compression format, the cookie's offset
//! in the data, and fourteen unused words), the data (the domain XML with its NUL, an
//! optional cookie with its NUL, zeros up to the length), then QEMU's migration stream.
//!
//! An image is only valid once the header says `LibvirtQemudSave`: the magic is written last,
//! so an image cut short by a crash is never taken for a complete one.

#![allow(missing_docs)] // the fields and variants are libvirt's, named as it names them

use std::io::{Read, Write};

/// The complete image's magic.
pub const MAGIC: &[u8; 16] = b"LibvirtQemudSave";
/// The magic of an image being written.
pub const PARTIAL: &[u8; 16] = b"LibvirtQemudPart";
/// The version libvirt 9.0 writes (and the highest it reads).
pub const VERSION: u32 = 2;
/// The header's size.
pub const HEADER_LEN: usize = 92;
/// The room libvirt leaves after the XML, so an edited XML may grow.
pub const PADDING: usize = 64 * 1024;
/// The largest data part read (the XML and the cookie).
pub const DATA_MAX: u32 = 16 * 1024 * 1024;

/// Why an image cannot be read, in libvirt's words (all VIR_ERR_OPERATION_FAILED).
#[derive(Debug, thiserror::Error)]
pub enum ImageError {
    #[error("failed to read qemu header")]
    ShortHeader,
    #[error("save image is incomplete")]
    Incomplete,
    #[error("image magic is incorrect")]
    BadMagic,
    #[error("image version is not supported ({0} > {VERSION})")]
    Version(u32),
    #[error("unsupported save image format: {0}")]
    Format(u32),
    #[error("invalid header data length: {0}")]
    DataLen(u32),
    #[error("failed to read domain XML")]
    ShortXml,
    #[error("compressed save images ({0}) are not supported by oxvirt")]
    Compressed(&'static str),
    #[error("new xml too large to fit in file")]
    TooLarge,
}

/// libvirt's save formats, by number.
const FORMATS: [&str; 7] = ["raw", "gzip", "bzip2", "xz", "lzop", "zstd", "sparse"];

/// The header's fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    pub complete: bool,
    pub version: u32,
    pub data_len: u32,
    pub was_running: bool,
    pub format: u32,
    pub cookie_offset: u32,
}

impl Header {
    /// A new raw image's header for data of `xml_len` bytes (the NUL included) plus padding.
    pub fn new(xml_len: usize, was_running: bool) -> Header {
        Header {
            complete: false,
            version: VERSION,
            data_len: u32::try_from(xml_len + PADDING).unwrap_or(u32::MAX),
            was_running,
            format: 0,
            cookie_offset: 0,
        }
    }

    /// The header's bytes.
    pub fn encode(&self) -> [u8; HEADER_LEN] {
        let mut b = [0u8; HEADER_LEN];
        b[..16].copy_from_slice(if self.complete { MAGIC } else { PARTIAL });
        let words = [
            self.version,
            self.data_len,
            u32::from(self.was_running),
            self.format,
            self.cookie_offset,
        ];
        for (i, w) in words.iter().enumerate() {
            b[16 + 4 * i..20 + 4 * i].copy_from_slice(&w.to_ne_bytes());
        }
        b
    }

    /// Parse a header as libvirt's `qemuSaveImageReadHeader` does (a byte-swapped version
    /// means an image of the other byte order).
    pub fn decode(b: &[u8; HEADER_LEN]) -> Result<Header, ImageError> {
        if &b[..16] != MAGIC {
            if &b[..16] == PARTIAL {
                return Err(ImageError::Incomplete);
            }
            return Err(ImageError::BadMagic);
        }
        let word = |i: usize, swap: bool| {
            let mut w = [0u8; 4];
            w.copy_from_slice(&b[16 + 4 * i..20 + 4 * i]);
            let v = u32::from_ne_bytes(w);
            if swap {
                v.swap_bytes()
            } else {
                v
            }
        };
        let swap = word(0, false) > VERSION;
        let h = Header {
            complete: true,
            version: word(0, swap),
            data_len: word(1, swap),
            was_running: word(2, swap) != 0,
            format: word(3, swap),
            cookie_offset: word(4, swap),
        };
        if h.version > VERSION {
            return Err(ImageError::Version(h.version));
        }
        if h.format as usize >= FORMATS.len() {
            return Err(ImageError::Format(h.format));
        }
        // libvirt takes the length as a signed int
        if h.data_len == 0 || h.data_len > i32::MAX as u32 {
            return Err(ImageError::DataLen(h.data_len));
        }
        Ok(h)
    }
}

/// An image's header and data, as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Image {
    pub header: Header,
    /// The domain XML (up to its NUL).
    pub xml: String,
    /// The cookie (libvirt's `<qemu-save-cookie>`), if any.
    pub cookie: Option<String>,
}

impl Image {
    /// The offset of QEMU's migration stream.
    pub fn stream_offset(&self) -> u64 {
        HEADER_LEN as u64 + u64::from(self.header.data_len)
    }
}

fn until_nul(b: &[u8]) -> String {
    let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
    String::from_utf8_lossy(&b[..end]).into_owned()
}

/// Read an image's header and data from `r` (positioned at its start); `r` is left at the
/// migration stream. Only raw images are accepted for a restore (`raw_only`).
pub fn read(r: &mut impl Read, raw_only: bool) -> Result<Image, ImageError> {
    let mut hb = [0u8; HEADER_LEN];
    r.read_exact(&mut hb).map_err(|_| ImageError::ShortHeader)?;
    let header = Header::decode(&hb)?;
    if raw_only && header.format != 0 && header.format != 6 {
        return Err(ImageError::Compressed(FORMATS[header.format as usize]));
    }
    if header.data_len > DATA_MAX {
        return Err(ImageError::DataLen(header.data_len));
    }
    let mut data = vec![0u8; header.data_len as usize];
    r.read_exact(&mut data).map_err(|_| ImageError::ShortXml)?;
    let xml_len = match header.cookie_offset {
        0 => data.len(),
        o => (o as usize).min(data.len()),
    };
    let xml = until_nul(&data[..xml_len]);
    let cookie = (xml_len < data.len())
        .then(|| until_nul(&data[xml_len..]))
        .filter(|c| !c.is_empty());
    Ok(Image {
        header,
        xml,
        cookie,
    })
}

/// Write a new image's partial header and data (the XML, its NUL, the padding) to `w`.
pub fn write_prologue(w: &mut impl Write, xml: &str, was_running: bool) -> std::io::Result<Header> {
    let xml_len = xml.len() + 1;
    let header = Header::new(xml_len, was_running);
    w.write_all(&header.encode())?;
    w.write_all(xml.as_bytes())?;
    w.write_all(&vec![0u8; header.data_len as usize - xml.len()])?;
    Ok(header)
}

/// The data part of an image with a new XML (`save-image-define`): the same length, the
/// cookie kept after it; refused when the new XML does not fit.
pub fn redefined_data(image: &Image, xml: &str) -> Result<(Header, Vec<u8>), ImageError> {
    let cookie = image.cookie.as_deref().map(|c| format!("{c}\0"));
    let len = xml.len() + 1 + cookie.as_ref().map_or(0, String::len);
    if len > image.header.data_len as usize {
        return Err(ImageError::TooLarge);
    }
    let mut data = Vec::with_capacity(image.header.data_len as usize);
    data.extend_from_slice(xml.as_bytes());
    data.push(0);
    let mut header = image.header;
    header.cookie_offset = 0;
    if let Some(c) = cookie {
        header.cookie_offset = data.len() as u32;
        data.extend_from_slice(c.as_bytes());
    }
    data.resize(image.header.data_len as usize, 0);
    Ok((header, data))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_written_prologue_reads_back_once_complete() {
        let mut buf = Vec::new();
        let h = write_prologue(&mut buf, "<domain/>", true).unwrap();
        assert_eq!(buf.len(), HEADER_LEN + 10 + PADDING);
        assert_eq!(&buf[..16], PARTIAL);
        // libvirt 9.0's layout: version 2, data length, was_running, format, cookie offset
        assert_eq!(&buf[16..20], &2u32.to_ne_bytes());
        assert_eq!(&buf[20..24], &((10 + PADDING) as u32).to_ne_bytes());
        assert_eq!(&buf[24..28], &1u32.to_ne_bytes());
        assert!(matches!(
            read(&mut &buf[..], true),
            Err(ImageError::Incomplete)
        ));
        let done = Header {
            complete: true,
            ..h
        };
        buf[..HEADER_LEN].copy_from_slice(&done.encode());
        buf.extend_from_slice(b"QEVM");
        let mut r = &buf[..];
        let img = read(&mut r, true).unwrap();
        assert_eq!(img.xml, "<domain/>");
        assert!(img.header.was_running);
        assert_eq!(img.cookie, None);
        assert_eq!(img.stream_offset() as usize, buf.len() - 4);
        assert_eq!(r, b"QEVM");
    }

    #[test]
    fn bad_images_give_libvirt_s_errors() {
        let e = |b: &[u8]| read(&mut &b[..], true).unwrap_err().to_string();
        assert_eq!(e(b"short"), "failed to read qemu header");
        assert_eq!(e(&[b'x'; HEADER_LEN]), "image magic is incorrect");
        let mut h = Header::new(10, false);
        h.complete = true;
        h.version = 3 << 24; // version 3 in the other byte order
        assert_eq!(e(&h.encode()), "image version is not supported (3 > 2)");
        h.version = 2;
        h.format = 9;
        assert_eq!(e(&h.encode()), "unsupported save image format: 9");
        h.format = 1;
        assert_eq!(
            e(&h.encode()),
            "compressed save images (gzip) are not supported by oxvirt"
        );
        h.format = 0;
        assert_eq!(e(&h.encode()), "failed to read domain XML");
    }

    #[test]
    fn redefining_keeps_the_length_and_the_cookie() {
        let img = Image {
            header: Header {
                complete: true,
                data_len: 40,
                cookie_offset: 6,
                ..Header::new(0, false)
            },
            xml: "<a/>x".into(),
            cookie: Some("<c/>".into()),
        };
        let (h, data) = redefined_data(&img, "<b/>").unwrap();
        assert_eq!(data.len(), 40);
        assert_eq!(h.cookie_offset, 5);
        assert_eq!(&data[..10], b"<b/>\0<c/>\0");
        assert!(matches!(
            redefined_data(&img, &"y".repeat(40)),
            Err(ImageError::TooLarge)
        ));
    }
}
