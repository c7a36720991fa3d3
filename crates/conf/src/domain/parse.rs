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

/// Parse a `<domain>` element found inside another document (a snapshot's `<domain>` or
/// `<inactiveDomain>`) as the define parse does; the element's own name is not checked.
pub fn parse_element(node: Node<'_, '_>) -> Result<Domain> {
    parse_domain(node, false)
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

/// A UUID in its text form (dashes anywhere, as libvirt's `virUUIDParse`), or `None`.
pub fn parse_uuid(s: &str) -> Option<[u8; 16]> {
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
pub fn parse_cpuset(s: &str) -> Result<Vec<u32>> {
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
    let genid = parse_genid(root)?;
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

    let memtune = parse_memtune(root)?;
    let blkiotune = child(root, "blkiotune").map(parse_blkiotune).transpose()?;
    let memory_backing = child(root, "memoryBacking")
        .map(parse_memory_backing)
        .transpose()?;
    let vcpu = parse_vcpu(root)?;
    let (iothreads, iothreadids) = parse_iothreads(root)?;
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
    let fwcfg = parse_fwcfg(root)?;
    let (numatune_auto, numatune) = parse_numatune_of(root)?;
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
    let on_lockfailure = parse_on_lockfailure(root)?;
    let pm = parse_pm(root)?;
    let devices = match child(root, "devices") {
        Some(d) => parse_devices(d, live)?,
        None => Devices::default(),
    };
    // driver-specific namespaces: <qemu:commandline> of the QEMU one
    let qemu_commandline = parse_commandline(root)?;
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

/// `<genid>`: empty asks for a generated one.
fn parse_genid(root: Node<'_, '_>) -> Result<Option<[u8; 16]>> {
    Ok(match child(root, "genid") {
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
    })
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
