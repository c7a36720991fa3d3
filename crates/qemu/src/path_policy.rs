//! Which host paths a domain may make QEMU create, overwrite or read.
//!
//! QEMU runs with the driver's privileges, so a path in a definition is a request to the
//! driver: a bind-mode unix chardev makes QEMU unlink the path and bind a socket there, a
//! file chardev or a chardev `<log file=>` creates or truncates a file. [`check`] is the one
//! entry point, called when a domain starts, before any process exists. The policy:
//!
//! - **Paths QEMU creates** (bind-mode unix sockets, `file` chardevs, chardev logs) must be
//!   absolute, without `..`, and inside the driver's own directories (for `--root DIR` or an
//!   embedded root: all of DIR; in system mode `/run/oxvirt`, `/var/lib/oxvirt`,
//!   `/var/log/oxvirt`, `/var/cache/oxvirt`) or a directory explicitly allowed
//!   (`oxvirt-qemud --allow-path DIR`). The check is made on the real directory (symlinks in
//!   the directories are resolved), and the last component must not be a symlink.
//! - An existing path is never replaced by something else: a bind socket's path may only be
//!   an old socket (QEMU unlinks it), a file chardev's or log's only a regular file.
//! - **Paths QEMU only reads** (`<kernel>`, `<initrd>`, `<dtb>`) must be regular files when
//!   they exist (never a device or a directory); a missing one is left to QEMU's own error,
//!   as libvirt 9.0 does.
//! - Connect-mode unix sockets and TCP chardevs create nothing and are not restricted.
//! - **Firmware**: the NVRAM file (QEMU writes it; the driver copies the template there on
//!   first start) and a writable `<loader readonly='no'>` are created paths; a read-only
//!   loader and the NVRAM template are paths QEMU (or the driver) only reads.
//!
//! A refusal is `VIR_ERR_CONFIG_UNSUPPORTED` (from the QEMU driver): the definition asks for
//! something this driver's configuration does not allow, and it is the definition that must
//! change (or the allow-list); `OPERATION_INVALID` would say the domain's state is wrong.
//! libvirt 9.0 has no such check (it relies on running QEMU unprivileged with a security
//! label); its errors for these cases come from QEMU after the process started.

use std::path::{Component, Path, PathBuf};

use oxvirt_conf::domain::{ChrLog, ChrSource, Domain};

use crate::QemuError;

/// The directories a domain's created paths may be in.
#[derive(Debug, Clone, Default)]
pub struct PathPolicy {
    allowed: Vec<PathBuf>,
}

impl PathPolicy {
    /// A policy allowing `dirs` (the driver's own directories and the configured ones).
    /// Directories that exist are compared by their real path.
    pub fn new(dirs: impl IntoIterator<Item = PathBuf>) -> Self {
        let mut allowed: Vec<PathBuf> = dirs
            .into_iter()
            .filter(|d| d.is_absolute() || d.exists())
            .map(|d| d.canonicalize().unwrap_or(d))
            .filter(|d| d.is_absolute())
            .collect();
        allowed.sort();
        allowed.dedup();
        PathPolicy { allowed }
    }

    /// The allowed directories.
    pub fn allowed(&self) -> &[PathBuf] {
        &self.allowed
    }

    fn refuse(&self, what: &str, path: &str, why: &str) -> QemuError {
        QemuError::ConfigUnsupported(format!("{what} '{path}' {why}"))
    }

    /// A path QEMU creates: a bind socket (`socket`) or a file.
    fn created(&self, what: &str, path: &str, socket: bool) -> Result<(), QemuError> {
        let p = Path::new(path);
        if !p.is_absolute() {
            return Err(self.refuse(what, path, "must be an absolute path"));
        }
        if p.components()
            .any(|c| matches!(c, Component::ParentDir | Component::CurDir))
        {
            return Err(self.refuse(what, path, "must not contain '.' or '..'"));
        }
        let (Some(parent), Some(file)) = (p.parent(), p.file_name()) else {
            return Err(self.refuse(what, path, "must name a file"));
        };
        // the real location: the nearest existing ancestor resolved, the rest as written
        // (plain components, checked above)
        let mut existing = parent;
        let mut rest = Vec::new();
        while !existing.exists() {
            match (existing.parent(), existing.file_name()) {
                (Some(up), Some(n)) => {
                    rest.push(n);
                    existing = up;
                }
                _ => break,
            }
        }
        let mut real = existing
            .canonicalize()
            .unwrap_or_else(|_| existing.to_owned());
        for n in rest.iter().rev() {
            real.push(n);
        }
        if !self.allowed.iter().any(|a| real.starts_with(a)) {
            let dirs: Vec<String> = self
                .allowed
                .iter()
                .map(|d| d.display().to_string())
                .collect();
            return Err(self.refuse(
                what,
                path,
                &format!(
                    "is outside the directories this driver may create files in ({})",
                    dirs.join(", ")
                ),
            ));
        }
        match std::fs::symlink_metadata(real.join(file)) {
            Err(_) => Ok(()),
            Ok(m) => {
                use std::os::unix::fs::FileTypeExt;
                let t = m.file_type();
                if socket && !t.is_socket() {
                    Err(self.refuse(what, path, "exists and is not a socket"))
                } else if !socket && !t.is_file() {
                    Err(self.refuse(what, path, "exists and is not a regular file"))
                } else {
                    Ok(())
                }
            }
        }
    }

    /// A path QEMU only reads: a regular file (a device or a directory never). A missing
    /// file is QEMU's error to report, as with libvirt ("could not open kernel file").
    fn read(&self, what: &str, path: &str) -> Result<(), QemuError> {
        match std::fs::metadata(path) {
            Ok(m) if m.is_file() => Ok(()),
            Ok(_) => Err(self.refuse(what, path, "is not a regular file")),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(self.refuse(what, path, &format!("cannot be read: {e}"))),
        }
    }

    fn chardev(&self, src: &ChrSource, log: Option<&ChrLog>) -> Result<(), QemuError> {
        match src {
            ChrSource::Unix { mode, path } if mode == "bind" => {
                self.created("chardev socket", path, true)?
            }
            ChrSource::File { path, .. } => self.created("chardev file", path, false)?,
            _ => {}
        }
        if let Some(l) = log {
            self.created("chardev log file", &l.file, false)?;
        }
        Ok(())
    }
}

/// Check a file the driver creates for QEMU to write (a block copy's destination).
pub fn check_created_file(policy: &PathPolicy, what: &str, path: &str) -> Result<(), QemuError> {
    policy.created(what, path, false)
}

/// Check every path `def` names against `policy` (see the module documentation).
pub fn check(def: &Domain, policy: &PathPolicy) -> Result<(), QemuError> {
    let d = &def.devices;
    for s in &d.serials {
        policy.chardev(&s.source, s.log.as_ref())?;
    }
    for c in &d.consoles {
        policy.chardev(&c.source, c.log.as_ref())?;
    }
    for c in &d.channels {
        policy.chardev(&c.source, None)?;
    }
    for r in &d.rngs {
        if let Some(e) = &r.egd {
            policy.chardev(e, None)?;
        }
    }
    for r in &d.redirdevs {
        policy.chardev(&r.source, None)?;
    }
    if let Some(n) = &def.os.nvram {
        if let Some(p) = &n.path {
            policy.created("NVRAM file", p, false)?;
        }
        if let Some(t) = &n.template {
            policy.read("NVRAM template", t)?;
        }
    }
    if let Some(l) = &def.os.loader {
        if let Some(p) = &l.path {
            if l.readonly == Some(false) {
                policy.created("writable loader", p, false)?;
            } else {
                policy.read("loader", p)?;
            }
        }
    }
    for (what, p) in [
        ("kernel", &def.os.kernel),
        ("initrd", &def.os.initrd),
        ("dtb", &def.os.dtb),
    ] {
        if let Some(p) = p {
            policy.read(what, p)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dom(devices: &str, os: &str) -> Domain {
        oxvirt_conf::domain::parse(&format!(
            "<domain type='qemu'><name>p</name><memory>65536</memory>\
             <os><type arch='x86_64'>hvm</type>{os}</os><devices>{devices}</devices></domain>"
        ))
        .unwrap()
    }

    fn serial_unix(path: &Path, mode: &str) -> Domain {
        dom(
            &format!(
                "<serial type='unix'><source mode='{mode}' path='{}'/></serial>",
                path.display()
            ),
            "",
        )
    }

    #[test]
    fn created_paths_must_be_in_allowed_dirs() {
        let d = tempfile::tempdir().unwrap();
        let own = d.path().join("own");
        std::fs::create_dir_all(&own).unwrap();
        let p = PathPolicy::new([own.clone()]);
        // in the driver's directory, also below a directory that does not exist yet
        check(&serial_unix(&own.join("s.sock"), "bind"), &p).unwrap();
        check(&serial_unix(&own.join("chan/new/s.sock"), "bind"), &p).unwrap();
        // elsewhere
        let e = check(&serial_unix(&d.path().join("s.sock"), "bind"), &p).unwrap_err();
        let v = oxvirt_proto::ToVirError::to_vir_error(&e);
        assert_eq!(
            v.code,
            oxvirt_proto::errors::ErrorCode::ConfigUnsupported as i32
        );
        assert!(
            v.message.contains("is outside the directories"),
            "{}",
            v.message
        );
        assert!(check(&serial_unix(Path::new("/etc/passwd"), "bind"), &p).is_err());
        // escapes by '..' or by a symlinked directory
        let dotdot = PathBuf::from(format!("{}/../x.sock", own.display()));
        assert!(check(&serial_unix(&dotdot, "bind"), &p).is_err());
        std::os::unix::fs::symlink(d.path(), own.join("up")).unwrap();
        assert!(check(&serial_unix(&own.join("up/x.sock"), "bind"), &p).is_err());
        // connecting creates nothing
        check(
            &serial_unix(Path::new("/run/elsewhere.sock"), "connect"),
            &p,
        )
        .unwrap();
        // relative
        assert!(check(&serial_unix(Path::new("x.sock"), "bind"), &p).is_err());
    }

    #[test]
    fn existing_paths_are_never_replaced_by_another_kind() {
        let d = tempfile::tempdir().unwrap();
        let p = PathPolicy::new([d.path().to_owned()]);
        let f = d.path().join("precious");
        std::fs::write(&f, b"data").unwrap();
        // a bind socket would unlink it
        let e = check(&serial_unix(&f, "bind"), &p).unwrap_err();
        assert!(e.to_string().contains("is not a socket"), "{e}");
        // a file chardev may append to a file, not write through a symlink
        let file = |path: &Path| {
            dom(
                &format!(
                    "<serial type='file'><source path='{}'/></serial>",
                    path.display()
                ),
                "",
            )
        };
        check(&file(&f), &p).unwrap();
        std::os::unix::fs::symlink("/etc/passwd", d.path().join("link")).unwrap();
        assert!(check(&file(&d.path().join("link")), &p).is_err());
        assert!(check(&file(d.path()), &p).is_err());
        // a log outside
        let logged = dom(
            "<serial type='pty'><log file='/etc/shadow.log'/></serial>",
            "",
        );
        assert!(check(&logged, &p).is_err());
        // an old socket may be replaced
        let s = d.path().join("old.sock");
        let _l = std::os::unix::net::UnixListener::bind(&s).unwrap();
        check(&serial_unix(&s, "bind"), &p).unwrap();
        assert!(f.exists());
    }

    #[test]
    fn read_inputs_must_be_regular_files() {
        let d = tempfile::tempdir().unwrap();
        let p = PathPolicy::new([d.path().to_owned()]);
        let k = d.path().join("vmlinuz");
        std::fs::write(&k, b"k").unwrap();
        check(&dom("", &format!("<kernel>{}</kernel>", k.display())), &p).unwrap();
        let dir = d.path().display().to_string();
        assert!(check(&dom("", &format!("<kernel>{dir}</kernel>")), &p).is_err());
        // a missing file is QEMU's error, as with libvirt
        check(&dom("", "<initrd>/no/such/initrd</initrd>"), &p).unwrap();
        assert!(
            check(&dom("", "<initrd>/dev/sda</initrd>"), &p).is_err()
                || !Path::new("/dev/sda").exists()
        );
        assert!(check(&dom("", "<kernel>/dev/zero</kernel>"), &p).is_err());
        // an NVRAM file outside the driver's directories would let the guest write it
        let e = check(
            &dom(
                "",
                "<loader readonly='yes' type='pflash'>/usr/share/OVMF/OVMF_CODE.fd</loader>\
                 <nvram>/etc/oxvirt-test-nvram</nvram>",
            ),
            &p,
        )
        .unwrap_err();
        assert!(e.to_string().contains("NVRAM file"), "{e}");
    }
}
