//! QEMU firmware descriptors (`/usr/share/qemu/firmware/*.json`, overridden by same-named
//! files in `/etc/qemu/firmware`), read once when the driver starts, for the domain
//! capabilities' `<loader>` values and the firmware of starting domains (`firmware='efi'`,
//! NVRAM templates).

use std::collections::BTreeMap;
use std::path::Path;

use oxvirt_conf::domain::{Domain, Loader, Nvram};
use serde_json::Value;

use crate::QemuError;

/// One descriptor's facts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Firmware {
    /// The descriptor's file name (its priority: lower sorts first).
    pub name: String,
    pub uefi: bool,
    /// `mapping.device` is `flash`.
    pub flash: bool,
    pub executable: String,
    /// (architecture, machine globs).
    pub targets: Vec<(String, Vec<String>)>,
    pub secure_boot: bool,
    /// `mapping.nvram-template.filename` of a flash firmware.
    pub nvram_template: Option<String>,
    /// The `requires-smm` feature: started with SMM and a secure pflash.
    pub requires_smm: bool,
    /// The `enrolled-keys` feature.
    pub enrolled_keys: bool,
}

impl Firmware {
    /// Whether this firmware serves `arch` (QEMU's name, `x86_64`) with machine `machine`.
    pub fn serves(&self, arch: &str, machine: &str) -> bool {
        self.targets
            .iter()
            .any(|(a, globs)| a == arch && globs.iter().any(|g| glob_match(g, machine)))
    }
}

/// `fnmatch` with `*` and `?` only.
pub fn glob_match(pattern: &str, s: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = s.chars().collect();
    let (mut pi, mut ti) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        match p.get(pi) {
            Some('*') => {
                star = Some((pi, ti));
                pi += 1;
            }
            Some(&c) if c == '?' || c == t[ti] => {
                pi += 1;
                ti += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    pi = sp + 1;
                    ti = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

/// Parse one descriptor; `None` when it is not one we can use.
pub fn parse(name: &str, text: &str) -> Option<Firmware> {
    let v: Value = serde_json::from_str(text).ok()?;
    let strs = |v: Option<&Value>| -> Vec<String> {
        v.and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|s| s.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    let interfaces = strs(v.get("interface-types"));
    let mapping = v.get("mapping")?;
    let device = mapping.get("device")?.as_str()?;
    let executable = match device {
        "flash" => mapping.get("executable")?.get("filename")?.as_str()?,
        "memory" => mapping.get("filename")?.as_str()?,
        _ => return None,
    }
    .to_owned();
    let targets = v
        .get("targets")?
        .as_array()?
        .iter()
        .filter_map(|t| {
            Some((
                t.get("architecture")?.as_str()?.to_owned(),
                strs(t.get("machines")),
            ))
        })
        .collect();
    let features = strs(v.get("features"));
    let has = |f: &str| features.iter().any(|x| x == f);
    let nvram_template = (device == "flash")
        .then(|| mapping.get("nvram-template")?.get("filename")?.as_str())
        .flatten()
        .map(str::to_owned);
    Some(Firmware {
        name: name.to_owned(),
        uefi: interfaces.iter().any(|i| i == "uefi"),
        flash: device == "flash",
        executable,
        targets,
        secure_boot: has("secure-boot"),
        nvram_template,
        requires_smm: has("requires-smm"),
        enrolled_keys: has("enrolled-keys"),
    })
}

/// Read the descriptors from `dirs` (later directories override earlier ones' files of the
/// same name), in file name order.
pub fn load(dirs: &[&Path]) -> Vec<Firmware> {
    let mut files: BTreeMap<String, std::path::PathBuf> = BTreeMap::new();
    for d in dirs {
        let Ok(rd) = std::fs::read_dir(d) else {
            continue;
        };
        for e in rd.flatten() {
            let Ok(name) = e.file_name().into_string() else {
                continue;
            };
            if name.ends_with(".json") {
                files.insert(name, e.path());
            }
        }
    }
    files
        .into_iter()
        .filter_map(|(name, path)| {
            // an empty file in /etc masks the descriptor
            let text = std::fs::read_to_string(path).ok()?;
            parse(&name, &text)
        })
        .collect()
}

/// The system's descriptors.
pub fn load_system() -> Vec<Firmware> {
    load(&[
        Path::new("/usr/share/qemu/firmware"),
        Path::new("/etc/qemu/firmware"),
    ])
}

/// Where a domain's NVRAM file is when its definition names none: libvirt's
/// `NAME_VARS.fd` in the driver's NVRAM directory (`qemuDomainNVRAMPathGenerate`).
pub fn nvram_path(nvram_dir: &Path, name: &str) -> String {
    nvram_dir
        .join(format!("{name}_VARS.fd"))
        .display()
        .to_string()
}

/// Whether `fw` satisfies what the definition asks of its firmware (libvirt 9.0's
/// `qemuFirmwareMatchDomain`): UEFI for `firmware='efi'`, the domain's architecture (QEMU's
/// name) and machine, the `<firmware><feature>` requests, the given `<loader>` and NVRAM
/// template, and no SMM requirement when SMM is turned off.
fn matches(fw: &Firmware, dom: &Domain, arch: &str, machine: &str) -> bool {
    if !fw.uefi || !fw.serves(arch, machine) {
        return false;
    }
    for &(name, enabled) in &dom.os.firmware_features {
        let has = match name {
            "secure-boot" => fw.secure_boot,
            "enrolled-keys" => fw.enrolled_keys,
            _ => continue,
        };
        if has != enabled {
            return false;
        }
    }
    if let Some(l) = &dom.os.loader {
        let kind_ok = match l.kind.as_deref() {
            None => true,
            Some("pflash") => fw.flash,
            Some("rom") => !fw.flash,
            Some(_) => false,
        };
        if !kind_ok
            || l.path.as_deref().is_some_and(|p| p != fw.executable)
            || (l.secure == Some(true) && !fw.requires_smm)
            || (l.secure == Some(false) && fw.requires_smm)
        {
            return false;
        }
    }
    if let Some(t) = dom.os.nvram.as_ref().and_then(|n| n.template.as_deref()) {
        if fw.nvram_template.as_deref() != Some(t) {
            return false;
        }
    }
    !(fw.requires_smm && matches!(dom.features.smm, Some((false, _))))
}

/// The firmware of a starting domain, as libvirt 9.0 fills it in (`qemuFirmwareFillDomain`):
/// `firmware='efi'` picks the first matching descriptor (in file name order) and becomes its
/// read-only pflash `<loader>` (secure when the firmware requires SMM, which is then turned
/// on) with its NVRAM template and the domain's NVRAM file; a pflash `<loader>` given without
/// a template gets, when its NVRAM file does not exist yet, the template of the descriptor of
/// that executable. `arch` is QEMU's name for the domain's architecture.
pub fn fill_domain(
    dom: &mut Domain,
    firmware: &[Firmware],
    arch: &str,
    nvram_dir: &Path,
) -> Result<(), QemuError> {
    let machine = dom.os.machine.clone().unwrap_or_default();
    if dom.os.firmware.as_deref() == Some("efi") {
        let fw = firmware
            .iter()
            .find(|f| matches(f, dom, arch, &machine))
            .ok_or_else(|| {
                QemuError::OperationFailed("Unable to find any firmware to satisfy 'efi'".into())
            })?;
        dom.os.firmware = None;
        let loader = dom.os.loader.get_or_insert_with(Loader::default);
        loader.kind = Some(if fw.flash { "pflash" } else { "rom" }.into());
        loader.path = Some(fw.executable.clone());
        if fw.flash {
            loader.readonly = Some(true);
            if fw.requires_smm {
                loader.secure = Some(true);
            }
            let nvram = dom.os.nvram.get_or_insert_with(Nvram::default);
            nvram.template = fw.nvram_template.clone();
            if nvram.path.is_none() {
                nvram.path = Some(nvram_path(nvram_dir, &dom.name));
            }
        }
        if fw.requires_smm && dom.features.smm.is_none() {
            dom.features.smm = Some((true, None));
        }
        return Ok(());
    }
    let Some(exe) = dom
        .os
        .loader
        .as_ref()
        .filter(|l| l.kind.as_deref() == Some("pflash") && l.readonly == Some(true))
        .and_then(|l| l.path.clone())
    else {
        return Ok(());
    };
    let nvram = dom.os.nvram.get_or_insert_with(Nvram::default);
    let path = nvram
        .path
        .get_or_insert_with(|| nvram_path(nvram_dir, &dom.name));
    // the template is looked up (and shown in the live XML) only when the file is to be made
    if nvram.template.is_none() && !Path::new(path).exists() {
        nvram.template = firmware
            .iter()
            .find(|f| f.flash && f.executable == exe)
            .and_then(|f| f.nvram_template.clone());
    }
    Ok(())
}

/// Create a starting domain's NVRAM file from its template when it does not exist yet
/// (libvirt's `qemuPrepareNVRAMFile`), atomically and readable by its owner only.
pub fn prepare_nvram(dom: &Domain) -> Result<(), QemuError> {
    let Some(loader) = dom
        .os
        .loader
        .as_ref()
        .filter(|l| l.kind.as_deref() == Some("pflash") && l.readonly == Some(true))
    else {
        return Ok(());
    };
    let Some(path) = dom.os.nvram.as_ref().and_then(|n| n.path.as_deref()) else {
        return Ok(());
    };
    let path = Path::new(path);
    if path.exists() {
        return Ok(());
    }
    let template = dom
        .os
        .nvram
        .as_ref()
        .and_then(|n| n.template.as_deref())
        .ok_or_else(|| {
            QemuError::OperationFailed(format!(
                "unable to find any master var store for loader: {}",
                loader.path.as_deref().unwrap_or("")
            ))
        })?;
    let data = std::fs::read(template).map_err(|source| QemuError::Io {
        what: format!("Failed to open file '{template}'"),
        source,
    })?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|source| QemuError::Io {
            what: format!("cannot create {}", dir.display()),
            source,
        })?;
    }
    crate::fsutil::write_atomic(path, &data).map_err(|source| QemuError::Io {
        what: format!("Failed to create file '{}'", path.display()),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use oxvirt_proto::ToVirError;

    /// Debian 12's three OVMF descriptors (ovmf 2022.11), in their order.
    fn debian() -> Vec<Firmware> {
        let d = |name: &str, code: &str, vars: &str, machines: &str, features: &str| {
            parse(
                name,
                &format!(
                    r#"{{"interface-types":["uefi"],"mapping":{{"device":"flash",
                    "executable":{{"filename":"/usr/share/OVMF/{code}","format":"raw"}},
                    "nvram-template":{{"filename":"/usr/share/OVMF/{vars}","format":"raw"}}}},
                    "targets":[{{"architecture":"x86_64","machines":[{machines}]}}],
                    "features":[{features}]}}"#
                ),
            )
            .unwrap()
        };
        vec![
            d(
                "40-edk2-x86_64-secure-enrolled.json",
                "OVMF_CODE_4M.ms.fd",
                "OVMF_VARS_4M.ms.fd",
                r#""pc-q35-*""#,
                r#""acpi-s3","amd-sev","enrolled-keys","requires-smm","secure-boot","verbose-dynamic""#,
            ),
            d(
                "50-edk2-x86_64-secure.json",
                "OVMF_CODE_4M.secboot.fd",
                "OVMF_VARS_4M.fd",
                r#""pc-q35-*""#,
                r#""acpi-s3","amd-sev","requires-smm","secure-boot","verbose-dynamic""#,
            ),
            d(
                "60-edk2-x86_64.json",
                "OVMF_CODE_4M.fd",
                "OVMF_VARS_4M.fd",
                r#""pc-i440fx-*","pc-q35-*""#,
                r#""acpi-s3","amd-sev","verbose-dynamic""#,
            ),
        ]
    }

    fn dom(os: &str, machine: &str, extra: &str) -> Domain {
        let mut d = oxvirt_conf::domain::parse(&format!(
            "<domain type='qemu'><name>vm</name><memory>65536</memory><os {os}><type arch='x86_64' machine='{machine}'>hvm</type>{extra}</os></domain>"
        ))
        .unwrap();
        oxvirt_conf::domain::post_parse(
            &mut d,
            &oxvirt_conf::domain::QemuCaps::debian_qemu_7_2_x86_64(),
        )
        .unwrap();
        d
    }

    fn filled(mut d: Domain) -> Result<Domain, QemuError> {
        fill_domain(&mut d, &debian(), "x86_64", Path::new("/nv"))?;
        Ok(d)
    }

    fn loader(d: &Domain) -> (Option<&str>, Option<bool>, Option<bool>, Option<&str>) {
        let l = d.os.loader.as_ref().unwrap();
        (l.path.as_deref(), l.readonly, l.secure, l.kind.as_deref())
    }

    #[test]
    fn efi_selects_as_libvirt_9_0_does() {
        // q35: the first descriptor, enrolled keys and SMM (as libvirt 9.0 picks on Debian 12)
        let d = filled(dom("firmware='efi'", "q35", "")).unwrap();
        assert_eq!(d.os.firmware, None);
        assert_eq!(
            loader(&d),
            (
                Some("/usr/share/OVMF/OVMF_CODE_4M.ms.fd"),
                Some(true),
                Some(true),
                Some("pflash")
            )
        );
        let nv = d.os.nvram.as_ref().unwrap();
        assert_eq!(
            nv.template.as_deref(),
            Some("/usr/share/OVMF/OVMF_VARS_4M.ms.fd")
        );
        assert_eq!(nv.path.as_deref(), Some("/nv/vm_VARS.fd"));
        assert_eq!(d.features.smm, Some((true, None)));
        // pc: only the plain firmware serves it; no secure flag, no SMM
        let d = filled(dom("firmware='efi'", "pc", "")).unwrap();
        assert_eq!(
            loader(&d),
            (
                Some("/usr/share/OVMF/OVMF_CODE_4M.fd"),
                Some(true),
                None,
                Some("pflash")
            )
        );
        assert_eq!(d.features.smm, None);
        // secure boot off, or SMM off: the plain firmware
        let off = "<firmware><feature enabled='no' name='secure-boot'/></firmware>";
        let d = filled(dom("firmware='efi'", "q35", off)).unwrap();
        assert_eq!(loader(&d).0, Some("/usr/share/OVMF/OVMF_CODE_4M.fd"));
        assert_eq!(d.os.firmware_features, vec![("secure-boot", false)]);
        let mut smm_off = dom("firmware='efi'", "q35", "");
        smm_off.features.smm = Some((false, None));
        assert_eq!(
            loader(&filled(smm_off).unwrap()).0,
            Some("/usr/share/OVMF/OVMF_CODE_4M.fd")
        );
        // secure boot without enrolled keys
        let sb = "<firmware><feature enabled='no' name='enrolled-keys'/><feature enabled='yes' name='secure-boot'/></firmware>";
        let d = filled(dom("firmware='efi'", "q35", sb)).unwrap();
        assert_eq!(
            loader(&d).0,
            Some("/usr/share/OVMF/OVMF_CODE_4M.secboot.fd")
        );
        // nothing on pc offers secure boot
        let sb = "<firmware><feature enabled='yes' name='secure-boot'/></firmware>";
        let e = filled(dom("firmware='efi'", "pc", sb)).unwrap_err();
        assert_eq!(
            e.to_vir_error().message,
            "operation failed: Unable to find any firmware to satisfy 'efi'"
        );
        // a named NVRAM file is kept
        let d = filled(dom("firmware='efi'", "q35", "<nvram>/x/y.fd</nvram>")).unwrap();
        assert_eq!(d.os.nvram.unwrap().path.as_deref(), Some("/x/y.fd"));
    }

    #[test]
    fn a_given_loader_gets_its_template_while_its_nvram_is_missing() {
        let l = "<loader readonly='yes' type='pflash'>/usr/share/OVMF/OVMF_CODE_4M.fd</loader>";
        let d = filled(dom("", "q35", l)).unwrap();
        assert_eq!(
            loader(&d),
            (
                Some("/usr/share/OVMF/OVMF_CODE_4M.fd"),
                Some(true),
                None,
                Some("pflash")
            )
        );
        let nv = d.os.nvram.as_ref().unwrap();
        // post_parse gave the definition libvirt's path
        assert_eq!(
            nv.path.as_deref(),
            Some("/var/lib/libvirt/qemu/nvram/vm_VARS.fd")
        );
        assert_eq!(
            nv.template.as_deref(),
            Some("/usr/share/OVMF/OVMF_VARS_4M.fd")
        );
        // an existing NVRAM file: no template in the live XML
        let t = tempfile::tempdir().unwrap();
        let existing = t.path().join("vars.fd");
        std::fs::write(&existing, b"x").unwrap();
        let d = filled(dom(
            "",
            "q35",
            &format!("{l}<nvram>{}</nvram>", existing.display()),
        ))
        .unwrap();
        assert_eq!(d.os.nvram.unwrap().template, None);
    }

    #[test]
    fn nvram_is_copied_once_from_its_template() {
        let t = tempfile::tempdir().unwrap();
        let template = t.path().join("VARS.fd");
        std::fs::write(&template, b"template").unwrap();
        let path = t.path().join("nvram/vm_VARS.fd");
        let mut d = dom(
            "",
            "q35",
            &format!(
                "<loader readonly='yes' type='pflash'>/c.fd</loader><nvram template='{}'>{}</nvram>",
                template.display(),
                path.display()
            ),
        );
        prepare_nvram(&d).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"template");
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        // the guest's variables are never overwritten
        std::fs::write(&path, b"guest").unwrap();
        prepare_nvram(&d).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"guest");
        // no template and no file: libvirt's error
        std::fs::remove_file(&path).unwrap();
        d.os.nvram.as_mut().unwrap().template = None;
        assert_eq!(
            prepare_nvram(&d).unwrap_err().to_vir_error().message,
            "operation failed: unable to find any master var store for loader: /c.fd"
        );
    }

    #[test]
    fn globs_and_descriptor() {
        assert!(glob_match("pc-q35-*", "pc-q35-7.2"));
        assert!(!glob_match("pc-q35-*", "pc-i440fx-7.2"));
        assert!(glob_match("pc-?35*", "pc-q35"));
        let f = parse(
            "50-x.json",
            r#"{"interface-types":["uefi"],"mapping":{"device":"flash",
            "executable":{"filename":"/usr/share/OVMF/OVMF_CODE_4M.secboot.fd"},
            "nvram-template":{"filename":"/usr/share/OVMF/OVMF_VARS_4M.fd"}},
            "targets":[{"architecture":"x86_64","machines":["pc-q35-*"]}],
            "features":["requires-smm","secure-boot"]}"#,
        )
        .unwrap();
        assert!(f.uefi && f.flash && f.secure_boot && f.requires_smm && !f.enrolled_keys);
        assert_eq!(
            f.nvram_template.as_deref(),
            Some("/usr/share/OVMF/OVMF_VARS_4M.fd")
        );
        assert!(f.serves("x86_64", "pc-q35-7.2"));
        assert!(!f.serves("x86_64", "pc-i440fx-7.2"));
        assert!(parse("x.json", "{}").is_none());
    }
}
