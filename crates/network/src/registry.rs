//! The networks the driver knows, in memory and on disk, crash-only:
//!
//! - `etc/network/NAME.xml`: a persistent network's definition (libvirt's inactive XML);
//! - `etc/network/autostart/NAME`: present when the network starts with the daemon;
//! - `run/network/NAME.xml`: an active network's live definition (its status).
//!
//! Every file is written atomically, the status before an activation is reported and removed
//! only after the network is down, so a daemon killed at any point finds on restart exactly the
//! networks that were active ([`Registry::load`]).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use oxvirt_conf::network::{parse, FormatFlags, Network};
use oxvirt_daemon::fsutil::write_atomic;
use tracing::warn;

use crate::NetworkError;

/// One network: its current definition and state.
#[derive(Debug, Clone)]
pub struct NetObj {
    /// The live definition when active, else the persistent one.
    pub def: Network,
    /// A persistent definition waiting for the next start (defined while active).
    pub new_def: Option<Network>,
    pub persistent: bool,
    pub active: bool,
    pub autostart: bool,
}

impl NetObj {
    /// The definition `dumpxml --inactive` shows.
    pub fn persistent_def(&self) -> &Network {
        self.new_def.as_ref().unwrap_or(&self.def)
    }
}

/// Every network, by name, with its files.
#[derive(Debug)]
pub struct Registry {
    nets: BTreeMap<String, NetObj>,
    config_dir: PathBuf,
    autostart_dir: PathBuf,
    status_dir: PathBuf,
}

fn io(what: String) -> impl FnOnce(std::io::Error) -> NetworkError {
    move |e| NetworkError::Io(format!("{what}: {e}"))
}

impl Registry {
    /// An empty registry keeping its files under `etc` and `run` (the daemon's `Paths`).
    pub fn new(etc: &Path, run: &Path) -> Result<Self, NetworkError> {
        let config_dir = etc.join("network");
        let autostart_dir = config_dir.join("autostart");
        let status_dir = run.join("network");
        for d in [&config_dir, &autostart_dir, &status_dir] {
            std::fs::create_dir_all(d).map_err(io(format!("cannot create {}", d.display())))?;
        }
        Ok(Registry {
            nets: BTreeMap::new(),
            config_dir,
            autostart_dir,
            status_dir,
        })
    }

    /// Read what is on disk: persistent definitions, autostart marks, and the status of the
    /// networks that were active when the previous daemon stopped or died. A file that does
    /// not parse is reported and skipped.
    pub fn load(&mut self) {
        for (path, def) in read_defs(&self.config_dir) {
            if path.file_stem().and_then(|s| s.to_str()) != Some(def.name.as_str()) {
                warn!(path = %path.display(), "network definition not named after its file, skipped");
                continue;
            }
            let autostart = self.autostart_dir.join(&def.name).exists();
            self.nets.insert(
                def.name.clone(),
                NetObj {
                    def,
                    new_def: None,
                    persistent: true,
                    active: false,
                    autostart,
                },
            );
        }
        for (_, live) in read_defs(&self.status_dir) {
            match self.nets.get_mut(&live.name) {
                Some(o) => {
                    let persistent = std::mem::replace(&mut o.def, live);
                    if persistent.format(FormatFlags { inactive: true })
                        != o.def.format(FormatFlags { inactive: true })
                    {
                        o.new_def = Some(persistent);
                    }
                    o.active = true;
                }
                None => {
                    self.nets.insert(
                        live.name.clone(),
                        NetObj {
                            def: live,
                            new_def: None,
                            persistent: false,
                            active: true,
                            autostart: false,
                        },
                    );
                }
            }
        }
    }

    /// `run/network`: active networks' status, and their ports below `NAME/ports`.
    pub fn status_dir(&self) -> &Path {
        &self.status_dir
    }

    pub fn get(&self, name: &str) -> Option<&NetObj> {
        self.nets.get(name)
    }

    pub fn get_mut(&mut self, name: &str) -> Option<&mut NetObj> {
        self.nets.get_mut(name)
    }

    pub fn by_uuid(&self, uuid: &[u8; 16]) -> Option<&NetObj> {
        self.nets.values().find(|o| &o.def.uuid == uuid)
    }

    pub fn all(&self) -> impl Iterator<Item = &NetObj> {
        self.nets.values()
    }

    pub fn insert(&mut self, obj: NetObj) {
        self.nets.insert(obj.def.name.clone(), obj);
    }

    pub fn remove(&mut self, name: &str) -> Option<NetObj> {
        self.nets.remove(name)
    }

    /// Whether another network than `except` uses bridge `name`.
    pub fn bridge_in_use(&self, name: &str, except: &str) -> bool {
        self.nets.values().any(|o| {
            o.def.name != except
                && (o.def.bridge.as_deref() == Some(name)
                    || o.new_def.as_ref().and_then(|d| d.bridge.as_deref()) == Some(name))
        })
    }

    fn config_file(&self, name: &str) -> PathBuf {
        self.config_dir.join(format!("{name}.xml"))
    }

    fn status_file(&self, name: &str) -> PathBuf {
        self.status_dir.join(format!("{name}.xml"))
    }

    /// Write a persistent definition.
    pub fn save_config(&self, def: &Network) -> Result<(), NetworkError> {
        let path = self.config_file(&def.name);
        write_atomic(&path, def.format(FormatFlags { inactive: true }).as_bytes())
            .map_err(io(format!("cannot write {}", path.display())))
    }

    pub fn delete_config(&self, name: &str) -> Result<(), NetworkError> {
        remove_if_present(&self.config_file(name))?;
        remove_if_present(&self.autostart_dir.join(name))
    }

    /// Write an active network's live definition.
    pub fn save_status(&self, def: &Network) -> Result<(), NetworkError> {
        let path = self.status_file(&def.name);
        write_atomic(
            &path,
            def.format(FormatFlags { inactive: false }).as_bytes(),
        )
        .map_err(io(format!("cannot write {}", path.display())))
    }

    pub fn delete_status(&self, name: &str) -> Result<(), NetworkError> {
        remove_if_present(&self.status_file(name))
    }

    /// Mark or unmark a network for autostart.
    pub fn set_autostart_file(&self, name: &str, on: bool) -> Result<(), NetworkError> {
        let path = self.autostart_dir.join(name);
        if on {
            write_atomic(&path, b"").map_err(io(format!("cannot write {}", path.display())))
        } else {
            remove_if_present(&path)
        }
    }
}

fn remove_if_present(path: &Path) -> Result<(), NetworkError> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(NetworkError::Io(format!(
            "cannot remove {}: {e}",
            path.display()
        ))),
    }
}

/// The network definitions in `dir/*.xml`.
fn read_defs(dir: &Path) -> Vec<(PathBuf, Network)> {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for e in rd.flatten() {
        let path = e.path();
        let is_xml = path.extension().and_then(|x| x.to_str()) == Some("xml");
        let hidden = e.file_name().to_string_lossy().starts_with('.');
        if !is_xml || hidden {
            continue;
        }
        match std::fs::read_to_string(&path).map(|t| parse(&t)) {
            Ok(Ok(def)) => out.push((path, def)),
            Ok(Err(err)) => warn!(path = %path.display(), %err, "network file skipped"),
            Err(err) => warn!(path = %path.display(), %err, "network file unreadable"),
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}
