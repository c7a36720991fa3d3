//! Shared by the conf integration tests: checking documents against libvirt's RelaxNG schema.
#![allow(clippy::expect_used)] // test code fails loudly

use std::path::{Path, PathBuf};

/// Validate documents with `xmllint --relaxng /usr/share/libvirt/schemas/domain.rng` (package
/// libvirt0, installed by scripts/install-deps). `docs` are (name, XML). Returns the names of
/// the documents that fail with xmllint's complaints (empty: all validate); `None` when xmllint
/// or the schema is missing.
pub fn validate_domains(tag: &str, docs: &[(String, String)]) -> Option<Vec<(String, String)>> {
    let schema = Path::new("/usr/share/libvirt/schemas/domain.rng");
    let xmllint = std::process::Command::new("xmllint")
        .arg("--version")
        .output();
    if !schema.exists() || xmllint.is_err() {
        println!(
            "note: xmllint or {} missing, schema check skipped",
            schema.display()
        );
        return None;
    }
    let dir = std::env::temp_dir().join(format!("oxvirt-conf-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let mut files: Vec<PathBuf> = Vec::new();
    for (i, (_, xml)) in docs.iter().enumerate() {
        let f = dir.join(format!("{i}.xml"));
        std::fs::write(&f, xml).expect("write");
        files.push(f);
    }
    let out = std::process::Command::new("xmllint")
        .args(["--noout", "--relaxng"])
        .arg(schema)
        .args(&files)
        .output()
        .expect("xmllint");
    let stderr = String::from_utf8_lossy(&out.stderr);
    // KEEP_SCHEMA_FILES=1 keeps the files for a look at a failure
    if std::env::var_os("KEEP_SCHEMA_FILES").is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
    let mut failed = Vec::new();
    for (f, (name, _)) in files.iter().zip(docs) {
        let prefix = format!("{}:", f.display());
        let said: Vec<&str> = stderr.lines().filter(|l| l.starts_with(&prefix)).collect();
        if stderr.contains(&format!("{} fails to validate", f.display())) {
            failed.push((name.clone(), said.join("\n")));
        }
    }
    if failed.is_empty() && !out.status.success() {
        failed.push(("xmllint".into(), stderr.into_owned()));
    }
    Some(failed)
}
