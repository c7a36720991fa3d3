//! File access with libvirt's `virFileReadValue*` / `virFileReadAll` / `virDirOpen`
//! semantics (including their error texts), relative to a root directory so that tests
//! can run against a fake `/sys` and `/proc`.

use std::io::{self, Read};
use std::path::PathBuf;

use crate::bitmap::{trim_newlines, Bitmap};
use crate::ctext::{vir_str_to_i_whole, vir_str_to_uip_whole};
use crate::error::HostError;

/// `VIR_FILE_READ_VALUE_STRING_MAX`.
pub(crate) const READ_VALUE_MAX: usize = 4096;

/// Where the host's files are: `/` normally, a scratch directory in tests.
#[derive(Debug, Clone)]
pub(crate) struct Root {
    root: PathBuf,
}

impl Root {
    pub(crate) fn host() -> Self {
        Root {
            root: PathBuf::from("/"),
        }
    }

    #[cfg(test)]
    pub(crate) fn at(root: &std::path::Path) -> Self {
        Root {
            root: root.to_path_buf(),
        }
    }

    /// The path of an absolute host path (`/sys/...`) under this root.
    pub(crate) fn path(&self, abs: &str) -> PathBuf {
        self.root.join(abs.trim_start_matches('/'))
    }

    /// The host path as libvirt would print it in messages.
    fn shown(abs: &str) -> String {
        abs.to_owned()
    }

    /// `virFileExists`.
    pub(crate) fn exists(&self, abs: &str) -> bool {
        self.path(abs).exists()
    }

    /// `virFileReadAll(path, max, ...)`, with its error texts.
    pub(crate) fn read_all(&self, abs: &str, max: usize) -> Result<Vec<u8>, HostError> {
        let mut f = std::fs::File::open(self.path(abs)).map_err(|e| {
            HostError::system(format!("Failed to open file '{}'", Self::shown(abs)), e)
        })?;
        read_limited(&mut f, max).map_err(|e| {
            HostError::system(format!("Failed to read file '{}'", Self::shown(abs)), e)
        })
    }

    /// Reads a whole file for one of libvirt's `fopen()` + `fgets()` parsers; failure to
    /// open is `cannot open {path}: {strerror}` as libvirt reports it.
    pub(crate) fn read_stream(&self, abs: &str) -> Result<Vec<u8>, HostError> {
        std::fs::read(self.path(abs))
            .map_err(|e| HostError::system(format!("cannot open {}", Self::shown(abs)), e))
    }

    /// `virFileReadValueBitmap`: `Ok(None)` when the file does not exist (libvirt's -2).
    pub(crate) fn read_value_bitmap(&self, abs: &str) -> Result<Option<Bitmap>, HostError> {
        if !self.exists(abs) {
            return Ok(None);
        }
        let data = self.read_all(abs, READ_VALUE_MAX)?;
        Bitmap::parse(trim_newlines(&data)).map(Some)
    }

    /// `virFileReadValueInt`: `Ok(None)` when the file does not exist.
    pub(crate) fn read_value_int(&self, abs: &str) -> Result<Option<i32>, HostError> {
        if !self.exists(abs) {
            return Ok(None);
        }
        let data = self.read_all(abs, READ_VALUE_MAX)?;
        let s = trim_newlines(crate::ctext::c_str(&data));
        match vir_str_to_i_whole(s) {
            Some(v) => Ok(Some(v)),
            None => Err(HostError::internal(format!(
                "Invalid integer value '{}' in file '{}'",
                String::from_utf8_lossy(s),
                Self::shown(abs)
            ))),
        }
    }

    /// `virFileReadValueUint`: `Ok(None)` when the file does not exist.
    pub(crate) fn read_value_uint(&self, abs: &str) -> Result<Option<u32>, HostError> {
        if !self.exists(abs) {
            return Ok(None);
        }
        let data = self.read_all(abs, READ_VALUE_MAX)?;
        let s = trim_newlines(crate::ctext::c_str(&data));
        match vir_str_to_uip_whole(s) {
            Some(v) => Ok(Some(v)),
            None => Err(HostError::internal(format!(
                "Invalid unsigned integer value '{}' in file '{}'",
                String::from_utf8_lossy(s),
                Self::shown(abs)
            ))),
        }
    }

    /// `virDirOpenQuiet` + `virDirRead` loop: the entry names (without "." and ".."), or
    /// `Ok(None)` when the directory cannot be opened.
    pub(crate) fn read_dir_quiet(&self, abs: &str) -> Result<Option<Vec<String>>, HostError> {
        let rd = match std::fs::read_dir(self.path(abs)) {
            Ok(rd) => rd,
            Err(_) => return Ok(None),
        };
        collect_names(rd, abs).map(Some)
    }

    /// `virDirOpen` + `virDirRead` loop, with libvirt's errors.
    pub(crate) fn read_dir(&self, abs: &str) -> Result<Vec<String>, HostError> {
        let rd = std::fs::read_dir(self.path(abs)).map_err(|e| {
            HostError::system(format!("cannot open directory '{}'", Self::shown(abs)), e)
        })?;
        collect_names(rd, abs)
    }
}

fn collect_names(rd: std::fs::ReadDir, abs: &str) -> Result<Vec<String>, HostError> {
    let mut names = Vec::new();
    for entry in rd {
        let entry =
            entry.map_err(|e| HostError::system(format!("Unable to read directory '{abs}'"), e))?;
        names.push(entry.file_name().to_string_lossy().into_owned());
    }
    Ok(names)
}

fn read_limited(f: &mut impl Read, max: usize) -> io::Result<Vec<u8>> {
    let mut buf = Vec::new();
    let limit = u64::try_from(max).unwrap_or(u64::MAX).saturating_add(1);
    f.take(limit).read_to_end(&mut buf)?;
    if buf.len() > max {
        return Err(io::Error::from_raw_os_error(libc::EFBIG));
    }
    Ok(buf)
}

#[cfg(test)]
pub(crate) mod testfs {
    //! Building fake `/sys` trees in a scratch directory.
    use std::path::Path;

    pub(crate) fn write(root: &Path, abs: &str, content: &str) {
        let p = root.join(abs.trim_start_matches('/'));
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(p, content).unwrap();
    }

    pub(crate) fn mkdir(root: &Path, abs: &str) {
        std::fs::create_dir_all(root.join(abs.trim_start_matches('/'))).unwrap();
    }
}

#[cfg(test)]
mod tests {
    use super::testfs::write;
    use super::*;

    #[test]
    fn value_readers() {
        let dir = tempfile::tempdir().unwrap();
        let root = Root::at(dir.path());
        write(dir.path(), "/a/int", "-1\n");
        write(dir.path(), "/a/uint", "7\n");
        write(dir.path(), "/a/bad", "x7\n");
        write(dir.path(), "/a/map", "0-2,5\n");
        assert_eq!(root.read_value_int("/a/int").unwrap(), Some(-1));
        assert_eq!(root.read_value_uint("/a/uint").unwrap(), Some(7));
        assert_eq!(root.read_value_int("/a/missing").unwrap(), None);
        let e = root.read_value_uint("/a/bad").unwrap_err();
        assert_eq!(
            e.to_string(),
            "internal error: Invalid unsigned integer value 'x7' in file '/a/bad'"
        );
        assert_eq!(
            root.read_value_bitmap("/a/map").unwrap().map(|b| b.count()),
            Some(4)
        );
        write(dir.path(), "/a/big", &"1".repeat(5000));
        let e = root.read_value_int("/a/big").unwrap_err();
        assert_eq!(e.code(), 38);
        assert!(root.read_dir_quiet("/nope").unwrap().is_none());
        assert!(root.read_dir("/nope").is_err());
    }
}
