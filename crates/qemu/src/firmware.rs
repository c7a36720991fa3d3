//! QEMU firmware descriptors (`/usr/share/qemu/firmware/*.json`, overridden by same-named
//! files in `/etc/qemu/firmware`), read once when the driver starts, for the domain
//! capabilities' `<loader>` values.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

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
    Some(Firmware {
        name: name.to_owned(),
        uefi: interfaces.iter().any(|i| i == "uefi"),
        flash: device == "flash",
        executable,
        targets,
        secure_boot: features.iter().any(|f| f == "secure-boot"),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_and_descriptor() {
        assert!(glob_match("pc-q35-*", "pc-q35-7.2"));
        assert!(!glob_match("pc-q35-*", "pc-i440fx-7.2"));
        assert!(glob_match("pc-?35*", "pc-q35"));
        let f = parse(
            "50-x.json",
            r#"{"interface-types":["uefi"],"mapping":{"device":"flash",
            "executable":{"filename":"/usr/share/OVMF/OVMF_CODE_4M.secboot.fd"}},
            "targets":[{"architecture":"x86_64","machines":["pc-q35-*"]}],
            "features":["requires-smm","secure-boot"]}"#,
        )
        .unwrap();
        assert!(f.uefi && f.flash && f.secure_boot);
        assert!(f.serves("x86_64", "pc-q35-7.2"));
        assert!(!f.serves("x86_64", "pc-i440fx-7.2"));
        assert!(parse("x.json", "{}").is_none());
    }
}
