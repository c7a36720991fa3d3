//! Reading `<domain>` XML (`virDomainDefParseXML`, without `--validate`: unknown elements and
//! attributes are ignored).

use super::devices::parse_devices;
use super::*;
use crate::error::ConfError;
use roxmltree::Node;

pub(super) type Result<T> = std::result::Result<T, ConfError>;

/// Parse a domain definition. A missing `<uuid>` (or an empty `<genid/>`) is generated.
///
/// This is libvirt's define parse (`VIR_DOMAIN_DEF_PARSE_INACTIVE`): runtime facts (the id,
/// aliases other than user aliases, pty paths, ...) are dropped.
pub fn parse(xml: &str) -> Result<Domain> {
    parse_root(xml, false)
}

/// Parse the live form of a domain (as printed with `inactive == false`): the id, all aliases,
/// pty paths and the other runtime facts are kept. Used by the status file parser.
pub fn parse_live(xml: &str) -> Result<Domain> {
    parse_root(xml, true)
}

fn parse_root(xml: &str, live: bool) -> Result<Domain> {
    let doc = roxmltree::Document::parse(xml).map_err(|e| crate::libxml::malformed(xml, &e))?;
    let root = doc.root_element();
    if root.tag_name().name() != "domain" || root.tag_name().namespace().is_some() {
        return Err(ConfError::XmlValue(format!(
            "expecting root element of 'domain', not '{}'",
            root.tag_name().name()
        )));
    }
    parse_domain(root, live)
}

/// `<alias name=>` of a device: kept when parsing the live form, else only user aliases.
pub(super) fn parse_alias(n: Node<'_, '_>, live: bool) -> Result<Option<String>> {
    let Some(a) = child(n, "alias") else {
        return Ok(None);
    };
    let name = attr(a, "name").filter(|s| !s.is_empty());
    match name {
        Some(s) if live => Ok(Some(s)),
        // libvirt 9.0 accepts any characters on define (checked with `ua-bo.ot`)
        Some(s) if s.starts_with("ua-") => Ok(Some(s)),
        _ => Ok(None),
    }
}

pub(super) fn child<'a, 'i>(n: Node<'a, 'i>, name: &str) -> Option<Node<'a, 'i>> {
    n.children().find(|c| {
        c.is_element() && c.tag_name().name() == name && c.tag_name().namespace().is_none()
    })
}

pub(super) fn children<'a, 'i>(
    n: Node<'a, 'i>,
    name: &'a str,
) -> impl Iterator<Item = Node<'a, 'i>> + 'a {
    n.children().filter(move |c| {
        c.is_element() && c.tag_name().name() == name && c.tag_name().namespace().is_none()
    })
}

/// `string(./name[1])`: the text content of the first such child, all descendants' text.
pub(super) fn text_of(n: Node<'_, '_>) -> String {
    n.descendants()
        .filter(|d| d.is_text())
        .filter_map(|d| d.text())
        .collect()
}

pub(super) fn child_text(n: Node<'_, '_>, name: &str) -> Option<String> {
    child(n, name).map(text_of)
}

/// Like `child_text` but an empty string counts as absent (libvirt's virXPathString).
pub(super) fn child_text_nonempty(n: Node<'_, '_>, name: &str) -> Option<String> {
    child_text(n, name).filter(|s| !s.is_empty())
}

pub(super) fn attr(n: Node<'_, '_>, name: &str) -> Option<String> {
    n.attribute(name).map(str::to_owned)
}

pub(super) fn yes_no(n: Node<'_, '_>, name: &str) -> Result<Option<bool>> {
    match n.attribute(name) {
        None => Ok(None),
        Some("yes") => Ok(Some(true)),
        Some("no") => Ok(Some(false)),
        Some(v) => Err(bad_attr(n, name, v)),
    }
}

pub(super) fn on_off(n: Node<'_, '_>, name: &str) -> Result<Option<bool>> {
    match n.attribute(name) {
        None => Ok(None),
        Some("on") => Ok(Some(true)),
        Some("off") => Ok(Some(false)),
        Some(v) => Err(bad_attr(n, name, v)),
    }
}

/// `virXMLPropEnum`'s error for a value outside the enumeration.
pub(super) fn bad_attr(n: Node<'_, '_>, name: &str, v: &str) -> ConfError {
    ConfError::XmlValue(format!(
        "Invalid value for attribute '{name}' in element '{}': '{v}'.",
        n.tag_name().name()
    ))
}

/// An unsigned attribute, parsed as libvirt's `virStrToLong_uip` (decimal, or hex with 0x).
pub(super) fn uint_attr(n: Node<'_, '_>, name: &str) -> Result<Option<u32>> {
    match n.attribute(name) {
        None => Ok(None),
        Some(v) => match parse_u64(v).and_then(|x| u32::try_from(x).ok()) {
            Some(x) => Ok(Some(x)),
            None => Err(ConfError::XmlValue(format!(
                "Invalid value for attribute '{name}' in element '{}': '{v}'. Expected non-negative integer value",
                n.tag_name().name()
            ))),
        },
    }
}

/// A controller's `index=` (libvirt's virXMLPropInt with its non-negative flag).
pub(super) fn controller_index(n: Node<'_, '_>) -> Result<Option<u32>> {
    let Some(v) = n.attribute("index") else {
        return Ok(None);
    };
    let bad = |what: &str| {
        ConfError::XmlValue(format!(
            "Invalid value for attribute 'index' in element 'controller': '{v}'. Expected {what}"
        ))
    };
    if let Some(rest) = v.trim_start().strip_prefix('-') {
        return Err(match parse_u64(rest) {
            Some(x) if x <= 1 << 31 => bad("non-negative value"),
            _ => bad("integer value"),
        });
    }
    parse_u64(v)
        .and_then(|x| i32::try_from(x).ok())
        .and_then(|x| u32::try_from(x).ok())
        .map(Some)
        .ok_or_else(|| bad("integer value"))
}

/// Decimal, `0x` hexadecimal or leading-zero octal, as `strtoull(.., 0)`.
pub(crate) fn parse_u64(s: &str) -> Option<u64> {
    let s = s.trim_start();
    if s.starts_with('-') {
        return None;
    }
    let s = s.strip_prefix('+').unwrap_or(s);
    if let Some(h) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        u64::from_str_radix(h, 16).ok()
    } else if s.len() > 1 && s.starts_with('0') {
        u64::from_str_radix(&s[1..], 8).ok()
    } else {
        s.parse().ok()
    }
}

pub(super) fn parse_uuid(s: &str) -> Option<[u8; 16]> {
    let s = s.trim();
    let mut out = [0u8; 16];
    let mut i = 0;
    let b = s.as_bytes();
    let mut p = 0;
    while p < b.len() {
        if b[p] == b'-' {
            p += 1;
            continue;
        }
        if i >= 16 || p + 1 >= b.len() {
            return None;
        }
        let hi = (b[p] as char).to_digit(16)?;
        let lo = (b[p + 1] as char).to_digit(16)?;
        out[i] = (hi * 16 + lo) as u8;
        i += 1;
        p += 2;
    }
    (i == 16).then_some(out)
}

/// Random bytes for generated UUIDs and MAC addresses: the kernel's random UUID source.
pub(crate) fn random_uuid() -> Result<[u8; 16]> {
    let s = std::fs::read_to_string("/proc/sys/kernel/random/uuid")
        .map_err(|e| ConfError::Internal(format!("cannot generate a UUID: {e}")))?;
    parse_uuid(&s).ok_or_else(|| ConfError::Internal("cannot generate a UUID".into()))
}

/// Bytes per unit for libvirt's `virScaleInteger`.
pub(super) fn unit_scale(unit: &str) -> Option<u64> {
    let lower = unit.to_ascii_lowercase();
    if lower == "b" || lower == "byte" || lower == "bytes" {
        return Some(1);
    }
    let mut chars = lower.chars();
    let first = chars.next()?;
    let rest: String = chars.collect();
    let power = match first {
        'k' => 1,
        'm' => 2,
        'g' => 3,
        't' => 4,
        'p' => 5,
        'e' => 6,
        _ => return None,
    };
    let base: u64 = match rest.as_str() {
        "" | "ib" => 1024,
        "b" => 1000,
        _ => return None,
    };
    base.checked_pow(power)
}

/// A memory size element in KiB (`virDomainParseMemory`): value × unit, rounded up to KiB.
pub(super) fn parse_memory(n: Node<'_, '_>, what: &str) -> Result<u64> {
    scaled_kib(n, what, "KiB")
}

/// A scaled size element (`virDomainParseScaledValue`) in KiB, rounded up: the value, then
/// its `unit` (or `default_unit`); sizes are capped at LLONG_MAX bytes.
pub(super) fn scaled_kib(n: Node<'_, '_>, what: &str, default_unit: &str) -> Result<u64> {
    let unit = n.attribute("unit").unwrap_or(default_unit);
    let text = text_of(n);
    let value = parse_u64(&text).ok_or_else(|| {
        ConfError::XmlValue(format!(
            "Invalid value '{text}' for element or attribute './{what}[1]'"
        ))
    })?;
    let scale = unit_scale(unit)
        .ok_or_else(|| ConfError::InvalidArg(format!("unknown suffix '{unit}'")))?;
    let limit = i64::MAX as u64;
    let bytes = value
        .checked_mul(scale)
        .filter(|b| *b <= limit)
        .ok_or_else(|| ConfError::Overflow(format!("value too large: {text}{unit}")))?;
    Ok(bytes.div_ceil(1024))
}

/// libvirt's `virBitmapParse` for a CPU set: comma-separated `N`, `N-M` and `^N`, applied in
/// order; bits up to 16383.
pub(super) fn parse_cpuset(s: &str) -> Result<Vec<u32>> {
    const LIMIT: u32 = 16384;
    let err = || ConfError::InvalidArg(format!("Failed to parse bitmap '{s}'"));
    let num = |t: &str| -> Result<u32> {
        let t = t.trim();
        if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
            return Err(err());
        }
        t.parse::<u32>().ok().filter(|v| *v < LIMIT).ok_or_else(err)
    };
    let mut set = std::collections::BTreeSet::new();
    for part in s.split(',') {
        let part = part.trim();
        if let Some(n) = part.strip_prefix('^') {
            set.remove(&num(n)?);
            continue;
        }
        match part.split_once('-') {
            Some((a, b)) => {
                let (a, b) = (num(a)?, num(b)?);
                if b < a {
                    return Err(err());
                }
                set.extend(a..=b);
            }
            None => {
                set.insert(num(part)?);
            }
        }
    }
    if set.is_empty() {
        return Err(ConfError::unsupported(format!(
            "Invalid value of 'cpuset': {s}"
        )));
    }
    Ok(set.into_iter().collect())
}

/// Domain types libvirt knows that the QEMU driver refuses.
const OTHER_VIRT_TYPES: &[&str] = &[
    "none",
    "kqemu",
    "xen",
    "lxc",
    "uml",
    "openvz",
    "test",
    "vmware",
    "hyperv",
    "vbox",
    "phyp",
    "parallels",
    "bhyve",
    "vz",
    "ch",
];

fn parse_domain(root: Node<'_, '_>, live: bool) -> Result<Domain> {
    let virt_type = match root.attribute("type") {
        Some("qemu") => VirtType::Qemu,
        Some("kvm") => VirtType::Kvm,
        Some(t) if OTHER_VIRT_TYPES.contains(&t) => VirtType::Other(t.to_owned()),
        Some(t) => {
            return Err(ConfError::unsupported(format!("invalid domain type {t}")));
        }
        None => return Err(ConfError::Internal("missing domain type attribute".into())),
    };
    let name = child_text_nonempty(root, "name").ok_or(ConfError::NoName)?;
    crate::name::check_name(crate::name::ObjectKind::Domain, &name)?;
    let uuid = match child_text_nonempty(root, "uuid") {
        Some(u) => {
            parse_uuid(&u).ok_or_else(|| ConfError::Internal("malformed uuid element".into()))?
        }
        None => random_uuid()?,
    };
    let genid = match child(root, "genid") {
        None => None,
        Some(g) => {
            let t = text_of(g);
            if t.is_empty() {
                Some(random_uuid()?)
            } else {
                Some(
                    parse_uuid(&t)
                        .ok_or_else(|| ConfError::Internal("malformed genid element".into()))?,
                )
            }
        }
    };
    let title = child_text(root, "title");
    if title.as_deref().is_some_and(|t| t.contains('\n')) {
        return Err(ConfError::Xml("Domain title can't contain newlines".into()));
    }
    let description = child_text(root, "description");
    let metadata = child(root, "metadata").map(parse_metadata).transpose()?;

    let max_memory = match child(root, "maxMemory") {
        None => None,
        Some(m) => Some(MaxMemory {
            kib: parse_memory(m, "maxMemory")?,
            slots: uint_attr(m, "slots")?.unwrap_or(0),
        }),
    };
    let memory_kib = match child(root, "memory") {
        Some(m) => parse_memory(m, "memory")?,
        None => 0,
    };
    let current_memory_kib = match child(root, "currentMemory") {
        Some(m) => Some(parse_memory(m, "currentMemory")?),
        None => None,
    };

    let mut memtune = Vec::new();
    if let Some(m) = child(root, "memtune") {
        for c in m.children().filter(|c| c.is_element()) {
            let n = c.tag_name().name();
            if !MEMTUNE_LIMITS.contains(&n) {
                return Err(ConfError::NotImplemented(format!("<memtune><{n}>")));
            }
        }
        for k in MEMTUNE_LIMITS {
            if let Some(c) = child(m, k) {
                memtune.push((*k, scaled_kib(c, &format!("memtune/{k}"), "KiB")?));
            }
        }
    }
    let blkiotune = child(root, "blkiotune").map(parse_blkiotune).transpose()?;
    let memory_backing = child(root, "memoryBacking")
        .map(parse_memory_backing)
        .transpose()?;
    let vcpu = parse_vcpu(root)?;
    let iothreads = match child(root, "iothreads") {
        None => 0,
        Some(n) => parse_u64(&text_of(n))
            .and_then(|v| u32::try_from(v).ok())
            .ok_or_else(|| ConfError::Xml("invalid iothreads count ''".into()))?,
    };
    let (iothreads, iothreadids) = match child(root, "iothreadids") {
        None => (iothreads, false),
        Some(ids) => {
            let mut list = Vec::new();
            for t in ids.children().filter(|c| c.is_element()) {
                if t.tag_name().name() != "iothread" {
                    continue;
                }
                if t.attributes().any(|a| a.name() != "id") || t.has_children() {
                    return Err(ConfError::NotImplemented("this <iothread>".into()));
                }
                let id = uint_attr(t, "id")?.ok_or_else(|| {
                    ConfError::Xml("Missing 'id' attribute in <iothread> element".into())
                })?;
                if id == 0 {
                    return Err(ConfError::Xml("invalid iothread 'id' value '0'".into()));
                }
                if list.contains(&id) {
                    return Err(ConfError::Xml(format!(
                        "duplicate iothread id '{id}' found"
                    )));
                }
                list.push(id);
            }
            let n = u32::try_from(list.len()).unwrap_or(u32::MAX);
            list.sort_unstable();
            if list.iter().zip(1..).any(|(a, b)| *a != b) || (iothreads > n && n > 0) {
                return Err(ConfError::NotImplemented(
                    "<iothreadids> other than 1..=<iothreads>".into(),
                ));
            }
            (iothreads.max(n), n > 0)
        }
    };
    let seclabels = super::seclabel::parse(root)?;
    let cputune = match child(root, "cputune") {
        Some(c) => Some(parse_cputune(c)?),
        None => None,
    };
    for unsupported in [
        "vcpus",
        "keywrap",
        "launchSecurity",
        "idmap",
        "perf",
        "throttlegroups",
        "bootloader",
        "bootloader_args",
    ] {
        if child(root, unsupported).is_some() {
            return Err(ConfError::NotImplemented(format!("<{unsupported}>")));
        }
    }
    let sysinfo = match root.children().find(|c| {
        c.is_element() && c.tag_name().name() == "sysinfo" && c.attribute("type") != Some("fwcfg")
    }) {
        Some(n) => Some(parse_sysinfo(n, root)?),
        None => None,
    };
    let fwcfg = match root.children().find(|c| {
        c.is_element() && c.tag_name().name() == "sysinfo" && c.attribute("type") == Some("fwcfg")
    }) {
        None => None,
        Some(f) => {
            let mut entries: Vec<(String, Option<String>, String)> = Vec::new();
            for e in f.children().filter(|c| c.is_element()) {
                if e.tag_name().name() != "entry" {
                    return Err(ConfError::NotImplemented(format!(
                        "<sysinfo type='fwcfg'><{}>",
                        e.tag_name().name()
                    )));
                }
                let name = attr(e, "name").ok_or_else(|| {
                    ConfError::Xml("Firmware entry is missing 'name' attribute".into())
                })?;
                if !name.starts_with("opt/") {
                    return Err(ConfError::Xml(format!(
                        "Invalid firmware name '{name}': it must start with 'opt/'"
                    )));
                }
                let file = attr(e, "file");
                let value = text_of(e);
                if file.is_none() && value.is_empty() {
                    return Err(ConfError::Xml(
                        "Firmware entry must have either value or 'file' attribute".into(),
                    ));
                }
                if file.is_some() && !value.is_empty() {
                    return Err(ConfError::Xml(
                        "Firmware entry can't have both value and 'file' attribute".into(),
                    ));
                }
                entries.push((name, file, value));
            }
            Some(entries)
        }
    };
    let (numatune_auto, numatune) = match child(root, "numatune") {
        None => (false, None),
        Some(t) => {
            let elems: Vec<_> = t.children().filter(|c| c.is_element()).collect();
            match elems.as_slice() {
                [m] if m.tag_name().name() == "memory"
                    && m.attribute("placement") == Some("auto")
                    && matches!(m.attribute("mode"), None | Some("strict"))
                    && m.attributes().count() == 1 + usize::from(m.attribute("mode").is_some()) =>
                {
                    (true, None)
                }
                _ => (false, Some(parse_numatune(t)?)),
            }
        }
    };
    let resource = parse_resource(root)?;
    let os = parse_os(root)?;
    let features = match child(root, "features") {
        Some(f) => parse_features(f)?,
        None => Features::default(),
    };
    let cpu = match child(root, "cpu") {
        Some(c) => Some(parse_cpu(c)?),
        None => None,
    };
    let clock = match child(root, "clock") {
        Some(c) => parse_clock(c)?,
        None => Clock::default(),
    };
    let on_poweroff = lifecycle(root, "on_poweroff", Lifecycle::Destroy, false)?;
    let on_reboot = lifecycle(root, "on_reboot", Lifecycle::Restart, false)?;
    let on_crash = lifecycle(root, "on_crash", Lifecycle::Destroy, true)?;
    let on_lockfailure = match child_text_nonempty(root, "on_lockfailure") {
        None => None,
        Some(v) => match v.as_str() {
            "poweroff" | "restart" | "pause" | "ignore" => Some(v),
            _ => {
                return Err(ConfError::Xml(format!(
                    "Invalid value for element 'on_lockfailure': '{v}'"
                )))
            }
        },
    };
    let pm = match child(root, "pm") {
        None => Pm::default(),
        Some(p) => Pm {
            suspend_to_mem: child(p, "suspend-to-mem")
                .map(|n| yes_no(n, "enabled"))
                .transpose()?
                .flatten(),
            suspend_to_disk: child(p, "suspend-to-disk")
                .map(|n| yes_no(n, "enabled"))
                .transpose()?
                .flatten(),
        },
    };
    let devices = match child(root, "devices") {
        Some(d) => parse_devices(d, live)?,
        None => Devices::default(),
    };
    // driver-specific namespaces: <qemu:commandline> of the QEMU one
    let mut qemu_commandline: Option<QemuCommandline> = None;
    for c in root.children().filter(|c| c.is_element()) {
        let Some(ns) = c.tag_name().namespace() else {
            continue;
        };
        if ns != QEMU_NAMESPACE {
            // libvirt's parser ignores namespaces it does not know
            continue;
        }
        if c.tag_name().name() != "commandline" {
            return Err(ConfError::NotImplemented(format!(
                "<qemu:{}>",
                c.tag_name().name()
            )));
        }
        let cl = qemu_commandline.get_or_insert_with(QemuCommandline::default);
        for e in c.children().filter(|e| e.is_element()) {
            match (e.tag_name().namespace(), e.tag_name().name()) {
                (Some(QEMU_NAMESPACE), "arg") => {
                    let v = e.attribute("value").ok_or_else(|| {
                        ConfError::Internal("No qemu command-line argument specified".into())
                    })?;
                    cl.args.push(v.to_owned());
                }
                (Some(QEMU_NAMESPACE), "env") => {
                    let name = e
                        .attribute("name")
                        .filter(|n| !n.is_empty())
                        .ok_or_else(|| {
                            ConfError::Internal("No qemu environment name specified".into())
                        })?;
                    if !name
                        .chars()
                        .next()
                        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                        || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                    {
                        return Err(ConfError::Internal(
                            "Invalid environment name, it must begin with a letter or underscore"
                                .into(),
                        ));
                    }
                    cl.env
                        .push((name.to_owned(), e.attribute("value").map(str::to_owned)));
                }
                _ => {}
            }
        }
    }
    let id = match root.attribute("id").filter(|_| live) {
        None => None,
        Some(v) => Some(
            v.parse::<i32>()
                .ok()
                .filter(|i| *i >= 0)
                .ok_or_else(|| ConfError::Internal(format!("invalid domain id '{v}'")))?,
        ),
    };
    Ok(Domain {
        id,
        virt_type,
        name,
        uuid,
        genid,
        title,
        description,
        metadata,
        max_memory,
        memory_kib,
        current_memory_kib,
        memtune,
        blkiotune,
        memory_backing,
        vcpu,
        iothreads,
        iothreadids,
        cputune,
        numatune_auto,
        numatune,
        resource,
        sysinfo,
        fwcfg,
        os,
        features,
        cpu,
        clock,
        on_poweroff,
        on_reboot,
        on_crash,
        on_lockfailure,
        pm,
        devices,
        seclabels,
        qemu_commandline,
    })
}

/// `<resource>` (`virDomainResourceDefParse`): the text of the first `<partition>` and the
/// `appid` of the first `<fibrechannel>`, empty ones counting as absent.
fn parse_resource(root: Node<'_, '_>) -> Result<Option<Resource>> {
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

/// `<metadata>`: namespaced elements, the first one per namespace URI
/// (`virXMLNodeSanitizeNamespaces`).
fn parse_metadata(m: Node<'_, '_>) -> Result<Vec<Element>> {
    let mut seen: Vec<&str> = Vec::new();
    let mut out = Vec::new();
    for c in m.children().filter(|c| c.is_element()) {
        let Some(ns) = c.tag_name().namespace() else {
            continue;
        };
        if seen.contains(&ns) {
            continue;
        }
        seen.push(ns);
        let mut e = Element::from_node(c);
        // the element carries every namespace it uses when moved out of its document
        let mut decls: Vec<(Option<String>, String)> = Vec::new();
        for n in c.namespaces() {
            let d = (n.name().map(str::to_owned), n.uri().to_owned());
            if d.0.as_deref() != Some("xml") && !decls.contains(&d) {
                decls.push(d);
            }
        }
        let used_by_self = |d: &(Option<String>, String)| {
            e.ns_decls.contains(d) || c.tag_name().namespace() == Some(d.1.as_str())
        };
        let mut merged = e.ns_decls.clone();
        for d in decls {
            if !merged.contains(&d) && used_by_self(&d) {
                merged.push(d);
            }
        }
        e.ns_decls = merged;
        if !prefixes_declared(&e, &[]) {
            // how libxml2 re-declares a prefix bound outside the copied element is not
            // modelled
            return Err(ConfError::NotImplemented(
                "<metadata> elements using a namespace prefix declared outside them".into(),
            ));
        }
        out.push(e);
    }
    Ok(out)
}

/// Whether every prefix the element and its descendants use is declared within them.
fn prefixes_declared(e: &Element, outer: &[&str]) -> bool {
    let mut scope: Vec<&str> = outer.to_vec();
    for (p, _) in &e.ns_decls {
        if let Some(p) = p {
            scope.push(p);
        }
    }
    let ok = |q: &str| match q.split_once(':') {
        Some((p, _)) => p == "xml" || p == "xmlns" || scope.contains(&p),
        None => true,
    };
    if e.prefix.as_deref().is_some_and(|p| !scope.contains(&p)) {
        return false;
    }
    if !e.attrs.iter().all(|(k, _)| ok(k)) {
        return false;
    }
    e.children.iter().all(|c| match c {
        crate::xml::Node::Element(c) => prefixes_declared(c, &scope),
        _ => true,
    })
}

fn parse_vcpu(root: Node<'_, '_>) -> Result<Vcpu> {
    let Some(v) = child(root, "vcpu") else {
        return Ok(Vcpu {
            count: 1,
            current: None,
            placement: Placement::Static,
            cpuset: None,
        });
    };
    let text = text_of(v);
    let count = if text.is_empty() {
        1
    } else {
        parse_u64(&text)
            .and_then(|x| u32::try_from(x).ok())
            .ok_or_else(|| ConfError::Xml("maximum vcpus count must be an integer".into()))?
    };
    let current = match v.attribute("current") {
        None => None,
        Some(c) => Some(
            parse_u64(c)
                .and_then(|x| u32::try_from(x).ok())
                .ok_or_else(|| ConfError::Xml("current vcpus count must be an integer".into()))?,
        ),
    };
    let cpuset = match v.attribute("cpuset") {
        None => None,
        Some(s) => Some(parse_cpuset(s)?),
    };
    let placement = match v.attribute("placement") {
        None | Some("static") => Placement::Static,
        Some("auto") => Placement::Auto,
        Some(p) => {
            return Err(ConfError::Xml(format!(
                "Unsupported CPU placement mode '{p}'"
            )));
        }
    };
    Ok(Vcpu {
        count,
        current,
        placement,
        cpuset,
    })
}

fn parse_os(root: Node<'_, '_>) -> Result<Os> {
    let Some(o) = child(root, "os") else {
        return Err(ConfError::Xml("missing <os> element".into()));
    };
    let mut os = Os {
        firmware: attr(o, "firmware"),
        ..Os::default()
    };
    if let Some(f) = &os.firmware {
        if f != "efi" && f != "bios" {
            return Err(bad_attr(o, "firmware", f));
        }
    }
    let t = child(o, "type");
    let ty = t.map(text_of).unwrap_or_default();
    if ty.is_empty() {
        return Err(ConfError::Xml("an os <type> must be specified".into()));
    }
    if !matches!(
        ty.as_str(),
        "hvm" | "xen" | "linux" | "exe" | "uml" | "xenpvh"
    ) {
        return Err(ConfError::NotImplemented(format!("os type '{ty}'")));
    }
    os.os_type = ty.clone();
    if let Some(t) = t {
        os.arch = attr(t, "arch");
        os.machine = attr(t, "machine");
    }
    if let Some(l) = child(o, "loader") {
        let path = text_of(l);
        os.loader = Some(Loader {
            readonly: yes_no(l, "readonly")?,
            secure: yes_no(l, "secure")?,
            kind: attr(l, "type"),
            path: (!path.is_empty()).then_some(path),
        });
    }
    if let Some(n) = child(o, "nvram") {
        let path = text_of(n);
        os.nvram = Some(Nvram {
            template: attr(n, "template"),
            path: (!path.is_empty()).then_some(path),
        });
    }
    os.kernel = child_text_nonempty(o, "kernel");
    os.initrd = child_text_nonempty(o, "initrd");
    os.cmdline = child_text_nonempty(o, "cmdline");
    os.dtb = child_text_nonempty(o, "dtb");
    for b in children(o, "boot") {
        if os.boot.len() >= 4 {
            break;
        }
        let dev = match b.attribute("dev") {
            Some("fd") => BootDev::Fd,
            Some("cdrom") => BootDev::Cdrom,
            Some("hd") => BootDev::Hd,
            Some("network") => BootDev::Network,
            Some(d) => return Err(bad_attr(b, "dev", d)),
            None => return Err(ConfError::Internal("missing boot device".into())),
        };
        os.boot.push(dev);
    }
    if let Some(m) = child(o, "bootmenu") {
        if let Some(enable) = yes_no(m, "enable")? {
            let timeout = match m.attribute("timeout") {
                None => None,
                Some(t) => Some(t.parse::<u32>().ok().filter(|v| *v <= 65535).ok_or_else(
                    || {
                        ConfError::Xml(
                            "invalid value for boot menu timeout, must be in range [0,65535]"
                                .into(),
                        )
                    },
                )?),
            };
            os.bootmenu = Some((enable, timeout));
        }
    }
    if let Some(s) = child(o, "smbios") {
        match s.attribute("mode") {
            Some(m @ ("emulate" | "host" | "sysinfo")) => os.smbios_mode = Some(m.into()),
            Some(m) => return Err(bad_attr(s, "mode", m)),
            None => {
                return Err(ConfError::XmlValue(
                    "Missing required attribute 'mode' in element 'smbios'".into(),
                ))
            }
        }
    }
    if let Some(b) = child(o, "bios") {
        let reboot_timeout = match b.attribute("rebootTimeout") {
            None => None,
            Some(t) => Some(
                t.parse::<i32>()
                    .ok()
                    .filter(|v| (-1..=65535).contains(v))
                    .ok_or_else(|| {
                        ConfError::Xml(
                            "invalid value for rebootTimeout, must be in range [-1,65535]".into(),
                        )
                    })?,
            ),
        };
        os.bios = Some(Bios {
            useserial: yes_no(b, "useserial")?,
            reboot_timeout,
        });
    }
    // <init> and friends belong to container OS types; for hvm libvirt ignores them
    if let Some(fw) = child(o, "firmware") {
        for f in fw.children().filter(|c| c.is_element()) {
            if f.tag_name().name() != "feature" {
                return Err(ConfError::NotImplemented(format!(
                    "<os><firmware><{}>",
                    f.tag_name().name()
                )));
            }
            let name = match f.attribute("name") {
                Some("enrolled-keys") => "enrolled-keys",
                Some("secure-boot") => "secure-boot",
                Some(n) => return Err(bad_attr(f, "name", n)),
                None => {
                    return Err(ConfError::XmlValue(
                        "Missing required attribute 'name' in element 'feature'".into(),
                    ))
                }
            };
            let enabled = yes_no(f, "enabled")?.ok_or_else(|| {
                ConfError::XmlValue(
                    "Missing required attribute 'enabled' in element 'feature'".into(),
                )
            })?;
            if os.firmware_features.iter().any(|(n, _)| *n == name) {
                return Err(ConfError::Xml(format!(
                    "duplicate firmware feature '{name}'"
                )));
            }
            os.firmware_features.push((name, enabled));
        }
        os.firmware_features
            .sort_by_key(|(n, _)| usize::from(*n == "secure-boot"));
    }
    for unsupported in ["acpi", "bootloader"] {
        if child(o, unsupported).is_some() {
            return Err(ConfError::NotImplemented(format!("<os><{unsupported}>")));
        }
    }
    Ok(os)
}

const HYPERV: &[&str] = &[
    "relaxed",
    "vapic",
    "spinlocks",
    "vpindex",
    "runtime",
    "synic",
    "stimer",
    "reset",
    "vendor_id",
    "frequencies",
    "reenlightenment",
    "tlbflush",
    "ipi",
    "evmcs",
    "avic",
];

const KVM: &[&str] = &["hidden", "hint-dedicated", "poll-control", "pv-ipi"];

fn state(n: Node<'_, '_>) -> Result<bool> {
    Ok(on_off(n, "state")?.unwrap_or(true))
}

/// The `<features>` libvirt 9.0 knows (`virDomainFeature`).
const LIBVIRT_FEATURES: &[&str] = &[
    "acpi",
    "apic",
    "pae",
    "hap",
    "viridian",
    "privnet",
    "hyperv",
    "kvm",
    "pvspinlock",
    "capabilities",
    "pmu",
    "vmport",
    "gic",
    "smm",
    "ioapic",
    "hpt",
    "vmcoreinfo",
    "htm",
    "nested-hv",
    "msrs",
    "ccf-assist",
    "xen",
    "cfpc",
    "sbbc",
    "ibs",
    "tcg",
];

fn parse_features(f: Node<'_, '_>) -> Result<Features> {
    let mut out = Features::default();
    for n in f.children().filter(|c| c.is_element()) {
        let name = n.tag_name().name();
        match name {
            "acpi" => out.acpi = true,
            "apic" => out.apic = Some(on_off(n, "eoi")?),
            "pae" => out.pae = true,
            "viridian" => out.viridian = true,
            "privnet" => out.privnet = true,
            "hap" => out.hap = Some(state(n)?),
            "pvspinlock" => out.pvspinlock = Some(state(n)?),
            "pmu" => out.pmu = Some(state(n)?),
            "vmport" => out.vmport = Some(state(n)?),
            "vmcoreinfo" => out.vmcoreinfo = Some(state(n)?),
            "smm" => {
                let s = state(n)?;
                let tseg = match child(n, "tseg") {
                    None => None,
                    Some(t) => {
                        let kib = scaled_kib(t, "tseg", "MiB")?;
                        Some(kib / 1024)
                    }
                };
                out.smm = Some((s, tseg));
            }
            "msrs" => match n.attribute("unknown") {
                Some(u @ ("ignore" | "fault")) => out.msrs = Some(u.into()),
                Some(u) => return Err(bad_attr(n, "unknown", u)),
                None => {
                    return Err(ConfError::XmlValue(
                        "Missing required attribute 'unknown' in element 'msrs'".into(),
                    ))
                }
            },
            "ioapic" => match n.attribute("driver") {
                Some(d @ ("qemu" | "kvm")) => out.ioapic = Some(d.into()),
                Some(d) => return Err(bad_attr(n, "driver", d)),
                None => {}
            },
            "hyperv" => {
                let passthrough = match n.attribute("mode") {
                    None | Some("custom") => false,
                    Some("passthrough") => true,
                    Some(m) => return Err(bad_attr(n, "mode", m)),
                };
                let mut items = Vec::new();
                for name in HYPERV {
                    let Some(c) = child(n, name) else { continue };
                    let st = match on_off(c, "state")? {
                        Some(s) => s,
                        None => {
                            return Err(ConfError::XmlValue(format!(
                                "Missing required attribute 'state' in element '{name}'"
                            )))
                        }
                    };
                    let direct = match child(c, "direct") {
                        Some(d) if *name == "stimer" => {
                            Some(on_off(d, "state")?.ok_or_else(|| {
                                ConfError::XmlValue(
                                    "Missing required attribute 'state' in element 'direct'".into(),
                                )
                            })?)
                        }
                        _ => None,
                    };
                    let extra = match *name {
                        "spinlocks" => attr(c, "retries"),
                        "vendor_id" => attr(c, "value"),
                        _ => None,
                    };
                    items.push(HyperVItem {
                        name,
                        state: st,
                        extra,
                        direct,
                    });
                }
                out.hyperv = Some(HyperV { passthrough, items });
            }
            "kvm" => {
                let mut items = Vec::new();
                for name in KVM {
                    if let Some(c) = child(n, name) {
                        let st = on_off(c, "state")?.ok_or_else(|| {
                            ConfError::XmlValue(format!(
                                "Missing required attribute 'state' in element '{name}'"
                            ))
                        })?;
                        items.push(((*name).to_owned(), st));
                    }
                }
                out.kvm = Some(items);
            }
            other if !LIBVIRT_FEATURES.contains(&other) => {
                return Err(ConfError::unsupported(format!(
                    "unexpected feature '{other}'"
                )));
            }
            other => {
                return Err(ConfError::NotImplemented(format!("feature <{other}>")));
            }
        }
    }
    Ok(out)
}

fn parse_cpu(c: Node<'_, '_>) -> Result<Cpu> {
    let mut cpu = Cpu {
        mode: attr(c, "mode"),
        match_: attr(c, "match"),
        check: attr(c, "check"),
        migratable: on_off(c, "migratable")?,
        ..Cpu::default()
    };
    // `match` only means something for custom CPUs; libvirt does not read it otherwise
    if cpu.mode.as_deref().is_some_and(|m| m != "custom") {
        cpu.match_ = None;
    }
    if let Some(m) = &cpu.mode {
        if !matches!(
            m.as_str(),
            "custom" | "host-model" | "host-passthrough" | "maximum"
        ) {
            return Err(ConfError::Xml(format!("Invalid mode attribute '{m}'")));
        }
    }
    if let Some(m) = &cpu.match_ {
        if !matches!(m.as_str(), "minimum" | "exact" | "strict") {
            return Err(ConfError::Xml(
                "Invalid match attribute for CPU specification".into(),
            ));
        }
    }
    if let Some(m) = &cpu.check {
        if !matches!(m.as_str(), "none" | "partial" | "full") {
            return Err(ConfError::Xml(
                "Invalid check attribute for CPU specification".into(),
            ));
        }
    }
    if let Some(m) = child(c, "model") {
        let name = text_of(m);
        if !name.is_empty() {
            cpu.model = Some(CpuModel {
                fallback: attr(m, "fallback"),
                name,
            });
        }
    }
    cpu.vendor = child_text_nonempty(c, "vendor");
    if let Some(t) = child(c, "topology") {
        let get = |n: &str| -> Result<u32> {
            uint_attr(t, n)?
                .ok_or_else(|| ConfError::Xml(format!("Missing '{n}' attribute in CPU topology")))
        };
        cpu.topology = Some(Topology {
            sockets: get("sockets")?,
            dies: uint_attr(t, "dies")?.unwrap_or(1),
            cores: get("cores")?,
            threads: get("threads")?,
        });
    }
    for f in children(c, "feature") {
        let name =
            attr(f, "name").ok_or_else(|| ConfError::Xml("missing CPU feature name".into()))?;
        let policy = match f.attribute("policy") {
            None => "require".to_owned(),
            Some(p @ ("force" | "require" | "optional" | "disable" | "forbid")) => p.to_owned(),
            Some(p) => {
                return Err(ConfError::Xml(format!("Invalid CPU feature policy '{p}'")));
            }
        };
        if cpu.features.iter().any(|(_, n)| *n == name) {
            return Err(ConfError::Internal(format!(
                "CPU feature '{name}' specified more than once"
            )));
        }
        cpu.features.push((policy, name));
    }
    if let Some(c) = child(c, "cache") {
        let mode = match c.attribute("mode") {
            Some(m @ ("emulate" | "passthrough" | "disable")) => m.to_owned(),
            Some(m) => return Err(bad_attr(c, "mode", m)),
            None => {
                return Err(ConfError::XmlValue(
                    "Missing required attribute 'mode' in element 'cache'".into(),
                ))
            }
        };
        cpu.cache = Some((uint_attr(c, "level")?, mode));
    }
    if let Some(numa) = child(c, "numa") {
        for (i, cell) in numa.children().filter(|e| e.is_element()).enumerate() {
            if cell.tag_name().name() != "cell" {
                return Err(ConfError::NotImplemented(format!(
                    "<numa><{}>",
                    cell.tag_name().name()
                )));
            }
            if cell.children().any(|e| e.is_element()) {
                return Err(ConfError::NotImplemented("<numa><cell> children".into()));
            }
            let id = uint_attr(cell, "id")?.unwrap_or(u32::try_from(i).unwrap_or(u32::MAX));
            if usize::try_from(id).ok() != Some(i) {
                return Err(ConfError::Xml(
                    "Exactly one 'cell' element per guest NUMA cell allowed, non-contiguous ranges or ranges not starting from 0 are not allowed".into(),
                ));
            }
            let cpus = match cell.attribute("cpus") {
                None | Some("") => None,
                Some(s) => Some(parse_cpuset(s)?),
            };
            let mem_access = match cell.attribute("memAccess") {
                None => None,
                Some(m @ ("shared" | "private")) => Some(m.to_owned()),
                Some(m) => {
                    return Err(ConfError::Xml(format!(
                        "Invalid 'memAccess' attribute value '{m}'"
                    )))
                }
            };
            let memory = cell.attribute("memory").unwrap_or("");
            let value = parse_u64(memory).ok_or_else(|| {
                ConfError::XmlValue(format!(
                    "Invalid value '{memory}' for element or attribute './@memory'"
                ))
            })?;
            let unit = cell.attribute("unit").unwrap_or("KiB");
            let scale = unit_scale(unit)
                .ok_or_else(|| ConfError::InvalidArg(format!("unknown suffix '{unit}'")))?;
            let bytes = value
                .checked_mul(scale)
                .filter(|b| *b <= i64::MAX as u64)
                .ok_or_else(|| ConfError::Overflow(format!("value too large: {memory}{unit}")))?;
            cpu.numa.push(NumaCell {
                id,
                cpus,
                memory_kib: bytes.div_ceil(1024),
                mem_access,
                discard: yes_no(cell, "discard")?,
            });
        }
    }
    for unsupported in ["maxphysaddr"] {
        if child(c, unsupported).is_some() {
            return Err(ConfError::NotImplemented(format!("<cpu><{unsupported}>")));
        }
    }
    Ok(cpu)
}

fn parse_cputune(c: Node<'_, '_>) -> Result<Cputune> {
    let mut ct = Cputune::default();
    for e in c.children().filter(|e| e.is_element()) {
        let name = e.tag_name().name();
        match name {
            "shares" => {
                ct.shares = Some(
                    parse_u64(&text_of(e))
                        .ok_or_else(|| ConfError::Xml("can't parse cputune shares value".into()))?,
                )
            }
            "vcpupin" | "emulatorpin" | "iothreadpin" => {}
            n if CPUTUNE_VALUES.contains(&n) => {}
            other => return Err(ConfError::NotImplemented(format!("<cputune><{other}>"))),
        }
    }
    for k in CPUTUNE_VALUES {
        if let Some(e) = child(c, k) {
            let v = text_of(e).trim().parse::<i64>().map_err(|_| {
                ConfError::Xml(format!("can't parse cputune {} value", k.replace('_', " ")))
            })?;
            ct.values.push((k, v));
        }
    }
    for p in children(c, "vcpupin") {
        let vcpu = uint_attr(p, "vcpu")?
            .ok_or_else(|| ConfError::Xml("missing vcpu id in vcpupin".into()))?;
        let set = parse_cpuset(&attr(p, "cpuset").unwrap_or_default())?;
        if ct.vcpupin.iter().any(|(v, _)| *v == vcpu) {
            return Err(ConfError::NotImplemented("duplicate <vcpupin>".into()));
        }
        ct.vcpupin.push((vcpu, set));
    }
    ct.vcpupin.sort_by_key(|(v, _)| *v);
    if let Some(p) = child(c, "emulatorpin") {
        ct.emulatorpin = Some(parse_cpuset(&attr(p, "cpuset").unwrap_or_default())?);
    }
    for p in children(c, "iothreadpin") {
        let id = uint_attr(p, "iothread")?
            .ok_or_else(|| ConfError::Xml("missing iothread id in iothreadpin".into()))?;
        let set = parse_cpuset(&attr(p, "cpuset").unwrap_or_default())?;
        if ct.iothreadpin.iter().any(|(v, _)| *v == id) {
            return Err(ConfError::NotImplemented("duplicate <iothreadpin>".into()));
        }
        ct.iothreadpin.push((id, set));
    }
    ct.iothreadpin.sort_by_key(|(v, _)| *v);
    Ok(ct)
}

fn parse_clock(c: Node<'_, '_>) -> Result<Clock> {
    let mut timezone = None;
    let mut adjustment = None;
    let offset = match c.attribute("offset") {
        None | Some("utc") => "utc",
        Some("localtime") => "localtime",
        Some("timezone") => {
            timezone = Some(attr(c, "timezone").ok_or_else(|| {
                ConfError::Xml(
                    "missing 'timezone' attribute for clock with offset='timezone'".into(),
                )
            })?);
            "timezone"
        }
        Some("variable") => {
            let adj = match c.attribute("adjustment") {
                None => 0,
                Some(a) => a
                    .trim()
                    .parse::<i64>()
                    .map_err(|_| ConfError::Xml("unknown clock adjustment".into()))?,
            };
            let basis = match c.attribute("basis") {
                None | Some("utc") => "utc",
                Some("localtime") => "localtime",
                Some(b) => return Err(ConfError::Xml(format!("unknown clock basis '{b}'"))),
            };
            adjustment = Some((adj, basis.to_owned()));
            "variable"
        }
        Some(o @ "absolute") => {
            return Err(ConfError::NotImplemented(format!("clock offset '{o}'")))
        }
        Some(o) => {
            return Err(ConfError::unsupported(format!(
                "unknown clock offset '{o}'"
            )))
        }
    };
    let mut timers = Vec::new();
    for t in children(c, "timer") {
        let name = match t.attribute("name") {
            Some(
                n @ ("platform" | "pit" | "rtc" | "hpet" | "tsc" | "kvmclock" | "hypervclock"
                | "armvtimer"),
            ) => n,
            Some(n) => return Err(ConfError::Xml(format!("unknown timer name '{n}'"))),
            None => return Err(ConfError::Xml("missing timer name".into())),
        };
        if t.children().any(|x| x.is_element()) {
            return Err(ConfError::NotImplemented("<timer><catchup>".into()));
        }
        let frequency = match t.attribute("frequency") {
            None => None,
            Some(f) => {
                Some(parse_u64(f).ok_or_else(|| ConfError::Xml("invalid timer frequency".into()))?)
            }
        };
        timers.push(Timer {
            name: name.into(),
            present: yes_no(t, "present")?,
            tickpolicy: attr(t, "tickpolicy"),
            track: attr(t, "track"),
            frequency,
            mode: attr(t, "mode"),
        });
    }
    if matches!(offset, "utc" | "localtime") && c.attribute("adjustment").is_some() {
        return Err(ConfError::NotImplemented(
            "clock adjustment with utc/localtime".into(),
        ));
    }
    Ok(Clock {
        offset: offset.into(),
        timezone,
        adjustment,
        timers,
    })
}

fn lifecycle(root: Node<'_, '_>, name: &str, default: Lifecycle, crash: bool) -> Result<Lifecycle> {
    let Some(v) = child_text_nonempty(root, name) else {
        return Ok(default);
    };
    Ok(match v.as_str() {
        "destroy" => Lifecycle::Destroy,
        "restart" => Lifecycle::Restart,
        "preserve" => Lifecycle::Preserve,
        "rename-restart" => Lifecycle::RenameRestart,
        "coredump-destroy" if crash => Lifecycle::CoredumpDestroy,
        "coredump-restart" if crash => Lifecycle::CoredumpRestart,
        _ => {
            return Err(ConfError::unsupported(format!(
                "unknown {name} action: {v}"
            )));
        }
    })
}

pub(super) fn parse_address(n: Node<'_, '_>) -> Result<Option<Address>> {
    let Some(a) = child(n, "address") else {
        return Ok(None);
    };
    match a.attribute("type") {
        Some("pci") => {
            let get = |k: &str| -> Result<u32> {
                match a.attribute(k) {
                    None => Ok(0),
                    Some(v) => parse_u64(v)
                        .and_then(|x| u32::try_from(x).ok())
                        .ok_or_else(|| {
                            ConfError::Internal(format!("Cannot parse <address> '{k}' attribute"))
                        }),
                }
            };
            let p = PciAddress {
                domain: get("domain")?,
                bus: get("bus")?,
                slot: get("slot")?,
                function: get("function")?,
                multifunction: on_off(a, "multifunction")?,
            };
            if p.domain > 0xffff || p.bus > 0xff || p.slot > 0x1f || p.function > 7 {
                return Err(ConfError::Xml("Invalid PCI address".into()));
            }
            Ok(Some(Address::Pci(p)))
        }
        Some("drive") => {
            let get = |k: &str| -> Result<u32> { Ok(uint_attr(a, k)?.unwrap_or(0)) };
            Ok(Some(Address::Drive {
                controller: get("controller")?,
                bus: get("bus")?,
                target: get("target")?,
                unit: get("unit")?,
            }))
        }
        Some("usb") => {
            let bus = uint_attr(a, "bus")?.unwrap_or(0);
            // no port asks for one on the bus
            let port = match a.attribute("port") {
                None => UsbPort::default(),
                Some(p) => UsbPort::parse(p).ok_or_else(|| {
                    ConfError::Xml("Cannot parse <address> 'port' attribute".into())
                })?,
            };
            Ok(Some(Address::Usb { bus, port }))
        }
        Some("ccid") => Ok(Some(Address::Ccid {
            controller: uint_attr(a, "controller")?.unwrap_or(0),
            slot: uint_attr(a, "slot")?.unwrap_or(0),
        })),
        Some("isa") => {
            let hex = |k: &str| -> Result<Option<u32>> {
                match a.attribute(k) {
                    None => Ok(None),
                    Some(v) => v
                        .strip_prefix("0x")
                        .map_or_else(
                            || v.parse::<u32>().ok(),
                            |h| u32::from_str_radix(h, 16).ok(),
                        )
                        .map(Some)
                        .ok_or_else(|| bad_attr(a, k, v)),
                }
            };
            Ok(Some(Address::Isa {
                iobase: hex("iobase")?,
                irq: hex("irq")?,
            }))
        }
        Some("dimm") => {
            let base = match a.attribute("base") {
                None => None,
                Some(b) => Some(
                    b.strip_prefix("0x")
                        .map_or_else(
                            || b.parse::<u64>().ok(),
                            |h| u64::from_str_radix(h, 16).ok(),
                        )
                        .ok_or_else(|| bad_attr(a, "base", b))?,
                ),
            };
            Ok(Some(Address::Dimm {
                slot: uint_attr(a, "slot")?.unwrap_or(0),
                base,
            }))
        }
        Some("virtio-serial") => {
            let get = |k: &str| -> Result<u32> { Ok(uint_attr(a, k)?.unwrap_or(0)) };
            Ok(Some(Address::VirtioSerial {
                controller: get("controller")?,
                bus: get("bus")?,
                port: get("port")?,
            }))
        }
        Some(t) => Err(ConfError::NotImplemented(format!("address type '{t}'"))),
        None => Ok(None),
    }
}

fn parse_sysinfo(n: Node<'_, '_>, root: Node<'_, '_>) -> Result<Sysinfo> {
    if n.attribute("type") != Some("smbios")
        || root
            .children()
            .filter(|c| {
                c.is_element()
                    && c.tag_name().name() == "sysinfo"
                    && c.attribute("type") != Some("fwcfg")
            })
            .count()
            > 1
        || root
            .children()
            .filter(|c| {
                c.is_element()
                    && c.tag_name().name() == "sysinfo"
                    && c.attribute("type") == Some("fwcfg")
            })
            .count()
            > 1
    {
        return Err(ConfError::NotImplemented(
            "<sysinfo> other than a single smbios one".into(),
        ));
    }
    // the first entry of each name, empty values left out (libvirt's XPath lookups)
    let block = |b: Node<'_, '_>, names: &[&'static str]| -> Vec<(&'static str, String)> {
        names
            .iter()
            .filter_map(|name| {
                b.children()
                    .find(|e| {
                        e.is_element()
                            && e.tag_name().name() == "entry"
                            && e.attribute("name") == Some(name)
                    })
                    .map(text_of)
                    .filter(|v| !v.is_empty())
                    .map(|v| (*name, v))
            })
            .collect()
    };
    let mut si = Sysinfo::default();
    let mut seen: Vec<&str> = Vec::new();
    for b in n.children().filter(|c| c.is_element()) {
        let name = b.tag_name().name();
        let values = match name {
            "bios" => block(b, SYSINFO_BIOS),
            "system" => block(b, SYSINFO_SYSTEM),
            "baseBoard" => block(b, SYSINFO_BASEBOARD),
            "chassis" => block(b, SYSINFO_CHASSIS),
            "oemStrings" => {
                let v: Vec<String> = b
                    .children()
                    .filter(|e| e.is_element() && e.tag_name().name() == "entry")
                    .map(text_of)
                    .collect();
                if v.is_empty() || v.iter().any(String::is_empty) {
                    return Err(ConfError::NotImplemented("this <oemStrings>".into()));
                }
                Vec::new()
            }
            other => return Err(ConfError::NotImplemented(format!("<sysinfo><{other}>"))),
        };
        if name != "baseBoard" && seen.contains(&name) {
            return Err(ConfError::NotImplemented(format!(
                "several <sysinfo><{name}>"
            )));
        }
        seen.push(name);
        if name != "oemStrings" && values.is_empty() {
            return Err(ConfError::NotImplemented(format!(
                "empty <sysinfo><{name}>"
            )));
        }
        match name {
            "bios" => {
                if let Some((_, d)) = values.iter().find(|(k, _)| *k == "date") {
                    let parts: Vec<&str> = d.split('/').collect();
                    let ok = matches!(parts.as_slice(), [m, dd, y]
                        if m.len() == 2 && dd.len() == 2 && (y.len() == 2 || y.len() == 4)
                            && d.chars().all(|c| c.is_ascii_digit() || c == '/'));
                    if !ok {
                        return Err(ConfError::NotImplemented(format!("BIOS date '{d}'")));
                    }
                }
                si.bios = values;
            }
            "system" => {
                if let Some((_, u)) = values.iter().find(|(k, _)| *k == "uuid") {
                    let dom = child_text(root, "uuid").and_then(|t| parse_uuid(t.trim()));
                    if dom.is_none() || dom.map(|d| uuid_string(&d)).as_deref() != Some(u.as_str())
                    {
                        return Err(ConfError::NotImplemented(
                            "a <sysinfo> system uuid other than the domain's, in canonical form"
                                .into(),
                        ));
                    }
                }
                si.system = values;
            }
            "baseBoard" => si.base_boards.push(values),
            "chassis" => si.chassis = values,
            _ => {
                si.oem_strings = b
                    .children()
                    .filter(|e| e.is_element() && e.tag_name().name() == "entry")
                    .map(text_of)
                    .collect();
            }
        }
    }
    Ok(si)
}

fn parse_blkiotune(b: Node<'_, '_>) -> Result<Blkiotune> {
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

fn numa_mode(n: Node<'_, '_>) -> Result<String> {
    match n.attribute("mode") {
        None => Ok("strict".into()),
        Some(m @ ("strict" | "preferred" | "interleave" | "restrictive")) => Ok(m.to_owned()),
        Some(m) => Err(ConfError::Xml(format!(
            "Unsupported NUMA memory tuning mode '{m}'"
        ))),
    }
}

fn parse_numatune(t: Node<'_, '_>) -> Result<Numatune> {
    let mut nt = Numatune::default();
    for e in t.children().filter(|c| c.is_element()) {
        match e.tag_name().name() {
            "memory" => {
                if matches!(e.attribute("placement"), Some(p) if p != "static")
                    || e.attributes()
                        .any(|a| !matches!(a.name(), "mode" | "nodeset" | "placement"))
                {
                    return Err(ConfError::NotImplemented("this <numatune><memory>".into()));
                }
                let nodeset = e.attribute("nodeset").ok_or_else(|| {
                    ConfError::NotImplemented("<numatune><memory> without a nodeset".into())
                })?;
                nt.memory = Some((numa_mode(e)?, parse_cpuset(nodeset)?));
            }
            "memnode" => {
                let cell = uint_attr(e, "cellid")?.ok_or_else(|| {
                    ConfError::Xml("Invalid cellid attribute in memnode element".into())
                })?;
                let nodeset = e.attribute("nodeset").ok_or_else(|| {
                    ConfError::Xml("Missing required nodeset attribute in memnode element".into())
                })?;
                if nt.memnodes.iter().any(|(c, _, _)| *c == cell) {
                    return Err(ConfError::Xml(format!(
                        "Multiple memnode elements with cellid {cell}"
                    )));
                }
                nt.memnodes
                    .push((cell, numa_mode(e)?, parse_cpuset(nodeset)?));
            }
            other => return Err(ConfError::NotImplemented(format!("<numatune><{other}>"))),
        }
    }
    nt.memnodes.sort_by_key(|(c, _, _)| *c);
    Ok(nt)
}

fn parse_memory_backing(m: Node<'_, '_>) -> Result<MemoryBacking> {
    let mut mb = MemoryBacking::default();
    for c in m.children().filter(|c| c.is_element()) {
        match c.tag_name().name() {
            "hugepages" => {
                let mut pages = Vec::new();
                for p in c.children().filter(|p| p.is_element()) {
                    if p.tag_name().name() != "page" {
                        continue;
                    }
                    let size = p.attribute("size").unwrap_or("");
                    let value = parse_u64(size).ok_or_else(|| {
                        ConfError::Xml(format!("unable to parse size attribute '{size}'"))
                    })?;
                    let unit = p.attribute("unit").unwrap_or("KiB");
                    let scale = unit_scale(unit)
                        .ok_or_else(|| ConfError::InvalidArg(format!("unknown suffix '{unit}'")))?;
                    let kib = value
                        .checked_mul(scale)
                        .ok_or_else(|| {
                            ConfError::Overflow(format!("value too large: {size}{unit}"))
                        })?
                        .div_ceil(1024);
                    let nodeset = match p.attribute("nodeset") {
                        None => None,
                        Some(n) => Some(parse_cpuset(n)?),
                    };
                    pages.push((kib, nodeset));
                }
                mb.hugepages = Some(pages);
            }
            "nosharepages" => mb.nosharepages = true,
            "locked" => mb.locked = true,
            "discard" => mb.discard = true,
            "source" => {
                mb.source = match c.attribute("type") {
                    Some(t @ ("file" | "anonymous" | "memfd")) => Some(t.to_owned()),
                    Some(t) => {
                        return Err(ConfError::unsupported(format!("unknown source type '{t}'")))
                    }
                    None => None,
                }
            }
            "access" => {
                mb.access = match c.attribute("mode") {
                    Some(t @ ("shared" | "private")) => Some(t.to_owned()),
                    Some(t) => {
                        return Err(ConfError::unsupported(format!(
                            "unknown memoryBacking/access/mode '{t}'"
                        )))
                    }
                    None => None,
                }
            }
            "allocation" => {
                let mode = match c.attribute("mode") {
                    Some(t @ ("immediate" | "ondemand")) => Some(t.to_owned()),
                    Some(t) => {
                        return Err(ConfError::unsupported(format!(
                            "unknown memoryBacking/allocation/mode '{t}'"
                        )))
                    }
                    None => None,
                };
                mb.allocation = Some((mode, uint_attr(c, "threads")?));
            }
            other => {
                return Err(ConfError::NotImplemented(format!(
                    "<memoryBacking><{other}>"
                )));
            }
        }
    }
    Ok(mb)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units() {
        assert_eq!(unit_scale("KiB"), Some(1024));
        assert_eq!(unit_scale("k"), Some(1024));
        assert_eq!(unit_scale("KB"), Some(1000));
        assert_eq!(unit_scale("G"), Some(1 << 30));
        assert_eq!(unit_scale("bytes"), Some(1));
        assert_eq!(unit_scale("x"), None);
        assert_eq!(unit_scale("kx"), None);
    }

    #[test]
    fn uuids() {
        assert_eq!(
            parse_uuid("11111111-2222-3333-4444-555555555555").map(|u| uuid_string(&u)),
            Some("11111111-2222-3333-4444-555555555555".into())
        );
        assert_eq!(
            parse_uuid("1111111122223333444455555555555a").map(|u| uuid_string(&u)),
            Some("11111111-2222-3333-4444-55555555555a".into())
        );
        assert_eq!(parse_uuid("1111"), None);
        assert_eq!(parse_uuid("zz111111-2222-3333-4444-555555555555"), None);
        assert!(random_uuid().is_ok());
    }

    #[test]
    fn cpusets() {
        assert_eq!(parse_cpuset("0-3,^2,7").ok(), Some(vec![0, 1, 3, 7]));
        // applied in order, as libvirt does
        assert_eq!(parse_cpuset("^1,0-2").ok(), Some(vec![0, 1, 2]));
        assert_eq!(parse_cpuset(" 1 , 3-4 ").ok(), Some(vec![1, 3, 4]));
        assert_eq!(parse_cpuset("16383").ok(), Some(vec![16383]));
        assert!(parse_cpuset("16384").is_err());
        assert!(parse_cpuset("1,,2").is_err());
        assert!(parse_cpuset("1-").is_err());
        assert_eq!(
            parse_cpuset("0,^0").err().map(|e| e.to_string()),
            Some("unsupported configuration: Invalid value of 'cpuset': 0,^0".into())
        );
        assert_eq!(format_cpuset(&[0, 1, 3, 7, 8]), "0-1,3,7-8");
        assert!(parse_cpuset("a").is_err());
        assert!(parse_cpuset("3-1").is_err());
    }

    #[test]
    fn numbers() {
        assert_eq!(parse_u64("0x10"), Some(16));
        assert_eq!(parse_u64("010"), Some(8));
        assert_eq!(parse_u64("-1"), None);
    }
}
