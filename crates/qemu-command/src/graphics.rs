//! `-vnc`, `-k` and `-spice`: graphics as libvirt 9.0 gives them to QEMU 7.2. The ports,
//! listen addresses and socket paths are in the live definition already
//! ([`crate::start_prep`]); passwords are set over QMP once QEMU runs (`password=on` for VNC,
//! no `disable-ticketing` for SPICE), as libvirt does.

use oxvirt_conf::domain::{Domain, Graphics, GraphicsListen};

use super::{opt, unsupported};
use crate::CommandError;

/// libvirt's `<listen type='address'>` host part: IPv6 addresses in brackets.
fn host(addr: &str) -> String {
    if addr.contains(':') {
        format!("[{addr}]")
    } else {
        addr.to_owned()
    }
}

fn vnc(g: &Graphics, audio: Option<&str>) -> Result<String, CommandError> {
    let mut s = match g.listens.first() {
        Some(GraphicsListen::Address(addr)) => {
            let display = g.port.checked_sub(5900).ok_or_else(|| {
                CommandError::ConfigUnsupported(format!("vnc port {} is below 5900", g.port))
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
            return Err(CommandError::Internal(
                "vnc graphics without a listen".into(),
            ))
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

fn spice(g: &Graphics) -> Result<String, CommandError> {
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
            return Err(CommandError::Internal(
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
pub(super) fn args(dom: &Domain, a: &mut Vec<String>) -> Result<(), CommandError> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tests::{args_of, dom, GUEST};
    use serde_json::json;

    /// libvirt 9.0's arguments for a virtio console next to a guest-agent channel (the
    /// channel's path generated at start), a VNC display with a password and SPICE on a
    /// socket (captured from libvirt 9.0 with the same input).
    #[test]
    fn virtio_console_channel_and_graphics() {
        let x = GUEST
            .replace("<serial type='pty'><log file='/tmp/s,1.log' append='off'/><target port='0'/></serial><console type='pty'><target type='serial' port='0'/></console>", "")
            .replace(
                "<devices>",
                "<devices><channel type='unix'><source mode='bind' path='/r/org.qemu.guest_agent.0'/><target type='virtio' name='org.qemu.guest_agent.0'/></channel>\
<console type='pty'><target type='virtio'/></console>\
<graphics type='vnc' port='5901' passwd='pw' keymap='de' sharePolicy='force-shared'/>\
<graphics type='spice'><listen type='socket' socket='/r/spice.sock'/></graphics>",
            );
        let s = args_of(&x);
        let chan = s
            .find("-chardev socket,id=charchannel0,path=/r/org.qemu.guest_agent.0,server=on,wait=off -device {\"bus\":\"virtio-serial0.0\",\"chardev\":\"charchannel0\",\"driver\":\"virtserialport\",\"id\":\"channel0\",\"name\":\"org.qemu.guest_agent.0\",\"nr\":1}")
            .expect(&s);
        let con = s
            .find("-chardev pty,id=charconsole0 -device {\"chardev\":\"charconsole0\",\"driver\":\"virtconsole\",\"id\":\"console0\"}")
            .expect(&s);
        assert!(chan < con, "{s}");
        assert!(!s.contains("isa-serial"), "{s}");
        assert!(
            s.contains("-audiodev {\"driver\":\"spice\",\"id\":\"audio1\"} -vnc 127.0.0.1:1,share=force-shared,password=on,audiodev=audio1 -k de -spice unix,addr=/r/spice.sock,disable-ticketing=on,seamless-migration=on"),
            "{s}"
        );
        assert!(!s.contains("-display none"), "{s}");
        let d = dom(&x);
        assert_eq!(
            password_commands(&d),
            vec![json!({"protocol": "vnc", "password": "pw", "connected": "keep"})]
        );
    }

    #[test]
    fn graphics_listening_nowhere() {
        let x = GUEST.replace(
            "<devices>",
            "<devices><graphics type='vnc'><listen type='none'/></graphics>\
<graphics type='spice'><listen type='none'/></graphics>",
        );
        let s = args_of(&x);
        assert!(
            s.contains("-vnc none,audiodev=audio1 -spice port=0,disable-ticketing=on,seamless-migration=on"),
            "{s}"
        );
    }
}
