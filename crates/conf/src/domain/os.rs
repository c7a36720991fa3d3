//! `<os>`: the machine, firmware (BIOS or UEFI loader and NVRAM), boot order and kernel boot.

use super::format::fmt_yes_no;
use super::parse::*;
use super::*;
use crate::error::ConfError;
use crate::xml::Writer;
use roxmltree::Node;

/// `<os>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Os {
    /// `<type>` text: `hvm` for QEMU.
    pub os_type: String,
    /// `<os firmware=>`: `bios` or `efi` (firmware autoselection).
    pub firmware: Option<String>,
    /// `<firmware><feature enabled= name=>`: (name, enabled), in libvirt's order
    /// (enrolled-keys, secure-boot).
    pub firmware_features: Vec<(&'static str, bool)>,
    /// `<type arch=>`; the host's after post-parse.
    pub arch: Option<String>,
    /// `<type machine=>`; the default machine (alias resolved) after post-parse.
    pub machine: Option<String>,
    /// `<loader>`.
    pub loader: Option<Loader>,
    /// `<nvram>`.
    pub nvram: Option<Nvram>,
    /// `<kernel>`.
    pub kernel: Option<String>,
    /// `<initrd>`.
    pub initrd: Option<String>,
    /// `<cmdline>`.
    pub cmdline: Option<String>,
    /// `<dtb>`.
    pub dtb: Option<String>,
    /// `<boot dev=>`s in order; `hd` after post-parse when no device has a boot order.
    pub boot: Vec<BootDev>,
    /// `<bootmenu enable= timeout=>`: (enable, timeout in ms).
    pub bootmenu: Option<(bool, Option<u32>)>,
    /// `<smbios mode=>`.
    pub smbios_mode: Option<String>,
    /// `<bios useserial= rebootTimeout=>`.
    pub bios: Option<Bios>,
}

/// `<bios useserial= rebootTimeout=>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Bios {
    /// `useserial=`.
    pub useserial: Option<bool>,
    /// `rebootTimeout=` in milliseconds.
    pub reboot_timeout: Option<i32>,
}

/// `<loader readonly= secure= type=>path</loader>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Loader {
    /// `readonly=`.
    pub readonly: Option<bool>,
    /// `secure=`.
    pub secure: Option<bool>,
    /// `type=`: `rom` or `pflash`.
    pub kind: Option<String>,
    /// The firmware image.
    pub path: Option<String>,
}

/// `<nvram template=>path</nvram>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Nvram {
    /// `template=`: the variables store it is copied from.
    pub template: Option<String>,
    /// The domain's variables store.
    pub path: Option<String>,
}

/// `<boot dev=>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BootDev {
    /// `fd`.
    Fd,
    /// `cdrom`.
    Cdrom,
    /// `hd`.
    Hd,
    /// `network`.
    Network,
}

impl BootDev {
    /// The `dev=` in the XML.
    pub fn as_str(self) -> &'static str {
        match self {
            BootDev::Fd => "fd",
            BootDev::Cdrom => "cdrom",
            BootDev::Hd => "hd",
            BootDev::Network => "network",
        }
    }
}

pub(super) fn parse_os(root: Node<'_, '_>) -> Result<Os> {
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
impl Domain {
    pub(super) fn format_os(&self, w: &mut Writer) {
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
                        &[
                            ("enabled", fmt_yes_no(*enabled)),
                            ("name", (*name).to_string()),
                        ],
                    );
                }
                w.close("firmware");
            }
            if let Some(l) = &os.loader {
                let mut a = Vec::new();
                if let Some(v) = l.readonly {
                    a.push(("readonly", fmt_yes_no(v)));
                }
                if let Some(v) = l.secure {
                    a.push(("secure", fmt_yes_no(v)));
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
                let mut a = vec![("enable", fmt_yes_no(enable))];
                if let (true, Some(t)) = (enable, timeout) {
                    a.push(("timeout", t.to_string()));
                }
                w.empty("bootmenu", &a);
            }
            if let Some(b) = &os.bios {
                let mut a = Vec::new();
                if let Some(u) = b.useserial {
                    a.push(("useserial", fmt_yes_no(u)));
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
}
