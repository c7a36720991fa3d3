//! `<resource>` (the cgroup partition) and `<blkiotune>`.

use super::parse::*;
use super::*;
use crate::error::ConfError;
use crate::xml::Writer;
use roxmltree::Node;

/// `<resource>` (`virDomainResourceDef`): at least one of the two is set.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Resource {
    /// `<partition>`: the cgroup partition, kept verbatim (libvirt checks that it is an
    /// absolute path only when it starts the domain).
    pub partition: Option<String>,
    /// `<fibrechannel appid=>`: the application id tagged on the guest's Fibre Channel I/O
    /// (1 to 128 printable characters).
    pub appid: Option<String>,
}

/// The partition libvirt's privileged QEMU driver puts a domain in when it starts it.
pub const DEFAULT_RESOURCE_PARTITION: &str = "/machine";

impl Domain {
    /// What libvirt's privileged QEMU driver does with `<resource>` when it starts the domain
    /// on a host with cgroups (`virDomainCgroupInitCgroup`): a missing partition becomes
    /// [`DEFAULT_RESOURCE_PARTITION`], and one that is not an absolute path is refused. oxvirt
    /// places nothing in cgroups; this makes the running domain's XML (live, migratable,
    /// status file) and the refusal libvirt's. Call it on the running copy only: the
    /// persistent definition keeps what was defined.
    pub fn start_resource_partition(&mut self) -> Result<()> {
        let r = self.resource.get_or_insert_with(Resource::default);
        let partition = r
            .partition
            .get_or_insert_with(|| DEFAULT_RESOURCE_PARTITION.to_owned());
        if !partition.starts_with('/') {
            return Err(crate::error::ConfError::unsupported(format!(
                "Resource partition '{partition}' must start with '/'"
            )));
        }
        Ok(())
    }
}

/// `<blkiotune>`: the weight and per-device limits.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Blkiotune {
    /// `<weight>`.
    pub weight: Option<u32>,
    /// `(path, [(element, value)])` with the elements in libvirt's order.
    pub devices: Vec<(String, Vec<(&'static str, u64)>)>,
}

/// The elements of a `<blkiotune><device>` after `<path>`, in libvirt's order.
pub const BLKIOTUNE_DEVICE: &[&str] = &[
    "weight",
    "read_iops_sec",
    "write_iops_sec",
    "read_bytes_sec",
    "write_bytes_sec",
];

/// `<resource>` (`virDomainResourceDefParse`): the text of the first `<partition>` and the
/// `appid` of the first `<fibrechannel>`, empty ones counting as absent.
pub(super) fn parse_resource(root: Node<'_, '_>) -> Result<Option<Resource>> {
    let mut all = children(root, "resource");
    let Some(r) = all.next() else {
        return Ok(None);
    };
    if all.next().is_some() {
        return Err(ConfError::Xml(
            "only one resource element is supported".into(),
        ));
    }
    let partition = child_text_nonempty(r, "partition");
    let appid = child(r, "fibrechannel")
        .and_then(|f| attr(f, "appid"))
        .filter(|a| !a.is_empty());
    if partition.is_none() && appid.is_none() {
        // libvirt fails here without reporting why
        return Err(ConfError::UnknownCause);
    }
    if let Some(a) = &appid {
        // ASCII printable characters only, then the length
        if !a.bytes().all(|b| (0x20..0x7f).contains(&b)) {
            return Err(ConfError::Xml(
                "Fibre Channel 'appid' is not a printable string".into(),
            ));
        }
        if a.len() > 128 {
            return Err(ConfError::InvalidArgDomain(
                "Fibre Channel 'appid' string length must be between [1, 128]".into(),
            ));
        }
    }
    Ok(Some(Resource { partition, appid }))
}

pub(super) fn parse_blkiotune(b: Node<'_, '_>) -> Result<Blkiotune> {
    let num = |n: Node<'_, '_>, what: &str| -> Result<u64> {
        parse_u64(text_of(n).trim())
            .ok_or_else(|| ConfError::Xml(format!("could not parse {what} value")))
    };
    let mut bt = Blkiotune::default();
    for c in b.children().filter(|c| c.is_element()) {
        match c.tag_name().name() {
            "weight" => {
                bt.weight = Some(
                    u32::try_from(num(c, "blkio weight")?)
                        .map_err(|_| ConfError::Xml("could not parse blkio weight value".into()))?,
                )
            }
            "device" => {
                let path = child_text_nonempty(c, "path")
                    .ok_or_else(|| ConfError::Internal("missing disk device path".into()))?;
                let mut vals = Vec::new();
                for k in BLKIOTUNE_DEVICE {
                    if let Some(e) = child(c, k) {
                        vals.push((*k, num(e, &format!("device {k}"))?));
                    }
                }
                bt.devices.push((path, vals));
            }
            other => return Err(ConfError::NotImplemented(format!("<blkiotune><{other}>"))),
        }
    }
    Ok(bt)
}

pub(super) fn format_blkiotune(w: &mut Writer, bt: &Blkiotune) {
    w.child("blkiotune", &[], |w| {
        if let Some(v) = bt.weight {
            w.text("weight", &[], &v.to_string());
        }
        for (path, vals) in &bt.devices {
            w.open("device", &[]);
            w.text("path", &[], path);
            for (k, v) in vals {
                w.text(k, &[], &v.to_string());
            }
            w.close("device");
        }
    });
}

pub(super) fn format_resource(w: &mut Writer, r: &Resource) {
    w.child("resource", &[], |w| {
        if let Some(p) = &r.partition {
            w.text("partition", &[], p);
        }
        if let Some(a) = &r.appid {
            w.empty("fibrechannel", &[("appid", a.clone())]);
        }
    });
}
