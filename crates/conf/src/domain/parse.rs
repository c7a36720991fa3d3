//! Reading `<domain>` XML (`virDomainDefParseXML`, without `--validate`: unknown elements and
//! attributes are ignored).

use super::*;
use crate::error::ConfError;
use roxmltree::Node;

type Result<T> = std::result::Result<T, ConfError>;

/// Parse a domain definition. A missing `<uuid>` (or an empty `<genid/>`) is generated.
pub fn parse(xml: &str) -> Result<Domain> {
    let doc = roxmltree::Document::parse(xml).map_err(|e| {
        let pos = e.pos();
        ConfError::Malformed {
            line: pos.row,
            column: pos.col,
            message: e.to_string(),
        }
    })?;
    let root = doc.root_element();
    if root.tag_name().name() != "domain" || root.tag_name().namespace().is_some() {
        return Err(ConfError::XmlValue(format!(
            "expecting root element of 'domain', not '{}'",
            root.tag_name().name()
        )));
    }
    parse_domain(root)
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

fn parse_uuid(s: &str) -> Option<[u8; 16]> {
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
fn unit_scale(unit: &str) -> Option<u64> {
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

fn parse_domain(root: Node<'_, '_>) -> Result<Domain> {
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
    if name.contains('/') {
        return Err(ConfError::Xml(format!("name {name} cannot contain '/'")));
    }
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
    let metadata = child(root, "metadata").map(parse_metadata);

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
    let vcpu = parse_vcpu(root)?;
    let iothreads = match child(root, "iothreads") {
        None => 0,
        Some(n) => parse_u64(&text_of(n))
            .and_then(|v| u32::try_from(v).ok())
            .ok_or_else(|| ConfError::Xml("invalid iothreads count ''".into()))?,
    };
    let cputune = match child(root, "cputune") {
        Some(c) => Some(parse_cputune(c)?),
        None => None,
    };
    for unsupported in [
        "blkiotune",
        "memoryBacking",
        "sysinfo",
        "resource",
        "iothreadids",
        "vcpus",
        "seclabel",
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
    let numatune_auto = match child(root, "numatune") {
        None => false,
        Some(t) => {
            let elems: Vec<_> = t.children().filter(|c| c.is_element()).collect();
            match elems.as_slice() {
                [m] if m.tag_name().name() == "memory"
                    && m.attribute("placement") == Some("auto")
                    && matches!(m.attribute("mode"), None | Some("strict"))
                    && m.attributes().count() == 1 + usize::from(m.attribute("mode").is_some()) =>
                {
                    true
                }
                _ => return Err(ConfError::NotImplemented("<numatune>".into())),
            }
        }
    };
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
        Some(d) => parse_devices(d)?,
        None => Devices::default(),
    };
    // driver-specific namespaces (<qemu:commandline> ...) are not modelled yet
    if let Some(ns) = root
        .children()
        .filter(|c| c.is_element())
        .find_map(|c| c.tag_name().namespace())
    {
        return Err(ConfError::NotImplemented(format!(
            "elements of namespace '{ns}'"
        )));
    }
    Ok(Domain {
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
        vcpu,
        iothreads,
        cputune,
        numatune_auto,
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
    })
}

/// `<metadata>`: namespaced elements, the first one per namespace URI
/// (`virXMLNodeSanitizeNamespaces`).
fn parse_metadata(m: Node<'_, '_>) -> Vec<Element> {
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
        out.push(e);
    }
    out
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
    for unsupported in ["acpi", "firmware", "bootloader"] {
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
    for unsupported in ["numa", "maxphysaddr"] {
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
        Some(t) => Err(ConfError::NotImplemented(format!("address type '{t}'"))),
        None => Ok(None),
    }
}

/// `virDomainDiskInsert`: after the last disk on the same bus, before the first disk on the
/// same bus with a higher index; at the end when no disk shares the bus.
fn insert_disk(list: &mut Vec<Disk>, d: Disk) {
    let idx = disk_name_to_index(&d.target_dev);
    let mut at: Option<usize> = None;
    for (i, cur) in list.iter().enumerate().rev() {
        if cur.target_bus != d.target_bus {
            continue;
        }
        if disk_name_to_index(&cur.target_dev) > idx {
            at = Some(i);
        } else if at.is_none() {
            at = Some(i + 1);
        }
    }
    match at {
        Some(i) => list.insert(i, d),
        None => list.push(d),
    }
}

const DISK_BUSES: &[&str] = &[
    "ide", "fdc", "scsi", "virtio", "xen", "usb", "uml", "sata", "sd",
];

fn parse_disk(n: Node<'_, '_>) -> Result<Disk> {
    let kind = match n.attribute("type") {
        None | Some("file") => "file",
        Some("block") => "block",
        Some(t @ ("dir" | "network" | "volume" | "nvme" | "vhostuser")) => {
            return Err(ConfError::NotImplemented(format!("disk type '{t}'")))
        }
        Some(t) => return Err(bad_attr(n, "type", t)),
    };
    let device = match n.attribute("device") {
        None | Some("disk") => "disk",
        Some(d @ ("cdrom" | "floppy")) => d,
        Some("lun") => return Err(ConfError::NotImplemented("disk device 'lun'".into())),
        Some(d) => return Err(bad_attr(n, "device", d)),
    };
    for unsupported in [
        "auth",
        "backingStore",
        "iotune",
        "encryption",
        "wwn",
        "vendor",
        "product",
        "blockio",
        "geometry",
        "transient",
        "alias",
        "mirror",
        "reservations",
        "throttlefilters",
    ] {
        if child(n, unsupported).is_some() {
            return Err(ConfError::NotImplemented(format!("<disk><{unsupported}>")));
        }
    }
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
        let attr = if kind == "block" { "dev" } else { "file" };
        s.attribute(attr)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    });
    if let Some(s) = child(n, "source") {
        if s.children().any(|c| c.is_element()) {
            return Err(ConfError::NotImplemented("<disk><source> children".into()));
        }
    }
    let Some(target_dev) = child(n, "target").and_then(|t| attr(t, "dev")) else {
        return Err(ConfError::NoTarget(source.clone().unwrap_or_default()));
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
    Ok(Disk {
        kind: kind.into(),
        device: device.into(),
        driver,
        source,
        target_dev,
        target_bus,
        readonly: child(n, "readonly").is_some(),
        shareable: child(n, "shareable").is_some(),
        serial: child_text_nonempty(n, "serial"),
        boot_order,
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

fn parse_interface(n: Node<'_, '_>) -> Result<Interface> {
    let kind = match n.attribute("type") {
        Some(k @ ("network" | "bridge" | "user")) => k,
        Some(k) => return Err(ConfError::NotImplemented(format!("interface type '{k}'"))),
        None => return Err(ConfError::NotImplemented("interface without a type".into())),
    };
    for c in n.children().filter(|c| c.is_element()) {
        let name = c.tag_name().name();
        if !matches!(name, "mac" | "source" | "model" | "boot" | "address") {
            return Err(ConfError::NotImplemented(format!("<interface><{name}>")));
        }
    }
    let mac = match child(n, "mac").and_then(|m| m.attribute("address")) {
        Some(a) => parse_mac(a)?,
        None => random_mac()?,
    };
    let source = match kind {
        "user" => None,
        k => Some(
            child(n, "source")
                .and_then(|s| s.attribute(k))
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
                .ok_or_else(|| {
                    ConfError::NotImplemented(format!("<interface type='{k}'> without a source"))
                })?,
        ),
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
    Ok(Interface {
        kind: kind.into(),
        mac,
        source,
        model,
        boot_order,
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

fn parse_devices(d: Node<'_, '_>) -> Result<Devices> {
    let mut out = Devices::default();
    for n in d.children().filter(|c| c.is_element()) {
        match n.tag_name().name() {
            "emulator" if out.emulator.is_none() => {
                let t = text_of(n);
                out.emulator = (!t.is_empty()).then_some(t);
            }
            "emulator" => {}
            "disk" => {
                let disk = parse_disk(n)?;
                if let Some(other) = out.disks.iter().find(|d| d.target_dev == disk.target_dev) {
                    return Err(ConfError::Xml(format!(
                        "target '{}' duplicated for disk sources '{}' and '{}'",
                        disk.target_dev,
                        other.source.as_deref().unwrap_or(""),
                        disk.source.as_deref().unwrap_or("")
                    )));
                }
                insert_disk(&mut out.disks, disk);
            }
            "interface" => out.interfaces.push(parse_interface(n)?),
            "controller" => {
                let kind = match n.attribute("type") {
                    Some(k @ ("usb" | "sata" | "pci" | "ide")) => k.to_owned(),
                    None => "ide".to_owned(),
                    Some(k) => {
                        return Err(ConfError::NotImplemented(format!("controller type '{k}'")))
                    }
                };
                let index = uint_attr(n, "index")?;
                let model_name = child(n, "model").and_then(|m| attr(m, "name"));
                let target = match child(n, "target") {
                    Some(t) => match (uint_attr(t, "chassis")?, uint_attr(t, "port")?) {
                        (Some(c), Some(p)) => Some((c, p)),
                        _ => {
                            return Err(ConfError::NotImplemented(
                                "partial controller <target>".into(),
                            ))
                        }
                    },
                    None => None,
                };
                let c = Controller {
                    index: index.unwrap_or_else(|| {
                        out.controllers
                            .iter()
                            .filter(|c| c.kind == kind)
                            .map(|c| c.index + 1)
                            .max()
                            .unwrap_or(0)
                    }),
                    kind,
                    model: attr(n, "model"),
                    model_name,
                    target,
                    address: parse_address(n)?,
                };
                super::post_parse::insert_controller(&mut out.controllers, c);
            }
            "input" => {
                let kind = match n.attribute("type") {
                    Some(k @ ("mouse" | "keyboard" | "tablet")) => k.to_owned(),
                    Some(k) => return Err(ConfError::NotImplemented(format!("input type '{k}'"))),
                    None => return Err(ConfError::Xml("missing input device type".into())),
                };
                let bus = attr(n, "bus");
                if bus.as_deref() != Some("ps2") {
                    return Err(ConfError::NotImplemented(
                        "input devices other than ps2".into(),
                    ));
                }
                out.inputs.push(Input { kind, bus });
            }
            "audio" => {
                let id = uint_attr(n, "id")?.unwrap_or(0);
                match n.attribute("type") {
                    Some("none") => out.audios.push(Audio {
                        id,
                        kind: "none".into(),
                    }),
                    Some(t) => return Err(ConfError::NotImplemented(format!("audio type '{t}'"))),
                    None => return Err(ConfError::Xml("missing audio type".into())),
                }
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
                    period,
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
