//! libvirt's DAC model (`security_dac.c`): when the daemon runs as root, QEMU runs as the
//! `qemu.conf` user and group, and the files a VM needs are given to that user for the VM's
//! life, then given back.
//!
//! At start ([`Dac::prepare`]): the live definition gets `<seclabel type='dynamic' model='dac'>`
//! with the label `+UID:+GID`; with `dynamic_ownership` the disks' files, `<kernel>`,
//! `<initrd>`, `<dtb>`, the NVRAM file, and the `file` chardevs and chardev `<log>` files
//! (created, 0600, if missing: QEMU may not create files in the daemon's directories) are
//! chowned to it, their original owner counted in extended attributes ([`crate::dac_remember`],
//! libvirt's format) when `remember_owner`; the directories the start made for the VM's
//! sockets are given to it too. The VM's run directory (the shim's socket, the status file) is
//! not: QEMU gets its monitor and TAP devices as descriptors and has nothing to do there.
//!
//! At stop ([`Dac::restore`]), from the live definition in the status file — so also when the
//! VM stopped while the daemon was down, or after its shim was killed: the last user of a file
//! gives it back to its remembered owner (to root without `remember_owner`).
//!
//! When the daemon is not root nothing is relabelled and QEMU runs as the daemon's user (the
//! shim notes it in the VM's log). The loader (firmware code) is read-only and world-readable
//! and left alone, where libvirt chowns it too.

use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use oxvirt_conf::domain::{ChrSource, Domain, DomainStatus, SecLabel};
use oxvirt_jail::Identity;
use tracing::warn;

use crate::dac_lent;
use crate::dac_remember::{self, Remembered};
use crate::qemu_conf::QemuConf;
use crate::QemuError;

/// The DAC settings of a driver.
#[derive(Debug, Clone)]
pub struct Dac {
    pub conf: QemuConf,
    /// QEMU's identity; `None` when the daemon is not root (QEMU runs as the daemon's user).
    pub identity: Option<Identity>,
}

/// A file QEMU uses: an existing one, or one it would create (made first).
#[derive(Debug, Clone, PartialEq, Eq)]
enum File {
    Existing(PathBuf),
    Created(PathBuf),
    /// The directory a bind-mode unix chardev socket is made in (QEMU binds it itself).
    SocketDir(PathBuf),
}

impl File {
    fn path(&self) -> &Path {
        match self {
            File::Existing(p) | File::Created(p) | File::SocketDir(p) => p,
        }
    }
}

/// Whether `id` may create files in the directory `meta` describes.
fn writable_by(meta: &std::fs::Metadata, id: &Identity) -> bool {
    let m = meta.mode();
    (meta.uid() == id.uid && m & 0o300 == 0o300)
        || (id.groups.contains(&meta.gid()) || meta.gid() == id.gid) && m & 0o030 == 0o030
        || m & 0o003 == 0o003
}

impl Dac {
    /// The settings of `qemu.conf` in `etc` (problems are logged: QEMU then runs as the daemon's
    /// user, as when it is not root).
    pub fn load(etc: &Path) -> Dac {
        let conf = QemuConf::load(&etc.join("qemu.conf")).unwrap_or_else(|e| {
            warn!("{e}; using the defaults");
            QemuConf::default()
        });
        let identity = if rustix::process::geteuid().is_root() {
            match crate::qemu_conf::identity(&conf) {
                Ok(id) => Some(id),
                Err(e) => {
                    warn!("{e}: QEMU will run as root");
                    None
                }
            }
        } else {
            None
        };
        Dac { conf, identity }
    }

    /// The DAC label `+UID:+GID`.
    pub fn label(&self) -> Option<String> {
        self.identity
            .as_ref()
            .map(|i| format!("+{}:+{}", i.uid, i.gid))
    }

    /// The shim's arguments that say who QEMU runs as and its limits.
    pub fn shim_args(&self) -> Vec<String> {
        let mut a = Vec::new();
        if let Some(id) = &self.identity {
            let groups: Vec<String> = id.groups.iter().map(u32::to_string).collect();
            a.push("--qemu-user".into());
            a.push(format!("{}:{}:{}", id.uid, id.gid, groups.join(",")));
        }
        for (k, v) in [
            ("files", self.conf.max_files),
            ("processes", self.conf.max_processes),
            ("core", self.conf.max_core),
        ] {
            if let Some(v) = v {
                a.push("--qemu-rlimit".into());
                a.push(format!("{k}={v}"));
            }
        }
        a
    }

    /// Label the live definition and give QEMU its files and `dirs` (see the module
    /// documentation). On failure what was done is undone.
    pub fn prepare(&self, st: &mut DomainStatus, dirs: &[PathBuf]) -> Result<(), QemuError> {
        let (Some(id), Some(label)) = (&self.identity, self.label()) else {
            return Ok(());
        };
        let live = &mut st.domain;
        match live.seclabels.iter_mut().find(|s| s.model == "dac") {
            Some(s) => s.label = Some(label),
            None => live.seclabels.push(SecLabel {
                kind: "dynamic".into(),
                model: "dac".into(),
                relabel: true,
                label: Some(label),
            }),
        }
        if !self.conf.dynamic_ownership {
            return Ok(());
        }
        for d in dirs.iter().filter(|d| d.is_dir()) {
            chown(d, id.uid, id.gid)?;
        }
        let mut done = Vec::new();
        // volume disks as the files or block devices they resolved to
        for f in files(&st.command_domain()) {
            match self.set_file(&f, id) {
                Ok(Some(p)) => done.push(p),
                Ok(None) => {}
                Err(e) => {
                    for p in done.iter().rev() {
                        self.restore_file(p);
                    }
                    return Err(e);
                }
            }
        }
        Ok(())
    }

    /// Files QEMU reads once at start and that are removed right after (the passphrases of
    /// encrypted disks): given to QEMU's user, nothing remembered.
    pub fn give_transient(&self, files: &[PathBuf]) -> Result<(), QemuError> {
        let Some(id) = &self.identity else {
            return Ok(());
        };
        files.iter().try_for_each(|f| chown(f, id.uid, id.gid))
    }

    /// Give back the files of a VM that stopped (its live definition, as the start labelled it).
    pub fn restore(&self, st: &DomainStatus) {
        if !self.relabels(&st.domain) {
            return;
        }
        for f in files(&st.command_domain()) {
            self.restore_entry(&f);
        }
    }

    /// Hot-plug and media changes: give QEMU the files `new` names that `old` does not. `old`
    /// is the running VM's live definition, whose label says whether its files are QEMU's
    /// (`new` went through the post-parse of a definition, which keeps no label).
    pub fn label_new(&self, old: &Domain, new: &Domain) -> Result<(), QemuError> {
        let Some(id) = self
            .identity
            .as_ref()
            .filter(|_| self.relabels(old) || self.relabels(new))
        else {
            return Ok(());
        };
        let before = files(old);
        let mut done = Vec::new();
        for f in files(new).into_iter().filter(|f| !before.contains(f)) {
            match self.set_file(&f, id) {
                Ok(Some(p)) => done.push(p),
                Ok(None) => {}
                Err(e) => {
                    for p in done.iter().rev() {
                        self.restore_file(p);
                    }
                    return Err(e);
                }
            }
        }
        Ok(())
    }

    /// Give back the files `old` names that `new` does not (a medium ejected or changed, a
    /// hot-plug that failed).
    pub fn restore_gone(&self, old: &Domain, new: &Domain) {
        // either may be the live definition (a failed hot-plug gives back `new`'s files)
        if !self.relabels(old) && !self.relabels(new) {
            return;
        }
        let after = files(new);
        for f in files(old).into_iter().filter(|f| !after.contains(f)) {
            self.restore_entry(&f);
        }
    }

    /// Record in the VM directory `dir` the files `live` (the running VM's definition, as its
    /// command line names them) lends QEMU, with those already listed when `keep` (a hot-plug
    /// adds to the list; a start or an unplug replaces it). See [`crate::dac_lent`].
    pub fn record(&self, dir: &Path, live: &Domain, keep: bool) {
        if self.identity.is_none() || !self.conf.dynamic_ownership {
            return;
        }
        let mut paths = if keep {
            dac_lent::read(dir)
        } else {
            Vec::new()
        };
        for f in files(live) {
            if matches!(f, File::SocketDir(_)) {
                continue;
            }
            if let Ok(real) = f.path().canonicalize() {
                if !paths.contains(&real) {
                    paths.push(real);
                }
            }
        }
        if let Err(e) = dac_lent::write(dir, &paths) {
            warn!(dir = %dir.display(), "cannot record the files lent to QEMU: {e}");
        }
    }

    /// A daemon found the VM of directory `dir` again: give back the files listed as lent
    /// that its definition `live` no longer names (unplugged while no daemon listened), and
    /// record what it names now.
    pub fn reconcile(&self, dir: &Path, live: &Domain) {
        if self.identity.is_none() || !self.conf.dynamic_ownership {
            return;
        }
        let now: Vec<PathBuf> = files(live)
            .iter()
            .filter_map(|f| f.path().canonicalize().ok())
            .collect();
        for p in dac_lent::read(dir) {
            if !now.contains(&p) {
                tracing::info!(path = %p.display(), "given back: no longer in the VM's definition");
                self.restore_file(&p);
            }
        }
        self.record(dir, live, false);
    }

    /// Whether the files of the running `live` were given to QEMU.
    fn relabels(&self, live: &Domain) -> bool {
        self.conf.dynamic_ownership
            && live
                .seclabels
                .iter()
                .any(|s| s.model == "dac" && s.label.is_some())
    }

    fn set_file(&self, f: &File, id: &Identity) -> Result<Option<PathBuf>, QemuError> {
        let path = match f {
            File::Existing(p) => p,
            File::Created(p) => {
                if !p.exists() {
                    create_private(p)?;
                }
                p
            }
            // libvirt binds such sockets itself and passes QEMU the descriptor; until oxvirt
            // does, a directory QEMU's user cannot write is lent like a file (and given back)
            File::SocketDir(p) => match std::fs::metadata(p) {
                Ok(m) if m.is_dir() && !writable_by(&m, id) => p,
                _ => return Ok(None),
            },
        };
        // a missing file is QEMU's to report; a symlink's target is what QEMU opens
        let Ok(real) = path.canonicalize() else {
            return Ok(None);
        };
        let io = |source| QemuError::Io {
            what: format!(
                "unable to set user and group to '{}:{}' on '{}'",
                id.uid,
                id.gid,
                real.display()
            ),
            source,
        };
        let meta = std::fs::metadata(&real).map_err(io)?;
        if self.conf.remember_owner {
            let owner = format!("+{}:+{}", meta.uid(), meta.gid());
            let r = dac_remember::remember(&real, &owner, || {
                rustix::fs::chown(&real, Some(uid(id.uid)), Some(gid(id.gid)))
                    .map_err(std::io::Error::from)
            })
            .map_err(io)?;
            if r == Remembered::Unsupported {
                tracing::debug!(path = %real.display(), "no extended attributes: owner not remembered");
            }
        } else {
            chown(&real, id.uid, id.gid)?;
        }
        Ok(Some(real))
    }

    /// Give back one file of [`files`] (a socket directory only if it was lent).
    fn restore_entry(&self, f: &File) {
        let Ok(real) = f.path().canonicalize() else {
            return;
        };
        if let (File::SocketDir(_), Some(id)) = (f, &self.identity) {
            let ours = std::fs::metadata(&real).is_ok_and(|m| m.uid() == id.uid);
            if !ours {
                return;
            }
        }
        self.restore_file(&real);
    }

    fn restore_file(&self, p: &Path) {
        let back = if self.conf.remember_owner {
            match dac_remember::recall(p) {
                Ok(o) => o,
                Err(e) => {
                    warn!(path = %p.display(), "cannot recall the original owner: {e}");
                    None
                }
            }
        } else {
            Some((0, 0))
        };
        if let Some((u, g)) = back {
            if let Err(e) = chown(p, u, g) {
                warn!("{e}");
            }
        }
    }
}

fn uid(u: u32) -> rustix::fs::Uid {
    rustix::fs::Uid::from_raw(u)
}

fn gid(g: u32) -> rustix::fs::Gid {
    rustix::fs::Gid::from_raw(g)
}

fn chown(p: &Path, u: u32, g: u32) -> Result<(), QemuError> {
    rustix::fs::chown(p, Some(uid(u)), Some(gid(g))).map_err(|e| QemuError::Io {
        what: format!(
            "unable to set user and group to '{u}:{g}' on '{}'",
            p.display()
        ),
        source: e.into(),
    })
}

/// Create an empty file readable by its owner only (a chardev file QEMU appends to).
fn create_private(p: &Path) -> Result<(), QemuError> {
    std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .mode(0o600)
        .open(p)
        .map(drop)
        .map_err(|source| QemuError::Io {
            what: format!("cannot create '{}'", p.display()),
            source,
        })
}

/// The files of `def` QEMU opens by path.
fn files(def: &Domain) -> Vec<File> {
    let mut out = Vec::new();
    let mut existing = |p: &Option<String>| {
        if let Some(p) = p {
            out.push(File::Existing(PathBuf::from(p)));
        }
    };
    for d in &def.devices.disks {
        if d.network.is_none() && matches!(d.kind.as_str(), "file" | "block" | "volume") {
            existing(&d.source);
        }
        // a block copy's destination, an active commit's base: QEMU writes them
        if let Some(m) = &d.mirror {
            existing(&Some(m.source.clone()));
        }
    }
    existing(&def.os.kernel);
    existing(&def.os.initrd);
    existing(&def.os.dtb);
    if let Some(n) = &def.os.nvram {
        existing(&n.path);
    }
    let d = &def.devices;
    let chardevs = d
        .serials
        .iter()
        .map(|s| (&s.source, s.log.as_ref()))
        .chain(d.consoles.iter().map(|c| (&c.source, c.log.as_ref())))
        .chain(d.channels.iter().map(|c| (&c.source, None)));
    for (src, log) in chardevs {
        match src {
            ChrSource::File { path, .. } => out.push(File::Created(PathBuf::from(path))),
            ChrSource::Unix { mode, path } if mode == "bind" => {
                if let Some(dir) = Path::new(path).parent() {
                    out.push(File::SocketDir(dir.to_owned()));
                }
            }
            _ => {}
        }
        if let Some(l) = log {
            out.push(File::Created(PathBuf::from(&l.file)));
        }
    }
    // a file named twice (a console that is the serial port) is labelled once
    let mut seen = std::collections::HashSet::new();
    out.retain(|f| seen.insert(f.path().to_owned()));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dom(xml: &str) -> Domain {
        oxvirt_conf::domain::parse(&format!(
            "<domain type='qemu'><name>p</name><memory>65536</memory>{xml}</domain>"
        ))
        .unwrap()
    }

    #[test]
    fn the_files_qemu_opens() {
        let d = dom(
            "<os><type arch='x86_64'>hvm</type><kernel>/k</kernel><initrd>/i</initrd></os>\
             <devices><disk type='file' device='disk'><source file='/d.img'/>\
             <target dev='vda' bus='virtio'/></disk>\
             <serial type='file'><source path='/s.log'/><log file='/l.log'/></serial>\
             <console type='file'><source path='/s.log'/></console></devices>",
        );
        let f = files(&d);
        assert_eq!(
            f,
            vec![
                File::Existing("/d.img".into()),
                File::Existing("/k".into()),
                File::Existing("/i".into()),
                File::Created("/s.log".into()),
                File::Created("/l.log".into()),
            ]
        );
    }

    #[test]
    fn a_start_labels_and_a_stop_gives_back() {
        if !rustix::process::geteuid().is_root() {
            eprintln!("skipped: needs root");
            return;
        }
        let t = tempfile::tempdir().unwrap();
        let img = t.path().join("d.img");
        std::fs::write(&img, b"").unwrap();
        rustix::fs::chown(&img, Some(uid(4321)), Some(gid(8765))).unwrap();
        let serial = t.path().join("serial.log");
        let sockets = t.path().join("sockets");
        std::fs::create_dir(&sockets).unwrap();
        let d = dom(&format!(
            "<os><type arch='x86_64'>hvm</type></os><devices><disk type='file' device='disk'>\
             <source file='{}'/><target dev='vda' bus='virtio'/></disk>\
             <serial type='file'><source path='{}'/></serial></devices>",
            img.display(),
            serial.display()
        ));
        let dac = Dac {
            conf: QemuConf::default(),
            identity: Some(Identity {
                uid: 64000,
                gid: 64001,
                groups: vec![64001],
            }),
        };
        let mut st = DomainStatus {
            version: 1,
            state: 5,
            reason: 0,
            qemu_pid: 0,
            qemu_start_ticks: 0,
            monitor: String::new(),
            shim_pid: None,
            started_at_ms: 0,
            taints: Vec::new(),
            persistent: false,
            volumes: Vec::new(),
            domain: d,
        };
        dac.prepare(&mut st, std::slice::from_ref(&sockets))
            .unwrap();
        assert_eq!(
            st.domain.seclabels[0].label.as_deref(),
            Some("+64000:+64001")
        );
        let owner = |p: &Path| {
            let m = std::fs::metadata(p).unwrap();
            (m.uid(), m.gid())
        };
        assert_eq!(owner(&img), (64000, 64001));
        assert_eq!(owner(&serial), (64000, 64001));
        assert_eq!(owner(&sockets), (64000, 64001));
        assert_eq!(std::fs::metadata(&serial).unwrap().mode() & 0o777, 0o600);
        // a hot-plug: the new definition went through a post-parse and has no label
        let hot = t.path().join("hot.img");
        std::fs::write(&hot, b"").unwrap();
        rustix::fs::chown(&hot, Some(uid(4322)), Some(gid(4322))).unwrap();
        let mut plugged = st.domain.clone();
        let mut disk = plugged.devices.disks[0].clone();
        disk.source = Some(hot.display().to_string());
        disk.target_dev = "vdb".into();
        plugged.devices.disks.push(disk);
        plugged.seclabels[0].label = None;
        dac.label_new(&st.domain, &plugged).unwrap();
        assert_eq!(owner(&hot), (64000, 64001), "hot-plugged");
        // unplugged (the live definitions before and after)
        let mut live = plugged.clone();
        live.seclabels = st.domain.seclabels.clone();
        dac.restore_gone(&live, &st.domain);
        assert_eq!(owner(&hot), (4322, 4322), "unplugged");
        assert_eq!(owner(&img), (64000, 64001), "the other disk stays QEMU's");
        dac.restore(&st);
        assert_eq!(owner(&img), (4321, 8765));
        assert_eq!(owner(&serial), (0, 0));
    }

    #[test]
    fn a_disk_unplugged_while_no_daemon_listened_is_given_back() {
        if !rustix::process::geteuid().is_root() {
            eprintln!("skipped: needs root");
            return;
        }
        let t = tempfile::tempdir().unwrap();
        let vm_dir = t.path().join("vm");
        std::fs::create_dir(&vm_dir).unwrap();
        let disk = |n: &str| {
            let p = t.path().join(n);
            std::fs::write(&p, b"").unwrap();
            rustix::fs::chown(&p, Some(uid(4321)), Some(gid(4321))).unwrap();
            p
        };
        let (a, b) = (disk("a.img"), disk("b.img"));
        let def = |disks: &[&Path]| {
            let mut x = String::new();
            for (i, p) in disks.iter().enumerate() {
                x += &format!(
                    "<disk type='file' device='disk'><source file='{}'/>\
                     <target dev='vd{}' bus='virtio'/></disk>",
                    p.display(),
                    ['a', 'b'][i]
                );
            }
            let mut d = dom(&format!(
                "<os><type arch='x86_64'>hvm</type></os><devices>{x}</devices>"
            ));
            d.seclabels = vec![SecLabel {
                kind: "dynamic".into(),
                model: "dac".into(),
                relabel: true,
                label: Some("+64000:+64001".into()),
            }];
            d
        };
        let dac = Dac {
            conf: QemuConf::default(),
            identity: Some(Identity {
                uid: 64000,
                gid: 64001,
                groups: vec![],
            }),
        };
        let one = def(&[&a]);
        let two = def(&[&a, &b]);
        // started with a, b hot-plugged
        dac.label_new(&def(&[]), &one).unwrap();
        dac.record(&vm_dir, &one, false);
        dac.label_new(&one, &two).unwrap();
        dac.record(&vm_dir, &two, true);
        let owner = |p: &Path| std::fs::metadata(p).unwrap().uid();
        assert_eq!((owner(&a), owner(&b)), (64000, 64000));
        // b unplugged while no daemon listened: the next one finds the VM with a only
        dac.reconcile(&vm_dir, &one);
        assert_eq!((owner(&a), owner(&b)), (64000, 4321));
        // and a second look changes nothing (b's count is not taken down twice)
        dac.reconcile(&vm_dir, &one);
        assert_eq!(
            crate::dac_lent::read(&vm_dir),
            vec![a.canonicalize().unwrap()]
        );
        dac.restore_gone(&one, &def(&[]));
        assert_eq!(owner(&a), 4321);
    }
}
