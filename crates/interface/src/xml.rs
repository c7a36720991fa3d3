//! An interface's XML as libvirt 9.0's udev backend writes it.

use oxvirt_conf::xml::escape;

use crate::host::{HostIface, Kind};

/// The document for `iface` (the inactive form is the same: the udev backend knows no other).
pub fn format(iface: &HostIface) -> String {
    let mut out = String::new();
    write(&mut out, iface, 0, true);
    out
}

fn write(out: &mut String, i: &HostIface, depth: usize, top: bool) {
    let pad = "  ".repeat(depth);
    let kind = match i.kind {
        Kind::Ethernet => "ethernet",
        Kind::Bridge { .. } => "bridge",
    };
    out.push_str(&format!(
        "{pad}<interface type='{kind}' name='{}'>\n",
        escape(&i.name)
    ));
    if top {
        if let Some(m) = i.mtu {
            out.push_str(&format!("{pad}  <mtu size='{m}'/>\n"));
        }
    }
    match &i.kind {
        Kind::Ethernet => {
            let speed = i.speed.map(|s| format!(" speed='{s}'")).unwrap_or_default();
            out.push_str(&format!(
                "{pad}  <link{speed} state='{}'/>\n",
                escape(&i.operstate)
            ));
            out.push_str(&format!("{pad}  <mac address='{}'/>\n", escape(&i.mac)));
        }
        Kind::Bridge { stp, delay, ports } => {
            out.push_str(&format!(
                "{pad}  <bridge stp='{}' delay='{}'>\n",
                if *stp { "on" } else { "off" },
                escape(delay)
            ));
            for p in ports {
                write(out, p, depth + 2, false);
            }
            out.push_str(&format!("{pad}  </bridge>\n"));
        }
    }
    out.push_str(&format!("{pad}</interface>\n"));
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::format;
    use crate::host::Sysfs;

    fn dev(root: &Path, name: &str, attrs: &[(&str, &str)]) {
        let d = root.join(name);
        std::fs::create_dir_all(&d).unwrap();
        for (k, v) in attrs {
            let p = d.join(k);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, format!("{v}\n")).unwrap();
        }
    }

    #[test]
    fn ethernet_and_bridge_as_libvirt_writes_them() {
        let t = tempfile::tempdir().unwrap();
        let r = t.path();
        dev(
            r,
            "br0",
            &[
                ("address", "8e:c7:8e:cd:6f:9b"),
                ("mtu", "1500"),
                ("operstate", "up"),
                ("bridge/stp_state", "0"),
                ("bridge/forward_delay", "1500"),
            ],
        );
        dev(
            r,
            "v0",
            &[
                ("address", "8e:c7:8e:cd:6f:9b"),
                ("mtu", "1500"),
                ("operstate", "up"),
                ("speed", "10000"),
                ("brport/state", "3"),
            ],
        );
        std::fs::create_dir_all(r.join("br0/brif/v0")).unwrap();
        dev(
            r,
            "lo",
            &[
                ("address", "00:00:00:00:00:00"),
                ("mtu", "65536"),
                ("operstate", "unknown"),
            ],
        );
        dev(
            r,
            "tap0",
            &[
                ("address", "fe:00:00:00:00:01"),
                ("operstate", "down"),
                ("tun_flags", "0x1002"),
            ],
        );
        let s = Sysfs::at(r);
        let names: Vec<_> = s.listed().into_iter().map(|i| i.name).collect();
        assert_eq!(names, ["br0", "lo"]);
        assert_eq!(
            format(&s.get("br0").unwrap()),
            "<interface type='bridge' name='br0'>\n  <mtu size='1500'/>\n  \
             <bridge stp='off' delay='1500'>\n    <interface type='ethernet' name='v0'>\n      \
             <link speed='10000' state='up'/>\n      <mac address='8e:c7:8e:cd:6f:9b'/>\n    \
             </interface>\n  </bridge>\n</interface>\n"
        );
        assert_eq!(
            format(&s.get("lo").unwrap()),
            "<interface type='ethernet' name='lo'>\n  <mtu size='65536'/>\n  \
             <link state='unknown'/>\n  <mac address='00:00:00:00:00:00'/>\n</interface>\n"
        );
        assert!(s.get("../etc").is_none() && s.get("").is_none());
    }
}
