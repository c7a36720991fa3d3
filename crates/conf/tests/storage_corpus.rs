//! The storage XML corpus (tests/data/storage, captured from libvirt 9.0 by
//! scripts/capture-storage-corpus): every pool input gives exactly libvirt's XML or libvirt's
//! error; every volume input gives libvirt's error, or, with what the dir backend finds on disk
//! filled in as the driver does (key and path, permissions of a new file, and the allocation and
//! physical size libvirt measured, which depend on the file system), exactly libvirt's XML.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use oxvirt_conf::storage::{
    parse_pool, parse_volume, pool_capabilities, CapacityRule, PoolType, StorageConfError,
};
use std::path::PathBuf;

const VOL_DIR: &str = "/var/lib/libvirt/images/corpus";

fn corpus() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/storage")
}

fn inputs(prefix: &str) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(corpus())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.starts_with(prefix) && n.ends_with(".xml") && !n.contains(".expected"))
        .map(|n| n.trim_end_matches(".xml").to_owned())
        .collect();
    v.sort();
    v
}

fn error_text(e: &StorageConfError) -> (i32, i32, String) {
    (e.code(), e.domain(), e.to_string())
}

/// (code, domain, message) of NAME.expected-error
fn expected_error(name: &str) -> Option<(i32, i32, String)> {
    let t = std::fs::read_to_string(corpus().join(format!("{name}.expected-error"))).ok()?;
    let num = |p: &str| -> i32 {
        t.lines()
            .find_map(|l| l.strip_prefix(p))
            .and_then(|r| r.split_whitespace().next())
            .and_then(|n| n.parse().ok())
            .unwrap()
    };
    let message = t.split_once("message: ").unwrap().1.trim_end_matches('\n');
    Some((num("code: "), num("domain: "), message.to_owned()))
}

fn expected_xml(name: &str) -> Option<String> {
    std::fs::read_to_string(corpus().join(format!("{name}.expected.xml"))).ok()
}

/// The number in `<ELEM unit='bytes'>N</ELEM>` of libvirt's output.
fn bytes_of(xml: &str, elem: &str) -> u64 {
    let open = format!("<{elem} unit='bytes'>");
    xml.split_once(&open)
        .and_then(|(_, r)| r.split_once('<'))
        .map_or(0, |(n, _)| n.parse().unwrap())
}

#[test]
fn pools_are_identical_to_libvirt() {
    let names = inputs("pool-");
    let mut identical = 0;
    let mut failures = Vec::new();
    for name in &names {
        let xml = std::fs::read_to_string(corpus().join(format!("{name}.xml"))).unwrap();
        let got = parse_pool(&xml);
        let ok = match (&got, expected_xml(name), expected_error(name)) {
            (Ok(p), Some(want), _) => p.format() == want,
            (Err(e), None, Some(want)) => error_text(e) == want,
            _ => false,
        };
        if ok {
            identical += 1;
        } else {
            failures.push(format!("{name}: {:?}", got.map(|p| p.format())));
        }
    }
    eprintln!("pools: {identical}/{} identical", names.len());
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(names.len() >= 50, "the corpus shrank: {}", names.len());
}

#[test]
fn volumes_are_identical_to_libvirt() {
    let names = inputs("vol-");
    let mut identical = 0;
    let mut failures = Vec::new();
    for name in &names {
        let xml = std::fs::read_to_string(corpus().join(format!("{name}.xml"))).unwrap();
        let got = parse_volume(&xml, PoolType::Dir, CapacityRule::OptionalWithBacking);
        let ok = match (got.clone(), expected_xml(name), expected_error(name)) {
            (Ok(mut v), Some(want), _) => {
                let path = format!("{VOL_DIR}/{}", v.name);
                v.key = Some(path.clone());
                v.target.path = Some(path);
                v.target.perms.mode.get_or_insert(0o600);
                v.target.perms.owner = Some(0);
                v.target.perms.group = Some(0);
                if let Some(b) = &mut v.backing_store {
                    b.perms.mode = Some(0o600);
                    b.perms.owner = Some(0);
                    b.perms.group = Some(0);
                }
                v.allocation = bytes_of(&want, "allocation");
                v.physical = bytes_of(&want, "physical");
                let out = v.format(PoolType::Dir);
                if out != want {
                    failures.push(format!("{name}:\n{out}"));
                }
                out == want
            }
            (Err(e), None, Some(want)) => {
                let same = error_text(&e) == want;
                if !same {
                    failures.push(format!("{name}: {:?} want {want:?}", error_text(&e)));
                }
                same
            }
            (r, _, _) => {
                failures.push(format!("{name}: {r:?}"));
                false
            }
        };
        identical += usize::from(ok);
    }
    eprintln!("volumes: {identical}/{} identical", names.len());
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn pool_capabilities_are_libvirts_with_every_backend() {
    let want = expected_xml("pool-capabilities").unwrap();
    let libvirt_has = |t: PoolType| {
        !matches!(
            t,
            PoolType::IscsiDirect | PoolType::Sheepdog | PoolType::Gluster | PoolType::Vstorage
        )
    };
    assert_eq!(pool_capabilities(libvirt_has), want);
}

#[test]
fn formatted_pools_parse_back_to_the_same_pool() {
    for name in inputs("pool-") {
        if let Some(want) = expected_xml(&name) {
            let p = parse_pool(&want).unwrap();
            assert_eq!(p.format(), want, "{name}");
        }
    }
}
