//! The status file of a running domain: what the daemon needs to reattach to its QEMU process
//! after a restart, with the live domain definition inside.
//!
//! ```xml
//! <domstatus version='1' state='1' reason='1' pid='4242' startTicks='123456' monitor='/run/x.qmp' shimPid='4241' startedAt='1700000000000' persistent='yes'>
//!   <taint flag='custom-argv'/>
//!   <volume target='vda' type='file' path='/var/lib/oxvirt/images/a.img'/>
//! <domain type='qemu' id='5'>
//!   ...
//! </domain>
//! </domstatus>
//! ```
//!
//! The nested domain is the live form with secrets ([`FormatOptions`] `secure`), not
//! re-indented so that its text content stays byte for byte. This is oxvirt's own format
//! (libvirt's `<domstatus>` carries QEMU driver private data oxvirt does not have); it is
//! versioned, and a version this code does not know is refused.

use super::*;
use crate::error::ConfError;
use crate::xml::Writer;

/// The status file format version [`DomainStatus::format`] writes and [`parse_status`] reads.
pub const STATUS_VERSION: u32 = 1;

/// A running domain as recorded in its status file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainStatus {
    /// Format version ([`STATUS_VERSION`]).
    pub version: u32,
    /// `virDomainState`.
    pub state: i32,
    /// The reason of the state (`virDomainRunningReason`, ...).
    pub reason: i32,
    /// QEMU's pid.
    pub qemu_pid: i32,
    /// Field 22 of `/proc/PID/stat` (start time in clock ticks), to detect pid reuse.
    pub qemu_start_ticks: u64,
    /// The QMP socket path.
    pub monitor: String,
    /// The shim's pid.
    pub shim_pid: Option<i32>,
    /// Start time, milliseconds since the epoch.
    pub started_at_ms: u64,
    /// Taint flags (`virDomainTaintFlags` names), in order.
    pub taints: Vec<String>,
    /// The domain has a persistent definition too.
    pub persistent: bool,
    /// What the `<disk type='volume'>`s were resolved to at start (the live XML keeps
    /// `<source pool= volume=>`, as libvirt's does; QEMU opens these paths).
    pub volumes: Vec<VolumeSource>,
    /// The live definition: id, aliases, pty paths, current memory.
    pub domain: Domain,
}

/// A `<disk type='volume'>` resolved through the storage driver: the disk of target `target`
/// is the `kind` (`file` or `block`) at `path`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VolumeSource {
    /// The disk's `<target dev=>`.
    pub target: String,
    /// `file` or `block`: the disk type the volume stands for.
    pub kind: String,
    /// The volume's path.
    pub path: String,
}

impl DomainStatus {
    /// The definition QEMU's command line is built from: the live one, with each resolved
    /// `<disk type='volume'>` turned into the file or block disk it stands for.
    pub fn command_domain(&self) -> Domain {
        let mut dom = self.domain.clone();
        for v in &self.volumes {
            if let Some(d) = dom
                .devices
                .disks
                .iter_mut()
                .find(|d| d.kind == "volume" && d.target_dev == v.target)
            {
                d.kind = v.kind.clone();
                d.source = Some(v.path.clone());
                d.volume = None;
            }
        }
        // the passphrases of encrypted disks: files the driver wrote next to the monitor
        if let Some(dir) = std::path::Path::new(&self.monitor).parent() {
            for d in &mut dom.devices.disks {
                let file = super::disk_secret_file(dir, &d.target_dev);
                if let Some(e) = &mut d.encryption {
                    e.secret_file = Some(file.display().to_string());
                }
            }
        }
        dom
    }

    /// The status file text.
    pub fn format(&self) -> String {
        let mut a = vec![
            ("version", self.version.to_string()),
            ("state", self.state.to_string()),
            ("reason", self.reason.to_string()),
            ("pid", self.qemu_pid.to_string()),
            ("startTicks", self.qemu_start_ticks.to_string()),
            ("monitor", self.monitor.clone()),
        ];
        if let Some(p) = self.shim_pid {
            a.push(("shimPid", p.to_string()));
        }
        a.push(("startedAt", self.started_at_ms.to_string()));
        a.push((
            "persistent",
            if self.persistent { "yes" } else { "no" }.into(),
        ));
        let mut w = Writer::new();
        w.open("domstatus", &a);
        for t in &self.taints {
            w.empty("taint", &[("flag", t.clone())]);
        }
        for v in &self.volumes {
            w.empty(
                "volume",
                &[
                    ("target", v.target.clone()),
                    ("type", v.kind.clone()),
                    ("path", v.path.clone()),
                ],
            );
        }
        // with secrets: reattaching needs all of the running configuration
        w.raw(&self.domain.format_with(FormatOptions {
            inactive: false,
            secure: true,
            migratable: false,
        }));
        w.close("domstatus");
        w.finish()
    }
}

fn bad(what: impl Into<String>) -> ConfError {
    ConfError::Status(what.into())
}

fn num<T: std::str::FromStr>(n: roxmltree::Node<'_, '_>, name: &str) -> Result<T, ConfError> {
    let v = n
        .attribute(name)
        .ok_or_else(|| bad(format!("missing attribute '{name}'")))?;
    v.parse::<T>()
        .map_err(|_| bad(format!("invalid value '{v}' of attribute '{name}'")))
}

/// Read a status file written by [`DomainStatus::format`].
pub fn parse_status(xml: &str) -> Result<DomainStatus, ConfError> {
    let doc = roxmltree::Document::parse(xml).map_err(|e| {
        let pos = e.pos();
        ConfError::Malformed {
            line: pos.row,
            column: pos.col,
            message: e.to_string(),
        }
    })?;
    let root = doc.root_element();
    if root.tag_name().name() != "domstatus" || root.tag_name().namespace().is_some() {
        return Err(bad(format!(
            "expecting root element 'domstatus', not '{}'",
            root.tag_name().name()
        )));
    }
    let version: u32 = num(root, "version")?;
    if version != STATUS_VERSION {
        return Err(bad(format!(
            "unsupported status file version {version} (this oxvirt reads version {STATUS_VERSION})"
        )));
    }
    let known = [
        "version",
        "state",
        "reason",
        "pid",
        "startTicks",
        "monitor",
        "shimPid",
        "startedAt",
        "persistent",
    ];
    if let Some(a) = root.attributes().find(|a| !known.contains(&a.name())) {
        return Err(bad(format!("unknown attribute '{}'", a.name())));
    }
    let persistent = match root.attribute("persistent") {
        Some("yes") => true,
        Some("no") => false,
        Some(v) => {
            return Err(bad(format!(
                "invalid value '{v}' of attribute 'persistent'"
            )))
        }
        None => return Err(bad("missing attribute 'persistent'")),
    };
    let mut taints = Vec::new();
    let mut volumes = Vec::new();
    let mut domain = None;
    for c in root.children() {
        if c.is_text() {
            if c.text().is_some_and(|t| !t.trim().is_empty()) {
                return Err(bad("text inside <domstatus>"));
            }
            continue;
        }
        if !c.is_element() {
            continue;
        }
        match c.tag_name().name() {
            "taint" if domain.is_none() => match c.attribute("flag") {
                Some(f) => taints.push(f.to_owned()),
                None => return Err(bad("<taint> without a flag")),
            },
            "volume" if domain.is_none() => {
                let a = |name: &str| {
                    c.attribute(name)
                        .map(str::to_owned)
                        .ok_or_else(|| bad(format!("<volume> without {name}")))
                };
                volumes.push(VolumeSource {
                    target: a("target")?,
                    kind: a("type")?,
                    path: a("path")?,
                });
            }
            "domain" if domain.is_none() => {
                let text = xml
                    .get(c.range())
                    .ok_or_else(|| bad("bad <domain> range"))?;
                let mut d = parse_live(text)?;
                // the label the start generated lives on in the status
                super::seclabel::keep_live_labels(&mut d.seclabels, c);
                domain = Some(d);
            }
            other => return Err(bad(format!("unexpected element <{other}>"))),
        }
    }
    let domain = domain.ok_or_else(|| bad("no <domain> inside <domstatus>"))?;
    if domain.id.is_none() {
        return Err(bad("the domain has no id"));
    }
    Ok(DomainStatus {
        version,
        state: num(root, "state")?,
        reason: num(root, "reason")?,
        qemu_pid: num(root, "pid")?,
        qemu_start_ticks: num(root, "startTicks")?,
        monitor: root
            .attribute("monitor")
            .ok_or_else(|| bad("missing attribute 'monitor'"))?
            .to_owned(),
        shim_pid: match root.attribute("shimPid") {
            Some(_) => Some(num(root, "shimPid")?),
            None => None,
        },
        started_at_ms: num(root, "startedAt")?,
        taints,
        persistent,
        volumes,
        domain,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{parse, post_parse, QemuCaps};

    const G2: &str = include_str!("../../testdata/live/g2.xml");

    fn status(dom: Domain) -> DomainStatus {
        DomainStatus {
            version: STATUS_VERSION,
            state: 1,
            reason: 1,
            qemu_pid: 4242,
            qemu_start_ticks: 987_654_321,
            monitor: "/run/oxvirt/qemu/domain-5-g2/monitor.sock".into(),
            shim_pid: Some(4241),
            started_at_ms: 1_763_900_000_123,
            taints: vec!["custom-argv".into(), "high-privileges".into()],
            persistent: true,
            volumes: Vec::new(),
            domain: dom,
        }
    }

    fn started(xml: &str) -> Domain {
        let mut d = parse(xml).expect("parse");
        post_parse(&mut d, &QemuCaps::debian_qemu_7_2_x86_64()).expect("post_parse");
        assign_aliases(&mut d);
        d.id = Some(5);
        d
    }

    #[test]
    fn round_trip() {
        let mut s = status(started(G2));
        s.domain.devices.set_serial_pty_path(0, "/dev/pts/3");
        s.domain.devices.channels[0].state = Some("connected".into());
        s.domain.devices.channels[0].source = ChrSource::Unix {
            mode: "bind".into(),
            path: "/var/lib/libvirt/qemu/channel/target/domain-5-g2/org.qemu.guest_agent.0".into(),
        };
        s.domain.devices.disks[0].source_index = Some(2);
        s.domain.devices.disks[0].backing_store_end = true;
        s.domain.current_memory_kib = Some(131_072);
        let text = s.format();
        assert!(text.contains("<domain type='qemu' id='5'>"), "{text}");
        assert!(
            text.contains("<console type='pty' tty='/dev/pts/3'>"),
            "{text}"
        );
        let back = parse_status(&text).expect("parse_status");
        assert_eq!(back, s);
        assert_eq!(back.format(), text);
        s.shim_pid = None;
        s.taints.clear();
        s.persistent = false;
        assert_eq!(parse_status(&s.format()).expect("parse_status"), s);
    }

    #[test]
    fn volume_disks_resolved_for_the_command_line() {
        let xml = G2.replacen("<disk type='file'", "<disk type='volume'", 1);
        let xml = with_volume_source(&xml);
        let mut s = status(started(&xml));
        assert_eq!(s.domain.devices.disks[0].kind, "volume");
        let target = s.domain.devices.disks[0].target_dev.clone();
        s.volumes.push(VolumeSource {
            target: target.clone(),
            kind: "file".into(),
            path: "/pool/v.img".into(),
        });
        let text = s.format();
        assert!(
            text.contains(&format!(
                "<volume target='{target}' type='file' path='/pool/v.img'/>"
            )),
            "{text}"
        );
        // the live XML keeps the pool and volume
        assert!(text.contains("<source pool='p' volume='v.img'/>"), "{text}");
        let back = parse_status(&text).expect("parse_status");
        assert_eq!(back, s);
        let cmd = back.command_domain();
        let d = &cmd.devices.disks[0];
        assert_eq!(
            (d.kind.as_str(), d.source.as_deref()),
            ("file", Some("/pool/v.img"))
        );
        assert!(d.volume.is_none());
        assert!(parse_status(&text.replacen(" path='/pool/v.img'", "", 1)).is_err());
    }

    /// G2 with its first disk's `<source file=>` made `<source pool='p' volume='v.img'/>`.
    fn with_volume_source(xml: &str) -> String {
        let at = xml.find("<source file='").expect("a file source");
        let end = at + xml[at..].find("/>").expect("end of source") + 2;
        format!(
            "{}<source pool='p' volume='v.img'/>{}",
            &xml[..at],
            &xml[end..]
        )
    }

    #[test]
    fn refuses() {
        let s = status(started(G2)).format();
        let other = s.replacen("version='1'", "version='2'", 1);
        let e = parse_status(&other).expect_err("version 2");
        assert!(e.to_string().contains("version 2"), "{e}");
        assert!(parse_status(&s.replacen(" id='5'", "", 1)).is_err());
        assert!(parse_status(&s.replacen("pid='4242'", "pid='x'", 1)).is_err());
        assert!(parse_status(&s.replacen("persistent='yes'", "", 1)).is_err());
        assert!(parse_status("<domain type='qemu'/>").is_err());
        assert!(parse_status("<domstatus").is_err());
    }

    #[test]
    fn define_parse_drops_runtime_facts() {
        let live = started(G2).format(FormatFlags { inactive: false });
        let d = parse(&live).expect("parse");
        assert_eq!(d.id, None);
        assert!(d.devices.disks.iter().all(|x| x.alias.is_none()));
        let again = parse_live(&live).expect("parse_live");
        assert_eq!(again.id, Some(5));
        assert_eq!(
            again.devices.disks[0].alias.as_deref(),
            Some("virtio-disk0")
        );
    }
}
