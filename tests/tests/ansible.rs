//! Ansible's `community.libvirt.virt_net` module (Debian's `ansible`) against
//! `oxvirt-networkd` and against libvirt 9.0, each in a network namespace of its own: the same
//! playbook (list, define, start, autostart, facts, info, status, XML, stop, undefine) gives
//! the same results on both.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::path::Path;

use oxvirt_e2e::networkd::{Netns, Networkd};
use oxvirt_e2e::Libvirtd;

const NET: &str = "<network>
  <name>ansnet</name>
  <uuid>7a3b5e5c-1d2e-4f60-8a9b-0c1d2e3f4a5b</uuid>
  <forward mode='nat'/>
  <bridge name='virbr7' stp='on' delay='0'/>
  <mac address='52:54:00:7a:7b:7c'/>
  <domain name='ans.test'/>
  <ip address='192.168.170.1' netmask='255.255.255.0'>
    <dhcp>
      <range start='192.168.170.10' end='192.168.170.99'/>
      <host mac='52:54:00:7a:00:01' name='fixed' ip='192.168.170.5'/>
    </dhcp>
  </ip>
</network>
";

const PLAYBOOK: &str = r#"
- hosts: localhost
  connection: local
  gather_facts: false
  vars:
    lv: community.libvirt.virt_net
  tasks:
    - community.libvirt.virt_net: {command: list_nets, uri: "{{ uri }}"}
      register: list_before
    - community.libvirt.virt_net: {command: define, name: ansnet, xml: "{{ lookup('file', xml) }}", uri: "{{ uri }}"}
      register: define
    - community.libvirt.virt_net: {command: define, name: ansnet, xml: "{{ lookup('file', xml) }}", uri: "{{ uri }}"}
      register: define_again
    - community.libvirt.virt_net: {command: list_nets, state: inactive, uri: "{{ uri }}"}
      register: list_inactive
    - community.libvirt.virt_net: {command: status, name: ansnet, uri: "{{ uri }}"}
      register: status_before
    - community.libvirt.virt_net: {state: active, name: ansnet, uri: "{{ uri }}"}
      register: start
    - community.libvirt.virt_net: {state: active, name: ansnet, uri: "{{ uri }}"}
      register: start_again
    - community.libvirt.virt_net: {autostart: true, name: ansnet, uri: "{{ uri }}"}
      register: autostart
    - community.libvirt.virt_net: {command: list_nets, state: active, uri: "{{ uri }}"}
      register: list_active
    - community.libvirt.virt_net: {command: facts, uri: "{{ uri }}"}
      register: facts
    - community.libvirt.virt_net: {command: facts, name: ansnet, uri: "{{ uri }}"}
      register: facts_one
    - community.libvirt.virt_net: {command: info, uri: "{{ uri }}"}
      register: info
    - community.libvirt.virt_net: {command: status, name: ansnet, uri: "{{ uri }}"}
      register: status
    - community.libvirt.virt_net: {command: get_xml, name: ansnet, uri: "{{ uri }}"}
      register: get_xml
    - community.libvirt.virt_net: {state: inactive, name: ansnet, uri: "{{ uri }}"}
      register: stop
    - community.libvirt.virt_net: {state: absent, name: ansnet, uri: "{{ uri }}"}
      register: undefine
    - community.libvirt.virt_net: {command: list_nets, uri: "{{ uri }}"}
      register: list_after
    - community.libvirt.virt_net: {command: status, name: nosuch, uri: "{{ uri }}"}
      register: missing
      ignore_errors: true
    - copy:
        dest: "{{ out }}"
        content: "{{ {'list_before': list_before, 'define': define, 'define_again': define_again,
          'list_inactive': list_inactive, 'status_before': status_before, 'start': start,
          'start_again': start_again, 'autostart': autostart, 'list_active': list_active,
          'facts': facts, 'facts_one': facts_one, 'info': info, 'status': status,
          'get_xml': get_xml, 'stop': stop, 'undefine': undefine, 'list_after': list_after,
          'missing': missing} | to_nice_json }}"
"#;

/// Run the playbook against `uri`; the registered results without the module's invocation
/// (which names the URI).
fn play(dir: &Path, uri: &str, label: &str) -> serde_json::Value {
    let xml = dir.join("net.xml");
    std::fs::write(&xml, NET).unwrap();
    oxvirt_e2e::ansible::play(
        dir,
        label,
        PLAYBOOK,
        &format!("uri={uri} xml={}", xml.display()),
    )
}

#[test]
fn virt_net_module_matches_libvirtd() {
    let tmp = tempfile::Builder::new()
        .prefix("oxvirt-ansible-")
        .tempdir()
        .unwrap();
    let dir = tmp.path();
    let ns = Netns::new(dir);
    let lv_ns = Netns::new(&dir.join("lv"));
    let ours = Networkd::start_in(dir, &ns);
    let lv = Libvirtd::start_in_netns(&lv_ns.0);
    let a = play(dir, &ours.uri(), "oxvirt");
    let b = play(dir, lv.uri(), "libvirtd");
    let (ta, tb) = (
        serde_json::to_string_pretty(&a).unwrap(),
        serde_json::to_string_pretty(&b).unwrap(),
    );
    assert_eq!(
        ta,
        tb,
        "--- oxvirt-networkd\n{ta}\n--- libvirtd 9.0\n{tb}\n{}",
        ours.log()
    );
    // what the playbook did, seen from the results
    assert_eq!(a["define"]["changed"], true);
    assert_eq!(a["define_again"]["changed"], false);
    assert_eq!(a["start"]["changed"], true);
    assert_eq!(a["start_again"]["changed"], false);
    assert_eq!(a["status"]["status"], "active");
    assert_eq!(a["status_before"]["status"], "inactive");
    let facts = &a["facts_one"]["ansible_facts"]["ansible_libvirt_networks"]["ansnet"];
    assert_eq!(facts["bridge"], "virbr7", "{ta}");
    assert_eq!(facts["autostart"], "yes", "{ta}");
    assert_eq!(a["list_after"]["list_nets"], serde_json::json!([]), "{ta}");
    assert_eq!(a["missing"]["failed"], true, "{ta}");
}
