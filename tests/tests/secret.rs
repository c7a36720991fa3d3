//! oxvirt-secretd against libvirt 9.0: the same virsh session gives the same output; python's
//! events arrive as libvirt sends them; values are sealed at rest, survive a SIGKILL, and the
//! secrets a libvirt 9.0 host stored load as they are.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::path::Path;

use oxvirt_e2e::daemon::Daemon;
use oxvirt_e2e::session;
use oxvirt_e2e::{python, Libvirtd, Run};

const VOLUME: &str = "<secret ephemeral='no' private='yes'>
   <description>LUKS passphrase for the main hard drive of our mail server</description>
   <uuid>a15dcc96-ccc3-4688-bd89-67309cd6166d</uuid>
   <usage type='volume'>
      <volume>/var/lib/libvirt/images/mail.img</volume>
   </usage>
</secret>";

/// Inputs by file name: each defined in the session (some refused, as libvirt refuses them).
const FILES: &[(&str, &str)] = &[
    ("volume.xml", VOLUME),
    (
        "ceph.xml",
        "<secret ephemeral='yes' private='no'><uuid>2531ba9a-a7b5-4b7e-b5d2-7b0b6b3d8a11</uuid>\
         <usage type='ceph'><name>client.admin secret</name></usage></secret>",
    ),
    (
        "iscsi.xml",
        "<secret><uuid>0ac87f10-231d-4173-b304-61d768921dfa</uuid>\
         <usage type='iscsi'><target>libvirtiscsi</target></usage></secret>",
    ),
    (
        "plain.xml",
        "<secret><description>a &amp; &lt;b&gt; 'q'</description>\
         <uuid>3531ba9a-a7b5-4b7e-b5d2-7b0b6b3d8a11</uuid></secret>",
    ),
    (
        "tls.xml",
        "<secret ephemeral='no' private='no'><uuid>1604f519-cbd0-4efc-b467-dd228a204836</uuid>\
         <usage type='tls'><name>tls1</name></usage></secret>",
    ),
    (
        "vtpm.xml",
        "<secret><uuid>a9f9f458-ece7-40a3-b04d-a132ed624a8d</uuid>\
         <usage type='vtpm'><name>vtpm1</name></usage></secret>",
    ),
    (
        "same-usage.xml",
        "<secret><usage type='volume'><volume>/var/lib/libvirt/images/mail.img</volume></usage></secret>",
    ),
    (
        "other-usage.xml",
        "<secret><uuid>2531ba9a-a7b5-4b7e-b5d2-7b0b6b3d8a11</uuid>\
         <usage type='ceph'><name>other</name></usage></secret>",
    ),
    (
        "unprivate.xml",
        "<secret><uuid>a15dcc96-ccc3-4688-bd89-67309cd6166d</uuid>\
         <usage type='volume'><volume>/var/lib/libvirt/images/mail.img</volume></usage></secret>",
    ),
    ("bogus-type.xml", "<secret><usage type='bogus'><name>x</name></usage></secret>"),
    ("no-type.xml", "<secret><usage/></secret>"),
    ("no-path.xml", "<secret><usage type='volume'></usage></secret>"),
    ("no-target.xml", "<secret><usage type='iscsi'/></secret>"),
    ("bad-ephemeral.xml", "<secret ephemeral='maybe'/>"),
    ("bad-private.xml", "<secret private='maybe'/>"),
    ("bad-root.xml", "<secrets/>"),
    ("bad-uuid.xml", "<secret><uuid>nope</uuid></secret>"),
    ("malformed.xml", "<secret><uuid>x</secret>"),
    (
        "to-ephemeral.xml",
        "<secret ephemeral='yes' private='no'><uuid>3531ba9a-a7b5-4b7e-b5d2-7b0b6b3d8a11</uuid></secret>",
    ),
];

const SESSION: &[&[&str]] = &[
    &["secret-list"],
    &["secret-define", "DIR/volume.xml"],
    &["secret-define", "DIR/ceph.xml"],
    &["secret-define", "DIR/iscsi.xml"],
    &["secret-define", "DIR/plain.xml"],
    &["secret-define", "DIR/tls.xml"],
    &["secret-define", "DIR/vtpm.xml"],
    &["secret-list"],
    &["secret-list", "--ephemeral"],
    &["secret-list", "--no-ephemeral"],
    &["secret-list", "--private"],
    &["secret-list", "--no-private", "--no-ephemeral"],
    &["secret-dumpxml", "a15dcc96-ccc3-4688-bd89-67309cd6166d"],
    &["secret-dumpxml", "2531ba9a-a7b5-4b7e-b5d2-7b0b6b3d8a11"],
    &["secret-dumpxml", "0ac87f10-231d-4173-b304-61d768921dfa"],
    &["secret-dumpxml", "3531ba9a-a7b5-4b7e-b5d2-7b0b6b3d8a11"],
    &["secret-dumpxml", "a9f9f458-ece7-40a3-b04d-a132ed624a8d"],
    &["secret-dumpxml", "00000000-0000-0000-0000-000000000000"],
    &["secret-define", "DIR/same-usage.xml"],
    &["secret-define", "DIR/other-usage.xml"],
    &["secret-define", "DIR/unprivate.xml"],
    &["secret-define", "DIR/bogus-type.xml"],
    &["secret-define", "DIR/no-type.xml"],
    &["secret-define", "DIR/no-path.xml"],
    &["secret-define", "DIR/no-target.xml"],
    &["secret-define", "DIR/bad-ephemeral.xml"],
    &["secret-define", "DIR/bad-private.xml"],
    &["secret-define", "DIR/bad-root.xml"],
    &["secret-define", "DIR/bad-uuid.xml"],
    &["secret-define", "DIR/malformed.xml"],
    &["secret-get-value", "1604f519-cbd0-4efc-b467-dd228a204836"],
    &[
        "secret-set-value",
        "1604f519-cbd0-4efc-b467-dd228a204836",
        "--base64",
        "c2VjcmV0",
    ],
    &["secret-get-value", "1604f519-cbd0-4efc-b467-dd228a204836"],
    &[
        "secret-set-value",
        "a15dcc96-ccc3-4688-bd89-67309cd6166d",
        "--base64",
        "cGFzcw==",
    ],
    &["secret-get-value", "a15dcc96-ccc3-4688-bd89-67309cd6166d"],
    &[
        "secret-set-value",
        "2531ba9a-a7b5-4b7e-b5d2-7b0b6b3d8a11",
        "--base64",
        "AAECAwQ=",
    ],
    &["secret-get-value", "2531ba9a-a7b5-4b7e-b5d2-7b0b6b3d8a11"],
    &["secret-define", "DIR/to-ephemeral.xml"],
    &["secret-list", "--ephemeral"],
    &["secret-undefine", "0ac87f10-231d-4173-b304-61d768921dfa"],
    &["secret-undefine", "0ac87f10-231d-4173-b304-61d768921dfa"],
    &["secret-get-value", "0ac87f10-231d-4173-b304-61d768921dfa"],
    &["secret-list"],
];

fn write_inputs(dir: &Path) {
    for (name, xml) in FILES {
        std::fs::write(dir.join(name), xml).unwrap();
    }
}

fn run_session(virsh: impl Fn(&[&str]) -> Run, dir: &str) -> Vec<String> {
    session::run_session(SESSION, virsh, dir, str::to_owned)
}

#[test]
fn virsh_session_matches_libvirt() {
    let lv = Libvirtd::start();
    let lv_in = tempfile::tempdir().unwrap();
    write_inputs(lv_in.path());
    let want = run_session(|a| lv.virsh(a), lv_in.path().to_str().unwrap());

    let sd = Daemon::start("secretd", "secret");
    let sd_in = tempfile::tempdir().unwrap();
    write_inputs(sd_in.path());
    let got = run_session(|a| sd.virsh(a), sd_in.path().to_str().unwrap());

    let diffs = session::differences(&want, &got);
    assert!(diffs.is_empty(), "{}", diffs.join("\n"));
}

/// Events, lookups and refusals through python-libvirt; prints one line per check.
const PY_EVENTS: &str = r#"
import sys, time, libvirt
libvirt.virEventRegisterDefaultImpl()
libvirt.registerErrorHandler(lambda *a: None, None)
uri = sys.argv[1]
c = libvirt.open(uri)
ev = []
c.secretEventRegisterAny(None, libvirt.VIR_SECRET_EVENT_ID_LIFECYCLE,
    lambda conn, s, e, d, o: ev.append("life %s %d %d" % (s.UUIDString(), e, d)), None)
c.secretEventRegisterAny(None, libvirt.VIR_SECRET_EVENT_ID_VALUE_CHANGED,
    lambda conn, s, o: ev.append("value %s" % s.UUIDString()), None)
def t(name, f):
    try:
        print(name, "ok", f())
    except libvirt.libvirtError as e:
        print(name, e.get_error_code(), e.get_error_domain(), e.get_error_message())
s = c.secretDefineXML("<secret private='yes'><uuid>11111111-2222-3333-4444-555555555555</uuid>"
                      "<usage type='ceph'><name>evtest</name></usage></secret>")
s.setValue(b"abc")
t("private", lambda: s.value())
t("flags", lambda: s.value(1))
t("xmlflags", lambda: s.XMLDesc(1))
t("defineflags", lambda: c.secretDefineXML("<secret/>", 2))
t("usage", lambda: c.secretLookupByUsage(libvirt.VIR_SECRET_USAGE_TYPE_CEPH, "evtest").UUIDString())
t("nousage", lambda: c.secretLookupByUsage(libvirt.VIR_SECRET_USAGE_TYPE_CEPH, "nope"))
t("usagetype", lambda: (s.usageType(), s.usageID()))
t("num", lambda: c.numOfSecrets())
t("listflags", lambda: c.listAllSecrets(1 << 10))
s3 = c.secretDefineXML("<secret><uuid>11111111-2222-3333-4444-555555555556</uuid></secret>")
s3.setValue(b"x"); s3.setValue(b"y")
t("value", lambda: s3.value())
s3.undefine(); s.undefine()
end = time.time() + 5
while len(ev) < 7 and time.time() < end:
    libvirt.virEventRunDefaultImpl()
print("\n".join(ev))
ro = libvirt.openReadOnly(uri)
t("ro-list", lambda: len(ro.listAllSecrets()))
t("ro-define", lambda: ro.secretDefineXML("<secret/>"))
"#;

#[test]
fn python_sees_libvirts_events_and_errors() {
    let lv = Libvirtd::start();
    let want = python(PY_EVENTS, &[lv.uri()]);
    assert_eq!(want.status, 0, "{want:?}");
    let sd = Daemon::start("secretd", "secret");
    let got = python(PY_EVENTS, &[&sd.uri()]);
    assert_eq!(got.status, 0, "{got:?}\n{}", sd.log());
    // the read-only error names the connection's driver: the same text on both
    assert_eq!(got.stdout, want.stdout);
    assert!(got
        .stdout
        .contains("value 11111111-2222-3333-4444-555555555556"));
}

#[test]
fn values_are_sealed_at_rest_and_survive_a_kill() {
    let root = tempfile::tempdir().unwrap();
    let sd = Daemon::start_in("secretd", "secret", root.path(), &[]);
    std::fs::write(root.path().join("v.xml"), VOLUME).unwrap();
    std::fs::write(
        root.path().join("e.xml"),
        "<secret ephemeral='yes'><uuid>2531ba9a-a7b5-4b7e-b5d2-7b0b6b3d8a11</uuid></secret>",
    )
    .unwrap();
    let v = root.path().join("v.xml");
    let e = root.path().join("e.xml");
    sd.virsh(&["secret-define", v.to_str().unwrap()]).ok();
    sd.virsh(&["secret-define", e.to_str().unwrap()]).ok();
    let (u, value_b64) = (
        "a15dcc96-ccc3-4688-bd89-67309cd6166d",
        "aHVudGVyMi1odW50ZXIy",
    );
    sd.virsh(&["secret-set-value", u, "--base64", value_b64])
        .ok();
    sd.sigkill();

    let dir = root.path().join("etc/secrets");
    let sealed = std::fs::read_to_string(dir.join(format!("{u}.aes256cbc"))).unwrap();
    assert!(!sealed.contains(value_b64) && !sealed.contains("hunter2"));
    assert!(!dir.join(format!("{u}.base64")).exists());
    use std::os::unix::fs::PermissionsExt;
    let key = root.path().join("lib/secrets-encryption-key");
    assert_eq!(
        std::fs::metadata(&key).unwrap().permissions().mode() & 0o777,
        0o600
    );
    assert_eq!(
        std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777,
        0o700
    );

    // back, without the ephemeral secret; the first value is private (never returned), so
    // a second, readable secret shows that values come back
    let sd = Daemon::start_in("secretd", "secret", root.path(), &[]);
    let list = sd.virsh(&["secret-list"]).ok().to_owned();
    assert!(list.contains(u), "{list}");
    assert!(!list.contains("2531ba9a"), "{list}");
    let t = "1604f519-cbd0-4efc-b467-dd228a204836";
    std::fs::write(
        root.path().join("t.xml"),
        format!("<secret><uuid>{t}</uuid><usage type='tls'><name>t</name></usage></secret>"),
    )
    .unwrap();
    sd.virsh(&["secret-define", root.path().join("t.xml").to_str().unwrap()])
        .ok();
    sd.virsh(&["secret-set-value", t, "--base64", value_b64])
        .ok();
    sd.sigkill();
    let sd = Daemon::start_in("secretd", "secret", root.path(), &[]);
    assert_eq!(sd.virsh(&["secret-get-value", t]).ok().trim(), value_b64);
    drop(sd);

    // a different key (systemd's credential) cannot open them: the secrets do not load
    let creds = tempfile::tempdir().unwrap();
    std::fs::write(creds.path().join("secrets-encryption-key"), [9u8; 32]).unwrap();
    let sd = Daemon::start_in(
        "secretd",
        "secret",
        root.path(),
        &[("CREDENTIALS_DIRECTORY", creds.path().to_str().unwrap())],
    );
    let r = sd.virsh(&["secret-get-value", t]);
    assert_ne!(r.status, 0, "{r:?}");
}

#[test]
fn secrets_a_libvirt_host_stored_load() {
    let lv = Libvirtd::start();
    let inputs = tempfile::tempdir().unwrap();
    write_inputs(inputs.path());
    for f in ["volume.xml", "tls.xml", "plain.xml"] {
        lv.virsh(&["secret-define", inputs.path().join(f).to_str().unwrap()])
            .ok();
    }
    lv.virsh(&[
        "secret-set-value",
        "1604f519-cbd0-4efc-b467-dd228a204836",
        "--base64",
        "c2VjcmV0",
    ])
    .ok();
    let want = lv.virsh(&["secret-list"]).ok().to_owned();

    let root = tempfile::tempdir().unwrap();
    let dst = root.path().join("etc/secrets");
    std::fs::create_dir_all(&dst).unwrap();
    for e in std::fs::read_dir(lv.dir().join("etc/secrets")).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), dst.join(e.file_name())).unwrap();
    }
    let sd = Daemon::start_in("secretd", "secret", root.path(), &[]);
    assert_eq!(sd.virsh(&["secret-list"]).ok(), want);
    assert_eq!(
        sd.virsh(&["secret-get-value", "1604f519-cbd0-4efc-b467-dd228a204836"])
            .ok()
            .trim(),
        "c2VjcmV0"
    );
    // set again, the value is sealed and the plain file gone
    sd.virsh(&[
        "secret-set-value",
        "1604f519-cbd0-4efc-b467-dd228a204836",
        "--base64",
        "c2VjcmV1",
    ])
    .ok();
    assert!(!dst
        .join("1604f519-cbd0-4efc-b467-dd228a204836.base64")
        .exists());
    assert!(dst
        .join("1604f519-cbd0-4efc-b467-dd228a204836.aes256cbc")
        .exists());
}

#[test]
fn qemud_forwards_secret_calls_to_the_secretd_of_its_root() {
    let root = tempfile::tempdir().unwrap();
    let q = oxvirt_e2e::Qemud::start_in(root.path());
    // no secretd on this root: as a libvirtd without the secret driver
    let e = q.virsh(&["secret-list"]).err().to_owned();
    assert!(
        e.contains("not supported by the connection driver: virConnectNumOfSecrets"),
        "{e}"
    );
    let sd = Daemon::start_in("secretd", "secret", root.path(), &[]);
    let f = root.path().join("v.xml");
    std::fs::write(&f, VOLUME).unwrap();
    q.virsh(&["secret-define", f.to_str().unwrap()]).ok();
    let list = q.virsh(&["secret-list"]).ok().to_owned();
    assert!(
        list.contains("a15dcc96-ccc3-4688-bd89-67309cd6166d"),
        "{list}"
    );
    assert_eq!(sd.virsh(&["secret-list"]).ok(), list);
}
