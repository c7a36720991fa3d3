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
        self.format_element(o, "domain", 0)
    }

    /// [`Domain::format_with`] as an element of another document: its root called `root`
    /// (`domain`, or a snapshot's `inactiveDomain`), every line indented by `indent` spaces.
    pub fn format_element(&self, o: FormatOptions, root: &str, indent: usize) -> String {
        let cx = Ctx {
            live: !o.inactive && !o.migratable,
            secure: o.secure,
            migratable: o.migratable,
        };
        let mut w = Writer::with_indent(indent);
        let mut da = vec![("type", self.virt_type.as_str().to_string())];
        if let (true, Some(id)) = (cx.live, self.id) {
            da.push(("id", id.to_string()));
        }
        if self.qemu_commandline.is_some() {
            da.push(("xmlns:qemu", QEMU_NAMESPACE.to_string()));
        }
        w.open(root, &da);
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
            format_blkiotune(&mut w, bt);
        }
        format_memtune(&mut w, &self.memtune);
        if let Some(mb) = &self.memory_backing {
            format_memory_backing(&mut w, mb);
        }
        self.format_vcpu(&mut w);
        self.format_numatune(&mut w);

        if let Some(r) = &self.resource {
            format_resource(&mut w, r);
        }
        if let Some(si) = &self.sysinfo {
            format_sysinfo(&mut w, si);
        }
        if let Some(entries) = &self.fwcfg {
            format_fwcfg(&mut w, entries);
        }
        self.format_os(&mut w);
        self.format_features(&mut w);
        if let Some(cpu) = &self.cpu {
            format_cpu(&mut w, cpu);
        }
        format_clock(&mut w, &self.clock);
        self.format_lifecycle(&mut w);
        self.format_devices(&mut w, cx);
        super::seclabel::format(&self.seclabels, &mut w, cx.live);
        if let Some(cl) = &self.qemu_commandline {
            format_commandline(&mut w, cl);
        }
        w.close(root);
        w.finish()
    }
}
