//! The registry of persistent domains: names, UUIDs, their configuration files and autostart
//! marks. Each definition is the canonical inactive XML, written atomically to
//! `etc/qemu/NAME.xml`; the autostart mark is `etc/qemu/autostart/NAME`. Loading reads only
//! those files, so a registry survives a SIGKILL at any moment. Names are checked
//! ([`oxvirt_conf::name::check_name`]) before they become file names; a configuration file
//! whose domain has an invalid name (a root from before that check) is reported and skipped,
//! never removed.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use oxvirt_conf::domain::{uuid_string, Domain, FormatOptions};

use crate::fsutil::write_atomic;
use crate::QemuError;

/// One defined domain.
#[derive(Debug, Clone)]
pub struct Entry {
    /// What queries of an inactive domain need; the full definition is parsed from `xml`
    /// when a call needs it ([`Entry::domain`]), so 500 definitions cost little memory.
    pub def: Arc<Summary>,
    /// The canonical inactive XML with its secrets (what `dumpxml --inactive --security-info`
    /// prints; [`Entry::inactive_xml`] gives the other forms): a start needs the graphics
    /// passwords, as libvirt's saved configuration keeps them.
    pub xml: Arc<str>,
    pub autostart: bool,
}

/// The facts of a definition that lists, lookups and info calls read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    pub name: String,
    pub uuid: [u8; 16],
    pub memory_kib: u64,
    pub current_memory_kib: Option<u64>,
    pub vcpus: u32,
    pub vcpus_current: Option<u32>,
    pub os_type: String,
}

impl Summary {
    pub fn of(d: &Domain) -> Self {
        Summary {
            name: d.name.clone(),
            uuid: d.uuid,
            memory_kib: d.memory_kib,
            current_memory_kib: d.current_memory_kib,
            vcpus: d.vcpu.count,
            vcpus_current: d.vcpu.current,
            os_type: d.os.os_type.clone(),
        }
    }
}

impl Entry {
    /// The full definition (parsed from the canonical XML, which holds every default).
    pub fn domain(&self) -> Result<Domain, QemuError> {
        Ok(oxvirt_conf::domain::parse(&self.xml)?)
    }

    /// `dumpxml --inactive`, with the secrets only if `secure`.
    pub fn inactive_xml(&self, secure: bool) -> Result<String, QemuError> {
        if secure || !self.xml.contains(" passwd=") {
            return Ok(self.xml.to_string());
        }
        Ok(self.domain()?.format_with(FormatOptions {
            inactive: true,
            secure: false,
            migratable: false,
        }))
    }
}

/// Persistent domains by name (and UUID).
#[derive(Debug)]
pub struct Registry {
    dir: PathBuf,
    domains: BTreeMap<String, Entry>,
    names_by_uuid: std::collections::HashMap<[u8; 16], String>,
}

/// How a define changed the registry (the DEFINED event's detail).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Defined {
    Added,
    Updated,
}

impl Registry {
    /// Load every `*.xml` under `dir` with `parse`. The files hold the canonical XML written
    /// at define time, defaults included, so `parse` need not add defaults again. Files that no
    /// longer parse are reported, not fatal.
    pub fn load(
        dir: &Path,
        parse: impl Fn(&str) -> Result<Domain, QemuError>,
    ) -> (Self, Vec<String>) {
        let mut r = Registry {
            dir: dir.to_owned(),
            domains: BTreeMap::new(),
            names_by_uuid: std::collections::HashMap::new(),
        };
        let mut problems = Vec::new();
        let Ok(rd) = std::fs::read_dir(dir) else {
            return (r, problems);
        };
        let mut paths: Vec<PathBuf> = rd
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "xml"))
            .collect();
        paths.sort();
        // autostart marks are the entries of `autostart/` that name a loaded domain: a name
        // is looked up in this set, never tested as a path (`autostart/..` always exists)
        let marks: std::collections::HashSet<String> = std::fs::read_dir(dir.join("autostart"))
            .map(|rd| {
                rd.flatten()
                    .filter(|e| e.file_type().is_ok_and(|t| !t.is_dir()))
                    .filter_map(|e| e.file_name().into_string().ok())
                    .collect()
            })
            .unwrap_or_default();
        for p in paths {
            let loaded = std::fs::read_to_string(&p)
                .map_err(|e| e.to_string())
                .and_then(|text| parse(&text).map(|d| (d, text)).map_err(|e| e.to_string()));
            match loaded {
                Ok((def, text)) => {
                    let autostart = marks.contains(&def.name);
                    // the file holds the canonical XML written at define time
                    let xml: Arc<str> = text.into();
                    if r.by_uuid(&def.uuid).is_some() || r.domains.contains_key(&def.name) {
                        problems.push(format!("{}: duplicate name or uuid", p.display()));
                        continue;
                    }
                    r.names_by_uuid.insert(def.uuid, def.name.clone());
                    r.domains.insert(
                        def.name.clone(),
                        Entry {
                            def: Arc::new(Summary::of(&def)),
                            xml,
                            autostart,
                        },
                    );
                }
                Err(e) => problems.push(format!("{}: {e}", p.display())),
            }
        }
        (r, problems)
    }

    fn config_path(&self, name: &str) -> PathBuf {
        self.dir.join(format!("{name}.xml"))
    }

    fn autostart_path(&self, name: &str) -> PathBuf {
        self.dir.join("autostart").join(name)
    }

    pub fn by_name(&self, name: &str) -> Option<&Entry> {
        self.domains.get(name)
    }

    pub fn by_uuid(&self, uuid: &[u8; 16]) -> Option<&Entry> {
        self.names_by_uuid
            .get(uuid)
            .and_then(|n| self.domains.get(n))
    }

    pub fn all(&self) -> impl Iterator<Item = &Entry> {
        self.domains.values()
    }

    pub fn len(&self) -> usize {
        self.domains.len()
    }

    pub fn is_empty(&self) -> bool {
        self.domains.is_empty()
    }

    /// Add or replace a definition, as libvirt does: the same name must keep its UUID and a
    /// UUID its name. The file is written before the registry changes.
    pub fn define(&mut self, def: Domain) -> Result<(Entry, Defined), QemuError> {
        // the parser checked it; the name becomes file names, so once more before any write
        oxvirt_conf::name::check_name(oxvirt_conf::name::ObjectKind::Domain, &def.name)?;
        if let Some(e) = self.by_name(&def.name) {
            if e.def.uuid != def.uuid {
                return Err(QemuError::DomainExists(format!(
                    "domain '{}' already exists with uuid {}",
                    def.name,
                    uuid_string(&e.def.uuid)
                )));
            }
        }
        if let Some(e) = self.by_uuid(&def.uuid) {
            if e.def.name != def.name {
                return Err(QemuError::DomainExists(format!(
                    "domain '{}' is already defined with uuid {}",
                    e.def.name,
                    uuid_string(&def.uuid)
                )));
            }
        }
        let xml: Arc<str> = def
            .format_with(FormatOptions {
                inactive: true,
                secure: true,
                migratable: false,
            })
            .into();
        std::fs::create_dir_all(&self.dir).map_err(|e| self.io_error(e))?;
        write_atomic(&self.config_path(&def.name), xml.as_bytes()).map_err(|e| self.io_error(e))?;
        let how = if self.domains.contains_key(&def.name) {
            Defined::Updated
        } else {
            Defined::Added
        };
        let autostart = self
            .domains
            .get(&def.name)
            .map(|e| e.autostart)
            .unwrap_or(false);
        let entry = Entry {
            def: Arc::new(Summary::of(&def)),
            xml,
            autostart,
        };
        self.names_by_uuid
            .insert(entry.def.uuid, entry.def.name.clone());
        self.domains.insert(entry.def.name.clone(), entry.clone());
        Ok((entry, how))
    }

    /// Remove a definition and its files.
    pub fn undefine(&mut self, name: &str) -> Result<Entry, QemuError> {
        let Some(e) = self.domains.get(name).cloned() else {
            return Err(QemuError::NoDomainName(name.to_owned()));
        };
        for p in [self.autostart_path(name), self.config_path(name)] {
            match std::fs::remove_file(&p) {
                Ok(()) => {}
                Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
                Err(err) => return Err(self.io_error(err)),
            }
        }
        self.domains.remove(name);
        self.names_by_uuid.remove(&e.def.uuid);
        Ok(e)
    }

    /// Mark or unmark a domain for starting with the daemon.
    pub fn set_autostart(&mut self, name: &str, on: bool) -> Result<(), QemuError> {
        let path = self.autostart_path(name);
        let Some(e) = self.domains.get_mut(name) else {
            return Err(QemuError::NoDomainName(name.to_owned()));
        };
        if on {
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).map_err(|err| QemuError::Io {
                    what: format!("cannot create {}", parent.display()),
                    source: err,
                })?;
            }
            write_atomic(&path, name.as_bytes()).map_err(|err| QemuError::Io {
                what: format!("cannot write {}", path.display()),
                source: err,
            })?;
        } else {
            match std::fs::remove_file(&path) {
                Ok(()) => {}
                Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
                Err(err) => {
                    return Err(QemuError::Io {
                        what: format!("cannot remove {}", path.display()),
                        source: err,
                    })
                }
            }
        }
        e.autostart = on;
        Ok(())
    }

    fn io_error(&self, e: std::io::Error) -> QemuError {
        QemuError::Io {
            what: format!("cannot save domain configuration in {}", self.dir.display()),
            source: e,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn xml(name: &str, uuid: &str) -> String {
        format!(
            "<domain type='qemu'><name>{name}</name><uuid>{uuid}</uuid><memory>65536</memory>\
             <os><type arch='x86_64'>hvm</type></os></domain>"
        )
    }

    fn parse(t: &str) -> Result<Domain, QemuError> {
        Ok(oxvirt_conf::domain::parse(t)?)
    }

    #[test]
    fn a_damaged_root_loads_its_valid_domains_and_deletes_nothing() {
        let d = tempfile::tempdir().unwrap();
        let dir = d.path().join("qemu");
        std::fs::create_dir_all(dir.join("autostart")).unwrap();
        // what a root that accepted any name may hold
        let bad = [
            ("..", "00000000-0000-0000-0000-000000000001"),
            (".", "00000000-0000-0000-0000-000000000002"),
            ("a\nb", "00000000-0000-0000-0000-000000000003"),
        ];
        for (n, u) in bad {
            std::fs::write(dir.join(format!("{n}.xml")), xml(n, u)).unwrap();
        }
        std::fs::write(
            dir.join("good.xml"),
            xml("good", "00000000-0000-0000-0000-000000000004"),
        )
        .unwrap();
        std::fs::write(
            dir.join("other.xml"),
            xml("other", "00000000-0000-0000-0000-000000000005"),
        )
        .unwrap();
        std::fs::write(dir.join("autostart/good"), "good").unwrap();
        let (r, problems) = Registry::load(&dir, parse);
        assert_eq!(problems.len(), 3, "{problems:?}");
        let names: Vec<_> = r.all().map(|e| e.def.name.clone()).collect();
        assert_eq!(names, ["good", "other"]);
        assert!(r.by_name("good").unwrap().autostart);
        assert!(!r.by_name("other").unwrap().autostart);
        for (n, _) in bad {
            assert!(dir.join(format!("{n}.xml")).exists());
        }
    }

    #[test]
    fn define_refuses_an_invalid_name_before_writing() {
        let d = tempfile::tempdir().unwrap();
        let dir = d.path().join("qemu");
        let (mut r, _) = Registry::load(&dir, parse);
        let mut def = parse(&xml("ok", "00000000-0000-0000-0000-000000000009")).unwrap();
        def.name = "..".into();
        assert!(r.define(def).is_err());
        assert!(!dir.exists());
    }

    /// The saved configuration keeps the graphics password (a start needs it); dumpxml shows
    /// it only with `--security-info`.
    #[test]
    fn graphics_passwords_are_kept_but_shown_only_when_secure() {
        let dir = tempfile::tempdir().expect("tempdir");
        let parse = |xml: &str| Ok(oxvirt_conf::domain::parse(xml)?);
        let (mut r, _) = Registry::load(dir.path(), parse);
        let def = oxvirt_conf::domain::parse(
            "<domain type='qemu'><name>p</name><memory>65536</memory>\
             <os><type arch='x86_64' machine='pc'>hvm</type></os>\
             <devices><graphics type='vnc' port='-1' passwd='sesame'/></devices></domain>",
        )
        .expect("parse");
        let (e, _) = r.define(def).expect("define");
        assert!(e
            .inactive_xml(true)
            .expect("xml")
            .contains("passwd='sesame'"));
        assert!(!e.inactive_xml(false).expect("xml").contains("sesame"));
        let saved = std::fs::read_to_string(dir.path().join("p.xml")).expect("saved");
        assert!(saved.contains("passwd='sesame'"), "{saved}");
        let (r2, problems) = Registry::load(dir.path(), parse);
        assert!(problems.is_empty(), "{problems:?}");
        let d = r2.all().next().expect("loaded").domain().expect("domain");
        assert_eq!(d.devices.graphics[0].passwd.as_deref(), Some("sesame"));
    }
}
