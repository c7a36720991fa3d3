//! `-vnc`, `-k` and `-spice`: graphics as libvirt 9.0 gives them to QEMU 7.2. The ports,
//! listen addresses and socket paths are in the live definition already
//! ([`crate::start_prep`]); passwords are set over QMP once QEMU runs (`password=on` for VNC,
//! no `disable-ticketing` for SPICE), as libvirt does.

use oxvirt_conf::domain::{Domain, Graphics, GraphicsListen};

use super::{opt, unsupported};
use crate::QemuError;

/// libvirt's `<listen type='address'>` host part: IPv6 addresses in brackets.
fn host(addr: &str) -> String {
    if addr.contains(':') {
        format!("[{addr}]")
    } else {
        addr.to_owned()
    }
}

fn vnc(g: &Graphics, audio: Option<&str>) -> Result<String, QemuError> {
    let mut s = match g.listens.first() {
        Some(GraphicsListen::Address(addr)) => {
            let display = g.port.checked_sub(5900).ok_or_else(|| {
                QemuError::ConfigUnsupported(format!("vnc port {} is below 5900", g.port))
            })?;
            format!("{}:{display}", host(addr.as_deref().unwrap_or("127.0.0.1")))
        }
        Some(GraphicsListen::Socket(Some(p))) => format!("vnc=unix:{}", opt(p)),
        Some(GraphicsListen::None) => "none".into(),
        Some(GraphicsListen::Network(_)) => {
            return Err(unsupported(
                "<listen type='network'> (it needs oxvirt-networkd)",
            ))
        }
        Some(GraphicsListen::Socket(None)) | None => {
            return Err(QemuError::Internal("vnc graphics without a listen".into()))
        }
    };
    if let Some(p) = &g.share_policy {
        s.push_str(&format!(",share={}", opt(p)));
    }
    if g.passwd.is_some() {
        s.push_str(",password=on");
    }
    if let Some(a) = audio {
        s.push_str(&format!(",audiodev={a}"));
    }
    Ok(s)
}

fn spice(g: &Graphics) -> Result<String, QemuError> {
    if g.tls_port != 0 || g.default_mode.is_some() {
        return Err(unsupported("SPICE over TLS (tlsPort, defaultMode)"));
    }
    if !g.channels.is_empty() || !g.spice_options.is_empty() {
        return Err(unsupported(
            "SPICE <channel> and the SPICE options other than <image>",
        ));
    }
    let mut s = match g.listens.first() {
        Some(GraphicsListen::Address(addr)) => {
            let mut s = String::new();
            if g.port != 0 {
                s.push_str(&format!("port={},", g.port));
            }
            s.push_str(&format!(
                "addr={}",
                opt(addr.as_deref().unwrap_or("127.0.0.1"))
            ));
            s
        }
        Some(GraphicsListen::Socket(Some(p))) => format!("unix,addr={}", opt(p)),
        Some(GraphicsListen::None) => "port=0".into(),
        Some(GraphicsListen::Network(_)) => {
            return Err(unsupported(
                "<listen type='network'> (it needs oxvirt-networkd)",
            ))
        }
        Some(GraphicsListen::Socket(None)) | None => {
            return Err(QemuError::Internal(
                "spice graphics without a listen".into(),
            ))
        }
    };
    if g.passwd.is_none() {
        s.push_str(",disable-ticketing=on");
    }
    if let Some(c) = &g.image_compression {
        s.push_str(&format!(",image-compression={}", opt(c)));
    }
    s.push_str(",seamless-migration=on");
    Ok(s)
}

/// The graphics arguments, after `-audiodev`.
pub(super) fn args(dom: &Domain, a: &mut Vec<String>) -> Result<(), QemuError> {
    let audio = dom
        .devices
        .audios
        .first()
        .map(|au| format!("audio{}", au.id));
    for g in &dom.devices.graphics {
        match g.kind.as_str() {
            "vnc" => {
                a.push("-vnc".into());
                a.push(vnc(g, audio.as_deref())?);
                if let Some(k) = &g.keymap {
                    a.push("-k".into());
                    a.push(k.clone());
                }
            }
            "spice" => {
                a.push("-spice".into());
                a.push(spice(g)?);
                if let Some(k) = &g.keymap {
                    a.push("-k".into());
                    a.push(k.clone());
                }
            }
            k => return Err(unsupported(format!("<graphics type='{k}'>"))),
        }
    }
    Ok(())
}

/// The QMP `set_password` calls for the graphics with a password, made before the guest runs.
pub fn password_commands(dom: &Domain) -> Vec<serde_json::Value> {
    dom.devices
        .graphics
        .iter()
        .filter(|g| matches!(g.kind.as_str(), "vnc" | "spice"))
        .filter_map(|g| {
            g.passwd.as_ref().map(
                |p| serde_json::json!({"protocol": g.kind, "password": p, "connected": "keep"}),
            )
        })
        .collect()
}
