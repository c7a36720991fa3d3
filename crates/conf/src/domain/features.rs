//! `<features>`: ACPI, APIC, Hyper-V enlightenments, KVM features and the other machine features.

use super::format::fmt_on_off;
use super::parse::*;
use super::*;
use crate::error::ConfError;
use crate::xml::Writer;
use roxmltree::Node;

/// `<features>`: each field `None` when absent.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Features {
    /// `<acpi/>`.
    pub acpi: bool,
    /// `<apic/>`, with `eoi` when given.
    pub apic: Option<Option<bool>>,
    /// `<pae/>`.
    pub pae: bool,
    /// `<hap state=>`.
    pub hap: Option<bool>,
    /// `<viridian/>`.
    pub viridian: bool,
    /// `<privnet/>`.
    pub privnet: bool,
    /// `<hyperv>`.
    pub hyperv: Option<HyperV>,
    /// `<kvm>`'s features: (name, state) in libvirt's order.
    pub kvm: Option<Vec<(String, bool)>>,
    /// `<pvspinlock state=>`.
    pub pvspinlock: Option<bool>,
    /// `<pmu state=>`.
    pub pmu: Option<bool>,
    /// `<vmport state=>`.
    pub vmport: Option<bool>,
    /// `<smm state=>` with the TSEG size in MiB.
    pub smm: Option<(bool, Option<u64>)>,
    /// `<ioapic driver=>`.
    pub ioapic: Option<String>,
    /// `<vmcoreinfo state=>`.
    pub vmcoreinfo: Option<bool>,
    /// `<msrs unknown=>`: `ignore` or `fault`.
    pub msrs: Option<String>,
}

/// `<hyperv mode=>` with its enlightenments in libvirt's order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HyperV {
    /// `mode='passthrough'`.
    pub passthrough: bool,
    /// The enlightenments in libvirt's order.
    pub items: Vec<HyperVItem>,
}

/// One Hyper-V enlightenment (`<relaxed state=>`, `<spinlocks state= retries=>`, ...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HyperVItem {
    /// The element's name.
    pub name: &'static str,
    /// `state=`.
    pub state: bool,
    /// `retries` of spinlocks, `value` of vendor_id.
    pub extra: Option<String>,
    /// `<direct state=>` inside `<stimer>`.
    pub direct: Option<bool>,
}

pub(super) const HYPERV: &[&str] = &[
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

pub(super) const KVM: &[&str] = &["hidden", "hint-dedicated", "poll-control", "pv-ipi"];

pub(super) fn state(n: Node<'_, '_>) -> Result<bool> {
    Ok(on_off(n, "state")?.unwrap_or(true))
}

/// The `<features>` libvirt 9.0 knows (`virDomainFeature`).
pub(super) const LIBVIRT_FEATURES: &[&str] = &[
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

pub(super) fn parse_features(f: Node<'_, '_>) -> Result<Features> {
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
impl Domain {
    pub(super) fn format_features(&self, w: &mut Writer) {
        let f = &self.features;
        if *f == Features::default() {
            return;
        }
        w.open("features", &[]);
        if f.acpi {
            w.empty("acpi", &[]);
        }
        if let Some(eoi) = f.apic {
            match eoi {
                Some(e) => w.empty("apic", &[("eoi", fmt_on_off(e))]),
                None => w.empty("apic", &[]),
            }
        }
        if f.pae {
            w.empty("pae", &[]);
        }
        if let Some(s) = f.hap {
            w.empty("hap", &[("state", fmt_on_off(s))]);
        }
        if f.viridian {
            w.empty("viridian", &[]);
        }
        if f.privnet {
            w.empty("privnet", &[]);
        }
        if let Some(h) = &f.hyperv {
            let mode = if h.passthrough {
                "passthrough"
            } else {
                "custom"
            };
            // libvirt always opens and closes the element, even with no children
            w.open("hyperv", &[("mode", mode.into())]);
            for i in &h.items {
                let mut a = vec![("state", fmt_on_off(i.state))];
                if let (true, Some(x)) = (i.state, &i.extra) {
                    match i.name {
                        "spinlocks" => a.push(("retries", x.clone())),
                        "vendor_id" => a.push(("value", x.clone())),
                        _ => {}
                    }
                }
                match (i.state, i.direct) {
                    (true, Some(d)) => w.child(i.name, &a, |w| {
                        w.empty("direct", &[("state", fmt_on_off(d))])
                    }),
                    _ => w.empty(i.name, &a),
                }
            }
            w.close("hyperv");
        }
        if let Some(k) = &f.kvm {
            w.child("kvm", &[], |w| {
                for (name, state) in k {
                    w.empty(name, &[("state", fmt_on_off(*state))]);
                }
            });
        }
        if let Some(s) = f.pvspinlock {
            w.empty("pvspinlock", &[("state", fmt_on_off(s))]);
        }
        if let Some(s) = f.pmu {
            w.empty("pmu", &[("state", fmt_on_off(s))]);
        }
        if let Some(s) = f.vmport {
            w.empty("vmport", &[("state", fmt_on_off(s))]);
        }
        if let Some((s, tseg)) = f.smm {
            match (s, tseg) {
                (true, Some(mib)) => w.child("smm", &[("state", "on".into())], |w| {
                    w.text("tseg", &[("unit", "MiB".into())], &mib.to_string())
                }),
                _ => w.empty("smm", &[("state", fmt_on_off(s))]),
            }
        }
        if let Some(d) = &f.ioapic {
            w.empty("ioapic", &[("driver", d.clone())]);
        }
        if let Some(s) = f.vmcoreinfo {
            w.empty("vmcoreinfo", &[("state", fmt_on_off(s))]);
        }
        if let Some(u) = &f.msrs {
            w.empty("msrs", &[("unknown", u.clone())]);
        }
        w.close("features");
    }
}
