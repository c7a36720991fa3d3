//! What a start fills in the live definition before QEMU runs, as libvirt's QEMU driver does:
//! the socket paths it generates (a virtio channel's unix socket without a path, a graphics
//! `<listen type='socket'/>`), the ports of `autoport` graphics, and the listen address a
//! graphics `<listen type='address'/>` without an address gets.
//!
//! libvirt puts a channel's socket in `/var/lib/libvirt/qemu/channel/target/domain-ID-NAME/`
//! and the graphics sockets in `/var/lib/libvirt/qemu/domain-ID-NAME/`; oxvirt uses the same
//! layout under its own `lib` directory (`DIR/lib/qemu/...` for a root), creates the
//! directories at start and removes them at stop.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use oxvirt_conf::domain::{ChrSource, Domain, GraphicsListen};

use crate::{Paths, QemuError};
use oxvirt_sync::MutexExt;

/// libvirt's `remote_display_port_min` and `_max` (qemu.conf defaults).
const DISPLAY_PORT_MIN: u32 = 5900;
const DISPLAY_PORT_MAX: u32 = 65535;

/// libvirt's `vnc_listen` / `spice_listen` default.
const DEFAULT_LISTEN: &str = "127.0.0.1";

/// libvirt's `virDomainDefGetShortName`: `ID-NAME` with the name cut to 20 characters.
pub fn short_name(id: i32, name: &str) -> String {
    let short: String = name.chars().take(20).collect();
    format!("{id}-{short}")
}

/// The directory of a domain's generated channel sockets.
pub fn channel_dir(paths: &Paths, id: i32, name: &str) -> PathBuf {
    channel_target_dir(paths).join(format!("domain-{}", short_name(id, name)))
}

/// Where every generated channel socket lives (libvirt's `channelTargetDir`).
pub fn channel_target_dir(paths: &Paths) -> PathBuf {
    paths.lib.join("qemu").join("channel").join("target")
}

/// The private directory of a running domain (libvirt's `priv->libDir`).
pub fn lib_dir(paths: &Paths, id: i32, name: &str) -> PathBuf {
    paths
        .lib
        .join("qemu")
        .join(format!("domain-{}", short_name(id, name)))
}

/// The directories a start makes for a domain's generated sockets (QEMU binds them there).
pub fn vm_dirs(paths: &Paths, id: i32, name: &str) -> Vec<PathBuf> {
    vec![channel_dir(paths, id, name), lib_dir(paths, id, name)]
}

/// A generated channel path in a definition being defined is dropped again (libvirt's
/// `qemuDomainChrDefDropDefaultPath`): defining a live XML gives the inactive form.
pub fn drop_generated_paths(def: &mut Domain, paths: &Paths) {
    let base = channel_target_dir(paths);
    for ch in &mut def.devices.channels {
        if let ChrSource::Unix { mode, path } = &ch.source {
            if mode == "bind" && Path::new(path).starts_with(&base) {
                ch.source = ChrSource::UnixAuto;
            }
        }
    }
}

/// Ports handed out by starts still in progress, in any driver of this process: they are not
/// yet in a running domain's live definition.
static PENDING_PORTS: Mutex<BTreeSet<u32>> = Mutex::new(BTreeSet::new());

/// Ports reserved for one start; released when the start is over (the running domain's live
/// definition holds them from then on).
#[derive(Debug, Default)]
pub struct Reserved(Vec<u32>);

impl Drop for Reserved {
    fn drop(&mut self) {
        {
            let mut p = PENDING_PORTS.locked();
            for port in &self.0 {
                p.remove(port);
            }
        }
    }
}

/// Whether nothing on the host listens on `port` (libvirt's `virPortAllocatorAcquire` binds
/// to the wildcard address to find out).
fn port_is_free(port: u32) -> bool {
    let Ok(p) = u16::try_from(port) else {
        return false;
    };
    std::net::TcpListener::bind((std::net::Ipv4Addr::UNSPECIFIED, p)).is_ok()
}

fn allocate_port(in_use: &BTreeSet<u32>, reserved: &mut Reserved) -> Result<u32, QemuError> {
    let mut pending = PENDING_PORTS.locked();
    for port in DISPLAY_PORT_MIN..=DISPLAY_PORT_MAX {
        if in_use.contains(&port) || pending.contains(&port) || !port_is_free(port) {
            continue;
        }
        pending.insert(port);
        reserved.0.push(port);
        return Ok(port);
    }
    Err(QemuError::Internal(format!(
        "Unable to find an unused port in range 'display' ({DISPLAY_PORT_MIN}-{DISPLAY_PORT_MAX})"
    )))
}

/// The display ports a live definition holds.
pub fn display_ports(dom: &Domain) -> impl Iterator<Item = u32> + '_ {
    dom.devices
        .graphics
        .iter()
        .flat_map(|g| [g.port, g.tls_port])
        .filter(|p| *p != 0)
}

/// Fill in the live definition `live` (its `id` set) for a start; `in_use` are the display
/// ports of the running domains. Creates the directories the generated sockets go in.
pub fn prepare(
    live: &mut Domain,
    paths: &Paths,
    in_use: &BTreeSet<u32>,
) -> Result<Reserved, QemuError> {
    if let Some((_, nodes)) = live.numatune.as_ref().and_then(|n| n.memory.as_ref()) {
        crate::numa_calls::check_available(nodes)?;
    }
    let id = live.id.unwrap_or(0);
    let name = live.name.clone();
    let mut reserved = Reserved::default();
    for (i, ch) in live.devices.channels.iter_mut().enumerate() {
        if ch.source != ChrSource::UnixAuto {
            continue;
        }
        let file = match &ch.name {
            Some(n) => n.clone(),
            None => {
                let (c, b, p) = oxvirt_qemu_command::channel_port(ch, i);
                format!("vioser-{c:02}-{b:02}-{p:02}.sock")
            }
        };
        let dir = channel_dir(paths, id, &name);
        create_dir(&dir)?;
        ch.source = ChrSource::Unix {
            mode: "bind".into(),
            path: dir.join(file).display().to_string(),
        };
    }
    for g in &mut live.devices.graphics {
        let socket_name = match g.kind.as_str() {
            "vnc" => "vnc.sock",
            "spice" => "spice.sock",
            _ => continue,
        };
        match g.listens.first_mut() {
            Some(GraphicsListen::Socket(p @ None)) => {
                let dir = lib_dir(paths, id, &name);
                create_dir(&dir)?;
                *p = Some(dir.join(socket_name).display().to_string());
            }
            Some(GraphicsListen::Address(addr)) => {
                addr.get_or_insert_with(|| DEFAULT_LISTEN.to_owned());
                if g.autoport {
                    g.port = allocate_port(in_use, &mut reserved)?;
                }
            }
            _ => {}
        }
    }
    Ok(reserved)
}

fn create_dir(dir: &Path) -> Result<(), QemuError> {
    std::fs::create_dir_all(dir).map_err(|source| QemuError::Io {
        what: format!("cannot create {}", dir.display()),
        source,
    })
}

/// Remove what [`prepare`] created for the domain `id`/`name`.
pub fn cleanup(paths: &Paths, id: i32, name: &str) {
    // only the domain's own directories (see fsutil::remove_own_dir)
    let own = format!("domain-{}", short_name(id, name));
    for parent in [channel_target_dir(paths), paths.lib.join("qemu")] {
        if let Err(e) = crate::fsutil::remove_own_dir(&parent, &own) {
            tracing::warn!("not removing {own} under {}: {e}", parent.display());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn def(devices: &str) -> Domain {
        let xml = format!(
            "<domain type='qemu'><name>a-rather-long-domain-name</name><memory>65536</memory>\
             <os><type arch='x86_64' machine='pc'>hvm</type></os><devices>{devices}</devices>\
             </domain>"
        );
        oxvirt_conf::domain::parse(&xml).expect("parse")
    }

    #[test]
    fn libvirts_short_name() {
        assert_eq!(
            short_name(3, "a-rather-long-domain-name"),
            "3-a-rather-long-domain"
        );
        assert_eq!(short_name(1, "vm"), "1-vm");
    }

    #[test]
    fn channel_and_socket_paths_are_generated_under_the_root() {
        let root = tempfile::tempdir().expect("tempdir");
        let paths = Paths::under(root.path());
        let mut d = def(
            "<channel type='unix'><source mode='bind'/><target type='virtio' name='org.qemu.guest_agent.0'/></channel>\
             <graphics type='vnc'><listen type='socket'/></graphics>",
        );
        d.id = Some(7);
        let r = prepare(&mut d, &paths, &BTreeSet::new()).expect("prepare");
        assert!(r.0.is_empty());
        let chan = root
            .path()
            .join("lib/qemu/channel/target/domain-7-a-rather-long-domain/org.qemu.guest_agent.0");
        assert_eq!(
            d.devices.channels[0].source,
            ChrSource::Unix {
                mode: "bind".into(),
                path: chan.display().to_string()
            }
        );
        assert!(chan.parent().is_some_and(Path::is_dir));
        let sock = root
            .path()
            .join("lib/qemu/domain-7-a-rather-long-domain/vnc.sock");
        assert_eq!(
            d.devices.graphics[0].listens,
            vec![GraphicsListen::Socket(Some(sock.display().to_string()))]
        );
        // defining the live form gives the inactive one back
        drop_generated_paths(&mut d, &paths);
        assert_eq!(d.devices.channels[0].source, ChrSource::UnixAuto);
        cleanup(&paths, 7, "a-rather-long-domain-name");
        assert!(!chan.parent().is_some_and(Path::exists));
        assert!(!sock.parent().is_some_and(Path::exists));
    }

    #[test]
    fn autoport_skips_ports_in_use_and_pending() {
        let root = tempfile::tempdir().expect("tempdir");
        let paths = Paths::under(root.path());
        let mut d = def("<graphics type='vnc' port='-1'/><graphics type='spice' autoport='yes'/>");
        d.id = Some(1);
        oxvirt_conf::domain::post_parse(
            &mut d,
            &oxvirt_conf::domain::QemuCaps::debian_qemu_7_2_x86_64(),
        )
        .expect("post_parse");
        // something listens on the first free port
        let busy = (DISPLAY_PORT_MIN..DISPLAY_PORT_MAX)
            .find_map(|p| {
                std::net::TcpListener::bind(("0.0.0.0", p as u16))
                    .ok()
                    .map(|l| (p, l))
            })
            .expect("a free port");
        let in_use: BTreeSet<u32> = [busy.0 + 1].into();
        let r = prepare(&mut d, &paths, &in_use).expect("prepare");
        let (vnc, spice) = (d.devices.graphics[0].port, d.devices.graphics[1].port);
        for p in [vnc, spice] {
            assert!(
                p >= DISPLAY_PORT_MIN && p != busy.0 && p != busy.0 + 1,
                "{p} {busy:?}"
            );
        }
        assert_ne!(vnc, spice);
        assert!(PENDING_PORTS.lock().expect("lock").contains(&vnc));
        assert_eq!(
            d.devices.graphics[0].listens,
            vec![GraphicsListen::Address(Some("127.0.0.1".into()))]
        );
        drop(r);
        assert!(!PENDING_PORTS.lock().expect("lock").contains(&vnc));
    }
}
