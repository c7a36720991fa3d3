//! Reading `<domain>` XML (`virDomainDefParseXML`, without `--validate`: unknown elements and
//! attributes are ignored).

use super::*;
use crate::error::ConfError;
use roxmltree::Node;

type Result<T> = std::result::Result<T, ConfError>;

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
fn parse_alias(n: Node<'_, '_>, live: bool) -> Result<Option<String>> {
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

fn child<'a, 'i>(n: Node<'a, 'i>, name: &str) -> Option<Node<'a, 'i>> {
    n.children().find(|c| {
        c.is_element() && c.tag_name().name() == name && c.tag_name().namespace().is_none()
    })
}

fn children<'a, 'i>(n: Node<'a, 'i>, name: &'a str) -> impl Iterator<Item = Node<'a, 'i>> + 'a {
    n.children().filter(move |c| {
        c.is_element() && c.tag_name().name() == name && c.tag_name().namespace().is_none()
    })
}

/// `string(./name[1])`: the text content of the first such child, all descendants' text.
fn text_of(n: Node<'_, '_>) -> String {
    n.descendants()
        .filter(|d| d.is_text())
        .filter_map(|d| d.text())
        .collect()
}

fn child_text(n: Node<'_, '_>, name: &str) -> Option<String> {
    child(n, name).map(text_of)
}

/// Like `child_text` but an empty string counts as absent (libvirt's virXPathString).
fn child_text_nonempty(n: Node<'_, '_>, name: &str) -> Option<String> {
    child_text(n, name).filter(|s| !s.is_empty())
}

fn attr(n: Node<'_, '_>, name: &str) -> Option<String> {
    n.attribute(name).map(str::to_owned)
}

fn yes_no(n: Node<'_, '_>, name: &str) -> Result<Option<bool>> {
    match n.attribute(name) {
        None => Ok(None),
        Some("yes") => Ok(Some(true)),
        Some("no") => Ok(Some(false)),
        Some(v) => Err(bad_attr(n, name, v)),
    }
}

fn on_off(n: Node<'_, '_>, name: &str) -> Result<Option<bool>> {
    match n.attribute(name) {
        None => Ok(None),
        Some("on") => Ok(Some(true)),
        Some("off") => Ok(Some(false)),
        Some(v) => Err(bad_attr(n, name, v)),
    }
}

/// `virXMLPropEnum`'s error for a value outside the enumeration.
fn bad_attr(n: Node<'_, '_>, name: &str, v: &str) -> ConfError {
    ConfError::XmlValue(format!(
        "Invalid value for attribute '{name}' in element '{}': '{v}'.",
        n.tag_name().name()
    ))
}

/// An unsigned attribute, parsed as libvirt's `virStrToLong_uip` (decimal, or hex with 0x).
fn uint_attr(n: Node<'_, '_>, name: &str) -> Result<Option<u32>> {
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
fn controller_index(n: Node<'_, '_>) -> Result<Option<u32>> {
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

pub(crate) fn parse_uuid(s: &str) -> Option<[u8; 16]> {
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
pub(crate) fn unit_scale(unit: &str) -> Option<u64> {
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
fn parse_memory(n: Node<'_, '_>, what: &str) -> Result<u64> {
    scaled_kib(n, what, "KiB")
}

/// A scaled size element (`virDomainParseScaledValue`) in KiB, rounded up: the value, then
/// its `unit` (or `default_unit`); sizes are capped at LLONG_MAX bytes.
fn scaled_kib(n: Node<'_, '_>, what: &str, default_unit: &str) -> Result<u64> {
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
fn parse_cpuset(s: &str) -> Result<Vec<u32>> {
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

fn parse_address(n: Node<'_, '_>) -> Result<Option<Address>> {
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

/// libvirt's error for a unix chardev without a path where it generates none (serials and
/// consoles: only virtio channels get a generated socket).
fn missing_chr_path() -> ConfError {
    ConfError::Internal("Missing source path attribute for char device".into())
}

/// The source of a character device: its type attribute, `<source>`, `<protocol>` and `<log>`.
/// `allowed` names the other children the caller handles.
fn parse_chr_source(
    n: Node<'_, '_>,
    allowed: &[&str],
    live: bool,
) -> Result<(ChrSource, Option<ChrLog>)> {
    let ty = n.attribute("type").unwrap_or("pty");
    if !matches!(ty, "pty" | "unix" | "file" | "tcp" | "spicevmc") {
        return Err(ConfError::NotImplemented(format!(
            "character device type '{ty}'"
        )));
    }
    let mut log = None;
    let mut source: Option<Node<'_, '_>> = None;
    let mut protocol = None;
    for c in n.children().filter(|c| c.is_element()) {
        match c.tag_name().name() {
            "log" => {
                let Some(file) = attr(c, "file") else {
                    return Err(ConfError::NotImplemented("<log> without a file".into()));
                };
                log = Some(ChrLog {
                    file,
                    append: on_off(c, "append")?,
                });
            }
            "source" if source.is_none() => {
                if c.children().any(|x| x.is_element()) {
                    return Err(ConfError::NotImplemented("<source> children".into()));
                }
                source = Some(c);
            }
            "protocol" if ty == "tcp" => {
                protocol = match c.attribute("type") {
                    None => None,
                    Some(p @ ("raw" | "telnet")) => Some(p.to_owned()),
                    Some(p) => {
                        return Err(ConfError::NotImplemented(format!("chardev protocol '{p}'")))
                    }
                }
            }
            "alias" => {}
            name if allowed.contains(&name) => {}
            name => {
                return Err(ConfError::NotImplemented(format!(
                    "<{}><{name}>",
                    n.tag_name().name()
                )))
            }
        }
    }
    let sattr = |k: &str| source.and_then(|s| attr(s, k));
    let mode = || -> Result<String> {
        match sattr("mode").as_deref() {
            None | Some("connect") => Ok("connect".into()),
            Some("bind") => Ok("bind".into()),
            Some(m) => Err(ConfError::NotImplemented(format!(
                "chardev source mode '{m}'"
            ))),
        }
    };
    let src = match ty {
        "pty" => {
            // libvirt reads the pty path only from live XML
            if source.is_some_and(|s| s.attributes().any(|a| a.name() != "path")) {
                return Err(ConfError::NotImplemented(
                    "<source> of a pty chardev".into(),
                ));
            }
            ChrSource::Pty {
                path: sattr("path").filter(|_| live),
            }
        }
        "spicevmc" => {
            if source.is_some() {
                return Err(ConfError::NotImplemented(format!(
                    "<source> of a {ty} chardev"
                )));
            }
            ChrSource::SpiceVmc
        }
        "unix" => match sattr("path") {
            None => ChrSource::UnixAuto,
            Some(path) => ChrSource::Unix {
                mode: mode()?,
                path,
            },
        },
        "file" => match sattr("path") {
            Some(path) => ChrSource::File {
                path,
                append: match source {
                    Some(s) => on_off(s, "append")?,
                    None => None,
                },
            },
            None => {
                return Err(ConfError::NotImplemented(
                    "file chardev without a path".into(),
                ))
            }
        },
        _ => match sattr("service") {
            Some(service) => ChrSource::Tcp {
                mode: mode()?,
                host: sattr("host"),
                service,
                protocol: protocol.unwrap_or_else(|| "raw".into()),
            },
            None => {
                return Err(ConfError::NotImplemented(
                    "tcp chardev without a service".into(),
                ))
            }
        },
    };
    if source.is_some_and(|s| {
        s.attributes()
            .any(|a| !matches!(a.name(), "mode" | "path" | "append" | "host" | "service"))
    }) {
        return Err(ConfError::NotImplemented(
            "chardev <source> attributes".into(),
        ));
    }
    Ok((src, log))
}

fn parse_graphics(n: Node<'_, '_>, live: bool) -> Result<Graphics> {
    let kind = match n.attribute("type") {
        Some(k @ ("vnc" | "spice")) => k.to_owned(),
        Some("egl-headless") => {
            if n.children().any(|c| c.is_element()) || n.attributes().count() > 1 {
                return Err(ConfError::NotImplemented("egl-headless options".into()));
            }
            return Ok(Graphics {
                kind: "egl-headless".into(),
                port: 0,
                tls_port: 0,
                autoport: false,
                passwd: None,
                keymap: None,
                share_policy: None,
                listens: Vec::new(),
                channels: Vec::new(),
                image_compression: None,
                default_mode: None,
                spice_options: Vec::new(),
            });
        }
        Some(k @ ("sdl" | "rdp" | "desktop" | "dbus")) => {
            return Err(ConfError::NotImplemented(format!("graphics type '{k}'")))
        }
        Some(k) => return Err(bad_attr(n, "type", k)),
        None => return Err(ConfError::NotImplemented("graphics without a type".into())),
    };
    for a in n.attributes() {
        let known = matches!(
            a.name(),
            "type" | "port" | "tlsPort" | "autoport" | "listen" | "passwd" | "keymap"
        ) || (kind == "vnc" && matches!(a.name(), "sharePolicy" | "socket"))
            || (kind == "spice" && a.name() == "defaultMode");
        if !known {
            return Err(ConfError::NotImplemented(format!(
                "<graphics> attribute '{}'",
                a.name()
            )));
        }
    }
    let port_attr = |k: &str| -> Result<Option<i64>> {
        match n.attribute(k) {
            None => Ok(None),
            Some(v) => v
                .parse::<i64>()
                .ok()
                .filter(|p| *p >= -1 && *p <= 65535)
                .map(Some)
                .ok_or_else(|| ConfError::NotImplemented(format!("graphics {k} '{v}'"))),
        }
    };
    let port = port_attr("port")?;
    let tls = if kind == "spice" {
        port_attr("tlsPort")?
    } else {
        None
    };
    let autoport_attr = yes_no(n, "autoport")?;
    let autoport = match kind.as_str() {
        "vnc" => autoport_attr.unwrap_or(matches!(port, None | Some(-1))),
        _ => autoport_attr.unwrap_or(false) || port == Some(-1) || tls == Some(-1),
    };
    let to_port = |p: Option<i64>| -> u32 {
        match p {
            Some(p) if p > 0 && (!autoport || live) => u32::try_from(p).unwrap_or(0),
            _ => 0,
        }
    };
    let mut g = Graphics {
        port: to_port(port),
        tls_port: to_port(tls),
        autoport,
        passwd: attr(n, "passwd"),
        keymap: attr(n, "keymap"),
        share_policy: attr(n, "sharePolicy"),
        listens: Vec::new(),
        channels: Vec::new(),
        image_compression: None,
        default_mode: match n.attribute("defaultMode") {
            None | Some("any") => None,
            Some(m @ ("secure" | "insecure")) => Some(m.to_owned()),
            Some(m) => return Err(bad_attr(n, "defaultMode", m)),
        },
        spice_options: Vec::new(),
        kind,
    };
    const SPICE_OPTIONS: &[(&str, &str)] = &[
        ("jpeg", "compression"),
        ("zlib", "compression"),
        ("playback", "compression"),
        ("streaming", "mode"),
        ("mouse", "mode"),
        ("clipboard", "copypaste"),
        ("filetransfer", "enable"),
        ("gl", "enable"),
    ];
    for c in n.children().filter(|c| c.is_element()) {
        match c.tag_name().name() {
            "listen" => {
                let l = match c.attribute("type") {
                    Some("address") => GraphicsListen::Address(attr(c, "address")),
                    Some("network") => match attr(c, "network") {
                        Some(net) if c.attribute("address").is_none() => {
                            GraphicsListen::Network(net)
                        }
                        _ => {
                            return Err(ConfError::NotImplemented(
                                "this <listen type='network'>".into(),
                            ))
                        }
                    },
                    Some("none") => GraphicsListen::None,
                    Some("socket") => {
                        let path = attr(c, "socket");
                        // libvirt's own socket paths are not kept in the definition
                        if g.kind == "vnc"
                            && !live
                            && path
                                .as_deref()
                                .is_some_and(|p| p.starts_with("/var/lib/libvirt/qemu/"))
                        {
                            continue;
                        }
                        GraphicsListen::Socket(path)
                    }
                    _ => return Err(ConfError::NotImplemented("this <listen>".into())),
                };
                g.listens.push(l);
            }
            "channel" if g.kind == "spice" => match (attr(c, "name"), attr(c, "mode")) {
                (Some(name), Some(mode)) => g.channels.push((name, mode)),
                _ => return Err(ConfError::NotImplemented("this spice <channel>".into())),
            },
            "image" if g.kind == "spice" => {
                g.image_compression = attr(c, "compression");
            }
            name if g.kind == "spice" && SPICE_OPTIONS.iter().any(|(e, _)| *e == name) => {}
            other => return Err(ConfError::NotImplemented(format!("<graphics><{other}>"))),
        }
    }
    if g.listens.len() > 1 {
        return Err(ConfError::NotImplemented("several <listen>".into()));
    }
    if g.kind == "spice" {
        for (e, k) in SPICE_OPTIONS {
            if let Some(c) = child(n, e) {
                let extra = c.attributes().any(|a| a.name() != *k);
                match attr(c, k) {
                    Some(v) if !extra => g.spice_options.push((e, k, v)),
                    _ => return Err(ConfError::NotImplemented(format!("this spice <{e}>"))),
                }
            }
        }
    }
    if let Some(sock) = attr(n, "socket").filter(|_| g.kind == "vnc") {
        match g.listens.first() {
            None if !sock.starts_with("/var/lib/libvirt/qemu/") || live => {
                g.listens.push(GraphicsListen::Socket(Some(sock)))
            }
            None => {}
            Some(GraphicsListen::Socket(Some(p))) if *p == sock => {}
            _ => {
                return Err(ConfError::NotImplemented(
                    "graphics socket attribute with another <listen>".into(),
                ))
            }
        }
    }
    if let Some(a) = attr(n, "listen") {
        match g.listens.first() {
            None => g.listens.push(GraphicsListen::Address(Some(a))),
            Some(GraphicsListen::Address(Some(b))) if *b == a => {}
            _ => {
                return Err(ConfError::NotImplemented(
                    "graphics listen attribute with another <listen>".into(),
                ))
            }
        }
    }
    Ok(g)
}

const DISK_BUSES: &[&str] = &[
    "ide", "fdc", "scsi", "virtio", "xen", "usb", "uml", "sata", "sd",
];

fn parse_disk(n: Node<'_, '_>, live: bool) -> Result<Disk> {
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
    for unsupported in [
        "encryption",
        "geometry",
        "transient",
        "mirror",
        "reservations",
        "throttlefilters",
    ] {
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
        if kind != "network" && s.children().any(|c| c.is_element()) {
            return Err(ConfError::NotImplemented("<disk><source> children".into()));
        }
    }
    let volume = match (kind, child(n, "source")) {
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
    };
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
    let wwn = child_text_nonempty(n, "wwn");
    if let Some(w) = &wwn {
        let hex = w.strip_prefix("0x").unwrap_or(w);
        if hex.len() != 16 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(ConfError::Xml(format!("Malformed wwn: {w}")));
        }
    }
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
        alias: parse_alias(n, live)?,
        address: parse_address(n)?,
    })
}

fn parse_backing_store(b: Node<'_, '_>, depth: usize) -> Result<BackingStore> {
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

const DISK_PROTOCOLS: &[&str] = &[
    "nbd", "rbd", "sheepdog", "gluster", "iscsi", "http", "https", "ftp", "ftps", "tftp", "ssh",
    "vxhs", "nfs",
];

fn parse_disk_network(s: Node<'_, '_>) -> Result<DiskNetwork> {
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

fn parse_disk_auth(a: Node<'_, '_>) -> Result<DiskAuth> {
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

/// `<driver>` of a controller: the attributes in libvirt's order.
fn parse_controller_driver(n: Node<'_, '_>) -> Result<Vec<(&'static str, String)>> {
    let Some(d) = child(n, "driver") else {
        return Ok(Vec::new());
    };
    const ATTRS: &[&str] = &[
        "queues",
        "cmd_per_lun",
        "max_sectors",
        "ioeventfd",
        "iothread",
    ];
    if d.has_children() || d.attributes().any(|a| !ATTRS.contains(&a.name())) {
        return Err(ConfError::NotImplemented("this controller <driver>".into()));
    }
    let mut out = Vec::new();
    for k in ATTRS {
        if let Some(v) = d.attribute(*k) {
            if *k == "ioeventfd" {
                if !matches!(v, "on" | "off") {
                    return Err(bad_attr(d, k, v));
                }
                out.push((*k, v.to_owned()));
            } else {
                let n = uint_attr(d, k)?.unwrap_or(0);
                out.push((*k, n.to_string()));
            }
        }
    }
    Ok(out)
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

/// A host PCI address (`<source><address domain= bus= slot= function=>`).
fn parse_host_pci_address(a: Node<'_, '_>) -> Result<PciAddress> {
    let get = |k: &str| -> Result<u32> {
        match a.attribute(k) {
            None => Ok(0),
            Some(v) => v
                .strip_prefix("0x")
                .map_or_else(
                    || v.parse::<u32>().ok(),
                    |h| u32::from_str_radix(h, 16).ok(),
                )
                .ok_or_else(|| ConfError::Xml(format!("Cannot parse <address> '{k}' attribute"))),
        }
    };
    let p = PciAddress {
        domain: get("domain")?,
        bus: get("bus")?,
        slot: get("slot")?,
        function: get("function")?,
        multifunction: None,
    };
    if p.domain > 0xffff || p.bus > 0xff || p.slot > 0x1f || p.function > 7 {
        return Err(ConfError::Xml("Invalid PCI address".into()));
    }
    Ok(p)
}

fn hex_id(n: Node<'_, '_>) -> Result<u32> {
    let v = n.attribute("id").unwrap_or("");
    v.strip_prefix("0x")
        .and_then(|h| u32::from_str_radix(h, 16).ok())
        .or_else(|| v.parse::<u32>().ok())
        .filter(|x| *x <= 0xffff)
        .ok_or_else(|| ConfError::Xml(format!("cannot parse {} id '{v}'", n.tag_name().name())))
}

fn parse_hostdev(n: Node<'_, '_>, live: bool) -> Result<Hostdev> {
    if n.attribute("mode").is_some_and(|m| m != "subsystem") {
        return Err(ConfError::NotImplemented(
            "hostdev mode other than subsystem".into(),
        ));
    }
    let managed = match n.attribute("managed") {
        None | Some("no") => false,
        Some("yes") => true,
        Some(v) => return Err(bad_attr(n, "managed", v)),
    };
    for c in n.children().filter(|c| c.is_element()) {
        if !matches!(
            c.tag_name().name(),
            "driver" | "source" | "boot" | "rom" | "alias" | "address"
        ) {
            return Err(ConfError::NotImplemented(format!(
                "<hostdev><{}>",
                c.tag_name().name()
            )));
        }
    }
    let src = child(n, "source")
        .ok_or_else(|| ConfError::Xml("Missing <source> element in hostdev device".into()))?;
    let (source, startup_policy) = match n.attribute("type") {
        Some("pci") => {
            let a = child(src, "address").ok_or_else(|| {
                ConfError::Xml("PCI host devices must use 'pci' address type".into())
            })?;
            (HostdevSource::Pci(parse_host_pci_address(a)?), None)
        }
        Some("usb") => {
            let vendor = child(src, "vendor").map(hex_id).transpose()?;
            let product = child(src, "product").map(hex_id).transpose()?;
            let bus_device = match child(src, "address") {
                None => None,
                Some(a) => Some((
                    uint_attr(a, "bus")?.unwrap_or(0),
                    uint_attr(a, "device")?.unwrap_or(0),
                )),
            };
            if vendor.is_some() != product.is_some() {
                return Err(ConfError::Xml("missing vendor or product".into()));
            }
            let policy = match src.attribute("startupPolicy") {
                None => None,
                Some(p @ ("mandatory" | "requisite" | "optional")) => Some(p.to_owned()),
                Some(p) => {
                    return Err(ConfError::Xml(format!("Unknown startup policy '{p}'")));
                }
            };
            (
                HostdevSource::Usb {
                    vendor,
                    product,
                    bus_device,
                },
                policy,
            )
        }
        Some(t) => return Err(ConfError::NotImplemented(format!("hostdev type '{t}'"))),
        None => return Err(ConfError::Xml("missing source address type".into())),
    };
    let driver = match child(n, "driver").and_then(|d| d.attribute("name")) {
        None => None,
        Some("vfio") => Some("vfio".to_owned()),
        Some(d) => return Err(ConfError::NotImplemented(format!("hostdev driver '{d}'"))),
    };
    let rom_bar = match child(n, "rom") {
        None => None,
        Some(r) => {
            if r.attributes().any(|a| a.name() != "bar") {
                return Err(ConfError::NotImplemented("this <rom>".into()));
            }
            on_off(r, "bar")?
        }
    };
    let boot_order = match child(n, "boot") {
        None => None,
        Some(b) => Some(uint_attr(b, "order")?.filter(|o| *o > 0).ok_or_else(|| {
            ConfError::Internal("incorrect boot order '', expecting positive integer".into())
        })?),
    };
    Ok(Hostdev {
        managed,
        driver,
        source,
        startup_policy,
        boot_order,
        rom_bar,
        alias: parse_alias(n, live)?,
        address: parse_address(n)?,
    })
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

fn parse_filesystem(n: Node<'_, '_>, live: bool) -> Result<Filesystem> {
    match n.attribute("type") {
        None | Some("mount") => {}
        Some(t @ ("block" | "file" | "template" | "ram" | "bind" | "volume")) => {
            return Err(ConfError::NotImplemented(format!("filesystem type '{t}'")))
        }
        Some(t) => {
            return Err(ConfError::unsupported(format!(
                "unknown filesystem type '{t}'"
            )))
        }
    }
    for a in n.attributes() {
        if !matches!(a.name(), "type" | "accessmode") {
            return Err(ConfError::NotImplemented(format!(
                "<filesystem> attribute '{}'",
                a.name()
            )));
        }
    }
    let accessmode = match n.attribute("accessmode") {
        None => None,
        Some(m @ ("passthrough" | "mapped" | "squash")) => Some(m.to_owned()),
        Some(m) => {
            return Err(ConfError::unsupported(format!("unknown accessmode '{m}'")));
        }
    };
    for c in n.children().filter(|c| c.is_element()) {
        if !matches!(
            c.tag_name().name(),
            "driver" | "binary" | "source" | "target" | "readonly" | "alias" | "address"
        ) {
            return Err(ConfError::NotImplemented(format!(
                "<filesystem><{}>",
                c.tag_name().name()
            )));
        }
    }
    let mut driver = Vec::new();
    let mut virtiofs = false;
    if let Some(d) = child(n, "driver") {
        const ATTRS: &[&str] = &["type", "format", "wrpolicy", "queue"];
        if d.has_children() || d.attributes().any(|a| !ATTRS.contains(&a.name())) {
            return Err(ConfError::NotImplemented("this filesystem <driver>".into()));
        }
        match d.attribute("type") {
            None => {}
            Some(t @ ("path" | "handle" | "loop" | "nbd" | "ploop" | "virtiofs")) => {
                virtiofs = t == "virtiofs";
                driver.push(("type", t.to_owned()));
            }
            Some(t) => {
                return Err(ConfError::unsupported(format!(
                    "unknown fs driver type '{t}'"
                )))
            }
        }
        if let Some(f) = d.attribute("format") {
            driver.push(("format", f.to_owned()));
        }
        match d.attribute("wrpolicy") {
            None | Some("default") => {}
            Some("immediate") => driver.push(("wrpolicy", "immediate".into())),
            Some(w) => {
                return Err(ConfError::unsupported(format!(
                    "unknown filesystem write policy '{w}'"
                )))
            }
        }
        if let Some(q) = uint_attr(d, "queue")? {
            driver.push(("queue", q.to_string()));
        }
    }
    let binary = match child(n, "binary") {
        None => None,
        Some(b) if virtiofs => {
            let mut fb = FsBinary {
                path: attr(b, "path"),
                xattr: on_off(b, "xattr")?,
                ..FsBinary::default()
            };
            for c in b.children().filter(|c| c.is_element()) {
                match c.tag_name().name() {
                    "cache" => fb.cache_mode = attr(c, "mode"),
                    "sandbox" => fb.sandbox_mode = attr(c, "mode"),
                    "lock" => {
                        fb.lock_posix = on_off(c, "posix")?;
                        fb.lock_flock = on_off(c, "flock")?;
                    }
                    "thread_pool" => fb.thread_pool = uint_attr(c, "size")?,
                    other => {
                        return Err(ConfError::NotImplemented(format!(
                            "<filesystem><binary><{other}>"
                        )))
                    }
                }
            }
            Some(fb)
        }
        Some(_) => None,
    };
    let source_dir = child(n, "source")
        .and_then(|s| attr(s, "dir"))
        .unwrap_or_default();
    if source_dir.is_empty() {
        return Err(ConfError::Xml(
            "missing source information for filesystem".into(),
        ));
    }
    let target_dir = child(n, "target")
        .and_then(|t| attr(t, "dir"))
        .filter(|t| !t.is_empty())
        .ok_or_else(|| ConfError::Xml("missing target information for filesystem".into()))?;
    Ok(Filesystem {
        accessmode,
        driver,
        binary,
        source_dir,
        target_dir,
        readonly: child(n, "readonly").is_some(),
        alias: parse_alias(n, live)?,
        address: parse_address(n)?,
    })
}

fn parse_memory_device(n: Node<'_, '_>, live: bool) -> Result<MemoryDevice> {
    let model = match n.attribute("model") {
        Some("dimm") => "dimm".to_owned(),
        Some(m) => return Err(ConfError::NotImplemented(format!("memory model '{m}'"))),
        None => return Err(ConfError::Xml("missing memory model".into())),
    };
    if n.attributes().count() > 1 {
        return Err(ConfError::NotImplemented(
            "<memory> attributes other than model".into(),
        ));
    }
    for c in n.children().filter(|c| c.is_element()) {
        if !matches!(c.tag_name().name(), "target" | "address" | "alias") {
            return Err(ConfError::NotImplemented(format!(
                "<memory><{}>",
                c.tag_name().name()
            )));
        }
    }
    let target =
        child(n, "target").ok_or_else(|| ConfError::Xml("missing memory target".into()))?;
    for c in target.children().filter(|c| c.is_element()) {
        if !matches!(c.tag_name().name(), "size" | "node") {
            return Err(ConfError::NotImplemented(format!(
                "<memory><target><{}>",
                c.tag_name().name()
            )));
        }
    }
    let size_kib = match child(target, "size") {
        Some(s) => scaled_kib(s, "size", "KiB")?,
        None => return Err(ConfError::Xml("missing memory size".into())),
    };
    let node =
        match child_text_nonempty(target, "node") {
            None => None,
            Some(t) => Some(t.trim().parse::<u32>().map_err(|_| {
                ConfError::Xml(format!("invalid value of memory device node '{t}'"))
            })?),
        };
    Ok(MemoryDevice {
        model,
        size_kib,
        node,
        alias: parse_alias(n, live)?,
        address: parse_address(n)?,
    })
}

fn parse_mac(s: &str) -> Result<[u8; 6]> {
    let err = || ConfError::Xml(format!("unable to parse mac address '{s}'"));
    let parts: Vec<&str> = s.split(':').collect();
    if parts.len() != 6 {
        return Err(err());
    }
    let mut mac = [0u8; 6];
    for (m, p) in mac.iter_mut().zip(parts) {
        if p.is_empty() || p.len() > 2 || !p.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(err());
        }
        *m = u8::from_str_radix(p, 16).map_err(|_| err())?;
    }
    if mac[0] & 1 == 1 {
        return Err(ConfError::Xml(format!(
            "expected unicast mac address, found multicast '{s}'"
        )));
    }
    Ok(mac)
}

/// A MAC address in QEMU's range 52:54:00, random in the rest.
pub(crate) fn random_mac() -> Result<[u8; 6]> {
    let r = random_uuid()?;
    Ok([0x52, 0x54, 0x00, r[0], r[1], r[2]])
}

fn parse_interface(n: Node<'_, '_>, live: bool) -> Result<Interface> {
    let kind = match n.attribute("type") {
        Some(
            k @ ("network" | "bridge" | "user" | "direct" | "ethernet" | "hostdev" | "mcast"
            | "udp" | "server" | "client" | "vhostuser"),
        ) => k,
        Some(k) => return Err(ConfError::NotImplemented(format!("interface type '{k}'"))),
        None => return Err(ConfError::NotImplemented("interface without a type".into())),
    };
    for c in n.children().filter(|c| c.is_element()) {
        let name = c.tag_name().name();
        if !matches!(
            name,
            "mac"
                | "source"
                | "model"
                | "boot"
                | "address"
                | "target"
                | "driver"
                | "mtu"
                | "link"
                | "alias"
                | "vlan"
                | "virtualport"
        ) {
            return Err(ConfError::NotImplemented(format!("<interface><{name}>")));
        }
    }
    let mac = match child(n, "mac").and_then(|m| m.attribute("address")) {
        Some(a) => parse_mac(a)?,
        None => random_mac()?,
    };
    let source_attr = match kind {
        "direct" => "dev",
        "vhostuser" => "path",
        k => k,
    };
    if kind == "vhostuser" && child(n, "source").and_then(|s| s.attribute("type")) != Some("unix") {
        return Err(ConfError::NotImplemented(
            "a vhostuser interface other than unix".into(),
        ));
    }
    let hostdev = match kind {
        "hostdev" => {
            let a = child(n, "source")
                .and_then(|s| child(s, "address"))
                .ok_or_else(|| {
                    ConfError::Xml("Missing <source> element in hostdev device".into())
                })?;
            if a.attribute("type").is_some_and(|t| t != "pci") {
                return Err(ConfError::NotImplemented(
                    "a hostdev interface other than PCI".into(),
                ));
            }
            let managed = match n.attribute("managed") {
                None | Some("no") => false,
                Some("yes") => true,
                Some(v) => return Err(bad_attr(n, "managed", v)),
            };
            Some((parse_host_pci_address(a)?, managed))
        }
        _ => None,
    };
    let vlan = match child(n, "vlan") {
        None => None,
        Some(v) => {
            let mut tags = Vec::new();
            for t in children(v, "tag") {
                let id = uint_attr(t, "id")?
                    .ok_or_else(|| ConfError::Xml("missing id for VLAN tag".into()))?;
                if id > 4095 {
                    return Err(ConfError::Xml(format!(
                        "vlan tag id {id} too large (maximum 4095)"
                    )));
                }
                let native = match t.attribute("nativeMode") {
                    None => None,
                    Some(m @ ("tagged" | "untagged")) => Some(m.to_owned()),
                    Some(m) => {
                        return Err(ConfError::Xml(format!(
                            "Invalid \"nativeMode='{m}'\" in vlan <tag> element"
                        )))
                    }
                };
                tags.push((id, native));
            }
            if tags.is_empty() {
                return Err(ConfError::Xml(
                    "missing tag id - each <vlan> must have at least one <tag id='N'/> subelement"
                        .into(),
                ));
            }
            let trunk = match v.attribute("trunk") {
                None => tags.len() > 1,
                Some("yes") => true,
                Some("no") => {
                    if tags.len() > 1 {
                        return Err(ConfError::Xml("invalid \"trunk='no'\" in <vlan> - trunk='no' is allowed only with a single vlan tag".into()));
                    }
                    false
                }
                Some(t) => {
                    return Err(ConfError::Xml(format!(
                        "invalid \"trunk='{t}'\" in <vlan> - must be yes or no"
                    )))
                }
            };
            Some(Vlan {
                trunk: trunk && v.attribute("trunk").is_some(),
                tags,
            })
        }
    };
    let virtualport = match child(n, "virtualport") {
        None => None,
        Some(v) => {
            let kind = match v.attribute("type") {
                None => None,
                Some(t @ ("openvswitch" | "802.1Qbg" | "802.1Qbh" | "midonet")) => {
                    Some(t.to_owned())
                }
                Some(t) => return Err(ConfError::Xml(format!("unknown virtualport type {t}"))),
            };
            const PARAMS: &[&str] = &[
                "managerid",
                "typeid",
                "typeidversion",
                "instanceid",
                "interfaceid",
                "profileid",
            ];
            let mut params = Vec::new();
            if let Some(p) = child(v, "parameters") {
                for k in PARAMS {
                    if let Some(x) = p.attribute(*k) {
                        params.push((*k, x.to_owned()));
                    }
                }
            }
            if kind.as_deref() == Some("openvswitch")
                && !params.iter().any(|(k, _)| *k == "interfaceid")
            {
                let at = params
                    .iter()
                    .position(|(k, _)| *k == "profileid")
                    .unwrap_or(params.len());
                params.insert(at, ("interfaceid", uuid_string(&random_uuid()?)));
            }
            Some((kind, params))
        }
    };
    let socket = match kind {
        "mcast" | "udp" | "server" | "client" => {
            let src = child(n, "source");
            let address = src.and_then(|s| attr(s, "address"));
            let port = src.map(|s| uint_attr(s, "port")).transpose()?.flatten();
            let Some(port) = port else {
                return Err(ConfError::Xml(
                    "No <source> 'port' attribute specified with socket interface".into(),
                ));
            };
            if address.is_none() && matches!(kind, "mcast" | "udp") {
                return Err(ConfError::Xml(
                    "No <source> 'address' attribute specified with socket interface".into(),
                ));
            }
            let local = match (kind, src.and_then(|s| child(s, "local"))) {
                ("udp", Some(l)) => match (attr(l, "address"), uint_attr(l, "port")?) {
                    (Some(a), Some(p)) => Some((a, p)),
                    _ => {
                        return Err(ConfError::Xml(
                            "Missing <local> 'address' or 'port' attribute in socket interface"
                                .into(),
                        ))
                    }
                },
                ("udp", None) => {
                    return Err(ConfError::Xml(
                        "Missing <local> element in socket interface".into(),
                    ))
                }
                _ => None,
            };
            Some(NetSocket {
                address,
                port,
                local,
            })
        }
        _ => None,
    };
    let portgroup = match kind {
        "network" => child(n, "source").and_then(|s| attr(s, "portgroup")),
        _ => None,
    };
    let source = match kind {
        "user" | "ethernet" | "hostdev" | "mcast" | "udp" | "server" | "client" => None,
        k => Some(
            child(n, "source")
                .and_then(|s| s.attribute(source_attr))
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
                .ok_or_else(|| {
                    ConfError::NotImplemented(format!("<interface type='{k}'> without a source"))
                })?,
        ),
    };
    let source_mode = match (kind, child(n, "source").and_then(|s| s.attribute("mode"))) {
        ("direct", None) => Some("vepa".to_owned()),
        ("direct", Some(m @ ("vepa" | "private" | "bridge" | "passthrough"))) => Some(m.to_owned()),
        ("direct", Some(m)) => {
            return Err(ConfError::Internal(format!(
                "Unknown mode '{m}' in interface <source> element"
            )))
        }
        ("vhostuser", Some(m @ ("server" | "client"))) => Some(m.to_owned()),
        ("vhostuser", _) => {
            return Err(ConfError::Xml(
                "Missing or invalid 'mode' attribute in vhostuser interface's <source> element"
                    .into(),
            ))
        }
        _ => None,
    };
    let model = child(n, "model").and_then(|m| attr(m, "type"));
    if let Some(m) = &model {
        if !m
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-'))
        {
            return Err(ConfError::NotImplemented(format!("interface model '{m}'")));
        }
    }
    let boot_order = match child(n, "boot") {
        None => None,
        Some(b) => Some(uint_attr(b, "order")?.filter(|o| *o > 0).ok_or_else(|| {
            ConfError::Internal("incorrect boot order '', expecting positive integer".into())
        })?),
    };
    let target_unmanaged = match child(n, "target").map(|t| (t, t.attribute("managed"))) {
        None | Some((_, None)) => false,
        Some((t, Some(m))) => match m {
            "yes" => false,
            "no" => true,
            v => return Err(bad_attr(t, "managed", v)),
        },
    };
    let target_dev = match child(n, "target") {
        None => None,
        Some(t) => {
            let dev = attr(t, "dev").filter(|d| !d.is_empty());
            let generated = dev.as_deref().is_some_and(|d| {
                ["vnet", "macvtap", "macvlan"]
                    .iter()
                    .any(|p| d.starts_with(p))
            });
            let extra = usize::from(t.attribute("managed").is_some() && kind == "ethernet");
            if t.attributes().count() != 1 + extra || dev.is_none() {
                return Err(ConfError::NotImplemented("this <interface><target>".into()));
            }
            // names libvirt generates (vnet*, macvtap*, macvlan*) are not kept in a definition
            if generated && !live && !(kind == "ethernet" && t.attribute("managed") == Some("no")) {
                None
            } else {
                dev
            }
        }
    };
    let mut driver = Vec::new();
    if let Some(d) = child(n, "driver") {
        if d.children().any(|c| c.is_element())
            || d.attributes().any(|a| {
                !matches!(
                    a.name(),
                    "name" | "queues" | "rx_queue_size" | "tx_queue_size"
                )
            })
            || model.as_deref() != Some("virtio")
        {
            return Err(ConfError::NotImplemented("this <interface><driver>".into()));
        }
        if let Some(v) = d.attribute("name") {
            if !matches!(v, "qemu" | "vhost") {
                return Err(ConfError::NotImplemented(format!("interface driver '{v}'")));
            }
            driver.push(("name", v.to_owned()));
        }
        for k in ["queues", "rx_queue_size", "tx_queue_size"] {
            if let Some(v) = uint_attr(d, k)? {
                let ok = match k {
                    "queues" => v >= 1,
                    "rx_queue_size" => v.is_power_of_two() && (256..=1024).contains(&v),
                    _ => v.is_power_of_two() && (256..=1024).contains(&v),
                };
                if !ok {
                    return Err(ConfError::NotImplemented(format!(
                        "interface driver {k} '{v}'"
                    )));
                }
                driver.push((k, v.to_string()));
            }
        }
    }
    let link_up = match child(n, "link") {
        None => None,
        Some(l) => match l.attribute("state") {
            Some("up") => Some(true),
            Some("down") => Some(false),
            _ => return Err(ConfError::NotImplemented("this <link>".into())),
        },
    };
    let mtu =
        match child(n, "mtu") {
            None => None,
            Some(m) => Some(uint_attr(m, "size")?.filter(|s| *s > 0).ok_or_else(|| {
                ConfError::NotImplemented("<mtu> without a positive size".into())
            })?),
        };
    Ok(Interface {
        kind: kind.into(),
        mac,
        source,
        source_mode,
        portgroup,
        socket,
        hostdev,
        vlan,
        virtualport,
        model,
        target_dev,
        target_unmanaged,
        driver,
        link_up,
        mtu,
        boot_order,
        alias: parse_alias(n, live)?,
        address: parse_address(n)?,
    })
}

/// Device elements libvirt 9.0 parses; others are ignored.
const KNOWN_DEVICES: &[&str] = &[
    "disk",
    "controller",
    "lease",
    "filesystem",
    "interface",
    "smartcard",
    "serial",
    "parallel",
    "console",
    "channel",
    "input",
    "tpm",
    "graphics",
    "sound",
    "audio",
    "video",
    "hostdev",
    "redirdev",
    "redirfilter",
    "hub",
    "watchdog",
    "memballoon",
    "rng",
    "nvram",
    "panic",
    "shmem",
    "memory",
    "iommu",
    "vsock",
    "crypto",
];

fn parse_devices(d: Node<'_, '_>, live: bool) -> Result<Devices> {
    let mut out = Devices::default();
    // the disks' targets, for the duplicate check (index into `out.disks`)
    let mut disk_targets: std::collections::HashMap<String, usize> =
        std::collections::HashMap::new();
    // one more than the highest index of each controller type so far (the default index)
    let mut next_controller: std::collections::HashMap<String, u32> =
        std::collections::HashMap::new();
    // index of the last USB controller that is no companion, for the companions after it
    let mut last_usb_master: Option<u32> = None;
    for n in d.children().filter(|c| c.is_element()) {
        match n.tag_name().name() {
            "emulator" if out.emulator.is_none() => {
                let t = text_of(n);
                out.emulator = (!t.is_empty()).then_some(t);
            }
            "emulator" => {}
            "disk" => {
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
            }
            "interface" => out.interfaces.push(parse_interface(n, live)?),
            "controller" => {
                let kind = match n.attribute("type") {
                    Some(k @ ("usb" | "sata" | "pci" | "ide" | "fdc" | "ccid")) => k.to_owned(),
                    Some(k @ ("scsi" | "virtio-serial")) => {
                        if n.children().any(|c| {
                            c.is_element()
                                && !matches!(c.tag_name().name(), "address" | "alias" | "driver")
                        }) || n.attributes().any(|a| {
                            !(matches!(a.name(), "type" | "index" | "model")
                                || (k == "virtio-serial"
                                    && matches!(a.name(), "ports" | "vectors")))
                        }) || !matches!(
                            (k, n.attribute("model")),
                            ("scsi", None | Some("virtio-scsi" | "lsilogic"))
                                | ("virtio-serial", None)
                        ) {
                            return Err(ConfError::NotImplemented(format!(
                                "this <controller type='{k}'>"
                            )));
                        }
                        k.to_owned()
                    }
                    None => "ide".to_owned(),
                    Some(k) => {
                        return Err(ConfError::NotImplemented(format!("controller type '{k}'")))
                    }
                };
                if let Some(a) = n.attributes().find(|a| {
                    !(matches!(a.name(), "type" | "index" | "model")
                        || (kind == "usb" && a.name() == "ports")
                        || (kind == "virtio-serial" && matches!(a.name(), "ports" | "vectors")))
                }) {
                    return Err(ConfError::NotImplemented(format!(
                        "<controller> attribute '{}'",
                        a.name()
                    )));
                }
                if child(n, "target").is_some_and(|t| {
                    t.attributes()
                        .any(|a| !matches!(a.name(), "chassis" | "port" | "chassisNr"))
                }) {
                    return Err(ConfError::NotImplemented(
                        "<controller><target> attributes".into(),
                    ));
                }
                let known = |c: &Node<'_, '_>| {
                    let name = c.tag_name().name();
                    matches!(name, "address" | "model" | "target" | "alias")
                        || (kind == "usb" && name == "master")
                        || (matches!(kind.as_str(), "scsi" | "virtio-serial") && name == "driver")
                };
                if let Some(c) = n.children().find(|c| c.is_element() && !known(c)) {
                    return Err(ConfError::NotImplemented(format!(
                        "<controller><{}>",
                        c.tag_name().name()
                    )));
                }
                let master_startport = match child(n, "master") {
                    Some(m) => {
                        let sp = uint_attr(m, "startport")?;
                        if sp.is_none() || m.attributes().count() != 1 {
                            return Err(ConfError::NotImplemented("this <master>".into()));
                        }
                        sp
                    }
                    None => None,
                };
                let mut index = controller_index(n)?;
                if kind == "usb" {
                    match (master_startport, index) {
                        (Some(_), None) => match last_usb_master {
                            Some(i) => index = Some(i),
                            None => {
                                return Err(ConfError::NotImplemented(
                                    "a USB companion controller without a master".into(),
                                ))
                            }
                        },
                        (None, _) => {
                            last_usb_master = Some(index.unwrap_or_else(|| {
                                next_controller.get("usb").copied().unwrap_or(0)
                            }))
                        }
                        _ => {}
                    }
                }
                let model_name = child(n, "model").and_then(|m| attr(m, "name"));
                let chassis_nr = match child(n, "target") {
                    Some(t) => uint_attr(t, "chassisNr")?,
                    None => None,
                };
                let target = match child(n, "target") {
                    Some(t) => match (uint_attr(t, "chassis")?, uint_attr(t, "port")?) {
                        (Some(c), Some(p)) => Some((c, p)),
                        (None, None) if chassis_nr.is_some() => None,
                        _ => {
                            return Err(ConfError::NotImplemented(
                                "partial controller <target>".into(),
                            ))
                        }
                    },
                    None => None,
                };
                let c = Controller {
                    index: index
                        .unwrap_or_else(|| next_controller.get(&kind).copied().unwrap_or(0)),
                    kind,
                    model: attr(n, "model"),
                    model_name,
                    target,
                    chassis_nr,
                    ports: uint_attr(n, "ports")?,
                    vectors: uint_attr(n, "vectors")?,
                    master_startport,
                    driver: parse_controller_driver(n)?,
                    alias: parse_alias(n, live)?,
                    address: parse_address(n)?,
                };
                // in document order here; libvirt's order (unless live: a running domain's
                // order is the one it was formatted with) once all are read
                let next = next_controller.entry(c.kind.clone()).or_insert(0);
                *next = (*next).max(c.index.saturating_add(1));
                out.controllers.push(c);
            }
            "input" => {
                let kind = match n.attribute("type") {
                    Some(k @ ("mouse" | "keyboard" | "tablet")) => k.to_owned(),
                    Some(k) => return Err(ConfError::NotImplemented(format!("input type '{k}'"))),
                    None => return Err(ConfError::Xml("missing input device type".into())),
                };
                let bus = attr(n, "bus");
                if !matches!(bus.as_deref(), Some("ps2" | "usb" | "virtio")) {
                    return Err(ConfError::NotImplemented(
                        "input devices other than ps2, usb or virtio".into(),
                    ));
                }
                if n.children()
                    .any(|c| c.is_element() && !matches!(c.tag_name().name(), "address" | "alias"))
                {
                    return Err(ConfError::NotImplemented("<input> children".into()));
                }
                out.inputs.push(Input {
                    kind,
                    bus,
                    alias: parse_alias(n, live)?,
                    address: parse_address(n)?,
                });
            }
            "audio" => {
                let id = uint_attr(n, "id")?.unwrap_or(0);
                if n.children().any(|c| c.is_element()) {
                    return Err(ConfError::NotImplemented("<audio> children".into()));
                }
                match n.attribute("type") {
                    Some(t @ ("none" | "spice")) => out.audios.push(Audio { id, kind: t.into() }),
                    Some(t) => return Err(ConfError::NotImplemented(format!("audio type '{t}'"))),
                    None => return Err(ConfError::Xml("missing audio type".into())),
                }
            }
            "memory" => out.memories.push(parse_memory_device(n, live)?),
            "filesystem" => out.filesystems.push(parse_filesystem(n, live)?),
            "hostdev" => out.hostdevs.push(parse_hostdev(n, live)?),
            "panic" => {
                let model = match n.attribute("model") {
                    None => None,
                    Some(m @ ("isa" | "pvpanic" | "hyperv")) => Some(m.to_owned()),
                    Some(m @ ("pseries" | "s390")) => {
                        return Err(ConfError::NotImplemented(format!("panic model '{m}'")))
                    }
                    Some(m) => return Err(ConfError::Xml(format!("unknown panic model '{m}'"))),
                };
                out.panics.push(Panic {
                    model,
                    alias: parse_alias(n, live)?,
                    address: parse_address(n)?,
                });
            }
            "shmem" => {
                let name = attr(n, "name").ok_or_else(|| {
                    ConfError::Xml("shmem element must contain 'name' attribute".into())
                })?;
                for c in n.children().filter(|c| c.is_element()) {
                    if !matches!(c.tag_name().name(), "model" | "size" | "alias" | "address") {
                        return Err(ConfError::NotImplemented(format!(
                            "<shmem><{}>",
                            c.tag_name().name()
                        )));
                    }
                }
                let model = match child(n, "model").and_then(|m| m.attribute("type")) {
                    None => None,
                    Some(m @ ("ivshmem" | "ivshmem-plain" | "ivshmem-doorbell")) => {
                        Some(m.to_owned())
                    }
                    Some(m) => {
                        return Err(ConfError::Xml(format!("Unknown shmem model type '{m}'")))
                    }
                };
                let size = match child(n, "size") {
                    None => None,
                    Some(sz) => {
                        let t = text_of(sz);
                        let unit = sz.attribute("unit").unwrap_or("M");
                        let v = parse_u64(&t).ok_or_else(|| {
                            ConfError::XmlValue(format!(
                                "Invalid value '{t}' for element or attribute './size[1]'"
                            ))
                        })?;
                        let scale = unit_scale(unit).ok_or_else(|| {
                            ConfError::InvalidArg(format!("unknown suffix '{unit}'"))
                        })?;
                        Some(v.checked_mul(scale).ok_or_else(|| {
                            ConfError::Overflow(format!("value too large: {t}{unit}"))
                        })?)
                    }
                };
                if size.is_some_and(|s| !s.is_power_of_two() || s < 1 << 20) {
                    return Err(ConfError::NotImplemented("this shmem size".into()));
                }
                out.shmems.push(Shmem {
                    name,
                    model,
                    size,
                    alias: parse_alias(n, live)?,
                    address: parse_address(n)?,
                });
            }
            "iommu" => {
                let model = match n.attribute("model") {
                    Some(m @ ("intel" | "smmuv3" | "virtio")) => m.to_owned(),
                    Some(m) => return Err(ConfError::Xml(format!("unknown IOMMU model '{m}'"))),
                    None => return Err(ConfError::Xml("missing IOMMU model".into())),
                };
                const ATTRS: &[&str] = &["intremap", "caching_mode", "eim", "iotlb", "aw_bits"];
                let mut driver = Vec::new();
                if let Some(d) = child(n, "driver") {
                    if d.attributes().any(|a| !ATTRS.contains(&a.name())) {
                        return Err(ConfError::NotImplemented("this iommu <driver>".into()));
                    }
                    for k in ATTRS {
                        if let Some(v) = d.attribute(*k) {
                            if *k == "aw_bits" {
                                driver.push((*k, uint_attr(d, k)?.unwrap_or(0).to_string()));
                            } else {
                                match v {
                                    "on" | "off" => driver.push((*k, v.to_owned())),
                                    _ => return Err(bad_attr(d, k, v)),
                                }
                            }
                        }
                    }
                }
                if n.children()
                    .any(|c| c.is_element() && !matches!(c.tag_name().name(), "driver" | "alias"))
                {
                    return Err(ConfError::NotImplemented("<iommu> children".into()));
                }
                out.iommu = Some(Iommu {
                    model,
                    driver,
                    alias: parse_alias(n, live)?,
                });
            }
            "vsock" => {
                let model = match n.attribute("model") {
                    None => None,
                    Some(m @ ("virtio" | "virtio-transitional" | "virtio-non-transitional")) => {
                        Some(m.to_owned())
                    }
                    Some(m) => return Err(ConfError::Xml(format!("unknown vsock model: {m}"))),
                };
                let cid = child(n, "cid");
                out.vsock = Some(Vsock {
                    model,
                    cid_auto: cid.map(|c| yes_no(c, "auto")).transpose()?.flatten(),
                    cid: cid.map(|c| uint_attr(c, "address")).transpose()?.flatten(),
                    alias: parse_alias(n, live)?,
                    address: parse_address(n)?,
                });
            }
            "memballoon" => {
                if out.memballoon.is_some() {
                    continue;
                }
                let model = match n.attribute("model") {
                    Some(m @ ("virtio" | "none")) => m.to_owned(),
                    Some(m) => {
                        return Err(ConfError::NotImplemented(format!("memballoon model '{m}'")))
                    }
                    None => {
                        return Err(ConfError::Xml("memballoon must contain model name".into()))
                    }
                };
                let period = match child(n, "stats") {
                    Some(s) => uint_attr(s, "period")?,
                    None => None,
                };
                out.memballoon = Some(Memballoon {
                    model,
                    autodeflate: on_off(n, "autodeflate")?,
                    free_page_reporting: on_off(n, "freePageReporting")?,
                    period,
                    alias: parse_alias(n, live)?,
                    address: parse_address(n)?,
                });
            }
            "serial" => {
                let (source, log) = parse_chr_source(n, &["target"], live)?;
                let port = match child(n, "target") {
                    Some(t) => {
                        if !matches!(t.attribute("type"), None | Some("isa-serial"))
                            || t.children().any(|c| {
                                c.is_element()
                                    && !(c.tag_name().name() == "model"
                                        && c.attribute("name") == Some("isa-serial"))
                            })
                        {
                            return Err(ConfError::NotImplemented(
                                "serial targets other than isa-serial".into(),
                            ));
                        }
                        uint_attr(t, "port")?
                    }
                    None => None,
                };
                if source == ChrSource::UnixAuto {
                    return Err(missing_chr_path());
                }
                if source == ChrSource::SpiceVmc {
                    return Err(ConfError::NotImplemented(format!(
                        "this serial type '{}'",
                        source.as_str()
                    )));
                }
                out.serials.push(Serial {
                    source,
                    log,
                    port,
                    alias: parse_alias(n, live)?,
                });
            }
            "console" => {
                let (source, log) = parse_chr_source(n, &["target"], live)?;
                let (target_type, port) = match child(n, "target") {
                    Some(t) => (attr(t, "type"), uint_attr(t, "port")?),
                    None => (None, None),
                };
                // a serial console prints the source of its serial port, whatever its type;
                // a virtio console takes any source with a path
                if source == ChrSource::UnixAuto {
                    return Err(missing_chr_path());
                }
                let source_ok = source != ChrSource::SpiceVmc;
                if !source_ok
                    || !matches!(
                        target_type.as_deref(),
                        None | Some("serial") | Some("virtio")
                    )
                {
                    return Err(ConfError::NotImplemented("this <console>".into()));
                }
                out.consoles.push(Console {
                    source,
                    log,
                    target_type,
                    port,
                    alias: parse_alias(n, live)?,
                });
            }
            "channel" => {
                let (source, log) = parse_chr_source(n, &["target", "address"], live)?;
                // the socket path libvirt 9.0 used to generate is dropped again
                let source = match source {
                    ChrSource::Unix { path, .. }
                        if !live && path.starts_with("/var/lib/libvirt/qemu/channel/target/") =>
                    {
                        ChrSource::UnixAuto
                    }
                    s => s,
                };
                let generated =
                    |p: &str| live && p.starts_with("/var/lib/libvirt/qemu/channel/target/");
                let source_ok = match &source {
                    ChrSource::UnixAuto
                    | ChrSource::SpiceVmc
                    | ChrSource::Pty { .. }
                    | ChrSource::File { .. } => true,
                    ChrSource::Unix { mode, path } => {
                        (mode == "bind" && generated(path))
                            || !path.starts_with("/var/lib/libvirt/qemu/channel/target/")
                    }
                    _ => false,
                };
                if log.is_some() || !source_ok {
                    return Err(ConfError::NotImplemented("this <channel> source".into()));
                }
                let Some(t) = child(n, "target") else {
                    return Err(ConfError::NotImplemented(
                        "<channel> without a target".into(),
                    ));
                };
                if t.attribute("type") != Some("virtio") {
                    return Err(ConfError::NotImplemented(
                        "channel targets other than virtio".into(),
                    ));
                }
                let address = parse_address(n)?;
                let state = match t.attribute("state").filter(|_| live) {
                    None => None,
                    Some(s @ ("connected" | "disconnected")) => Some(s.to_owned()),
                    Some(s) => {
                        return Err(ConfError::NotImplemented(format!("channel state '{s}'")))
                    }
                };
                out.channels.push(Channel {
                    source,
                    name: attr(t, "name"),
                    state,
                    alias: parse_alias(n, live)?,
                    address,
                });
            }
            "graphics" => out.graphics.push(parse_graphics(n, live)?),
            "tpm" => {
                let model = match n.attribute("model") {
                    None => None,
                    Some(m @ ("tpm-tis" | "tpm-crb")) => Some(m.to_owned()),
                    Some(m) => return Err(ConfError::NotImplemented(format!("tpm model '{m}'"))),
                };
                let b = child(n, "backend");
                let ok = b.is_some_and(|b| {
                    b.attribute("type") == Some("emulator")
                        && !b.children().any(|c| c.is_element())
                        && b.attributes()
                            .all(|a| matches!(a.name(), "type" | "version" | "persistent_state"))
                }) && !n
                    .children()
                    .any(|c| c.is_element() && !matches!(c.tag_name().name(), "backend" | "alias"));
                let Some(b) = b.filter(|_| ok) else {
                    return Err(ConfError::NotImplemented(
                        "tpm other than a plain emulator backend".into(),
                    ));
                };
                let version = match b.attribute("version") {
                    None => None,
                    Some(v @ ("1.2" | "2.0")) => Some(v.to_owned()),
                    Some(v) => return Err(ConfError::NotImplemented(format!("tpm version '{v}'"))),
                };
                if !out.tpms.is_empty() {
                    return Err(ConfError::NotImplemented("several <tpm>".into()));
                }
                out.tpms.push(Tpm {
                    model,
                    version,
                    persistent_state: yes_no(b, "persistent_state")?,
                    alias: parse_alias(n, live)?,
                });
            }
            "video" => {
                let m = child(n, "model");
                if n.children().any(|c| {
                    c.is_element() && !matches!(c.tag_name().name(), "model" | "address" | "alias")
                }) || m.is_some_and(|m| {
                    m.children()
                        .any(|c| c.is_element() && c.tag_name().name() != "acceleration")
                }) {
                    return Err(ConfError::NotImplemented("<video> children".into()));
                }
                let accel = m.and_then(|m| child(m, "acceleration"));
                if accel.is_some_and(|a| {
                    a.attributes()
                        .any(|x| !matches!(x.name(), "accel3d" | "accel2d"))
                }) {
                    return Err(ConfError::NotImplemented(
                        "this video <acceleration>".into(),
                    ));
                }
                let model = match m.and_then(|m| m.attribute("type")) {
                    Some(t @ ("vga" | "cirrus" | "qxl" | "virtio" | "bochs" | "none")) => t.into(),
                    Some(t) => return Err(ConfError::NotImplemented(format!("video model '{t}'"))),
                    None => return Err(ConfError::NotImplemented("video without a model".into())),
                };
                let get = |k: &str| -> Result<Option<u32>> {
                    match m {
                        Some(m) => uint_attr(m, k),
                        None => Ok(None),
                    }
                };
                if m.is_some_and(|m| {
                    m.attribute("vram64").is_some() || m.attribute("blob").is_some()
                }) {
                    return Err(ConfError::NotImplemented("video vram64/blob".into()));
                }
                let primary = match m {
                    Some(m) => yes_no(m, "primary")?.unwrap_or(false),
                    None => false,
                };
                out.videos.push(Video {
                    model,
                    ram: get("ram")?,
                    vram: get("vram")?,
                    vgamem: get("vgamem")?,
                    heads: get("heads")?,
                    primary,
                    accel3d: accel.map(|a| yes_no(a, "accel3d")).transpose()?.flatten(),
                    accel2d: accel.map(|a| yes_no(a, "accel2d")).transpose()?.flatten(),
                    alias: parse_alias(n, live)?,
                    address: parse_address(n)?,
                });
            }
            "sound" => {
                let model = match n.attribute("model") {
                    Some(m @ ("ich9" | "ich6" | "ac97" | "usb")) => m.to_owned(),
                    Some(m) => return Err(ConfError::NotImplemented(format!("sound model '{m}'"))),
                    None => return Err(ConfError::NotImplemented("sound without a model".into())),
                };
                let mut codecs = Vec::new();
                let mut audio_id = None;
                for c in n.children().filter(|c| c.is_element()) {
                    match c.tag_name().name() {
                        "codec" => match c.attribute("type") {
                            Some(t @ ("duplex" | "micro" | "output")) => codecs.push(t.to_owned()),
                            _ => return Err(ConfError::NotImplemented("sound codec".into())),
                        },
                        "audio" => audio_id = uint_attr(c, "id")?,
                        "address" | "alias" => {}
                        other => {
                            return Err(ConfError::NotImplemented(format!("<sound><{other}>")))
                        }
                    }
                }
                out.sounds.push(Sound {
                    model,
                    codecs,
                    audio_id,
                    alias: parse_alias(n, live)?,
                    address: parse_address(n)?,
                });
            }
            "rng" => {
                let model = match n.attribute("model") {
                    Some(m @ ("virtio" | "virtio-transitional" | "virtio-non-transitional")) => {
                        m.to_owned()
                    }
                    Some(m) => return Err(ConfError::Xml(format!("Unknown RNG model '{m}'"))),
                    None => return Err(ConfError::Xml("missing RNG device model".into())),
                };
                if n.children().any(|c| {
                    c.is_element()
                        && !matches!(
                            c.tag_name().name(),
                            "backend" | "rate" | "address" | "alias"
                        )
                }) {
                    return Err(ConfError::NotImplemented("<rng> children".into()));
                }
                let b = child(n, "backend")
                    .ok_or_else(|| ConfError::Xml("missing RNG device backend".into()))?;
                let (backend, egd) = match b.attribute("model") {
                    Some("random") => {
                        let path = text_of(b);
                        let path = if path.is_empty() {
                            "/dev/urandom".to_owned()
                        } else {
                            path
                        };
                        if !matches!(path.as_str(), "/dev/urandom" | "/dev/random" | "/dev/hwrng") {
                            return Err(ConfError::NotImplemented(
                                "rng backends other than /dev/urandom, /dev/random and /dev/hwrng"
                                    .into(),
                            ));
                        }
                        (path, None)
                    }
                    Some("egd") => {
                        if b.attribute("type").is_none() {
                            return Err(ConfError::Xml("missing EGD backend type".into()));
                        }
                        let (src, _) = parse_chr_source(b, &[], live)?;
                        (String::new(), Some(src))
                    }
                    Some(m) => return Err(ConfError::NotImplemented(format!("rng backend '{m}'"))),
                    None => return Err(ConfError::Xml("missing RNG device backend model".into())),
                };
                let rate = match child(n, "rate") {
                    None => None,
                    Some(r) => Some((
                        uint_attr(r, "bytes")?
                            .ok_or_else(|| ConfError::Xml("missing RNG rate bytes".into()))?,
                        uint_attr(r, "period")?,
                    )),
                };
                out.rngs.push(Rng {
                    model,
                    rate,
                    backend,
                    egd,
                    alias: parse_alias(n, live)?,
                    address: parse_address(n)?,
                });
            }
            "watchdog" => {
                let model = match n.attribute("model") {
                    Some(m @ ("i6300esb" | "ib700" | "itco")) => m.to_owned(),
                    Some(m) => {
                        return Err(ConfError::NotImplemented(format!("watchdog model '{m}'")))
                    }
                    None => {
                        return Err(ConfError::NotImplemented("watchdog without a model".into()))
                    }
                };
                let action = match n.attribute("action") {
                    None => "reset".to_owned(),
                    Some(
                        a @ ("reset" | "shutdown" | "poweroff" | "pause" | "none" | "inject-nmi"),
                    ) => a.to_owned(),
                    Some(a) => {
                        return Err(ConfError::NotImplemented(format!("watchdog action '{a}'")))
                    }
                };
                if n.children()
                    .any(|c| c.is_element() && !matches!(c.tag_name().name(), "address" | "alias"))
                {
                    return Err(ConfError::NotImplemented("<watchdog> children".into()));
                }
                if out.watchdog.is_some() {
                    return Err(ConfError::Internal(
                        "only a single watchdog device is supported".into(),
                    ));
                }
                out.watchdog = Some(Watchdog {
                    model,
                    action,
                    alias: parse_alias(n, live)?,
                    address: parse_address(n)?,
                });
            }
            "redirdev" => {
                if n.attribute("bus").is_some_and(|b| b != "usb") {
                    return Err(ConfError::NotImplemented("redirdev other than usb".into()));
                }
                if !matches!(n.attribute("type"), Some("spicevmc" | "tcp")) {
                    return Err(ConfError::NotImplemented(
                        "redirdev other than spicevmc and tcp".into(),
                    ));
                }
                let (source, log) = parse_chr_source(n, &["boot", "address"], live)?;
                if log.is_some() || child(n, "boot").is_some() {
                    return Err(ConfError::NotImplemented("this <redirdev>".into()));
                }
                let address = parse_address(n)?;
                out.redirdevs.push(Redirdev {
                    source,
                    alias: parse_alias(n, live)?,
                    address,
                });
            }
            "smartcard" => {
                if n.attribute("mode") != Some("passthrough") {
                    return Err(ConfError::NotImplemented(
                        "smartcard other than passthrough".into(),
                    ));
                }
                let (source, log) = parse_chr_source(n, &["address"], live)?;
                if log.is_some() {
                    return Err(ConfError::NotImplemented("<smartcard><log>".into()));
                }
                out.smartcards.push(Smartcard {
                    source,
                    alias: parse_alias(n, live)?,
                    address: parse_address(n)?,
                });
            }
            "redirfilter" => {
                let mut rules = Vec::new();
                for u in children(n, "usbdev") {
                    let hex = |k: &str, max: u32| -> Result<Option<u32>> {
                        match u.attribute(k) {
                            None | Some("-1") => Ok(None),
                            Some(v) => v
                                .strip_prefix("0x")
                                .and_then(|h| u32::from_str_radix(h, 16).ok())
                                .or_else(|| v.parse::<u32>().ok())
                                .filter(|x| *x <= max)
                                .map(Some)
                                .ok_or_else(|| {
                                    ConfError::Internal(format!(
                                        "Cannot parse USB device {k} '{v}'"
                                    ))
                                }),
                        }
                    };
                    let version = match u.attribute("version") {
                        None | Some("-1") => None,
                        Some(v) => {
                            let bad = || {
                                ConfError::Internal(format!(
                                    "Cannot parse USB device version '{v}'"
                                ))
                            };
                            let (a, b) = v.split_once('.').ok_or_else(bad)?;
                            Some((
                                a.parse::<u32>().map_err(|_| bad())?,
                                b.parse::<u32>().ok().filter(|x| *x < 100).ok_or_else(bad)?,
                            ))
                        }
                    };
                    let allow = match u.attribute("allow") {
                        Some("yes") => true,
                        Some("no") => false,
                        Some(v) => return Err(bad_attr(u, "allow", v)),
                        None => {
                            return Err(ConfError::Internal(
                                "USB redirfilter rule is missing allow attribute".into(),
                            ))
                        }
                    };
                    rules.push(UsbdevRule {
                        class: hex("class", 0xff)?,
                        vendor: hex("vendor", 0xffff)?,
                        product: hex("product", 0xffff)?,
                        version,
                        allow,
                    });
                }
                out.redirfilter = Some(rules);
            }
            "hub" => {
                match n.attribute("type") {
                    Some("usb") => {}
                    Some(t) => {
                        return Err(ConfError::Internal(format!(
                            "unknown hub device type '{t}'"
                        )))
                    }
                    None => return Err(ConfError::Internal("missing hub device type".into())),
                }
                out.hubs.push(Hub {
                    alias: parse_alias(n, live)?,
                    address: parse_address(n)?,
                });
            }
            other if KNOWN_DEVICES.contains(&other) => {
                return Err(ConfError::NotImplemented(format!("device <{other}>")))
            }
            // libvirt ignores elements it does not know
            _ => {}
        }
    }
    out.disks = super::device_order::order_disks(std::mem::take(&mut out.disks));
    if !live {
        out.controllers =
            super::device_order::order_controllers(std::mem::take(&mut out.controllers));
    }
    Ok(out)
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
