//! Snapshot metadata of a domain, on disk as libvirt keeps it: one XML file per snapshot,
//! `lib/qemu/snapshot/DOMAIN/NAME.xml` (libvirt's `/var/lib/libvirt/qemu/snapshot`), each
//! the driver's own form of the snapshot with `<active>1</active>` on the current one. Every
//! file is written atomically; the tree (parents, children, the current snapshot) is rebuilt
//! from the files on every load, so a restart, or a SIGKILL between two writes, finds what
//! was last written.
//!
//! Changing the current snapshot clears the old mark before setting the new one: a crash in
//! between leaves no current snapshot, never two.

use std::path::{Path, PathBuf};

use oxvirt_conf::snapshot::{self, Format, Location, Parse, Snapshot, State};
use oxvirt_proto::flags::snapshot_list as list;
use tracing::warn;

use crate::fsutil::write_atomic;
use crate::QemuError;

/// One snapshot with its current mark.
#[derive(Debug, Clone)]
pub struct Item {
    /// Its definition (always named).
    pub def: Snapshot,
    /// It is the domain's current snapshot.
    pub current: bool,
}

impl Item {
    /// Its name.
    pub fn name(&self) -> &str {
        self.def.name.as_deref().unwrap_or_default()
    }

    /// libvirt's `virDomainSnapshotIsExternal`: memory or a disk outside the images.
    pub fn is_external(&self) -> bool {
        self.def.memory == Location::External
            || self
                .def
                .disks
                .iter()
                .any(|d| d.snapshot == Location::External)
    }
}

/// A domain's snapshots, sorted by name.
#[derive(Debug, Clone, Default)]
pub struct Snapshots {
    /// Every snapshot.
    pub items: Vec<Item>,
}

fn io(what: String) -> impl FnOnce(std::io::Error) -> QemuError {
    move |source| QemuError::Io { what, source }
}

/// The directory of a domain's snapshot files.
pub fn dir(lib: &Path, domain: &str) -> PathBuf {
    lib.join("qemu").join("snapshot").join(domain)
}

impl Snapshots {
    /// Read every snapshot file of `dir` (none when it does not exist). A file that does not
    /// parse is left alone and skipped, with a warning.
    pub fn load(dir: &Path) -> Result<Snapshots, QemuError> {
        let rd = match std::fs::read_dir(dir) {
            Ok(rd) => rd,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Snapshots::default()),
            Err(e) => return Err(io(format!("cannot read {}", dir.display()))(e)),
        };
        let mut items = Vec::new();
        for entry in rd.flatten() {
            let path = entry.path();
            if path.extension().and_then(|e| e.to_str()) != Some("xml") {
                continue;
            }
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue;
            };
            let how = Parse {
                redefine: true,
                internal: true,
                offline: false,
            };
            match snapshot::parse(&text, how) {
                Ok(p) if p.snapshot.name.is_some() => items.push(Item {
                    def: p.snapshot,
                    current: p.current,
                }),
                Ok(_) => {}
                Err(e) => warn!("skipping snapshot file {}: {e}", path.display()),
            }
        }
        items.sort_by(|a, b| a.name().cmp(b.name()));
        // a file edited by hand could claim a second current snapshot: the first one wins
        let mut seen = false;
        for i in &mut items {
            if i.current && std::mem::replace(&mut seen, true) {
                i.current = false;
            }
        }
        Ok(Snapshots { items })
    }

    /// The snapshot called `name`.
    pub fn get(&self, name: &str) -> Option<&Item> {
        self.items.iter().find(|i| i.name() == name)
    }

    /// The current snapshot.
    pub fn current(&self) -> Option<&Item> {
        self.items.iter().find(|i| i.current)
    }

    /// The direct children of `parent` (the roots for `None`). A snapshot whose parent is
    /// gone counts as a root.
    pub fn children(&self, parent: Option<&str>) -> Vec<&Item> {
        self.items
            .iter()
            .filter(|i| match (parent, i.def.parent.as_deref()) {
                (None, None) => true,
                (None, Some(p)) => self.get(p).is_none(),
                (Some(want), Some(p)) => want == p,
                (Some(_), None) => false,
            })
            .collect()
    }

    /// Every descendant of `name`, parents before their children.
    pub fn descendants(&self, name: &str) -> Vec<&Item> {
        let mut out = Vec::new();
        let mut todo = vec![name.to_string()];
        while let Some(n) = todo.pop() {
            for c in self.children(Some(&n)) {
                // a cycle in hand-edited files ends here
                if c.name() != name && !out.iter().any(|o: &&Item| o.name() == c.name()) {
                    todo.push(c.name().to_string());
                    out.push(c);
                }
            }
        }
        out
    }

    /// Every snapshot, parents before their children.
    pub fn topological(&self) -> Vec<&Item> {
        let mut out = Vec::new();
        for r in self.children(None) {
            out.push(r);
            out.extend(self.descendants(r.name()));
        }
        out
    }

    fn is_leaf(&self, name: &str) -> bool {
        self.children(Some(name)).is_empty()
    }

    /// The snapshots a list call with `flags` returns: all (or the roots with ROOTS), or those
    /// under `from` (its children, or all descendants with DESCENDANTS), then filtered.
    pub fn select(&self, from: Option<&str>, flags: u32) -> Vec<&Item> {
        let base: Vec<&Item> = match from {
            None if flags & list::ROOTS != 0 => self.children(None),
            None if flags & list::TOPOLOGICAL != 0 => self.topological(),
            None => self.items.iter().collect(),
            Some(n) if flags & list::DESCENDANTS != 0 => self.descendants(n),
            Some(n) => self.children(Some(n)),
        };
        base.into_iter()
            .filter(|i| self.matches(i, flags))
            .collect()
    }

    fn matches(&self, i: &Item, flags: u32) -> bool {
        let pair = |a: u32, b: u32, is_a: bool| {
            let (fa, fb) = (flags & a != 0, flags & b != 0);
            fa == fb || (fa && is_a) || (fb && !is_a)
        };
        if !pair(list::LEAVES, list::NO_LEAVES, self.is_leaf(i.name())) {
            return false;
        }
        // every snapshot here has metadata
        if !pair(list::METADATA, list::NO_METADATA, true) {
            return false;
        }
        let states = flags & (list::INACTIVE | list::ACTIVE | list::DISK_ONLY);
        if states != 0 {
            let st = i.def.state.unwrap_or(State::NoState);
            let ok = (flags & list::INACTIVE != 0 && st == State::Shutoff)
                || (flags & list::DISK_ONLY != 0 && st == State::DiskSnapshot)
                || (flags & list::ACTIVE != 0
                    && !matches!(st, State::Shutoff | State::DiskSnapshot));
            if !ok {
                return false;
            }
        }
        pair(list::EXTERNAL, list::INTERNAL, i.is_external())
    }
}

fn file(dir: &Path, name: &str) -> PathBuf {
    dir.join(format!("{name}.xml"))
}

/// Write one snapshot's file (atomically).
pub fn write(dir: &Path, def: &Snapshot, current: bool) -> Result<(), QemuError> {
    std::fs::create_dir_all(dir).map_err(io(format!("cannot create {}", dir.display())))?;
    let name = def.name.as_deref().unwrap_or_default();
    let how = Format {
        secure: true,
        internal: true,
        current,
    };
    let xml = snapshot::format(def, None, how);
    let path = file(dir, name);
    write_atomic(&path, xml.as_bytes()).map_err(io(format!(
        "failed to save snapshot metadata to {}",
        path.display()
    )))
}

/// Remove one snapshot's file.
pub fn remove(dir: &Path, name: &str) -> Result<(), QemuError> {
    let path = file(dir, name);
    match std::fs::remove_file(&path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(io(format!("Failed to unlink {}", path.display()))(e)),
    }
}

/// Make `name` (or nothing) the current snapshot: the old mark is cleared first.
pub fn set_current(dir: &Path, all: &Snapshots, name: Option<&str>) -> Result<(), QemuError> {
    for i in all
        .items
        .iter()
        .filter(|i| i.current && Some(i.name()) != name)
    {
        write(dir, &i.def, false)?;
    }
    if let Some(n) = name {
        if let Some(i) = all.get(n).filter(|i| !i.current) {
            write(dir, &i.def, true)?;
        }
    }
    Ok(())
}

/// Remove a domain's whole snapshot directory (undefine with SNAPSHOTS_METADATA).
pub fn remove_all(dir: &Path) -> Result<(), QemuError> {
    match std::fs::remove_dir_all(dir) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(io(format!("cannot remove {}", dir.display()))(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snap(name: &str, parent: Option<&str>, state: State) -> Snapshot {
        Snapshot {
            name: Some(name.into()),
            parent: parent.map(str::to_owned),
            state: Some(state),
            creation_time: 1_700_000_000,
            memory: Location::No,
            ..Snapshot::default()
        }
    }

    #[test]
    fn the_tree_and_its_filters() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().join("vm");
        write(&d, &snap("a", None, State::Shutoff), false).unwrap();
        write(&d, &snap("b", Some("a"), State::Running), false).unwrap();
        write(&d, &snap("c", Some("b"), State::Shutoff), true).unwrap();
        write(&d, &snap("d", Some("a"), State::DiskSnapshot), false).unwrap();
        let s = Snapshots::load(&d).unwrap();
        let names = |v: Vec<&Item>| v.iter().map(|i| i.name().to_string()).collect::<Vec<_>>();
        assert_eq!(s.current().map(Item::name), Some("c"));
        assert_eq!(names(s.select(None, 0)), ["a", "b", "c", "d"]);
        assert_eq!(names(s.select(None, list::ROOTS)), ["a"]);
        assert_eq!(names(s.select(None, list::LEAVES)), ["c", "d"]);
        assert_eq!(names(s.select(None, list::NO_LEAVES)), ["a", "b"]);
        assert_eq!(names(s.select(None, list::INACTIVE)), ["a", "c"]);
        assert_eq!(names(s.select(None, list::ACTIVE)), ["b"]);
        assert_eq!(names(s.select(None, list::DISK_ONLY)), ["d"]);
        assert!(s.select(None, list::NO_METADATA).is_empty());
        assert!(s.select(None, list::EXTERNAL).is_empty());
        assert_eq!(names(s.select(Some("a"), 0)), ["b", "d"]);
        let mut desc = names(s.select(Some("a"), list::DESCENDANTS));
        desc.sort();
        assert_eq!(desc, ["b", "c", "d"]);
        let topo = names(s.select(None, list::TOPOLOGICAL));
        let pos = |n: &str| topo.iter().position(|x| x == n).unwrap();
        assert!(pos("a") < pos("b") && pos("b") < pos("c") && pos("a") < pos("d"));

        set_current(&d, &s, Some("a")).unwrap();
        let s = Snapshots::load(&d).unwrap();
        assert_eq!(s.current().map(Item::name), Some("a"));
        assert_eq!(s.items.iter().filter(|i| i.current).count(), 1);
        remove(&d, "a").unwrap();
        let s = Snapshots::load(&d).unwrap();
        assert!(s.current().is_none());
        // an orphan is a root
        let mut roots = names(s.children(None));
        roots.sort();
        assert_eq!(roots, ["b", "d"]);
        remove_all(&d).unwrap();
        assert!(Snapshots::load(&d).unwrap().items.is_empty());
    }
}
