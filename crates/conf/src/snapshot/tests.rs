use super::*;

/// `virsh snapshot-dumpxml` of libvirt 9.0: an internal snapshot of a shut-off domain.
const INTERNAL: &str = include_str!("internal_shutoff.xml");
/// The same for an external disk-only snapshot of a shut-off domain (with a parent).
const EXTERNAL: &str = include_str!("external_shutoff.xml");

fn redefine() -> Parse {
    Parse {
        redefine: true,
        ..Parse::default()
    }
}

#[test]
fn libvirts_documents_round_trip_byte_for_byte() {
    for doc in [INTERNAL, EXTERNAL] {
        let p = parse(doc, redefine()).unwrap();
        assert!(!p.current);
        assert_eq!(format(&p.snapshot, None, Format::default()), doc);
    }
    let s = parse(INTERNAL, redefine()).unwrap().snapshot;
    assert_eq!(s.name.as_deref(), Some("first"));
    assert_eq!(s.description.as_deref(), Some("hello <world>"));
    assert_eq!(s.state, Some(State::Shutoff));
    assert_eq!(s.memory, Location::No);
    assert_eq!(s.disks.len(), 2);
    assert_eq!(s.disks[1].snapshot, Location::Internal);
    let e = parse(EXTERNAL, redefine()).unwrap().snapshot;
    assert_eq!(e.parent.as_deref(), Some("second"));
    assert_eq!(e.disks[0].path.as_deref(), Some("/tmp/snapcap/d1.third"));
    assert_eq!(e.disks[0].driver_type.as_deref(), Some("qcow2"));
}

#[test]
fn the_drivers_file_carries_active() {
    let s = parse(EXTERNAL, redefine()).unwrap().snapshot;
    let how = Format {
        internal: true,
        current: true,
        ..Format::default()
    };
    let own = format(&s, None, how);
    assert!(own.ends_with("  </domain>\n  <active>1</active>\n</domainsnapshot>\n"));
    let back = parse(
        &own,
        Parse {
            redefine: true,
            internal: true,
            offline: false,
        },
    )
    .unwrap();
    assert!(back.current);
    assert_eq!(back.snapshot, s);
    let e = parse(
        EXTERNAL,
        Parse {
            redefine: true,
            internal: true,
            offline: false,
        },
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "internal error: Could not find 'active' element"
    );
}

#[test]
fn a_creation_reads_only_name_description_memory_and_disks() {
    let p = parse(
        "<domainsnapshot><name>s</name><state>running</state><creationTime>5</creationTime>\
         <memory snapshot='external' file='/m'/><disks><disk name='vda' snapshot='no'/>\
         <disk name='vdb'><source file='/o.qcow2'/></disk></disks></domainsnapshot>",
        Parse::default(),
    )
    .unwrap()
    .snapshot;
    assert_eq!(p.state, None);
    assert_eq!(p.creation_time, 0);
    assert_eq!(p.memory, Location::External);
    assert_eq!(p.disks[1].snapshot, Location::External);
    assert_eq!(
        format(&p, Some("u"), Format::default()),
        "<domainsnapshot>\n  <name>s</name>\n  <memory snapshot='external' file='/m'/>\n  \
         <disks>\n    <disk name='vda' snapshot='no'/>\n    \
         <disk name='vdb' snapshot='external' type='file'>\n      <source file='/o.qcow2'/>\n    \
         </disk>\n  </disks>\n  <domain>\n    <uuid>u</uuid>\n  </domain>\n</domainsnapshot>\n"
    );
    let empty = parse("<domainsnapshot/>", Parse::default())
        .unwrap()
        .snapshot;
    assert_eq!(empty.name, None);
}

#[test]
fn libvirts_errors() {
    let e = |x: &str, how: Parse| parse(x, how).unwrap_err().to_vir_error();
    let v = e("<snapshot/>", Parse::default());
    assert_eq!((v.code, v.domain), (27, 35));
    assert_eq!(v.message, "XML error: domainsnapshot");
    let v = e("<domainsnapshot/>", redefine());
    assert_eq!(
        v.message,
        "XML error: a redefined snapshot must have a name"
    );
    let v = e(
        "<domainsnapshot><name>a</name></domainsnapshot>",
        redefine(),
    );
    assert_eq!(
        (v.code, v.message.as_str()),
        (
            1,
            "internal error: missing creationTime from existing snapshot"
        )
    );
    let v = e(
        "<domainsnapshot><name>a</name><creationTime>1</creationTime><state>bad</state></domainsnapshot>",
        redefine(),
    );
    assert_eq!(
        (v.code, v.message.as_str()),
        (
            67,
            "unsupported configuration: Invalid state 'bad' in domain snapshot XML"
        )
    );
    let v = e(
        "<domainsnapshot><memory snapshot='manual'/></domainsnapshot>",
        Parse::default(),
    );
    assert_eq!(
        v.message,
        "XML error: 'manual' memory snapshot mode not supported"
    );
    let v = e(
        "<domainsnapshot><memory snapshot='internal' file='/x'/></domainsnapshot>",
        Parse::default(),
    );
    assert_eq!(
        v.message,
        "XML error: memory filename '/x' requires external snapshot"
    );
    let v = e(
        "<domainsnapshot><memory snapshot='external'/></domainsnapshot>",
        Parse::default(),
    );
    assert_eq!(
        v.message,
        "XML error: external memory snapshots require a filename"
    );
    let v = e(
        "<domainsnapshot><memory snapshot='internal'/></domainsnapshot>",
        Parse {
            offline: true,
            ..Parse::default()
        },
    );
    assert_eq!(
        v.message,
        "XML error: memory state cannot be saved with offline or disk-only snapshot"
    );
    let v = e(
        "<domainsnapshot><memory file='rel'/></domainsnapshot>",
        Parse::default(),
    );
    assert_eq!(
        v.message,
        "XML error: memory snapshot file path (rel) must be absolute"
    );
    let v = e(
        "<domainsnapshot><disks><disk/></disks></domainsnapshot>",
        Parse::default(),
    );
    assert_eq!(
        v.message,
        "internal error: missing name from disk snapshot element"
    );
    let v = e(
        "<domainsnapshot><disks><disk name='vda' type='volume'/></disks></domainsnapshot>",
        Parse::default(),
    );
    assert_eq!(
        v.message,
        "XML error: unsupported disk snapshot type 'volume'"
    );
    let v = e(
        "<domainsnapshot><disks><disk name='vda'><driver type='nope'/></disk></disks></domainsnapshot>",
        Parse::default(),
    );
    assert_eq!(
        v.message,
        "unsupported configuration: unknown disk snapshot driver 'nope'"
    );
    let v = e(
        "<domainsnapshot><disks><disk name='vda'><source file='x'/></disk></disks></domainsnapshot>",
        Parse::default(),
    );
    assert_eq!(
        v.message,
        "XML error: disk snapshot image path 'x' must be absolute"
    );
    let v = e("<domainsnapshot>", Parse::default());
    assert_eq!(v.code, 35);
    assert!(
        v.message.starts_with("(domain_snapshot):1: "),
        "{}",
        v.message
    );
}

#[test]
fn a_running_domains_snapshot_keeps_its_inactive_definition() {
    let dom = INTERNAL
        .split_once("  <domain type='qemu'>")
        .and_then(|(_, rest)| rest.split_once("  </domain>\n"))
        .map(|(body, _)| body)
        .unwrap();
    let doc = INTERNAL.replace(
        "</domainsnapshot>\n",
        &format!("  <inactiveDomain type='qemu'>{dom}  </inactiveDomain>\n</domainsnapshot>\n"),
    );
    let p = parse(&doc, redefine()).unwrap().snapshot;
    assert!(p.inactive_domain.is_some());
    assert_eq!(format(&p, None, Format::default()), doc);
}
