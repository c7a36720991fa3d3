//! `<redirdev>` and `<redirfilter>`: USB redirection and its filter rules.

use super::*;

/// `<redirdev bus='usb' type='spicevmc'>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redirdev {
    /// `spicevmc`, or the character device (`tcp`, ...) of a USB redirection server.
    pub source: ChrSource,
    /// `<alias name=>`: the QEMU device id. A normal (define) parse keeps only user aliases
    /// (`ua-` prefix); the live parser keeps all; `assign_aliases` fills the rest.
    pub alias: Option<String>,
    /// `<address>`: where the device sits on its bus.
    pub address: Option<Address>,
}

/// `<usbdev class= vendor= product= version= allow=>` of a `<redirfilter>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsbdevRule {
    /// `class=` (missing or `-1`, any class, is `None`).
    pub class: Option<u32>,
    /// `vendor=` (missing or `-1`, any vendor, is `None`).
    pub vendor: Option<u32>,
    /// `product=` (missing or `-1`, any product, is `None`).
    pub product: Option<u32>,
    /// `(major, minor)` of `version=`.
    pub version: Option<(u32, u32)>,
    /// `allow=`.
    pub allow: bool,
}

/// A `<redirdev>` of `<devices>` into `out`.
pub(super) fn read_redirdev(out: &mut Devices, n: Node<'_, '_>, live: bool) -> Result<()> {
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
    Ok(())
}

/// A `<redirfilter>` of `<devices>` into `out`.
pub(super) fn read_redirfilter(out: &mut Devices, n: Node<'_, '_>) -> Result<()> {
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
                        ConfError::Internal(format!("Cannot parse USB device {k} '{v}'"))
                    }),
            }
        };
        let version = match u.attribute("version") {
            None | Some("-1") => None,
            Some(v) => {
                let bad = || ConfError::Internal(format!("Cannot parse USB device version '{v}'"));
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
    Ok(())
}

pub(super) fn format_redirdev(w: &mut Writer, r: &Redirdev, cx: Ctx) {
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

pub(super) fn format_redirfilter(w: &mut Writer, rules: &[UsbdevRule]) {
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
            a.push(("allow", fmt_yes_no(u.allow)));
            w.empty("usbdev", &a);
        }
    });
}
