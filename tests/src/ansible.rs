//! An Ansible playbook (Debian's `ansible-playbook`, with the `community.libvirt` collection
//! the PyPI package bundles) run against a libvirt URI, as the Ansible tests do: a private
//! `HOME` per run, Debian's Python, the results the playbook writes as JSON.

use std::path::Path;

use crate::command;

/// Run `playbook` (written to `dir/play.yml`) on localhost with the extra variables `vars`
/// (`k=v ...`) and `out=` a file of `dir` the playbook writes its results to; the results
/// come back without the modules' `invocation` echo (it names the run's own paths).
pub fn play(dir: &Path, label: &str, playbook: &str, vars: &str) -> serde_json::Value {
    let home = dir.join(format!("home-{label}"));
    std::fs::create_dir_all(&home).expect("ansible home");
    let book = dir.join("play.yml");
    std::fs::write(&book, playbook).expect("write the playbook");
    let out = dir.join(format!("out-{label}.json"));
    let o = command("/usr/bin/ansible-playbook")
        .env("HOME", &home)
        .env("ANSIBLE_HOME", home.join(".ansible"))
        .env("ANSIBLE_LOCAL_TEMP", home.join("tmp"))
        .env("ANSIBLE_PYTHON_INTERPRETER", "/usr/bin/python3")
        .env("ANSIBLE_NOCOLOR", "1")
        .env("ANSIBLE_RETRY_FILES_ENABLED", "0")
        .arg("-i")
        .arg("localhost,")
        .arg(&book)
        .arg("-e")
        .arg(format!("{vars} out={}", out.display()))
        .output()
        .expect("run ansible-playbook (is ansible installed? run scripts/install-deps)");
    assert!(
        o.status.success(),
        "ansible-playbook against {label}:\n{}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    let text = std::fs::read_to_string(&out).expect("the playbook's results");
    let mut v: serde_json::Value = serde_json::from_str(&text).expect("results as JSON");
    if let Some(all) = v.as_object_mut() {
        for r in all.values_mut() {
            if let Some(r) = r.as_object_mut() {
                r.remove("invocation");
            }
        }
    }
    v
}
