//! `VIR_DOMAIN_DEFINE_VALIDATE`: libvirt checks the document against its RelaxNG schema before
//! parsing it. oxvirt checks it against its own table of the elements and attributes it knows
//! (below), which rejects what libvirt's schema rejects most often: unknown elements and
//! attributes, outside `<metadata>` and foreign namespaces. The errors are worded as libxml2's
//! RelaxNG validator words them for the common cases (`VIR_ERR_XML_INVALID_SCHEMA`).

use crate::error::ConfError;
use roxmltree::Node;

/// Validate a domain document; `Ok` when oxvirt knows every element and attribute in it.
pub fn validate(xml: &str) -> Result<(), ConfError> {
    let doc = roxmltree::Document::parse(xml).map_err(|e| crate::libxml::malformed(xml, &e))?;
    let root = doc.root_element();
    if root.tag_name().name() != "domain" || root.tag_name().namespace().is_some() {
        return Err(ConfError::SchemaInvalid(format!(
            "Expecting element domain, got {}",
            root.tag_name().name()
        )));
    }
    let Some(problem) = find_problem(root, &mut Vec::new()) else {
        return Ok(());
    };
    Err(ConfError::SchemaInvalid(describe(&problem)))
}

/// What is wrong, and where: the element names from `<domain>` down to the element at fault.
struct Problem {
    path: Vec<String>,
    kind: ProblemKind,
}

enum ProblemKind {
    Attribute(String),
    Element(String),
    /// A bad attribute value or a missing attribute.
    Value,
    /// An element repeated in an interleave.
    Repeated,
    /// The content of an element whose schema is a sequence (`<resource>`) does not match it.
    Sequence,
}

fn describe(p: &Problem) -> String {
    let mut lines: Vec<String> = Vec::new();
    if p.path.len() == 1 {
        match &p.kind {
            ProblemKind::Attribute(a) => {
                lines.push(format!("Invalid attribute {a} for element domain"))
            }
            ProblemKind::Element(e) => lines.push(format!("Element domain has extra content: {e}")),
            ProblemKind::Value | ProblemKind::Repeated | ProblemKind::Sequence => {
                lines.push("Error validating value ".into())
            }
        }
        return lines.join("\n");
    }
    let top = p.path.get(1).map(String::as_str).unwrap_or("");
    match (top, &p.kind) {
        ("clock", ProblemKind::Attribute(_)) if p.path.len() == 2 => {
            lines.push("Expecting an element timer, got nothing".into())
        }
        ("os", _) => lines.push("Error validating value ".into()),
        (_, ProblemKind::Value) if p.path.len() == 2 => {
            lines.push("Error validating value ".into())
        }
        _ => {}
    }
    // each interleave on the way up reports the child that failed in it
    for i in (0..p.path.len() - 1).rev() {
        let (Some(parent), Some(child)) = (p.path.get(i), p.path.get(i + 1)) else {
            continue;
        };
        if INTERLEAVES.contains(&parent.as_str()) {
            lines.push(format!("Extra element {child} in interleave"));
            if matches!(p.kind, ProblemKind::Sequence) && i + 2 == p.path.len() {
                lines.push("Invalid sequence in interleave".into());
            }
            lines.push(format!("Element {parent} failed to validate content"));
        }
    }
    lines.join("\n")
}

/// Elements whose content libvirt's schema describes as an interleave.
const INTERLEAVES: &[&str] = &["domain", "sysinfo", "features", "cpu"];

/// Attributes an element must have: (element, attribute).
const REQUIRED: &[(&str, &str)] = &[("mac", "address")];

/// Attribute values checked against a list: (element, attribute, values); `smbios entry` is an
/// `<entry>` of an SMBIOS `<sysinfo>` block.
const ENUMS: &[(&str, &str, &[&str])] = &[
    (
        "domain",
        "type",
        &[
            "qemu", "kqemu", "kvm", "xen", "lxc", "uml", "openvz", "test", "vmware", "hyperv",
            "vbox", "phyp", "vz", "bhyve",
        ],
    ),
    (
        "clock",
        "offset",
        &["utc", "localtime", "timezone", "variable", "absolute"],
    ),
    (
        "smbios entry",
        "name",
        &[
            "vendor",
            "version",
            "date",
            "release",
            "manufacturer",
            "product",
            "serial",
            "uuid",
            "sku",
            "family",
            "asset",
            "location",
        ],
    ),
];

fn find_problem(n: Node<'_, '_>, path: &mut Vec<String>) -> Option<Problem> {
    let name = n.tag_name().name();
    path.push(name.to_owned());
    // a sequence, checked on its own
    if name == "resource" {
        if resource_valid(n) {
            path.pop();
            return None;
        }
        return Some(Problem {
            path: path.clone(),
            kind: ProblemKind::Sequence,
        });
    }
    let Some((_, attrs, kids)) = KNOWN.iter().find(|(e, _, _)| *e == name) else {
        // an element the table does not describe: reported by its parent
        path.pop();
        return None;
    };
    for a in n.attributes() {
        if a.namespace().is_some() {
            continue;
        }
        if !attrs.contains(&a.name()) {
            return Some(Problem {
                path: path.clone(),
                kind: ProblemKind::Attribute(a.name().to_owned()),
            });
        }
        let smbios = name == "entry"
            && n.parent_element().is_some_and(|p| {
                matches!(
                    p.tag_name().name(),
                    "bios" | "system" | "baseBoard" | "chassis"
                )
            });
        let key = if smbios { "smbios entry" } else { name };
        if let Some((_, _, values)) = ENUMS.iter().find(|(e, k, _)| *e == key && *k == a.name()) {
            if !values.contains(&a.value()) {
                return Some(Problem {
                    path: path.clone(),
                    kind: ProblemKind::Value,
                });
            }
        }
    }
    for (_, a) in REQUIRED.iter().filter(|(e, _)| *e == name) {
        if n.attribute(*a).is_none() {
            return Some(Problem {
                path: path.clone(),
                kind: ProblemKind::Value,
            });
        }
    }
    if name != "metadata" {
        let mut seen: Vec<&str> = Vec::new();
        for c in n.children().filter(|c| c.is_element()) {
            if c.tag_name().namespace().is_some() {
                continue;
            }
            let cn = c.tag_name().name();
            // an interleave holds each of its elements once
            if name == "domain" && seen.contains(&cn) {
                path.push(cn.to_owned());
                return Some(Problem {
                    path: path.clone(),
                    kind: ProblemKind::Repeated,
                });
            }
            seen.push(cn);
            if !kids.contains(&cn) || !KNOWN.iter().any(|(e, _, _)| *e == cn) {
                return Some(Problem {
                    path: path.clone(),
                    kind: ProblemKind::Element(cn.to_owned()),
                });
            }
            if let Some(p) = find_problem(c, path) {
                return Some(p);
            }
        }
    }
    path.pop();
    None
}

/// `<resource>` as libvirt's schema has it: an optional `<partition>` holding an absolute path,
/// then an optional `<fibrechannel>` whose `appid` is 1 to 128 printable ASCII characters;
/// nothing else, no attributes on either.
fn resource_valid(r: Node<'_, '_>) -> bool {
    let mut kids = r.children().filter(|c| c.is_element()).peekable();
    if let Some(p) = kids.next_if(|c| c.tag_name().name() == "partition") {
        let text: String = p.children().filter_map(|t| t.text()).collect();
        let kids_ok = p.children().all(|c| c.is_text());
        let abs = text.starts_with('/')
            || text.as_bytes().get(1..3) == Some(b":\\".as_slice())
                && text.bytes().next().is_some_and(|b| b.is_ascii_alphabetic());
        let rest = if text.starts_with('/') {
            text.get(1..)
        } else {
            text.get(3..)
        };
        if p.tag_name().namespace().is_some()
            || p.attributes().len() != 0
            || !kids_ok
            || !abs
            || rest.is_none_or(|r| r.is_empty() || r.contains(['\n', '\r']))
        {
            return false;
        }
    }
    if let Some(f) = kids.next_if(|c| c.tag_name().name() == "fibrechannel") {
        let appid_ok = f.attribute("appid").is_some_and(|a| {
            (1..=128).contains(&a.len()) && a.bytes().all(|b| (0x20..0x7f).contains(&b))
        });
        if f.tag_name().namespace().is_some()
            || f.attributes().len() != 1
            || !appid_ok
            || f.children()
                .any(|c| c.is_element() || c.text().is_some_and(|t| !t.trim().is_empty()))
        {
            return false;
        }
    }
    kids.next().is_none() && r.attributes().len() == 0
}

/// The elements oxvirt knows: (name, attributes, child elements), wherever they appear.
#[rustfmt::skip]
const KNOWN: &[(&str, &[&str], &[&str])] = &[
    ("acceleration", &["accel3d"], &[]),
    ("access", &["mode"], &[]),
    ("acpi", &[], &[]),
    ("address", &["bus", "controller", "device", "domain", "function", "iobase", "multifunction", "port", "slot", "target", "type", "unit"], &[]),
    ("alias", &["name"], &[]),
    ("apic", &["eoi"], &[]),
    ("audio", &["id", "type"], &[]),
    ("auth", &["username"], &["secret"]),
    ("bandwidth", &[], &["inbound", "outbound"]),
    ("backend", &["model", "persistent_state", "type", "version"], &["protocol", "source"]),
    ("backingStore", &["type"], &["backingStore", "format", "source"]),
    ("baseBoard", &[], &["entry"]),
    ("binary", &["path", "xattr"], &["cache", "lock"]),
    ("bios", &["rebootTimeout", "useserial"], &["entry"]),
    ("blkiotune", &[], &["device", "weight"]),
    ("blockio", &["logical_block_size", "physical_block_size"], &[]),
    ("boot", &["dev", "order"], &[]),
    ("bootmenu", &["enable", "timeout"], &[]),
    ("cache", &["mode"], &[]),
    ("cell", &["cpus", "id", "memAccess", "memory", "unit"], &[]),
    ("channel", &["mode", "name", "type"], &["address", "source", "target"]),
    ("chassis", &[], &["entry"]),
    ("cid", &["address", "auto"], &[]),
    ("clipboard", &["copypaste"], &[]),
    ("clock", &["adjustment", "basis", "offset", "timezone"], &["timer"]),
    ("cmdline", &[], &[]),
    ("codec", &["type"], &[]),
    ("console", &["type"], &["log", "protocol", "source", "target"]),
    ("controller", &["index", "model", "ports", "type", "vectors"], &["address", "driver", "master", "model", "target"]),
    ("cpu", &["check", "match", "migratable", "mode"], &["cache", "feature", "model", "numa", "topology", "vendor"]),
    ("cputune", &[], &["emulatorpin", "iothreadpin", "period", "quota", "shares", "vcpupin"]),
    ("currentMemory", &["unit"], &[]),
    ("description", &[], &[]),
    ("device", &[], &["path", "read_bytes_sec", "weight"]),
    ("devices", &[], &["audio", "channel", "console", "controller", "disk", "emulator", "filesystem", "graphics", "hostdev", "hub", "input", "interface", "iommu", "memballoon", "memory", "panic", "redirdev", "redirfilter", "rng", "serial", "shmem", "smartcard", "sound", "tpm", "video", "vsock", "watchdog"]),
    ("direct", &["state"], &[]),
    ("discard", &[], &[]),
    ("disk", &["device", "rawio", "sgio", "type"], &["address", "auth", "backingStore", "blockio", "boot", "driver", "iotune", "readonly", "serial", "shareable", "source", "target", "wwn"]),
    ("domain", &["type"], &["blkiotune", "clock", "cpu", "cputune", "currentMemory", "description", "devices", "features", "genid", "iothreadids", "iothreads", "maxMemory", "memory", "memoryBacking", "memtune", "metadata", "name", "numatune", "on_crash", "on_lockfailure", "on_poweroff", "on_reboot", "os", "pm", "resource", "sysinfo", "title", "uuid", "vcpu"]),
    ("driver", &["cache", "caching_mode", "detect_zeroes", "discard", "error_policy", "intremap", "io", "iothread", "name", "queue", "queues", "rerror_policy", "rx_queue_size", "tx_queue_size", "type", "wrpolicy"], &[]),
    ("dtb", &[], &[]),
    ("emulator", &[], &[]),
    ("emulatorpin", &["cpuset"], &[]),
    ("entry", &["file", "name"], &[]),
    ("feature", &["enabled", "name", "policy"], &[]),
    ("features", &[], &["acpi", "apic", "hap", "hyperv", "ioapic", "kvm", "msrs", "pae", "pmu", "pvspinlock", "smm", "vmcoreinfo", "vmport"]),
    ("filesystem", &["accessmode", "type"], &["address", "binary", "driver", "readonly", "source", "target"]),
    ("filetransfer", &["enable"], &[]),
    ("firmware", &[], &["feature"]),
    ("format", &["type"], &[]),
    ("frequencies", &["state"], &[]),
    ("genid", &[], &[]),
    ("gl", &["enable"], &[]),
    ("graphics", &["autoport", "defaultMode", "keymap", "listen", "passwd", "port", "sharePolicy", "tlsPort", "type"], &["channel", "clipboard", "filetransfer", "gl", "image", "jpeg", "listen", "mouse", "playback", "streaming", "zlib"]),
    ("hap", &["state"], &[]),
    ("hard_limit", &["unit"], &[]),
    ("hidden", &["state"], &[]),
    ("hint-dedicated", &["state"], &[]),
    ("host", &["name", "port", "socket", "transport"], &[]),
    ("hostdev", &["managed", "mode", "type"], &["address", "boot", "driver", "rom", "source"]),
    ("hub", &["type"], &["address"]),
    ("hugepages", &[], &["page"]),
    ("hyperv", &["mode"], &["frequencies", "ipi", "reenlightenment", "relaxed", "reset", "runtime", "spinlocks", "stimer", "synic", "tlbflush", "vapic", "vendor_id", "vpindex"]),
    ("image", &["compression"], &[]),
    ("initrd", &[], &[]),
    ("inbound", &["average", "burst", "floor", "peak"], &[]),
    ("input", &["bus", "type"], &["address"]),
    ("interface", &["managed", "type"], &["address", "bandwidth", "boot", "driver", "link", "mac", "model", "mtu", "source", "target", "virtualport", "vlan"]),
    ("ioapic", &["driver"], &[]),
    ("iommu", &["model"], &["alias", "driver"]),
    ("iothread", &["id"], &[]),
    ("iothreadids", &[], &["iothread"]),
    ("iothreadpin", &["cpuset", "iothread"], &[]),
    ("iothreads", &[], &[]),
    ("iotune", &[], &["read_iops_sec", "total_bytes_sec", "write_iops_sec"]),
    ("ipi", &["state"], &[]),
    ("jpeg", &["compression"], &[]),
    ("kernel", &[], &[]),
    ("kvm", &[], &["hidden", "hint-dedicated", "poll-control"]),
    ("link", &["state"], &[]),
    ("listen", &["address", "network", "socket", "type"], &[]),
    ("loader", &["readonly", "secure", "type"], &[]),
    ("local", &["address", "port"], &[]),
    ("lock", &["flock", "posix"], &[]),
    ("locked", &[], &[]),
    ("log", &["append", "file"], &[]),
    ("mac", &["address"], &[]),
    ("master", &["startport"], &[]),
    ("maxMemory", &["slots", "unit"], &[]),
    ("memballoon", &["autodeflate", "freePageReporting", "model"], &["address", "stats"]),
    ("memnode", &["cellid", "mode", "nodeset"], &[]),
    ("memory", &["mode", "model", "nodeset", "placement", "unit"], &["address", "target"]),
    ("memoryBacking", &[], &["access", "discard", "hugepages", "locked", "nosharepages", "source"]),
    ("memtune", &[], &["hard_limit", "soft_limit", "swap_hard_limit"]),
    ("metadata", &[], &[]),
    ("model", &["fallback", "heads", "name", "primary", "ram", "type", "vgamem", "vram"], &["acceleration"]),
    ("mouse", &["mode"], &[]),
    ("msrs", &["unknown"], &[]),
    ("mtu", &["size"], &[]),
    ("name", &[], &[]),
    ("node", &[], &[]),
    ("nosharepages", &[], &[]),
    ("numa", &[], &["cell"]),
    ("numatune", &[], &["memnode", "memory"]),
    ("nvram", &["template"], &[]),
    ("oemStrings", &[], &["entry"]),
    ("on_crash", &[], &[]),
    ("on_lockfailure", &[], &[]),
    ("on_poweroff", &[], &[]),
    ("on_reboot", &[], &[]),
    ("os", &["firmware"], &["bios", "boot", "bootmenu", "cmdline", "dtb", "firmware", "initrd", "kernel", "loader", "nvram", "smbios", "type"]),
    ("pae", &[], &[]),
    ("page", &["nodeset", "size", "unit"], &[]),
    ("outbound", &["average", "burst", "peak"], &[]),
    ("panic", &["model"], &["address"]),
    ("parameters", &["interfaceid"], &[]),
    ("path", &[], &[]),
    ("period", &[], &[]),
    ("playback", &["compression"], &[]),
    ("pm", &[], &["suspend-to-disk", "suspend-to-mem"]),
    ("pmu", &["state"], &[]),
    ("poll-control", &["state"], &[]),
    ("product", &["id"], &[]),
    ("protocol", &["type"], &[]),
    ("pvspinlock", &["state"], &[]),
    ("quota", &[], &[]),
    ("rate", &["bytes", "period"], &[]),
    ("resource", &[], &["fibrechannel", "partition"]),
    ("read_bytes_sec", &[], &[]),
    ("read_iops_sec", &[], &[]),
    ("readonly", &[], &[]),
    ("redirdev", &["bus", "type"], &["address", "protocol", "source"]),
    ("redirfilter", &[], &["usbdev"]),
    ("reenlightenment", &["state"], &[]),
    ("relaxed", &["state"], &[]),
    ("reset", &["state"], &[]),
    ("rng", &["model"], &["address", "backend", "rate"]),
    ("rom", &["bar"], &[]),
    ("runtime", &["state"], &[]),
    ("secret", &["type", "usage", "uuid"], &[]),
    ("serial", &["type"], &["log", "protocol", "source", "target"]),
    ("shareable", &[], &[]),
    ("shares", &[], &[]),
    ("shmem", &["name"], &["address", "model", "size"]),
    ("size", &["unit"], &[]),
    ("smartcard", &["mode", "type"], &["address"]),
    ("smbios", &["mode"], &[]),
    ("smm", &["state"], &["tseg"]),
    ("soft_limit", &["unit"], &[]),
    ("sound", &["model"], &["address", "audio", "codec"]),
    ("source", &["address", "append", "bridge", "dev", "dir", "file", "host", "mode", "name", "network", "path", "pool", "port", "portgroup", "protocol", "service", "startupPolicy", "type", "volume"], &["address", "auth", "host", "local", "product", "vendor"]),
    ("spinlocks", &["retries", "state"], &[]),
    ("stats", &["period"], &[]),
    ("stimer", &["state"], &["direct"]),
    ("streaming", &["mode"], &[]),
    ("suspend-to-disk", &["enabled"], &[]),
    ("suspend-to-mem", &["enabled"], &[]),
    ("swap_hard_limit", &["unit"], &[]),
    ("synic", &["state"], &[]),
    ("sysinfo", &["type"], &["baseBoard", "bios", "chassis", "entry", "oemStrings", "system"]),
    ("system", &[], &["entry"]),
    ("tag", &["id"], &[]),
    ("target", &["bus", "chassis", "chassisNr", "dev", "dir", "managed", "name", "port", "type"], &["model", "node", "size"]),
    ("timer", &["frequency", "mode", "name", "present", "tickpolicy", "track"], &[]),
    ("title", &[], &[]),
    ("tlbflush", &["state"], &[]),
    ("topology", &["cores", "dies", "sockets", "threads"], &[]),
    ("total_bytes_sec", &[], &[]),
    ("tpm", &["model"], &["backend"]),
    ("tseg", &["unit"], &[]),
    ("type", &["arch", "machine"], &[]),
    ("usbdev", &["allow", "class", "product", "vendor", "version"], &[]),
    ("uuid", &[], &[]),
    ("vapic", &["state"], &[]),
    ("vcpu", &["cpuset", "current", "placement"], &[]),
    ("vcpupin", &["cpuset", "vcpu"], &[]),
    ("vendor", &["id"], &[]),
    ("vendor_id", &["state", "value"], &[]),
    ("video", &[], &["address", "model"]),
    ("virtualport", &["type"], &["parameters"]),
    ("vlan", &[], &["tag"]),
    ("vmcoreinfo", &["state"], &[]),
    ("vmport", &["state"], &[]),
    ("vpindex", &["state"], &[]),
    ("vsock", &["model"], &["address", "cid"]),
    ("watchdog", &["action", "model"], &["address"]),
    ("weight", &[], &[]),
    ("write_iops_sec", &[], &[]),
    ("wwn", &[], &[]),
    ("zlib", &["compression"], &[]),
];

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str =
        "<domain type='kvm'><name>v</name><memory>1024</memory><os><type>hvm</type></os>";

    fn check(extra: &str) -> Result<(), ConfError> {
        validate(&format!("{BASE}{extra}</domain>"))
    }

    #[test]
    fn unknown_names_fail_with_92() {
        assert!(check("<devices/>").is_ok());
        assert!(
            check("<metadata><x:y xmlns:x='http://x/' any='1'><x:z/></x:y></metadata>").is_ok()
        );
        let e =
            check("<devices><disk type='file' colour='blue'><target dev='vda'/></disk></devices>");
        let Err(e) = e else { panic!("accepted") };
        assert_eq!(e.code(), 92);
        assert_eq!(e.domain(), 5);
        assert!(e.to_string().ends_with(
            "domain.rng\nExtra element devices in interleave\nElement domain failed to validate content"
        ));
        let Err(e) = check("<frob/>") else {
            panic!("accepted")
        };
        assert!(e
            .to_string()
            .ends_with("\nElement domain has extra content: frob"));
        let Err(e) = validate("<domain type='kvm' x='1'><name>v</name></domain>") else {
            panic!("accepted")
        };
        assert!(e
            .to_string()
            .ends_with("\nInvalid attribute x for element domain"));
        assert!(check("<clock offset='martian'/>").is_err());
        assert!(check("<vcpu>1</vcpu><vcpu>2</vcpu>").is_err());
        assert_eq!(validate("<a").map_err(|e| e.code()), Err(35));
    }
}
