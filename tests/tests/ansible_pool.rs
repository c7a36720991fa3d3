//! Ansible's `community.libvirt.virt_pool` module (Debian's `ansible`) against
//! `oxvirt-storaged` and against libvirt 9.0: the same playbook (list, define, build, start,
//! autostart, refresh, facts, info, status, XML, stop, delete and undefine) gives the same
//! results on both. The two runs use the same pool directory, one after the other (the
//! playbook's last state, `deleted`, removes it).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::path::Path;

use oxvirt_e2e::storaged::Storaged;
use oxvirt_e2e::Libvirtd;

const PLAYBOOK: &str = r#"
- hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - community.libvirt.virt_pool: {command: list_pools, uri: "{{ uri }}"}
      register: list_before
    - community.libvirt.virt_pool: {command: define, name: anspool, xml: "{{ lookup('file', xml) }}", uri: "{{ uri }}"}
      register: define
    - community.libvirt.virt_pool: {command: define, name: anspool, xml: "{{ lookup('file', xml) }}", uri: "{{ uri }}"}
      register: define_again
    - community.libvirt.virt_pool: {command: list_pools, state: inactive, uri: "{{ uri }}"}
      register: list_inactive
    - community.libvirt.virt_pool: {command: status, name: anspool, uri: "{{ uri }}"}
      register: status_before
    - community.libvirt.virt_pool: {command: facts, uri: "{{ uri }}"}
      register: facts_inactive
    - community.libvirt.virt_pool: {command: build, name: anspool, uri: "{{ uri }}"}
      register: build
    - copy: {dest: "{{ pooldir }}/disk.img", content: "not an image\n"}
    - community.libvirt.virt_pool: {state: active, name: anspool, uri: "{{ uri }}"}
      register: start
    - community.libvirt.virt_pool: {state: active, name: anspool, uri: "{{ uri }}"}
      register: start_again
    - community.libvirt.virt_pool: {autostart: true, name: anspool, uri: "{{ uri }}"}
      register: autostart
    - copy: {dest: "{{ pooldir }}/second.img", content: "neither\n"}
    - community.libvirt.virt_pool: {command: refresh, name: anspool, uri: "{{ uri }}"}
      register: refresh
    - community.libvirt.virt_pool: {command: list_pools, state: active, uri: "{{ uri }}"}
      register: list_active
    - community.libvirt.virt_pool: {command: facts, uri: "{{ uri }}"}
      register: facts
    - community.libvirt.virt_pool: {command: info, uri: "{{ uri }}"}
      register: info
    - community.libvirt.virt_pool: {command: status, name: anspool, uri: "{{ uri }}"}
      register: status
    - community.libvirt.virt_pool: {command: get_xml, name: anspool, uri: "{{ uri }}"}
      register: get_xml
    - community.libvirt.virt_pool: {state: inactive, name: anspool, uri: "{{ uri }}"}
      register: stop
    - file: {path: "{{ pooldir }}/disk.img", state: absent}
    - file: {path: "{{ pooldir }}/second.img", state: absent}
    - community.libvirt.virt_pool: {state: deleted, name: anspool, uri: "{{ uri }}"}
      register: deleted
    - community.libvirt.virt_pool: {command: list_pools, uri: "{{ uri }}"}
      register: list_after
    - stat: {path: "{{ pooldir }}"}
      register: dir_after
    - community.libvirt.virt_pool: {command: status, name: nosuch, uri: "{{ uri }}"}
      register: missing
      ignore_errors: true
    - copy:
        dest: "{{ out }}"
        content: "{{ {'list_before': list_before, 'define': define, 'define_again': define_again,
          'list_inactive': list_inactive, 'status_before': status_before,
          'facts_inactive': facts_inactive, 'build': build, 'start': start,
          'start_again': start_again, 'autostart': autostart,
          'refresh': refresh, 'list_active': list_active, 'facts': facts, 'info': info,
          'status': status, 'get_xml': get_xml, 'stop': stop,
          'deleted': deleted, 'list_after': list_after, 'dir_after': dir_after.stat.exists,
          'missing': missing} | to_nice_json }}"
"#;

fn pool_xml(dir: &Path) -> String {
    format!(
        "<pool type='dir'>
  <name>anspool</name>
  <uuid>4f0e1b3c-5d6a-4b7c-8d9e-0a1b2c3d4e5f</uuid>
  <target>
    <path>{}</path>
    <permissions>
      <mode>0750</mode>
    </permissions>
  </target>
</pool>
",
        dir.display()
    )
}

/// The pool's sizes change with the host's file system between the runs: each becomes `N`.
/// Volume names are sorted: libvirt lists them in the order of its hash table, whose seed is
/// random per process.
fn without_sizes(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Object(m) => {
            for (k, x) in m.iter_mut() {
                if k.starts_with("size_") {
                    *x = serde_json::Value::String("N".into());
                } else if let (true, Some(names)) = (k == "volumes", x.as_array_mut()) {
                    names.sort_by_key(|n| n.to_string());
                } else {
                    without_sizes(x);
                }
            }
        }
        serde_json::Value::Array(a) => a.iter_mut().for_each(without_sizes),
        serde_json::Value::String(s) if s.contains("<capacity") => {
            *s = s
                .lines()
                .map(|l| {
                    let t = l.trim_start();
                    if ["<capacity", "<allocation", "<available"]
                        .iter()
                        .any(|p| t.starts_with(p))
                    {
                        let (head, _) = l.split_once('>').unwrap();
                        let (_, tail) = l.rsplit_once('<').unwrap();
                        format!("{head}>N<{tail}")
                    } else {
                        l.to_owned()
                    }
                })
                .collect::<Vec<_>>()
                .join("\n");
        }
        _ => {}
    }
}

/// Run the playbook against `uri`; the registered results without the module's invocation
/// (which names the URI) and without sizes.
fn play(dir: &Path, pooldir: &Path, uri: &str, label: &str) -> serde_json::Value {
    let xml = dir.join("pool.xml");
    std::fs::write(&xml, pool_xml(pooldir)).unwrap();
    let vars = format!(
        "uri={uri} xml={} pooldir={}",
        xml.display(),
        pooldir.display()
    );
    let mut v = oxvirt_e2e::ansible::play(dir, label, PLAYBOOK, &vars);
    without_sizes(&mut v);
    v
}

#[test]
fn virt_pool_module_matches_libvirtd() {
    let tmp = tempfile::Builder::new()
        .prefix("oxvirt-ansible-pool-")
        .tempdir()
        .unwrap();
    let dir = tmp.path();
    let pooldir = dir.join("pool");
    // a root past its first start: no `default` pool (the private libvirtd has none)
    let ours = Storaged::start_in_without_default(&dir.join("root"));
    let a = play(dir, &pooldir, &ours.uri(), "oxvirt");
    assert!(
        !pooldir.exists(),
        "the playbook deletes the pool's directory"
    );
    let lv = Libvirtd::start();
    let b = play(dir, &pooldir, lv.uri(), "libvirtd");
    let (ta, tb) = (
        serde_json::to_string_pretty(&a).unwrap(),
        serde_json::to_string_pretty(&b).unwrap(),
    );
    assert_eq!(
        ta,
        tb,
        "--- oxvirt-storaged\n{ta}\n--- libvirtd 9.0\n{tb}\n{}",
        ours.log()
    );
    // what the playbook did, seen from the results
    assert_eq!(a["define"]["changed"], true, "{ta}");
    assert_eq!(a["define_again"]["changed"], false, "{ta}");
    assert_eq!(a["build"]["changed"], true, "{ta}");
    assert_eq!(a["start"]["changed"], true, "{ta}");
    assert_eq!(a["start_again"]["changed"], false, "{ta}");
    assert_eq!(a["status_before"]["status"], "inactive", "{ta}");
    assert_eq!(a["status"]["status"], "active", "{ta}");
    let facts = &a["facts"]["ansible_facts"]["ansible_libvirt_pools"]["anspool"];
    assert_eq!(facts["autostart"], "yes", "{ta}");
    assert_eq!(facts["status"], "running", "{ta}");
    assert_eq!(facts["type"], "dir", "{ta}");
    assert_eq!(facts["volume_count"], 2, "{ta}");
    assert_eq!(
        facts["volumes"],
        serde_json::json!(["disk.img", "second.img"]),
        "{ta}"
    );
    assert_eq!(
        facts["path"],
        serde_json::json!(pooldir.to_str().unwrap()),
        "{ta}"
    );
    assert_eq!(a["list_after"]["list_pools"], serde_json::json!([]), "{ta}");
    assert_eq!(a["dir_after"], false, "{ta}");
    assert_eq!(a["missing"]["failed"], true, "{ta}");
}
