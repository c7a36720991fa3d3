//! `<mirror>` of a running domain's disk: the destination of a block copy or an active
//! commit in progress (live form only, kept in the status file so that a restarted driver
//! shows it).

use super::*;

/// `<mirror type= job= ready=>` with the destination's `<format>` and `<source>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiskMirror {
    /// `file` or `block`.
    pub kind: String,
    /// `job=`: `copy` or `active-commit`.
    pub job: String,
    /// `ready=`: `yes` once QEMU said the job can be pivoted, `abort` or `pivot` while one is
    /// asked.
    pub ready: Option<String>,
    /// The destination's format (`raw`, `qcow2`).
    pub format: Option<String>,
    /// The destination's path.
    pub source: String,
    /// `index=` of the destination's `<source>` (its block node index).
    pub index: Option<u32>,
}

pub(super) fn parse_mirror(m: Node<'_, '_>) -> Result<DiskMirror> {
    let kind = m.attribute("type").unwrap_or("file").to_owned();
    let attr_name = if kind == "block" { "dev" } else { "file" };
    let src = child(m, "source");
    let source = src
        .and_then(|s| attr(s, attr_name))
        .or_else(|| attr(m, "file"))
        .ok_or_else(|| ConfError::Xml("mirror requires source element".into()))?;
    Ok(DiskMirror {
        kind,
        job: m.attribute("job").unwrap_or("copy").to_owned(),
        ready: attr(m, "ready"),
        format: child(m, "format")
            .and_then(|f| attr(f, "type"))
            .or_else(|| attr(m, "format")),
        source,
        index: match src {
            Some(s) => uint_attr(s, "index")?,
            None => None,
        },
    })
}

pub(super) fn format_mirror(w: &mut Writer, m: &DiskMirror) {
    let mut a = vec![("type", m.kind.clone())];
    // a copy keeps the old attributes too, as libvirt prints them
    if m.job == "copy" && m.kind == "file" {
        a.push(("file", m.source.clone()));
        if let Some(f) = &m.format {
            a.push(("format", f.clone()));
        }
    }
    a.push(("job", m.job.clone()));
    if let Some(r) = &m.ready {
        a.push(("ready", r.clone()));
    }
    w.open("mirror", &a);
    if let Some(f) = &m.format {
        w.empty("format", &[("type", f.clone())]);
    }
    let attr_name = if m.kind == "block" { "dev" } else { "file" };
    let mut s = vec![(attr_name, m.source.clone())];
    if let Some(i) = m.index {
        s.push(("index", i.to_string()));
    }
    w.empty("source", &s);
    w.close("mirror");
}

#[cfg(test)]
mod tests {
    use crate::domain::{parse_live, FormatOptions};

    #[test]
    fn a_mirror_survives_the_status_round_trip() {
        let xml = "<domain type='qemu' id='1'><name>d</name><uuid>c7a5fdbd-edaf-9455-926a-d65c16db1809</uuid>\
             <memory>1024</memory><os><type>hvm</type></os><devices>\
             <disk type='file' device='disk'><driver name='qemu' type='qcow2'/>\
             <source file='/a.qcow2' index='1'/><backingStore/>\
             <mirror type='file' file='/b.qcow2' format='qcow2' job='copy' ready='yes'>\
             <format type='qcow2'/><source file='/b.qcow2' index='3'/></mirror>\
             <target dev='vda' bus='virtio'/><alias name='virtio-disk0'/></disk>\
             </devices></domain>";
        let d = parse_live(xml).unwrap();
        let m = d.devices.disks[0].mirror.clone().unwrap();
        assert_eq!(m.job, "copy");
        assert_eq!(m.ready.as_deref(), Some("yes"));
        assert_eq!(m.index, Some(3));
        let out = d.format_with(FormatOptions {
            inactive: false,
            secure: true,
            migratable: false,
        });
        assert!(
            out.contains(
                "<mirror type='file' file='/b.qcow2' format='qcow2' job='copy' ready='yes'>"
            ),
            "{out}"
        );
        assert!(out.contains("<source file='/b.qcow2' index='3'/>"), "{out}");
        // the inactive form has no mirror
        let inactive = d.format_with(FormatOptions {
            inactive: true,
            secure: true,
            migratable: false,
        });
        assert!(!inactive.contains("<mirror"), "{inactive}");
    }
}
