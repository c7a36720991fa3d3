//! Which daemon serves a URI, as libvirt's virtproxyd decides it: the URI's driver (`qemu`,
//! `network`, …) names the daemon (`oxvirt-qemud` on `run/qemud-sock`, or libvirt's
//! `virtqemud-sock`), and a NULL or empty URI is probed from the hypervisor daemons whose
//! socket exists (qemu, the only one oxvirt has).

use std::path::{Path, PathBuf};

use oxvirt_daemon::Sockets;
use oxvirt_proto::vir_error::{code, domain};
use oxvirt_proto::VirError;
use oxvirt_remote::Upstream;

/// The hypervisor drivers probed for a NULL URI, in libvirt's order (its xen, lxc, vbox, …
/// have no oxvirt daemon).
const PROBED: &[&str] = &["qemu"];

/// Where the driver daemons of one host (or one `--root DIR`) listen.
#[derive(Debug, Clone)]
pub struct Routes {
    /// oxvirt's run directory: `DIR/run/qemud-sock`, `DIR/run/networkd-sock`, ….
    run: PathBuf,
    /// Also libvirt's sockets of the same drivers (`/run/libvirt/virtqemud-sock`), used when
    /// oxvirt's own is absent (a daemon that systemd starts on demand has only those).
    libvirt: bool,
    privileged: bool,
}

impl Routes {
    /// The daemons of run directory `run`; with `libvirt`, libvirt's socket paths too.
    pub fn new(run: &Path, libvirt: bool, privileged: bool) -> Self {
        Routes {
            run: run.to_owned(),
            libvirt,
            privileged,
        }
    }

    /// The sockets of `driver`'s daemon, in the order they are tried.
    fn candidates(&self, driver: &str) -> Vec<Sockets> {
        let mut v = vec![Sockets::in_dir(&self.run, &format!("{driver}d"))];
        if self.libvirt {
            v.push(Sockets::libvirt(&format!("virt{driver}d"), self.privileged));
        }
        v
    }

    /// The socket of `driver`'s daemon (read-only or read-write): the first that exists, or
    /// oxvirt's own path when none does (connecting to it gives libvirt's connect error).
    pub fn socket(&self, driver: &str, read_only: bool) -> PathBuf {
        let pick = |s: &Sockets| {
            if read_only {
                s.ro.clone()
            } else {
                s.rw.clone()
            }
        };
        let all = self.candidates(driver);
        all.iter()
            .map(pick)
            .find(|p| p.exists())
            .unwrap_or_else(|| all.first().map(pick).unwrap_or_default())
    }

    fn mode(&self) -> &'static str {
        if self.privileged {
            "system"
        } else {
            "session"
        }
    }

    /// The daemon a CONNECT_OPEN of `name` goes to, and the URI it is opened with there.
    pub fn route(&self, name: Option<&str>, read_only: bool) -> Result<Upstream, VirError> {
        let name = name.filter(|n| !n.is_empty());
        let Some(name) = name else {
            let found = PROBED
                .iter()
                .find(|d| self.socket(d, read_only).exists())
                .ok_or_else(|| VirError::new(code::NO_CONNECT, domain::NONE, "<null>"))?;
            return Ok(Upstream {
                socket: self.socket(found, read_only),
                uri: format!("{found}:///{}", self.mode()),
            });
        };
        let driver = driver_of(name)
            .ok_or_else(|| VirError::new(code::NO_CONNECT, domain::NONE, name.to_owned()))?;
        Ok(Upstream {
            socket: self.socket(&driver, read_only),
            uri: name.to_owned(),
        })
    }
}

/// The driver of a URI: its scheme without a transport (`qemu+unix:///…` → `qemu`), in lower
/// case; `None` when it is not a plain word (it names a socket file).
pub fn driver_of(uri: &str) -> Option<String> {
    let (scheme, _) = uri.split_once(':')?;
    let driver = scheme.split_once('+').map_or(scheme, |(d, _)| d);
    let ok = !driver.is_empty()
        && driver.len() <= 32
        && driver.bytes().all(|b| b.is_ascii_alphanumeric());
    ok.then(|| driver.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drivers_of_uris() {
        assert_eq!(driver_of("qemu:///system").as_deref(), Some("qemu"));
        assert_eq!(driver_of("QEMU+unix:///system").as_deref(), Some("qemu"));
        assert_eq!(driver_of("network:///system").as_deref(), Some("network"));
        assert_eq!(driver_of("../x:///system"), None);
        assert_eq!(driver_of("a/b:///"), None);
        assert_eq!(driver_of("noscheme"), None);
        assert_eq!(driver_of(":///"), None);
    }

    #[test]
    fn routes_to_the_driver_s_daemon() {
        let dir = tempfile::tempdir().expect("tempdir");
        let run = dir.path();
        let r = Routes::new(run, false, true);
        let up = r.route(Some("network:///system"), false).expect("route");
        assert_eq!(up.socket, run.join("networkd-sock"));
        assert_eq!(up.uri, "network:///system");
        let up = r.route(Some("qemu:///system"), true).expect("route");
        assert_eq!(up.socket, run.join("qemud-sock-ro"));
        assert!(r.route(Some("x/y:///system"), false).is_err());
        // a NULL URI finds no hypervisor daemon: libvirt's "no connection driver"
        let e = r.route(None, false).expect_err("no qemud");
        assert_eq!(e.code, code::NO_CONNECT);
        assert_eq!(e.message, "no connection driver available for <null>");
        std::fs::write(run.join("qemud-sock"), b"").expect("socket stand-in");
        let up = r.route(Some(""), false).expect("probed");
        assert_eq!(up.uri, "qemu:///system");
        assert_eq!(up.socket, run.join("qemud-sock"));
        let r = Routes::new(run, false, false);
        assert_eq!(r.route(None, false).expect("probed").uri, "qemu:///session");
    }
}
