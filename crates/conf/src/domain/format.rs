//! libvirt's canonical form of a domain (`virDomainDefFormatInternal`).

use super::*;
use crate::xml::Writer;

fn yes_no(b: bool) -> String {
    if b { "yes" } else { "no" }.into()
}

fn on_off(b: bool) -> String {
    if b { "on" } else { "off" }.into()
}

/// What a formatter prints beyond the persistent definition.
#[derive(Clone, Copy)]
struct Ctx {
    /// Runtime facts: id, aliases (other than user aliases), pty paths, ...
    live: bool,
    secure: bool,
    migratable: bool,
}

impl Ctx {
    fn alias(self, w: &mut Writer, alias: &Option<String>) {
        if let Some(a) = alias {
            if self.live || a.starts_with("ua-") {
                w.empty("alias", &[("name", a.clone())]);
            }
        }
    }

    fn shows_alias(self, alias: &Option<String>) -> bool {
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
                    a.push(("present", yes_no(p)));
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
                    w.empty("suspend-to-mem", &[("enabled", yes_no(v))]);
                }
                if let Some(v) = self.pm.suspend_to_disk {
                    w.empty("suspend-to-disk", &[("enabled", yes_no(v))]);
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

    fn format_metadata(&self, w: &mut Writer, items: &[Element]) {
        crate::xml::format_metadata(w, items);
    }

    fn format_os(&self, w: &mut Writer) {
        let os = &self.os;
        let mut oa = Vec::new();
        if let Some(f) = &os.firmware {
            oa.push(("firmware", f.clone()));
        }
        w.child("os", &oa, |w| {
            let mut ta = Vec::new();
            if let Some(a) = &os.arch {
                ta.push(("arch", a.clone()));
            }
            if let Some(m) = &os.machine {
                ta.push(("machine", m.clone()));
            }
            w.text("type", &ta, &os.os_type);
            if !os.firmware_features.is_empty() {
                w.open("firmware", &[]);
                for (name, enabled) in &os.firmware_features {
                    w.empty(
                        "feature",
                        &[("enabled", yes_no(*enabled)), ("name", (*name).to_string())],
                    );
                }
                w.close("firmware");
            }
            if let Some(l) = &os.loader {
                let mut a = Vec::new();
                if let Some(v) = l.readonly {
                    a.push(("readonly", yes_no(v)));
                }
                if let Some(v) = l.secure {
                    a.push(("secure", yes_no(v)));
                }
                if let Some(v) = &l.kind {
                    a.push(("type", v.clone()));
                }
                match &l.path {
                    Some(p) => w.text("loader", &a, p),
                    None => w.empty("loader", &a),
                }
            }
            if let Some(n) = &os.nvram {
                let mut a = Vec::new();
                if let Some(t) = &n.template {
                    a.push(("template", t.clone()));
                }
                match &n.path {
                    Some(p) => w.text("nvram", &a, p),
                    None => w.empty("nvram", &a),
                }
            }
            for (name, v) in [
                ("kernel", &os.kernel),
                ("initrd", &os.initrd),
                ("cmdline", &os.cmdline),
                ("dtb", &os.dtb),
            ] {
                if let Some(v) = v {
                    w.text(name, &[], v);
                }
            }
            for b in &os.boot {
                w.empty("boot", &[("dev", b.as_str().into())]);
            }
            if let Some((enable, timeout)) = os.bootmenu {
                let mut a = vec![("enable", yes_no(enable))];
                if let (true, Some(t)) = (enable, timeout) {
                    a.push(("timeout", t.to_string()));
                }
                w.empty("bootmenu", &a);
            }
            if let Some(b) = &os.bios {
                let mut a = Vec::new();
                if let Some(u) = b.useserial {
                    a.push(("useserial", yes_no(u)));
                }
                if let Some(t) = b.reboot_timeout {
                    a.push(("rebootTimeout", t.to_string()));
                }
                w.empty("bios", &a);
            }
            if let Some(m) = &os.smbios_mode {
                w.empty("smbios", &[("mode", m.clone())]);
            }
        });
    }

    fn format_features(&self, w: &mut Writer) {
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
                Some(e) => w.empty("apic", &[("eoi", on_off(e))]),
                None => w.empty("apic", &[]),
            }
        }
        if f.pae {
            w.empty("pae", &[]);
        }
        if let Some(s) = f.hap {
            w.empty("hap", &[("state", on_off(s))]);
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
                let mut a = vec![("state", on_off(i.state))];
                if let (true, Some(x)) = (i.state, &i.extra) {
                    match i.name {
                        "spinlocks" => a.push(("retries", x.clone())),
                        "vendor_id" => a.push(("value", x.clone())),
                        _ => {}
                    }
                }
                match (i.state, i.direct) {
                    (true, Some(d)) => {
                        w.child(i.name, &a, |w| w.empty("direct", &[("state", on_off(d))]))
                    }
                    _ => w.empty(i.name, &a),
                }
            }
            w.close("hyperv");
        }
        if let Some(k) = &f.kvm {
            w.child("kvm", &[], |w| {
                for (name, state) in k {
                    w.empty(name, &[("state", on_off(*state))]);
                }
            });
        }
        if let Some(s) = f.pvspinlock {
            w.empty("pvspinlock", &[("state", on_off(s))]);
        }
        if let Some(s) = f.pmu {
            w.empty("pmu", &[("state", on_off(s))]);
        }
        if let Some(s) = f.vmport {
            w.empty("vmport", &[("state", on_off(s))]);
        }
        if let Some((s, tseg)) = f.smm {
            match (s, tseg) {
                (true, Some(mib)) => w.child("smm", &[("state", "on".into())], |w| {
                    w.text("tseg", &[("unit", "MiB".into())], &mib.to_string())
                }),
                _ => w.empty("smm", &[("state", on_off(s))]),
            }
        }
        if let Some(d) = &f.ioapic {
            w.empty("ioapic", &[("driver", d.clone())]);
        }
        if let Some(s) = f.vmcoreinfo {
            w.empty("vmcoreinfo", &[("state", on_off(s))]);
        }
        if let Some(u) = &f.msrs {
            w.empty("msrs", &[("unknown", u.clone())]);
        }
        w.close("features");
    }

    fn format_devices(&self, w: &mut Writer, cx: Ctx) {
        let d = &self.devices;
        let x86 = self
            .os
            .arch
            .as_deref()
            .is_none_or(|a| a == "x86_64" || a == "i686");
        w.child("devices", &[], |w| {
            if let Some(e) = &d.emulator {
                w.text("emulator", &[], e);
            }
            for disk in &d.disks {
                format_disk(w, disk, cx);
            }
            for c in &d.controllers {
                let mut a = vec![("type", c.kind.clone()), ("index", c.index.to_string())];
                if let Some(m) = &c.model {
                    a.push(("model", m.clone()));
                }
                if let Some(p) = c.ports {
                    a.push(("ports", p.to_string()));
                }
                if let Some(v) = c.vectors {
                    a.push(("vectors", v.to_string()));
                }
                w.child("controller", &a, |w| {
                    if let Some(n) = &c.model_name {
                        w.empty("model", &[("name", n.clone())]);
                    }
                    if !c.driver.is_empty() {
                        let a: Vec<(&str, String)> =
                            c.driver.iter().map(|(k, v)| (*k, v.clone())).collect();
                        w.empty("driver", &a);
                    }
                    let mut t = Vec::new();
                    if let Some(n) = c.chassis_nr {
                        t.push(("chassisNr", n.to_string()));
                    }
                    if let Some((chassis, port)) = c.target {
                        t.push(("chassis", chassis.to_string()));
                        t.push(("port", format!("0x{port:x}")));
                    }
                    if !t.is_empty() {
                        w.empty("target", &t);
                    }
                    cx.alias(w, &c.alias);
                    if let Some(sp) = c.master_startport {
                        w.empty("master", &[("startport", sp.to_string())]);
                    }
                    format_address(w, &c.address);
                });
            }
            for f in &d.filesystems {
                format_filesystem(w, f, cx);
            }
            for n in &d.interfaces {
                let mut ia = vec![("type", n.kind.clone())];
                if let Some((_, true)) = n.hostdev {
                    ia.push(("managed", "yes".into()));
                }
                w.open("interface", &ia);
                w.empty("mac", &[("address", mac_string(&n.mac))]);
                if let Some((p, _)) = &n.hostdev {
                    w.open("source", &[]);
                    w.empty(
                        "address",
                        &[
                            ("type", "pci".into()),
                            ("domain", format!("0x{:04x}", p.domain)),
                            ("bus", format!("0x{:02x}", p.bus)),
                            ("slot", format!("0x{:02x}", p.slot)),
                            ("function", format!("0x{:x}", p.function)),
                        ],
                    );
                    w.close("source");
                }
                if let Some(src) = &n.source {
                    let k = match n.kind.as_str() {
                        "bridge" => "bridge",
                        "direct" => "dev",
                        "vhostuser" => "path",
                        _ => "network",
                    };
                    let mut a = if n.kind == "vhostuser" {
                        vec![("type", "unix".to_string())]
                    } else {
                        Vec::new()
                    };
                    a.push((k, src.clone()));
                    if let Some(m) = &n.source_mode {
                        a.push(("mode", m.clone()));
                    }
                    if let Some(p) = &n.portgroup {
                        a.push(("portgroup", p.clone()));
                    }
                    w.empty("source", &a);
                }
                if let Some(sk) = &n.socket {
                    let mut a = Vec::new();
                    if let Some(x) = &sk.address {
                        a.push(("address", x.clone()));
                    }
                    a.push(("port", sk.port.to_string()));
                    w.child("source", &a, |w| {
                        if let Some((la, lp)) = &sk.local {
                            w.empty(
                                "local",
                                &[("address", la.clone()), ("port", lp.to_string())],
                            );
                        }
                    });
                }
                if let Some(v) = &n.vlan {
                    let a = if v.trunk {
                        vec![("trunk", "yes".to_string())]
                    } else {
                        Vec::new()
                    };
                    w.open("vlan", &a);
                    for (id, native) in &v.tags {
                        let mut t = vec![("id", id.to_string())];
                        if let Some(m) = native {
                            t.push(("nativeMode", m.clone()));
                        }
                        w.empty("tag", &t);
                    }
                    w.close("vlan");
                }
                if let Some((kind, params)) = &n.virtualport {
                    let a = match kind {
                        Some(k) => vec![("type", k.clone())],
                        None => Vec::new(),
                    };
                    w.child("virtualport", &a, |w| {
                        if !params.is_empty() {
                            let p: Vec<(&str, String)> =
                                params.iter().map(|(k, v)| (*k, v.clone())).collect();
                            w.empty("parameters", &p);
                        }
                    });
                }
                if let Some(t) = &n.target_dev {
                    let mut a = vec![("dev", t.clone())];
                    if n.target_unmanaged {
                        a.push(("managed", "no".into()));
                    }
                    w.empty("target", &a);
                }
                if let Some(m) = &n.model {
                    w.empty("model", &[("type", m.clone())]);
                }
                if !n.driver.is_empty() {
                    let a: Vec<(&str, String)> =
                        n.driver.iter().map(|(k, v)| (*k, v.clone())).collect();
                    w.empty("driver", &a);
                }
                if let Some(up) = n.link_up {
                    let state = if up { "up" } else { "down" };
                    w.empty("link", &[("state", state.into())]);
                }
                if let Some(m) = n.mtu {
                    w.empty("mtu", &[("size", m.to_string())]);
                }
                if let Some(o) = n.boot_order {
                    w.empty("boot", &[("order", o.to_string())]);
                }
                cx.alias(w, &n.alias);
                format_address(w, &n.address);
                w.close("interface");
            }
            for sc in &d.smartcards {
                w.child(
                    "smartcard",
                    &[
                        ("mode", "passthrough".into()),
                        ("type", sc.source.as_str().into()),
                    ],
                    |w| {
                        format_chr_source(w, &sc.source, cx);
                        cx.alias(w, &sc.alias);
                        format_address(w, &sc.address);
                    },
                );
            }
            for sr in &d.serials {
                w.open("serial", &[("type", sr.source.as_str().into())]);
                format_chr_source(w, &sr.source, cx);
                format_chr_log(w, &sr.log);
                let port = sr.port.unwrap_or(0).to_string();
                w.child(
                    "target",
                    &[("type", "isa-serial".into()), ("port", port)],
                    |w| w.empty("model", &[("name", "isa-serial".into())]),
                );
                cx.alias(w, &sr.alias);
                w.close("serial");
            }
            type ConsoleOut = (ChrSource, Option<ChrLog>, String, u32, Option<String>);
            let mut consoles: Vec<ConsoleOut> = Vec::new();
            for (n, c) in d.consoles.iter().enumerate() {
                let serial_target = matches!(c.target_type.as_deref(), None | Some("serial"));
                match d.serials.get(n).filter(|_| serial_target) {
                    // libvirt's console 0 is a copy of serial 0, alias included
                    Some(sr) => consoles.push((
                        sr.source.clone(),
                        sr.log.clone(),
                        "serial".into(),
                        sr.port.unwrap_or(0),
                        if n == 0 {
                            sr.alias.clone().or_else(|| c.alias.clone())
                        } else {
                            c.alias.clone()
                        },
                    )),
                    None => consoles.push((
                        c.source.clone(),
                        c.log.clone(),
                        c.target_type.clone().unwrap_or_else(|| "serial".into()),
                        c.port.unwrap_or(0),
                        c.alias.clone(),
                    )),
                }
            }
            if d.consoles.is_empty() {
                if let Some(sr) = d.serials.first() {
                    consoles.push((
                        sr.source.clone(),
                        sr.log.clone(),
                        "serial".into(),
                        sr.port.unwrap_or(0),
                        sr.alias.clone(),
                    ));
                }
            }
            for (src, log, ty, port, alias) in &consoles {
                let mut a = vec![("type", src.as_str().to_string())];
                if let (true, ChrSource::Pty { path: Some(p) }) = (cx.live, src) {
                    a.push(("tty", p.clone()));
                }
                w.open("console", &a);
                format_chr_source(w, src, cx);
                format_chr_log(w, log);
                w.empty(
                    "target",
                    &[("type", ty.clone()), ("port", port.to_string())],
                );
                cx.alias(w, alias);
                w.close("console");
            }
            for ch in &d.channels {
                w.open("channel", &[("type", ch.source.as_str().into())]);
                // the socket path libvirt generates is runtime state
                let generated = matches!(&ch.source, ChrSource::Unix { path, .. }
                    if path.starts_with("/var/lib/libvirt/qemu/channel/target/"));
                if cx.live || !generated {
                    format_chr_source(w, &ch.source, cx);
                }
                let mut a = vec![("type", "virtio".to_string())];
                if let Some(n) = &ch.name {
                    a.push(("name", n.clone()));
                }
                if let (true, Some(st)) = (cx.live, &ch.state) {
                    a.push(("state", st.clone()));
                }
                w.empty("target", &a);
                cx.alias(w, &ch.alias);
                format_address(w, &ch.address);
                w.close("channel");
            }
            for i in &d.inputs {
                // libvirt drops the implicit PS/2 keyboard from the migratable form
                if cx.migratable
                    && x86
                    && i.kind == "keyboard"
                    && i.bus.as_deref() == Some("ps2")
                    && !cx.shows_alias(&i.alias)
                {
                    continue;
                }
                let mut a = vec![("type", i.kind.clone())];
                if let Some(b) = &i.bus {
                    a.push(("bus", b.clone()));
                }
                if i.address.is_some() || cx.shows_alias(&i.alias) {
                    w.child("input", &a, |w| {
                        cx.alias(w, &i.alias);
                        format_address(w, &i.address)
                    });
                } else {
                    w.empty("input", &a);
                }
            }
            for t in &d.tpms {
                let mut a = Vec::new();
                if let Some(m) = &t.model {
                    a.push(("model", m.clone()));
                }
                w.open("tpm", &a);
                let mut b = vec![("type", "emulator".to_string())];
                if let Some(v) = &t.version {
                    b.push(("version", v.clone()));
                }
                if let Some(p) = t.persistent_state {
                    b.push(("persistent_state", yes_no(p)));
                }
                w.empty("backend", &b);
                cx.alias(w, &t.alias);
                w.close("tpm");
            }
            for g in &d.graphics {
                format_graphics(w, g, cx);
            }
            for snd in &d.sounds {
                w.open("sound", &[("model", snd.model.clone())]);
                for c in &snd.codecs {
                    w.empty("codec", &[("type", c.clone())]);
                }
                if let Some(id) = snd.audio_id {
                    w.empty("audio", &[("id", id.to_string())]);
                }
                cx.alias(w, &snd.alias);
                format_address(w, &snd.address);
                w.close("sound");
            }
            for au in &d.audios {
                // libvirt drops the implicit `none` backend from the migratable form
                if cx.migratable && au.kind == "none" && d.audios.len() == 1 && d.sounds.is_empty()
                {
                    continue;
                }
                w.empty(
                    "audio",
                    &[("id", au.id.to_string()), ("type", au.kind.clone())],
                );
            }
            for v in &d.videos {
                w.open("video", &[]);
                let mut a = vec![("type", v.model.clone())];
                for (k, x) in [
                    ("ram", v.ram),
                    ("vram", v.vram),
                    ("vgamem", v.vgamem),
                    ("heads", v.heads),
                ] {
                    if let Some(x) = x {
                        a.push((k, x.to_string()));
                    }
                }
                if v.primary {
                    a.push(("primary", "yes".into()));
                }
                let mut acc = Vec::new();
                if let Some(x) = v.accel3d {
                    acc.push(("accel3d", yes_no(x)));
                }
                if let Some(x) = v.accel2d {
                    acc.push(("accel2d", yes_no(x)));
                }
                w.child("model", &a, |w| {
                    if !acc.is_empty() {
                        w.empty("acceleration", &acc);
                    }
                });
                cx.alias(w, &v.alias);
                format_address(w, &v.address);
                w.close("video");
            }
            for h in &d.hostdevs {
                format_hostdev(w, h, cx);
            }
            for r in &d.redirdevs {
                let a = [
                    ("bus", "usb".to_string()),
                    ("type", r.source.as_str().into()),
                ];
                w.child("redirdev", &a, |w| {
                    format_chr_source(w, &r.source, cx);
                    cx.alias(w, &r.alias);
                    format_address(w, &r.address)
                });
            }
            if let Some(rules) = &d.redirfilter {
                w.child("redirfilter", &[], |w| {
                    for u in rules {
                        let mut a = Vec::new();
                        if let Some(c) = u.class {
                            a.push(("class", format!("0x{c:02x}")));
                        }
                        if let Some(v) = u.vendor {
                            a.push(("vendor", format!("0x{v:04X}")));
                        }
                        if let Some(p) = u.product {
                            a.push(("product", format!("0x{p:04X}")));
                        }
                        if let Some((ma, mi)) = u.version {
                            a.push(("version", format!("{ma}.{mi:02}")));
                        }
                        a.push(("allow", yes_no(u.allow)));
                        w.empty("usbdev", &a);
                    }
                });
            }
            for h in &d.hubs {
                w.child("hub", &[("type", "usb".to_owned())], |w| {
                    cx.alias(w, &h.alias);
                    format_address(w, &h.address)
                });
            }
            if let Some(wd) = &d.watchdog {
                let a = [("model", wd.model.clone()), ("action", wd.action.clone())];
                if wd.address.is_some() || cx.shows_alias(&wd.alias) {
                    w.child("watchdog", &a, |w| {
                        cx.alias(w, &wd.alias);
                        format_address(w, &wd.address)
                    });
                } else {
                    w.empty("watchdog", &a);
                }
            }
            if let Some(m) = &d.memballoon {
                let mut a = vec![("model", m.model.clone())];
                if let Some(v) = m.autodeflate {
                    a.push(("autodeflate", on_off(v)));
                }
                if let Some(v) = m.free_page_reporting {
                    a.push(("freePageReporting", on_off(v)));
                }
                w.child("memballoon", &a, |w| {
                    if let Some(p) = m.period {
                        w.empty("stats", &[("period", p.to_string())]);
                    }
                    cx.alias(w, &m.alias);
                    format_address(w, &m.address);
                });
            }
            for r in &d.rngs {
                w.open("rng", &[("model", r.model.clone())]);
                if let Some((bytes, period)) = r.rate {
                    let mut a = vec![("bytes", bytes.to_string())];
                    if let Some(p) = period {
                        a.push(("period", p.to_string()));
                    }
                    w.empty("rate", &a);
                }
                match &r.egd {
                    Some(src) => w.child(
                        "backend",
                        &[("model", "egd".into()), ("type", src.as_str().into())],
                        |w| format_chr_source(w, src, cx),
                    ),
                    None => w.text("backend", &[("model", "random".into())], &r.backend),
                }
                cx.alias(w, &r.alias);
                format_address(w, &r.address);
                w.close("rng");
            }
            for p in &d.panics {
                let a = match &p.model {
                    Some(m) => vec![("model", m.clone())],
                    None => Vec::new(),
                };
                if p.address.is_some() || cx.shows_alias(&p.alias) {
                    w.open("panic", &a);
                    cx.alias(w, &p.alias);
                    format_address(w, &p.address);
                    w.close("panic");
                } else {
                    w.empty("panic", &a);
                }
            }
            for s in &d.shmems {
                w.open("shmem", &[("name", s.name.clone())]);
                if let Some(m) = &s.model {
                    w.empty("model", &[("type", m.clone())]);
                }
                if let Some(sz) = s.size {
                    w.text("size", &[("unit", "M".into())], &(sz >> 20).to_string());
                }
                cx.alias(w, &s.alias);
                format_address(w, &s.address);
                w.close("shmem");
            }
            for m in &d.memories {
                w.open("memory", &[("model", m.model.clone())]);
                w.open("target", &[]);
                w.text("size", &[("unit", "KiB".into())], &m.size_kib.to_string());
                if let Some(node) = m.node {
                    w.text("node", &[], &node.to_string());
                }
                w.close("target");
                cx.alias(w, &m.alias);
                format_address(w, &m.address);
                w.close("memory");
            }
            if let Some(io) = &d.iommu {
                w.child("iommu", &[("model", io.model.clone())], |w| {
                    if !io.driver.is_empty() {
                        let a: Vec<(&str, String)> =
                            io.driver.iter().map(|(k, v)| (*k, v.clone())).collect();
                        w.empty("driver", &a);
                    }
                    cx.alias(w, &io.alias);
                });
            }
            if let Some(v) = &d.vsock {
                let a = match &v.model {
                    Some(m) => vec![("model", m.clone())],
                    None => Vec::new(),
                };
                w.child("vsock", &a, |w| {
                    let mut c = Vec::new();
                    if let Some(auto) = v.cid_auto {
                        c.push(("auto", yes_no(auto)));
                    }
                    if let Some(x) = v.cid {
                        c.push(("address", x.to_string()));
                    }
                    if !c.is_empty() {
                        w.empty("cid", &c);
                    }
                    cx.alias(w, &v.alias);
                    format_address(w, &v.address);
                });
            }
        });
    }
}

fn format_disk(w: &mut Writer, d: &Disk, cx: Ctx) {
    let mut da = vec![("type", d.kind.clone()), ("device", d.device.clone())];
    if let Some(r) = d.rawio {
        da.push(("rawio", yes_no(r)));
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
    if let Some(v) = &d.volume {
        let mut a = vec![("pool", v.pool.clone()), ("volume", v.volume.clone())];
        if let Some(m) = &v.mode {
            a.push(("mode", m.clone()));
        }
        w.empty("source", &a);
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
        w.empty("source", &a);
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
    if let Some(o) = d.boot_order {
        w.empty("boot", &[("order", o.to_string())]);
    }
    cx.alias(w, &d.alias);
    format_address(w, &d.address);
    w.close("disk");
}

fn format_hostdev(w: &mut Writer, h: &Hostdev, cx: Ctx) {
    let kind = match h.source {
        HostdevSource::Pci(_) => "pci",
        HostdevSource::Usb { .. } => "usb",
    };
    w.open(
        "hostdev",
        &[
            ("mode", "subsystem".into()),
            ("type", kind.into()),
            ("managed", yes_no(h.managed)),
        ],
    );
    if let Some(d) = &h.driver {
        w.empty("driver", &[("name", d.clone())]);
    }
    let mut sa = Vec::new();
    if let Some(p) = &h.startup_policy {
        sa.push(("startupPolicy", p.clone()));
    }
    w.open("source", &sa);
    match &h.source {
        HostdevSource::Pci(p) => w.empty(
            "address",
            &[
                ("domain", format!("0x{:04x}", p.domain)),
                ("bus", format!("0x{:02x}", p.bus)),
                ("slot", format!("0x{:02x}", p.slot)),
                ("function", format!("0x{:x}", p.function)),
            ],
        ),
        HostdevSource::Usb {
            vendor,
            product,
            bus_device,
        } => {
            if let Some(v) = vendor {
                w.empty("vendor", &[("id", format!("0x{v:04x}"))]);
            }
            if let Some(p) = product {
                w.empty("product", &[("id", format!("0x{p:04x}"))]);
            }
            if let Some((b, d)) = bus_device {
                w.empty(
                    "address",
                    &[("bus", b.to_string()), ("device", d.to_string())],
                );
            }
        }
    }
    w.close("source");
    if let Some(o) = h.boot_order {
        w.empty("boot", &[("order", o.to_string())]);
    }
    if let Some(b) = h.rom_bar {
        w.empty("rom", &[("bar", on_off(b))]);
    }
    cx.alias(w, &h.alias);
    format_address(w, &h.address);
    w.close("hostdev");
}

fn format_memory_backing(w: &mut Writer, mb: &MemoryBacking) {
    w.child("memoryBacking", &[], |w| {
        match &mb.hugepages {
            None => {}
            Some(pages) => w.child("hugepages", &[], |w| {
                for (size, nodeset) in pages {
                    let mut a = vec![("size", size.to_string()), ("unit", "KiB".into())];
                    if let Some(n) = nodeset {
                        a.push(("nodeset", format_cpuset(n)));
                    }
                    w.empty("page", &a);
                }
            }),
        }
        if mb.nosharepages {
            w.empty("nosharepages", &[]);
        }
        if mb.locked {
            w.empty("locked", &[]);
        }
        if let Some(s) = &mb.source {
            w.empty("source", &[("type", s.clone())]);
        }
        if let Some(a) = &mb.access {
            w.empty("access", &[("mode", a.clone())]);
        }
        if let Some((mode, threads)) = &mb.allocation {
            let mut a = Vec::new();
            if let Some(m) = mode {
                a.push(("mode", m.clone()));
            }
            if let Some(t) = threads {
                a.push(("threads", t.to_string()));
            }
            w.empty("allocation", &a);
        }
        if mb.discard {
            w.empty("discard", &[]);
        }
    });
}

fn format_filesystem(w: &mut Writer, f: &Filesystem, cx: Ctx) {
    w.open(
        "filesystem",
        &[
            ("type", "mount".into()),
            (
                "accessmode",
                f.accessmode.clone().unwrap_or_else(|| "passthrough".into()),
            ),
        ],
    );
    if !f.driver.is_empty() {
        let a: Vec<(&str, String)> = f.driver.iter().map(|(k, v)| (*k, v.clone())).collect();
        w.empty("driver", &a);
    }
    if let Some(b) = &f.binary {
        let mut a = Vec::new();
        if let Some(p) = &b.path {
            a.push(("path", p.clone()));
        }
        if let Some(x) = b.xattr {
            a.push(("xattr", on_off(x)));
        }
        w.child("binary", &a, |w| {
            if let Some(m) = &b.cache_mode {
                w.empty("cache", &[("mode", m.clone())]);
            }
            if let Some(m) = &b.sandbox_mode {
                w.empty("sandbox", &[("mode", m.clone())]);
            }
            let mut l = Vec::new();
            if let Some(p) = b.lock_posix {
                l.push(("posix", on_off(p)));
            }
            if let Some(p) = b.lock_flock {
                l.push(("flock", on_off(p)));
            }
            if !l.is_empty() {
                w.empty("lock", &l);
            }
            if let Some(t) = b.thread_pool {
                w.empty("thread_pool", &[("size", t.to_string())]);
            }
        });
    }
    w.empty("source", &[("dir", f.source_dir.clone())]);
    w.empty("target", &[("dir", f.target_dir.clone())]);
    if f.readonly {
        w.empty("readonly", &[]);
    }
    cx.alias(w, &f.alias);
    format_address(w, &f.address);
    w.close("filesystem");
}

fn format_backing_store(w: &mut Writer, b: &BackingStore) {
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

fn format_disk_auth(w: &mut Writer, a: &DiskAuth) {
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

fn format_address(w: &mut Writer, a: &Option<Address>) {
    match a {
        None => {}
        Some(Address::VirtioSerial {
            controller,
            bus,
            port,
        }) => w.empty(
            "address",
            &[
                ("type", "virtio-serial".into()),
                ("controller", controller.to_string()),
                ("bus", bus.to_string()),
                ("port", port.to_string()),
            ],
        ),
        Some(Address::Ccid { controller, slot }) => w.empty(
            "address",
            &[
                ("type", "ccid".into()),
                ("controller", controller.to_string()),
                ("slot", slot.to_string()),
            ],
        ),
        Some(Address::Isa { iobase, irq }) => {
            let mut a = vec![("type", "isa".to_owned())];
            if let Some(b) = iobase {
                a.push(("iobase", format!("0x{b:x}")));
            }
            if let Some(i) = irq {
                a.push(("irq", format!("0x{i:x}")));
            }
            w.empty("address", &a)
        }
        Some(Address::Dimm { slot, base }) => {
            let mut a = vec![("type", "dimm".to_owned()), ("slot", slot.to_string())];
            if let Some(b) = base {
                a.push(("base", format!("0x{b:x}")));
            }
            w.empty("address", &a)
        }
        Some(Address::Usb { bus, port }) => {
            let mut a = vec![("type", "usb".to_owned()), ("bus", bus.to_string())];
            if port.is_set() {
                a.push(("port", port.to_string()));
            }
            w.empty("address", &a)
        }
        Some(Address::Drive {
            controller,
            bus,
            target,
            unit,
        }) => w.empty(
            "address",
            &[
                ("type", "drive".into()),
                ("controller", controller.to_string()),
                ("bus", bus.to_string()),
                ("target", target.to_string()),
                ("unit", unit.to_string()),
            ],
        ),
        Some(Address::Pci(p)) => {
            let mut a = vec![
                ("type", "pci".to_string()),
                ("domain", format!("0x{:04x}", p.domain)),
                ("bus", format!("0x{:02x}", p.bus)),
                ("slot", format!("0x{:02x}", p.slot)),
                ("function", format!("0x{:x}", p.function)),
            ];
            if let Some(m) = p.multifunction {
                a.push(("multifunction", on_off(m)));
            }
            w.empty("address", &a);
        }
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
        a.push(("migratable", on_off(m)));
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
                    a.push(("discard", yes_no(d)));
                }
                w.empty("cell", &a);
            }
            w.close("numa");
        }
    });
}

fn format_chr_source(w: &mut Writer, src: &ChrSource, cx: Ctx) {
    match src {
        ChrSource::Pty { path: Some(p) } if cx.live => w.empty("source", &[("path", p.clone())]),
        ChrSource::Pty { .. } | ChrSource::UnixAuto | ChrSource::SpiceVmc => {}
        ChrSource::Unix { mode, path } => {
            w.empty("source", &[("mode", mode.clone()), ("path", path.clone())])
        }
        ChrSource::File { path, append } => {
            let mut a = vec![("path", path.clone())];
            if let Some(x) = append {
                a.push(("append", on_off(*x)));
            }
            w.empty("source", &a);
        }
        ChrSource::Tcp {
            mode,
            host,
            service,
            protocol,
        } => {
            let mut a = vec![("mode", mode.clone())];
            if let Some(h) = host {
                a.push(("host", h.clone()));
            }
            a.push(("service", service.clone()));
            w.empty("source", &a);
            w.empty("protocol", &[("type", protocol.clone())]);
        }
    }
}

fn format_chr_log(w: &mut Writer, log: &Option<ChrLog>) {
    if let Some(l) = log {
        let mut a = vec![("file", l.file.clone())];
        if let Some(x) = l.append {
            a.push(("append", on_off(x)));
        }
        w.empty("log", &a);
    }
}

fn format_graphics(w: &mut Writer, g: &Graphics, cx: Ctx) {
    if g.kind == "egl-headless" {
        w.empty("graphics", &[("type", g.kind.clone())]);
        return;
    }
    let mut a = vec![("type", g.kind.clone())];
    let first = g.listens.first();
    let listen_none = matches!(
        first,
        Some(GraphicsListen::None | GraphicsListen::Socket(_))
    );
    if g.kind == "vnc" {
        if !listen_none {
            // a running domain shows the port it got
            if g.port != 0 && (!g.autoport || cx.live) {
                a.push(("port", g.port.to_string()));
            } else if g.autoport {
                a.push(("port", "-1".into()));
            }
            a.push(("autoport", yes_no(g.autoport)));
        }
    } else if !listen_none {
        if g.port != 0 {
            a.push(("port", g.port.to_string()));
        }
        if g.tls_port != 0 {
            a.push(("tlsPort", g.tls_port.to_string()));
        }
        a.push(("autoport", yes_no(g.autoport)));
    }
    if let Some(GraphicsListen::Address(Some(addr))) = first {
        a.push(("listen", addr.clone()));
    }
    if let (true, Some(GraphicsListen::Socket(Some(p)))) = (g.kind == "vnc", first) {
        a.push(("socket", p.clone()));
    }
    if let Some(k) = &g.keymap {
        a.push(("keymap", k.clone()));
    }
    if let Some(m) = &g.default_mode {
        a.push(("defaultMode", m.clone()));
    }
    if let Some(p) = &g.share_policy {
        a.push(("sharePolicy", p.clone()));
    }
    if let (true, Some(p)) = (cx.secure, &g.passwd) {
        a.push(("passwd", p.clone()));
    }
    w.open("graphics", &a);
    for l in &g.listens {
        match l {
            GraphicsListen::Address(None) => w.empty("listen", &[("type", "address".into())]),
            GraphicsListen::Address(Some(x)) => w.empty(
                "listen",
                &[("type", "address".into()), ("address", x.clone())],
            ),
            GraphicsListen::Network(n) => w.empty(
                "listen",
                &[("type", "network".into()), ("network", n.clone())],
            ),
            GraphicsListen::None => w.empty("listen", &[("type", "none".into())]),
            GraphicsListen::Socket(None) => w.empty("listen", &[("type", "socket".into())]),
            GraphicsListen::Socket(Some(p)) => w.empty(
                "listen",
                &[("type", "socket".into()), ("socket", p.clone())],
            ),
        }
    }
    for (name, mode) in &g.channels {
        w.empty("channel", &[("name", name.clone()), ("mode", mode.clone())]);
    }
    if let Some(c) = &g.image_compression {
        w.empty("image", &[("compression", c.clone())]);
    }
    for (e, k, v) in &g.spice_options {
        w.empty(e, &[(k, v.clone())]);
    }
    w.close("graphics");
}
