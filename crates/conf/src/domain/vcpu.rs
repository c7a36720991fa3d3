//! `<vcpu>` (count, current count, placement), `<cputune>` (shares, periods and quotas, pinning) and `<iothreads>`.

use super::parse::*;
use super::*;
use crate::error::ConfError;
use crate::xml::Writer;
use roxmltree::Node;

/// `<vcpu placement=>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    /// `static`.
    Static,
    /// `auto`: from numad (implies `<numatune>`'s automatic placement).
    Auto,
}

/// `<vcpu placement cpuset current>count</vcpu>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vcpu {
    /// The maximum number of vCPUs.
    pub count: u32,
    /// `current=`: the vCPUs online at boot, when fewer.
    pub current: Option<u32>,
    /// `placement=`.
    pub placement: Placement,
    /// Host CPUs, as a sorted set.
    pub cpuset: Option<Vec<u32>>,
}

/// `<cputune>`: the scheduler values and the pinnings.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Cputune {
    /// `<shares>`.
    pub shares: Option<u64>,
    /// `(element name, value)` of the period/quota values, in libvirt's order.
    pub values: Vec<(&'static str, i64)>,
    /// `(vcpu, cpuset)`, sorted by vCPU.
    pub vcpupin: Vec<(u32, Vec<u32>)>,
    /// `<emulatorpin cpuset=>`.
    pub emulatorpin: Option<Vec<u32>>,
    /// `(iothread, cpuset)`, sorted by iothread.
    pub iothreadpin: Vec<(u32, Vec<u32>)>,
}

/// The period/quota elements of `<cputune>` in the order libvirt prints them.
pub const CPUTUNE_VALUES: &[&str] = &[
    "global_period",
    "global_quota",
    "period",
    "quota",
    "emulator_period",
    "emulator_quota",
    "iothread_period",
    "iothread_quota",
];

pub(super) fn parse_vcpu(root: Node<'_, '_>) -> Result<Vcpu> {
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

pub(super) fn parse_cputune(c: Node<'_, '_>) -> Result<Cputune> {
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

/// `<iothreads>` and whether `<iothreadids>` lists them (only `1..=iothreads` is modelled).
pub(super) fn parse_iothreads(root: Node<'_, '_>) -> Result<(u32, bool)> {
    let iothreads = match child(root, "iothreads") {
        None => 0,
        Some(n) => parse_u64(&text_of(n))
            .and_then(|v| u32::try_from(v).ok())
            .ok_or_else(|| ConfError::Xml("invalid iothreads count ''".into()))?,
    };
    Ok(match child(root, "iothreadids") {
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
    })
}

/// `<vcpu>`: a count, a current count within it, automatic placement implying NUMA's.
pub(super) fn vcpu_defaults(def: &mut Domain) -> Result<()> {
    // vcpus
    if def.vcpu.count == 0 {
        // libvirt 9.0's wording for zero vCPUs comes from its NUMA check
        return Err(ConfError::Internal(
            "CPU IDs in <numa> exceed the <vcpu> count".into(),
        ));
    }
    if let Some(c) = def.vcpu.current {
        if c > def.vcpu.count {
            return Err(ConfError::unsupported(
                "maximum vCPU count must not be less than current vCPU count",
            ));
        }
        if c == 0 {
            def.vcpu.current = None;
        }
    }
    if def.vcpu.placement == Placement::Auto {
        def.numatune_auto = true;
    }
    Ok(())
}

impl Domain {
    /// `<vcpu>`, `<iothreads>` (with `<iothreadids>`) and `<cputune>`.
    pub(super) fn format_vcpu(&self, w: &mut Writer) {
        let mut va = vec![(
            "placement",
            match self.vcpu.placement {
                Placement::Static => "static",
                Placement::Auto => "auto",
            }
            .to_string(),
        )];
        if let Some(set) = &self.vcpu.cpuset {
            va.push(("cpuset", format_cpuset(set)));
        }
        if let Some(c) = self.vcpu.current {
            if c != self.vcpu.count {
                va.push(("current", c.to_string()));
            }
        }
        w.text("vcpu", &va, &self.vcpu.count.to_string());
        if self.iothreads > 0 {
            w.text("iothreads", &[], &self.iothreads.to_string());
            if self.iothreadids {
                w.open("iothreadids", &[]);
                for id in 1..=self.iothreads {
                    w.empty("iothread", &[("id", id.to_string())]);
                }
                w.close("iothreadids");
            }
        }
        if let Some(ct) = &self.cputune {
            w.child("cputune", &[], |w| {
                if let Some(v) = ct.shares {
                    w.text("shares", &[], &v.to_string());
                }
                for (k, v) in &ct.values {
                    w.text(k, &[], &v.to_string());
                }
                for (vcpu, set) in &ct.vcpupin {
                    w.empty(
                        "vcpupin",
                        &[("vcpu", vcpu.to_string()), ("cpuset", format_cpuset(set))],
                    );
                }
                if let Some(set) = &ct.emulatorpin {
                    w.empty("emulatorpin", &[("cpuset", format_cpuset(set))]);
                }
                for (id, set) in &ct.iothreadpin {
                    w.empty(
                        "iothreadpin",
                        &[("iothread", id.to_string()), ("cpuset", format_cpuset(set))],
                    );
                }
            });
        }
    }
}
