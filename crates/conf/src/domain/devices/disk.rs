//! `<disk>`: the type, its parser (with the backing chain, network sources and auth), the
//! defaults of define and its canonical form.

use super::*;

/// `<disk type= device=>` with a local source (file or block device).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Disk {
    /// `file` or `block`.
    pub kind: String,
    /// `disk`, `cdrom`, `floppy` or `lun`.
    pub device: String,
    /// `rawio=` and `sgio=` of a `lun`.
    pub rawio: Option<bool>,
    /// `sgio=` (`filtered`; only with `device='lun'`).
    pub sgio: Option<String>,
    /// `<driver>` attributes, in libvirt's order.
    pub driver: Vec<(&'static str, String)>,
    /// `<source file=>`, `<source dev=>` or `<source dir=>` (types file, block, dir).
    pub source: Option<String>,
    /// `<source pool= volume= mode=>` of a `volume` disk.
    pub volume: Option<DiskVolume>,
    /// The `<source protocol=>` of a `network` disk.
    pub network: Option<DiskNetwork>,
    /// `<auth>` given directly under `<disk>` (libvirt prints it back there).
    pub auth: Option<DiskAuth>,
    /// `<encryption>` (under `<disk>` or in `<source>`).
    pub encryption: Option<DiskEncryption>,
    /// `<target dev=>`.
    pub target_dev: String,
    /// `<target bus=>`; `None` until post-parse derives it from the name.
    pub target_bus: Option<String>,
    /// `<readonly/>` (always for a CD-ROM).
    pub readonly: bool,
    /// `<shareable/>`.
    pub shareable: bool,
    /// `<serial>`.
    pub serial: Option<String>,
    /// `<blockio>` attributes in libvirt's order.
    pub blockio: Vec<(&'static str, String)>,
    /// `<iotune>` elements in libvirt's order.
    pub iotune: Vec<(&'static str, String)>,
    /// `<wwn>`.
    pub wwn: Option<String>,
    /// `<vendor>`.
    pub vendor: Option<String>,
    /// `<product>`.
    pub product: Option<String>,
    /// `<boot order=>`.
    pub boot_order: Option<u32>,
    /// `index=` of `<source>`: the block layer node index of a running domain (live form only).
    pub source_index: Option<u32>,
    /// `<backingStore/>`: the backing chain was probed and ends here (live form only).
    pub backing_store_end: bool,
    /// A backing chain given in the definition (printed in every form).
    pub backing_store: Option<BackingStore>,
    /// `<mirror>`: a block copy or active commit in progress (live form only).
    pub mirror: Option<super::DiskMirror>,
    /// `<alias name=>`: the QEMU device id. A normal (define) parse keeps only user aliases
    /// (`ua-` prefix); the live parser keeps all; `assign_aliases` fills the rest.
    pub alias: Option<String>,
    /// `<address>`: where the device sits on its bus.
    pub address: Option<Address>,
}

/// A `<backingStore>` given by the user: the chain's end (`<backingStore/>`) or an image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BackingStore {
    /// An empty `<backingStore/>`: the chain ends.
    End,
    /// An image the one above is layered on.
    Image {
        /// `file` or `block`.
        kind: String,
        /// `<format type=>`.
        format: Option<String>,
        /// `<source file=>`.
        source: String,
        /// Its own `<backingStore>`.
        next: Option<Box<BackingStore>>,
    },
}

/// `<source pool= volume= mode=>` of a `volume` disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiskVolume {
    /// `pool=`.
    pub pool: String,
    /// `volume=`.
    pub volume: String,
    /// `host` or `direct` (iSCSI pools).
    pub mode: Option<String>,
}

/// `<source protocol= name=>` of a `network` disk with its hosts and `<auth>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiskNetwork {
    /// `protocol=`: `nbd`, `iscsi`, `rbd`, `http`, ...
    pub protocol: String,
    /// `name=`: the export, image or path on the server.
    pub name: Option<String>,
    /// `<host>`s.
    pub hosts: Vec<DiskHost>,
    /// `<auth>` given inside `<source>`.
    pub auth: Option<DiskAuth>,
}

/// `<host transport= name= port= socket=>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DiskHost {
    /// `None` for the default, tcp.
    pub transport: Option<String>,
    /// `name=`.
    pub name: Option<String>,
    /// `port=`.
    pub port: Option<u32>,
    /// `socket=` (of `transport='unix'`).
    pub socket: Option<String>,
}

/// `<auth username=><secret type= uuid=|usage=/></auth>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiskAuth {
    /// `username=`.
    pub username: String,
    /// `<secret type=>`.
    pub secret_type: Option<String>,
    /// `uuid` (`true`) or `usage` (`false`) with its value.
    pub secret: Option<(bool, String)>,
}

/// The elements of a disk's `<iotune>` in the order libvirt prints them.
pub const DISK_IOTUNE: &[&str] = &[
    "total_bytes_sec",
    "read_bytes_sec",
    "write_bytes_sec",
    "total_iops_sec",
    "read_iops_sec",
    "write_iops_sec",
    "total_bytes_sec_max",
    "read_bytes_sec_max",
    "write_bytes_sec_max",
    "total_iops_sec_max",
    "read_iops_sec_max",
    "write_iops_sec_max",
    "size_iops_sec",
    "group_name",
    "total_bytes_sec_max_length",
    "read_bytes_sec_max_length",
    "write_bytes_sec_max_length",
    "total_iops_sec_max_length",
    "read_iops_sec_max_length",
    "write_iops_sec_max_length",
];

/// `<driver>` attributes of a disk in the order libvirt prints them.
pub const DISK_DRIVER_ATTRS: &[&str] = &[
    "name",
    "type",
    "cache",
    "error_policy",
    "rerror_policy",
    "io",
    "ioeventfd",
    "event_idx",
    "copy_on_read",
    "discard",
    "iothread",
    "detect_zeroes",
    "queues",
    "queue_size",
];

/// The index libvirt derives from a disk name (`virDiskNameToIndex`): `vda` → 0, `sdc` → 2,
/// `hdaa` → 26; `None` when the name has no known prefix or a bad suffix.
pub fn disk_name_to_index(name: &str) -> Option<u32> {
    let rest = ["fd", "hd", "vd", "sd", "xvd", "ubd"]
        .iter()
        .find_map(|p| name.strip_prefix(p))?;
    let letters: String = rest
        .chars()
        .take_while(|c| c.is_ascii_lowercase())
        .collect();
    if letters.is_empty() {
        return None;
    }
    let tail = &rest[letters.len()..];
    if !tail.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let mut idx: u64 = 0;
    for (i, c) in letters.bytes().enumerate() {
        idx = (idx + u64::from(i > 0)) * 26 + u64::from(c - b'a');
        if idx > u64::from(u32::MAX) {
            return None;
        }
    }
    u32::try_from(idx).ok()
}

pub(super) const DISK_BUSES: &[&str] = &[
    "ide", "fdc", "scsi", "virtio", "xen", "usb", "uml", "sata", "sd",
];

pub(super) fn parse_disk(n: Node<'_, '_>, live: bool) -> Result<Disk> {
    let kind = match n.attribute("type") {
        None | Some("file") => "file",
        Some("block") => "block",
        Some("dir") => "dir",
        Some("volume") => "volume",
        Some("network") => "network",
        Some(t @ ("nvme" | "vhostuser")) => {
            return Err(ConfError::NotImplemented(format!("disk type '{t}'")))
        }
        Some(t) => return Err(bad_attr(n, "type", t)),
    };
    let device = match n.attribute("device") {
        None | Some("disk") => "disk",
        Some(d @ ("cdrom" | "floppy" | "lun")) => d,
        Some(d) => return Err(bad_attr(n, "device", d)),
    };
    for unsupported in ["geometry", "transient", "reservations", "throttlefilters"] {
        if child(n, unsupported).is_some() {
            return Err(ConfError::NotImplemented(format!("<disk><{unsupported}>")));
        }
    }
    // the chain terminator of a live domain was probed; any other chain is the user's
    let (backing_store_end, backing_store) = match child(n, "backingStore") {
        None => (false, None),
        Some(b) if live && b.attributes().count() == 0 && !b.has_children() => (true, None),
        Some(b) => (false, Some(parse_backing_store(b, 0)?)),
    };
    let driver = parse_disk_driver(n)?;
    let source = child(n, "source").and_then(|s| {
        let attr = match kind {
            "block" => "dev",
            "dir" => "dir",
            _ => "file",
        };
        s.attribute(attr)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    });
    if let Some(s) = child(n, "source") {
        if kind != "network"
            && s.children()
                .any(|c| c.is_element() && c.tag_name().name() != "encryption")
        {
            return Err(ConfError::NotImplemented("<disk><source> children".into()));
        }
    }
    let volume = parse_disk_volume(n, kind)?;
    let network = match (kind, child(n, "source")) {
        ("network", Some(s)) => Some(parse_disk_network(s)?),
        ("network", None) => {
            return Err(ConfError::NotImplemented(
                "a network disk without <source>".into(),
            ))
        }
        _ => None,
    };
    let auth = child(n, "auth").map(parse_disk_auth).transpose()?;
    let encryption = super::disk_encryption::parse_disk_encryption(n)?;
    let Some(target_dev) = child(n, "target").and_then(|t| attr(t, "dev")) else {
        let what = match (&network, &volume) {
            (Some(net), _) => net.name.clone().unwrap_or_default(),
            (_, Some(v)) => format!("{}/{}", v.pool, v.volume),
            _ => source.clone().unwrap_or_default(),
        };
        return Err(ConfError::NoTarget(what));
    };
    let target_bus = match child(n, "target").and_then(|t| t.attribute("bus").map(|b| (t, b))) {
        None => None,
        Some((_, b)) if DISK_BUSES.contains(&b) => Some(b.to_owned()),
        Some((t, b)) => return Err(bad_attr(t, "bus", b)),
    };
    if child(n, "target").is_some_and(|t| {
        t.attributes()
            .any(|a| a.name() != "dev" && a.name() != "bus")
    }) {
        return Err(ConfError::NotImplemented(
            "<disk><target> attributes other than dev and bus".into(),
        ));
    }
    let boot_order = match child(n, "boot") {
        None => None,
        Some(b) => Some(uint_attr(b, "order")?.filter(|o| *o > 0).ok_or_else(|| {
            ConfError::Internal("incorrect boot order '', expecting positive integer".into())
        })?),
    };
    let mut blockio = Vec::new();
    if let Some(b) = child(n, "blockio") {
        for k in ["logical_block_size", "physical_block_size"] {
            if let Some(v) = uint_attr(b, k)? {
                blockio.push((k, v.to_string()));
            }
        }
    }
    let iotune = parse_iotune(n)?;
    let wwn = child_text_nonempty(n, "wwn");
    if let Some(w) = &wwn {
        let hex = w.strip_prefix("0x").unwrap_or(w);
        if hex.len() != 16 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(ConfError::Xml(format!("Malformed wwn: {w}")));
        }
    }
    let (rawio, sgio) = parse_rawio_sgio(n, device)?;
    Ok(Disk {
        kind: kind.into(),
        device: device.into(),
        rawio,
        sgio,
        driver,
        source,
        volume,
        network,
        auth,
        encryption,
        target_dev,
        target_bus,
        // a CD-ROM is always read-only
        readonly: device == "cdrom" || child(n, "readonly").is_some(),
        shareable: child(n, "shareable").is_some(),
        serial: child_text_nonempty(n, "serial"),
        blockio,
        iotune,
        wwn,
        vendor: child_text_nonempty(n, "vendor"),
        product: child_text_nonempty(n, "product"),
        boot_order,
        source_index: match child(n, "source").filter(|_| live) {
            Some(s) => uint_attr(s, "index")?,
            None => None,
        },
        backing_store_end,
        backing_store,
        mirror: match child(n, "mirror") {
            Some(m) if live => Some(super::disk_mirror::parse_mirror(m)?),
            Some(_) => return Err(ConfError::NotImplemented("<disk><mirror>".into())),
            None => None,
        },
        alias: parse_alias(n, live)?,
        address: parse_address(n)?,
    })
}

/// `rawio=` and `sgio=`, for a `device='lun'` only.
fn parse_rawio_sgio(n: Node<'_, '_>, device: &str) -> Result<(Option<bool>, Option<String>)> {
    let rawio = match n.attribute("rawio") {
        None => None,
        Some("yes") => Some(true),
        Some("no") => Some(false),
        Some(v) => return Err(bad_attr(n, "rawio", v)),
    };
    let sgio = match n.attribute("sgio") {
        None => None,
        Some("filtered") => Some("filtered".to_owned()),
        Some("unfiltered") => {
            return Err(ConfError::unsupported(
                "unfiltered sgio is no longer supported",
            ))
        }
        Some(v) => return Err(bad_attr(n, "sgio", v)),
    };
    if (rawio.is_some() || sgio.is_some()) && device != "lun" {
        return Err(ConfError::Xml(
            "rawio or sgio can be used only with device='lun'".into(),
        ));
    }
    Ok((rawio, sgio))
}

/// `<driver>`'s attributes in libvirt's order.
fn parse_disk_driver(n: Node<'_, '_>) -> Result<Vec<(&'static str, String)>> {
    let mut driver = Vec::new();
    if let Some(d) = child(n, "driver") {
        for k in DISK_DRIVER_ATTRS {
            if let Some(v) = d.attribute(*k) {
                driver.push((*k, v.to_owned()));
            }
        }
        if d.children().any(|c| c.is_element()) {
            return Err(ConfError::NotImplemented("<disk><driver> children".into()));
        }
    }
    Ok(driver)
}

/// `<iotune>`'s limits in libvirt's order (zero, the default, left out).
fn parse_iotune(n: Node<'_, '_>) -> Result<Vec<(&'static str, String)>> {
    let mut iotune = Vec::new();
    if let Some(t) = child(n, "iotune") {
        for c in t.children().filter(|c| c.is_element()) {
            if !DISK_IOTUNE.contains(&c.tag_name().name()) {
                return Err(ConfError::NotImplemented(format!(
                    "<iotune><{}>",
                    c.tag_name().name()
                )));
            }
        }
        for k in DISK_IOTUNE {
            if let Some(e) = child(t, k) {
                let v = text_of(e);
                if *k == "group_name" {
                    iotune.push((*k, v));
                } else {
                    let x = parse_u64(v.trim()).ok_or_else(|| {
                        ConfError::Xml(format!("disk iotune field '{k}' must be an integer"))
                    })?;
                    // zero is the default: libvirt does not print it
                    if x > 0 {
                        iotune.push((*k, x.to_string()));
                    }
                }
            }
        }
    }
    Ok(iotune)
}

/// The `<source pool= volume= mode=>` of a `type='volume'` disk.
fn parse_disk_volume(n: Node<'_, '_>, kind: &str) -> Result<Option<DiskVolume>> {
    Ok(match (kind, child(n, "source")) {
        ("volume", Some(s)) => match (attr(s, "pool"), attr(s, "volume")) {
            (Some(pool), Some(volume)) => Some(DiskVolume {
                pool,
                volume,
                mode: match s.attribute("mode") {
                    None => None,
                    Some(m @ ("host" | "direct")) => Some(m.to_owned()),
                    Some(m) => {
                        return Err(ConfError::Xml(format!(
                            "unknown source mode '{m}' for volume type disk"
                        )))
                    }
                },
            }),
            _ => {
                return Err(ConfError::Xml(
                    "'pool' and 'volume' must be specified together for 'pool' type source".into(),
                ))
            }
        },
        _ => None,
    })
}

pub(super) fn parse_backing_store(b: Node<'_, '_>, depth: usize) -> Result<BackingStore> {
    if depth > 64 {
        return Err(ConfError::NotImplemented(
            "a backing chain this long".into(),
        ));
    }
    let Some(kind) = b.attribute("type") else {
        return Ok(BackingStore::End);
    };
    if !matches!(kind, "file" | "block") {
        return Err(ConfError::NotImplemented(format!(
            "<backingStore type='{kind}'>"
        )));
    }
    for c in b.children().filter(|c| c.is_element()) {
        if !matches!(c.tag_name().name(), "format" | "source" | "backingStore") {
            return Err(ConfError::NotImplemented(format!(
                "<backingStore><{}>",
                c.tag_name().name()
            )));
        }
    }
    let format = child(b, "format").and_then(|f| attr(f, "type"));
    let attr_name = if kind == "block" { "dev" } else { "file" };
    let source = child(b, "source")
        .and_then(|s| attr(s, attr_name))
        .ok_or_else(|| ConfError::Internal("missing disk backing store source".into()))?;
    let next = match child(b, "backingStore") {
        None => None,
        Some(n) => Some(Box::new(parse_backing_store(n, depth + 1)?)),
    };
    Ok(BackingStore::Image {
        kind: kind.to_owned(),
        format,
        source,
        next,
    })
}

pub(super) const DISK_PROTOCOLS: &[&str] = &[
    "nbd", "rbd", "sheepdog", "gluster", "iscsi", "http", "https", "ftp", "ftps", "tftp", "ssh",
    "vxhs", "nfs",
];

pub(super) fn parse_disk_network(s: Node<'_, '_>) -> Result<DiskNetwork> {
    let protocol = match s.attribute("protocol") {
        None => {
            return Err(ConfError::Xml(
                "missing network source protocol type".into(),
            ))
        }
        Some(p) if DISK_PROTOCOLS.contains(&p) => p.to_owned(),
        Some(p) => {
            return Err(ConfError::Xml(format!("unknown protocol type '{p}'")));
        }
    };
    let mut hosts = Vec::new();
    for c in s.children().filter(|c| c.is_element()) {
        match c.tag_name().name() {
            "host" => {
                let transport = match c.attribute("transport") {
                    None | Some("tcp") => None,
                    Some(t @ ("unix" | "rdma")) => Some(t.to_owned()),
                    Some(t) => {
                        return Err(ConfError::Xml(format!(
                            "unknown protocol transport type '{t}'"
                        )))
                    }
                };
                for a in c.attributes() {
                    if !matches!(a.name(), "transport" | "name" | "port" | "socket") {
                        return Err(ConfError::NotImplemented(format!(
                            "<host> attribute '{}'",
                            a.name()
                        )));
                    }
                }
                hosts.push(DiskHost {
                    transport,
                    name: attr(c, "name"),
                    port: uint_attr(c, "port")?.filter(|p| *p > 0),
                    socket: attr(c, "socket"),
                });
            }
            "auth" => {}
            other => {
                return Err(ConfError::NotImplemented(format!(
                    "<disk><source><{other}>"
                )));
            }
        }
    }
    Ok(DiskNetwork {
        protocol,
        name: attr(s, "name"),
        hosts,
        auth: child(s, "auth").map(parse_disk_auth).transpose()?,
    })
}

pub(super) fn parse_disk_auth(a: Node<'_, '_>) -> Result<DiskAuth> {
    let username =
        attr(a, "username").ok_or_else(|| ConfError::Xml("missing username for auth".into()))?;
    let sec = child(a, "secret")
        .ok_or_else(|| ConfError::Xml("Missing <secret> element in auth".into()))?;
    let secret = match (attr(sec, "uuid"), attr(sec, "usage")) {
        (Some(u), None) => Some((true, u)),
        (None, Some(u)) => Some((false, u)),
        _ => {
            return Err(ConfError::Xml(
                "either secret uuid or usage expected".into(),
            ))
        }
    };
    Ok(DiskAuth {
        username,
        secret_type: attr(sec, "type"),
        secret,
    })
}

pub(super) fn format_disk(w: &mut Writer, d: &Disk, cx: Ctx) {
    let mut da = vec![("type", d.kind.clone()), ("device", d.device.clone())];
    if let Some(r) = d.rawio {
        da.push(("rawio", fmt_yes_no(r)));
    }
    if let Some(s) = &d.sgio {
        da.push(("sgio", s.clone()));
    }
    w.open("disk", &da);
    if !d.driver.is_empty() {
        let a: Vec<(&str, String)> = d.driver.iter().map(|(k, v)| (*k, v.clone())).collect();
        w.empty("driver", &a);
    }
    if let Some(a) = &d.auth {
        format_disk_auth(w, a);
    }
    let source_enc = d.encryption.as_ref().filter(|e| e.in_source);
    let source = |w: &mut Writer, a: &[(&str, String)]| match source_enc {
        Some(e) => w.child("source", a, |w| {
            super::disk_encryption::format_disk_encryption(w, e)
        }),
        None => w.empty("source", a),
    };
    if let Some(v) = &d.volume {
        let mut a = vec![("pool", v.pool.clone()), ("volume", v.volume.clone())];
        if let Some(m) = &v.mode {
            a.push(("mode", m.clone()));
        }
        source(w, &a);
    }
    if let Some(net) = &d.network {
        let mut a = vec![("protocol", net.protocol.clone())];
        if let Some(n) = &net.name {
            a.push(("name", n.clone()));
        }
        w.child("source", &a, |w| {
            for h in &net.hosts {
                let mut a = Vec::new();
                if let Some(t) = &h.transport {
                    a.push(("transport", t.clone()));
                }
                if let Some(n) = &h.name {
                    a.push(("name", n.clone()));
                }
                if let Some(p) = h.port {
                    a.push(("port", p.to_string()));
                }
                if let Some(s) = &h.socket {
                    a.push(("socket", s.clone()));
                }
                w.empty("host", &a);
            }
            if let Some(a) = &net.auth {
                format_disk_auth(w, a);
            }
        });
    }
    if let Some(src) = &d.source {
        let attr = match d.kind.as_str() {
            "block" => "dev",
            "dir" => "dir",
            _ => "file",
        };
        let mut a = vec![(attr, src.clone())];
        if let (true, Some(i)) = (cx.live, d.source_index) {
            a.push(("index", i.to_string()));
        }
        source(w, &a);
    } else if let (true, Some(i)) = (cx.live, d.source_index) {
        // an ejected medium: the live form keeps the index of the empty source
        w.empty("source", &[("index", i.to_string())]);
    }
    // libvirt prints the chain terminator in the migratable form too
    if d.backing_store_end && (cx.live || cx.migratable) {
        w.empty("backingStore", &[]);
    }
    if let Some(b) = &d.backing_store {
        format_backing_store(w, b);
    }
    if !d.blockio.is_empty() {
        let a: Vec<(&str, String)> = d.blockio.iter().map(|(k, v)| (*k, v.clone())).collect();
        w.empty("blockio", &a);
    }
    if let (true, Some(m)) = (cx.live, &d.mirror) {
        super::disk_mirror::format_mirror(w, m);
    }
    let mut t = vec![("dev", d.target_dev.clone())];
    if let Some(b) = &d.target_bus {
        t.push(("bus", b.clone()));
    }
    w.empty("target", &t);
    if !d.iotune.is_empty() {
        w.open("iotune", &[]);
        for (k, v) in &d.iotune {
            w.text(k, &[], v);
        }
        w.close("iotune");
    }
    if d.readonly {
        w.empty("readonly", &[]);
    }
    if d.shareable {
        w.empty("shareable", &[]);
    }
    if let Some(s) = &d.serial {
        w.text("serial", &[], s);
    }
    if let Some(x) = &d.wwn {
        w.text("wwn", &[], x);
    }
    if let Some(x) = &d.vendor {
        w.text("vendor", &[], x);
    }
    if let Some(x) = &d.product {
        w.text("product", &[], x);
    }
    if let Some(e) = d.encryption.as_ref().filter(|e| !e.in_source) {
        super::disk_encryption::format_disk_encryption(w, e);
    }
    if let Some(o) = d.boot_order {
        w.empty("boot", &[("order", o.to_string())]);
    }
    cx.alias(w, &d.alias);
    format_address(w, &d.address);
    w.close("disk");
}

pub(super) fn format_backing_store(w: &mut Writer, b: &BackingStore) {
    match b {
        BackingStore::End => w.empty("backingStore", &[]),
        BackingStore::Image {
            kind,
            format,
            source,
            next,
        } => {
            w.open("backingStore", &[("type", kind.clone())]);
            if let Some(f) = format {
                w.empty("format", &[("type", f.clone())]);
            }
            let attr = if kind == "block" { "dev" } else { "file" };
            w.empty("source", &[(attr, source.clone())]);
            if let Some(n) = next {
                format_backing_store(w, n);
            }
            w.close("backingStore");
        }
    }
}

pub(super) fn format_disk_auth(w: &mut Writer, a: &DiskAuth) {
    w.child("auth", &[("username", a.username.clone())], |w| {
        let mut s = Vec::new();
        if let Some(t) = &a.secret_type {
            s.push(("type", t.clone()));
        }
        match &a.secret {
            Some((true, u)) => s.push(("uuid", u.clone())),
            Some((false, u)) => s.push(("usage", u.clone())),
            None => {}
        }
        w.empty("secret", &s);
    });
}

/// Characters libvirt accepts in a disk serial.
pub(super) fn serial_ok(s: &str) -> bool {
    s.chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ' ' | '.' | '+'))
}

pub(crate) fn disk_defaults(def: &mut Domain) -> Result<()> {
    for d in &mut def.devices.disks {
        if let Some(e) = &mut d.encryption {
            e.engine.get_or_insert_with(|| "qemu".to_owned());
        }
        if d.target_bus.is_none() {
            let bus = if d.target_dev.starts_with("hd") {
                "ide"
            } else if d.target_dev.starts_with("sd") {
                "scsi"
            } else if d.target_dev.starts_with("vd") {
                "virtio"
            } else if d.target_dev.starts_with("fd") {
                "fdc"
            } else {
                return Err(ConfError::NotImplemented(format!(
                    "disk target '{}' without a bus",
                    d.target_dev
                )));
            };
            d.target_bus = Some(bus.into());
        }
        let bus = d.target_bus.clone().unwrap_or_default();
        // the disk order depends on the index of the name (and libvirt's parser refuses names
        // it cannot index in several places); a name without one is not modelled
        if disk_name_to_index(&d.target_dev).is_none() {
            return Err(ConfError::NotImplemented(format!(
                "disk target '{}'",
                d.target_dev
            )));
        }
        if !matches!(
            bus.as_str(),
            "virtio" | "ide" | "sata" | "scsi" | "fdc" | "usb"
        ) {
            return Err(ConfError::NotImplemented(format!("disk bus '{bus}'")));
        }
        if !d.driver.iter().any(|(k, _)| *k == "name") {
            d.driver.insert(0, ("name", "qemu".into()));
        }
        // a volume's format is filled in at start, from the storage driver (libvirt's
        // qemuDomainDeviceDiskDefPostParse leaves it unset)
        if !d.driver.iter().any(|(k, _)| *k == "type") && d.kind != "volume" {
            d.driver.insert(1, ("type", "raw".into()));
        }
        if let Some(s) = &d.serial {
            if !serial_ok(s) {
                return Err(ConfError::Internal(format!(
                    "driver serial '{s}' contains unsafe characters"
                )));
            }
        }
        if d.address.is_none() && bus != "virtio" && bus != "usb" {
            let idx = disk_name_to_index(&d.target_dev).ok_or_else(|| {
                ConfError::NotImplemented(format!("disk target '{}'", d.target_dev))
            })?;
            d.address = Some(match bus.as_str() {
                "ide" => Address::Drive {
                    controller: idx / 4,
                    bus: (idx % 4) / 2,
                    target: 0,
                    unit: idx % 2,
                },
                "fdc" => Address::Drive {
                    controller: idx / 2,
                    bus: 0,
                    target: 0,
                    unit: idx % 2,
                },
                "scsi" => Address::Drive {
                    controller: idx / 7,
                    bus: 0,
                    target: 0,
                    unit: idx % 7,
                },
                _ => Address::Drive {
                    controller: idx / 6,
                    bus: 0,
                    target: 0,
                    unit: idx % 6,
                },
            });
        }
    }
    Ok(())
}

/// A `<disk>` of `<devices>`, refused when its target is taken.
pub(super) fn read_disk(
    out: &mut Devices,
    n: Node<'_, '_>,
    live: bool,
    disk_targets: &mut HashMap<String, usize>,
) -> Result<()> {
    let disk = parse_disk(n, live)?;
    if let Some(other) = disk_targets
        .get(disk.target_dev.as_str())
        .and_then(|&i| out.disks.get(i))
    {
        return Err(ConfError::Xml(format!(
            "target '{}' duplicated for disk sources '{}' and '{}'",
            disk.target_dev,
            other.source.as_deref().unwrap_or(""),
            disk.source.as_deref().unwrap_or("")
        )));
    }
    disk_targets.insert(disk.target_dev.clone(), out.disks.len());
    // in document order here; libvirt's order once all are read
    out.disks.push(disk);
    Ok(())
}
