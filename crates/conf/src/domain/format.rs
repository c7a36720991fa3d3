//! libvirt's canonical form of a domain (`virDomainDefFormatInternal`).

use super::*;
use crate::xml::Writer;

pub(super) fn fmt_yes_no(b: bool) -> String {
    if b { "yes" } else { "no" }.into()
}

pub(super) fn fmt_on_off(b: bool) -> String {
    if b { "on" } else { "off" }.into()
}

/// What a formatter prints beyond the persistent definition.
#[derive(Clone, Copy)]
pub(super) struct Ctx {
    /// Runtime facts: id, aliases (other than user aliases), pty paths, ...
    pub(super) live: bool,
    pub(super) secure: bool,
    pub(super) migratable: bool,
}

impl Ctx {
    pub(super) fn alias(self, w: &mut Writer, alias: &Option<String>) {
        if let Some(a) = alias {
            if self.live || a.starts_with("ua-") {
                w.empty("alias", &[("name", a.clone())]);
            }
        }
    }

    pub(super) fn shows_alias(self, alias: &Option<String>) -> bool {
        alias
            .as_deref()
            .is_some_and(|a| self.live || a.starts_with("ua-"))
    }
}

impl Domain {
    /// The XML libvirt prints for this definition: the inactive form with
    /// `flags.inactive`, else the live form.
    pub fn format(&self, flags: FormatFlags) -> String {
        self.format_with(flags.into())
    }

    /// [`Domain::format`] with all the formatting flags.
    pub fn format_with(&self, o: FormatOptions) -> String {
        let cx = Ctx {
            live: !o.inactive && !o.migratable,
            secure: o.secure,
            migratable: o.migratable,
        };
        let mut w = Writer::new();
        let mut da = vec![("type", self.virt_type.as_str().to_string())];
        if let (true, Some(id)) = (cx.live, self.id) {
            da.push(("id", id.to_string()));
        }
        if self.qemu_commandline.is_some() {
            da.push(("xmlns:qemu", QEMU_NAMESPACE.to_string()));
        }
        w.open("domain", &da);
        w.text("name", &[], &self.name);
        w.text("uuid", &[], &uuid_string(&self.uuid));
        if let Some(g) = &self.genid {
            w.text("genid", &[], &uuid_string(g));
        }
        if let Some(t) = &self.title {
            w.text("title", &[], t);
        }
        if let Some(d) = &self.description {
            w.text("description", &[], d);
        }
        if let Some(m) = &self.metadata {
            self.format_metadata(&mut w, m);
        }
        if let Some(m) = &self.max_memory {
            w.text(
                "maxMemory",
                &[("slots", m.slots.to_string()), ("unit", "KiB".into())],
                &m.kib.to_string(),
            );
        }
        w.text(
            "memory",
            &[("unit", "KiB".into())],
            &self.memory_kib.to_string(),
        );
        let cur = self.current_memory_kib.unwrap_or(self.memory_kib);
        w.text("currentMemory", &[("unit", "KiB".into())], &cur.to_string());
        if let Some(bt) = &self.blkiotune {
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
        if !self.memtune.is_empty() {
            w.open("memtune", &[]);
            for (k, v) in &self.memtune {
                w.text(k, &[("unit", "KiB".into())], &v.to_string());
            }
            w.close("memtune");
        }
        if let Some(mb) = &self.memory_backing {
            format_memory_backing(&mut w, mb);
        }
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
        if self.numatune_auto {
            w.child("numatune", &[], |w| {
                w.empty(
                    "memory",
                    &[("mode", "strict".into()), ("placement", "auto".into())],
                )
            });
        }
        if let Some(nt) = self.numatune.as_ref().filter(|_| !self.numatune_auto) {
            w.child("numatune", &[], |w| {
                if let Some((mode, set)) = &nt.memory {
                    w.empty(
                        "memory",
                        &[("mode", mode.clone()), ("nodeset", format_cpuset(set))],
                    );
                }
                for (cell, mode, set) in &nt.memnodes {
                    w.empty(
                        "memnode",
                        &[
                            ("cellid", cell.to_string()),
                            ("mode", mode.clone()),
                            ("nodeset", format_cpuset(set)),
                        ],
                    );
                }
            });
        }
        if let Some(r) = &self.resource {
            w.child("resource", &[], |w| {
                if let Some(p) = &r.partition {
                    w.text("partition", &[], p);
                }
                if let Some(a) = &r.appid {
                    w.empty("fibrechannel", &[("appid", a.clone())]);
                }
            });
        }
        if let Some(si) = &self.sysinfo {
            w.open("sysinfo", &[("type", "smbios".into())]);
            let block = |w: &mut Writer, name: &str, values: &[(&'static str, String)]| {
                if values.is_empty() {
                    return;
                }
                w.open(name, &[]);
                for (k, v) in values {
                    w.text("entry", &[("name", (*k).to_string())], v);
                }
                w.close(name);
            };
            block(&mut w, "bios", &si.bios);
            block(&mut w, "system", &si.system);
            for b in &si.base_boards {
                block(&mut w, "baseBoard", b);
            }
            block(&mut w, "chassis", &si.chassis);
            if !si.oem_strings.is_empty() {
                w.open("oemStrings", &[]);
                for s in &si.oem_strings {
                    w.text("entry", &[], s);
                }
                w.close("oemStrings");
            }
            w.close("sysinfo");
        }
        if let Some(entries) = &self.fwcfg {
            w.child("sysinfo", &[("type", "fwcfg".into())], |w| {
                for (name, file, value) in entries {
                    let mut a = vec![("name", name.clone())];
                    match file {
                        Some(f) => {
                            a.push(("file", f.clone()));
                            w.empty("entry", &a);
                        }
                        None => w.text("entry", &a, value),
                    }
                }
            });
        }
        self.format_os(&mut w);
        self.format_features(&mut w);
        if let Some(cpu) = &self.cpu {
            format_cpu(&mut w, cpu);
        }
        let mut ca = vec![("offset", self.clock.offset.clone())];
        if let Some(tz) = &self.clock.timezone {
            ca.push(("timezone", tz.clone()));
        }
        if let Some((adj, basis)) = &self.clock.adjustment {
            ca.push(("adjustment", adj.to_string()));
            ca.push(("basis", basis.clone()));
        }
        w.child("clock", &ca, |w| {
            for t in &self.clock.timers {
                let mut a = vec![("name", t.name.clone())];
                if let Some(p) = t.present {
                    a.push(("present", fmt_yes_no(p)));
                }
                if let Some(v) = &t.tickpolicy {
                    a.push(("tickpolicy", v.clone()));
                }
                if let Some(v) = &t.track {
                    a.push(("track", v.clone()));
                }
                if let Some(v) = t.frequency {
                    a.push(("frequency", v.to_string()));
                }
                if let Some(v) = &t.mode {
                    a.push(("mode", v.clone()));
                }
                w.empty("timer", &a);
            }
        });
        w.text("on_poweroff", &[], self.on_poweroff.as_str());
        w.text("on_reboot", &[], self.on_reboot.as_str());
        w.text("on_crash", &[], self.on_crash.as_str());
        if let Some(l) = &self.on_lockfailure {
            w.text("on_lockfailure", &[], l);
        }
        if self.pm.suspend_to_mem.is_some() || self.pm.suspend_to_disk.is_some() {
            w.child("pm", &[], |w| {
                if let Some(v) = self.pm.suspend_to_mem {
                    w.empty("suspend-to-mem", &[("enabled", fmt_yes_no(v))]);
                }
                if let Some(v) = self.pm.suspend_to_disk {
                    w.empty("suspend-to-disk", &[("enabled", fmt_yes_no(v))]);
                }
            });
        }
        self.format_devices(&mut w, cx);
        super::seclabel::format(&self.seclabels, &mut w);
        if let Some(cl) = &self.qemu_commandline {
            w.child("qemu:commandline", &[], |w| {
                for a in &cl.args {
                    w.empty("qemu:arg", &[("value", a.clone())]);
                }
                for (n, v) in &cl.env {
                    let mut a = vec![("name", n.clone())];
                    if let Some(v) = v {
                        a.push(("value", v.clone()));
                    }
                    w.empty("qemu:env", &a);
                }
            });
        }
        w.close("domain");
        w.finish()
    }
}

fn format_cpu(w: &mut Writer, cpu: &Cpu) {
    let mut a = Vec::new();
    if let Some(m) = &cpu.mode {
        a.push(("mode", m.clone()));
    }
    if let Some(m) = &cpu.match_ {
        a.push(("match", m.clone()));
    }
    if let Some(c) = &cpu.check {
        a.push(("check", c.clone()));
    }
    if let Some(m) = cpu.migratable {
        a.push(("migratable", fmt_on_off(m)));
    }
    w.child("cpu", &a, |w| {
        if let Some(m) = &cpu.model {
            let mut a = Vec::new();
            if let Some(f) = &m.fallback {
                a.push(("fallback", f.clone()));
            }
            w.text("model", &a, &m.name);
        }
        if let Some(v) = &cpu.vendor {
            w.text("vendor", &[], v);
        }
        if let Some(t) = &cpu.topology {
            w.empty(
                "topology",
                &[
                    ("sockets", t.sockets.to_string()),
                    ("dies", t.dies.to_string()),
                    ("cores", t.cores.to_string()),
                    ("threads", t.threads.to_string()),
                ],
            );
        }
        if let Some((level, mode)) = &cpu.cache {
            let mut a = Vec::new();
            if let Some(l) = level {
                a.push(("level", l.to_string()));
            }
            a.push(("mode", mode.clone()));
            w.empty("cache", &a);
        }
        for (policy, name) in &cpu.features {
            w.empty(
                "feature",
                &[("policy", policy.clone()), ("name", name.clone())],
            );
        }
        if !cpu.numa.is_empty() {
            w.open("numa", &[]);
            for c in &cpu.numa {
                let mut a = vec![("id", c.id.to_string())];
                if let Some(cpus) = &c.cpus {
                    a.push(("cpus", format_cpuset(cpus)));
                }
                a.push(("memory", c.memory_kib.to_string()));
                a.push(("unit", "KiB".into()));
                if let Some(m) = &c.mem_access {
                    a.push(("memAccess", m.clone()));
                }
                if let Some(d) = c.discard {
                    a.push(("discard", fmt_yes_no(d)));
                }
                w.empty("cell", &a);
            }
            w.close("numa");
        }
    });
}
