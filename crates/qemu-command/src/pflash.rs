//! The firmware part of the QEMU command line, as libvirt 9.0 writes it: a pflash loader and
//! its NVRAM as `-blockdev` pairs named `libvirt-pflash0-*`/`libvirt-pflash1-*` handed to the
//! machine (`pflash0=`, `pflash1=`), `-global driver=cfi.pflash01,property=secure,value=on`
//! for a secure loader, `-bios` for a ROM loader, and the machine's `smm=` property.

use oxvirt_conf::domain::Domain;
use serde_json::json;

use crate::CommandError;

/// The arguments the firmware adds, by where they go.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FirmwareArgs {
    /// Before `-machine`: the pflash blockdevs.
    pub blockdevs: Vec<String>,
    /// In the machine string after `usb=off`: `,smm=on|off`.
    pub smm: String,
    /// At the end of the machine string: `,pflash0=...,pflash1=...`.
    pub machine_props: String,
    /// After `-cpu`: `-global ...` for a secure loader or `-bios PATH`.
    pub after_cpu: Vec<String>,
}

fn file_blockdev(name: &str, path: &str) -> String {
    json!({
        "driver": "file",
        "filename": path,
        "node-name": format!("libvirt-{name}-storage"),
        "auto-read-only": true,
        "discard": "unmap",
    })
    .to_string()
}

fn raw_blockdev(name: &str, read_only: bool) -> String {
    json!({
        "node-name": format!("libvirt-{name}-format"),
        "read-only": read_only,
        "driver": "raw",
        "file": format!("libvirt-{name}-storage"),
    })
    .to_string()
}

/// The firmware arguments of a live definition (firmware already filled in by
/// `firmware::fill_domain`: a remaining `firmware='efi'` is refused).
pub fn args(dom: &Domain) -> Result<FirmwareArgs, CommandError> {
    let mut out = FirmwareArgs::default();
    match dom.features.smm {
        None => {}
        Some((on, None)) => out.smm = format!(",smm={}", if on { "on" } else { "off" }),
        Some((_, Some(_))) => {
            return Err(CommandError::ConfigUnsupported(
                "<smm><tseg> is not supported by oxvirt yet".into(),
            ))
        }
    }
    if let Some(f) = &dom.os.firmware {
        return Err(CommandError::ConfigUnsupported(format!(
            "firmware '{f}' without a selected firmware"
        )));
    }
    let Some(loader) = &dom.os.loader else {
        return Ok(out);
    };
    let Some(path) = loader.path.as_deref() else {
        return Ok(out);
    };
    match loader.kind.as_deref() {
        None | Some("rom") => {
            out.after_cpu = vec!["-bios".into(), path.to_owned()];
        }
        Some("pflash") => {
            out.blockdevs.push("-blockdev".into());
            out.blockdevs.push(file_blockdev("pflash0", path));
            out.blockdevs.push("-blockdev".into());
            out.blockdevs
                .push(raw_blockdev("pflash0", loader.readonly == Some(true)));
            out.machine_props = ",pflash0=libvirt-pflash0-format".into();
            if let Some(nvram) = dom.os.nvram.as_ref().and_then(|n| n.path.as_deref()) {
                out.blockdevs.push("-blockdev".into());
                out.blockdevs.push(file_blockdev("pflash1", nvram));
                out.blockdevs.push("-blockdev".into());
                out.blockdevs.push(raw_blockdev("pflash1", false));
                out.machine_props
                    .push_str(",pflash1=libvirt-pflash1-format");
            }
            if loader.secure == Some(true) {
                out.after_cpu = vec![
                    "-global".into(),
                    "driver=cfi.pflash01,property=secure,value=on".into(),
                ];
            }
        }
        Some(k) => {
            return Err(CommandError::ConfigUnsupported(format!(
                "<loader type='{k}'> is not supported by oxvirt yet"
            )))
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dom(os: &str) -> Domain {
        oxvirt_conf::domain::parse(&format!(
            "<domain type='qemu'><name>vm</name><memory>65536</memory><os><type arch='x86_64' machine='pc-q35-7.2'>hvm</type>{os}</os><features><smm state='on'/></features></domain>"
        ))
        .unwrap()
    }

    #[test]
    /// libvirt 9.0's arguments (the JSON keys in serde_json's order, as the rest of the command line)
    fn pflash_as_libvirt_9_0_writes_it() {
        let a = args(&dom(
            "<loader readonly='yes' secure='yes' type='pflash'>/C.fd</loader><nvram template='/T.fd'>/N.fd</nvram>",
        ))
        .unwrap();
        assert_eq!(
            a.blockdevs,
            [
                "-blockdev",
                r#"{"auto-read-only":true,"discard":"unmap","driver":"file","filename":"/C.fd","node-name":"libvirt-pflash0-storage"}"#,
                "-blockdev",
                r#"{"driver":"raw","file":"libvirt-pflash0-storage","node-name":"libvirt-pflash0-format","read-only":true}"#,
                "-blockdev",
                r#"{"auto-read-only":true,"discard":"unmap","driver":"file","filename":"/N.fd","node-name":"libvirt-pflash1-storage"}"#,
                "-blockdev",
                r#"{"driver":"raw","file":"libvirt-pflash1-storage","node-name":"libvirt-pflash1-format","read-only":false}"#,
            ]
        );
        assert_eq!(a.smm, ",smm=on");
        assert_eq!(
            a.machine_props,
            ",pflash0=libvirt-pflash0-format,pflash1=libvirt-pflash1-format"
        );
        assert_eq!(
            a.after_cpu,
            ["-global", "driver=cfi.pflash01,property=secure,value=on"]
        );
        let a = args(&dom("<loader type='rom'>/bios.bin</loader>")).unwrap();
        assert!(a.blockdevs.is_empty() && a.machine_props.is_empty());
        assert_eq!(a.after_cpu, ["-bios", "/bios.bin"]);
        assert!(args(&dom("")).unwrap().after_cpu.is_empty());
    }

    #[test]
    fn unselected_firmware_is_refused() {
        let mut d = dom("");
        d.os.firmware = Some("efi".into());
        assert!(args(&d).is_err());
    }
}
