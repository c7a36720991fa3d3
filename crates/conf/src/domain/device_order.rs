//! The order of a domain's disks and controllers, as libvirt keeps them.

use std::collections::HashMap;
use std::hash::Hash;

use super::{disk_name_to_index, Controller, Disk};

/// The order libvirt's sorted insertions give items inserted one by one in document order
/// (each after the last item of its group, before the first item of its group with a
/// higher index; at the end when its group is new): the items of one group stay together,
/// the groups in the order their first item appears, and each group's items are stably
/// sorted by index. Computed at once, in O(n log n) (inserting one by one is quadratic).
fn order_grouped<T, G: Hash + Eq, I: Ord>(
    items: Vec<T>,
    group: impl Fn(&T) -> G,
    index: impl Fn(&T) -> I,
) -> Vec<T> {
    // each group's items with their indexes, the groups in order of appearance
    let mut groups: Vec<Vec<(I, T)>> = Vec::new();
    let mut slot: HashMap<G, usize> = HashMap::new();
    for t in items {
        let i = *slot.entry(group(&t)).or_insert_with(|| {
            groups.push(Vec::new());
            groups.len() - 1
        });
        if let Some(g) = groups.get_mut(i) {
            g.push((index(&t), t));
        }
    }
    let mut out = Vec::new();
    for mut g in groups {
        g.sort_by(|a, b| a.0.cmp(&b.0));
        out.extend(g.into_iter().map(|(_, t)| t));
    }
    out
}

/// `virDomainDiskInsert` for every disk: grouped by bus, sorted by the index of the name.
pub(crate) fn order_disks(disks: Vec<Disk>) -> Vec<Disk> {
    order_grouped(
        disks,
        |d| d.target_bus.clone(),
        |d| disk_name_to_index(&d.target_dev),
    )
}

/// `virDomainControllerInsert` for every controller: grouped by type, sorted by index.
pub(crate) fn order_controllers(controllers: Vec<Controller>) -> Vec<Controller> {
    order_grouped(controllers, |c| c.kind.clone(), |c| c.index)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// libvirt's `virDomainDiskInsert`, one disk at a time (quadratic): the reference.
    fn insert_disk(list: &mut Vec<Disk>, d: Disk) {
        let idx = disk_name_to_index(&d.target_dev);
        let mut at: Option<usize> = None;
        for (i, cur) in list.iter().enumerate().rev() {
            if cur.target_bus != d.target_bus {
                continue;
            }
            if disk_name_to_index(&cur.target_dev) > idx {
                at = Some(i);
            } else if at.is_none() {
                at = Some(i + 1);
            }
        }
        match at {
            Some(i) => list.insert(i, d),
            None => list.push(d),
        }
    }

    fn disk(dev: &str, bus: &str) -> Disk {
        let xml = format!(
            "<domain type='qemu'><name>d</name><memory>1024</memory><os><type>hvm</type></os>\
             <devices><disk type='file' device='disk'><target dev='{dev}' bus='{bus}'/></disk>\
             </devices></domain>"
        );
        let mut d = crate::domain::parse(&xml).unwrap();
        d.devices.disks.remove(0)
    }

    #[test]
    fn same_order_as_inserting_one_by_one() {
        // a small deterministic pseudo-random generator
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = |m: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % m
        };
        let buses = ["virtio", "scsi", "sata", "usb"];
        let prefix = ["vd", "sd", "sd", "sd"];
        for _ in 0..200 {
            let n = next(12) as usize;
            let mut disks = Vec::new();
            let mut used = std::collections::HashSet::new();
            while disks.len() < n {
                let b = next(4) as usize;
                let letter = char::from(b'a' + next(26) as u8);
                let dev = format!("{}{letter}", prefix[b]);
                if used.insert(dev.clone()) {
                    disks.push(disk(&dev, buses[b]));
                }
            }
            let mut want = Vec::new();
            for d in disks.clone() {
                insert_disk(&mut want, d);
            }
            let got = order_disks(disks);
            let names = |v: &[Disk]| v.iter().map(|d| d.target_dev.clone()).collect::<Vec<_>>();
            assert_eq!(names(&got), names(&want));
        }
    }

    fn target(mut i: usize) -> String {
        let mut s = Vec::new();
        loop {
            s.push(b'a' + (i % 26) as u8);
            if i < 26 {
                break;
            }
            i = i / 26 - 1;
        }
        s.reverse();
        format!("vd{}", String::from_utf8(s).unwrap())
    }

    /// A sanity test of the linear parse: 5,000 disks in reverse order (the worst case of
    /// inserting one by one) and a duplicate target at the very end. Before the parse was
    /// made linear this took minutes in a debug build; no time is asserted.
    #[test]
    fn many_disks_in_reverse_order() {
        let n = 5000;
        let mut x = String::from(
            "<domain type='qemu'><name>m</name><memory>65536</memory>\
             <os><type arch='x86_64'>hvm</type></os><devices>",
        );
        for i in (0..n).rev() {
            x.push_str(&format!(
                "<disk type='file' device='disk'><source file='/d{i}'/>\
                 <target dev='{}' bus='virtio'/></disk>",
                target(i)
            ));
        }
        let d = crate::domain::parse(&format!("{x}</devices></domain>")).unwrap();
        assert_eq!(d.devices.disks.len(), n);
        for (i, disk) in d.devices.disks.iter().enumerate() {
            assert_eq!(disk.target_dev, target(i));
        }
        x.push_str(&format!(
            "<disk type='file' device='disk'><source file='/again'/>\
             <target dev='{}' bus='virtio'/></disk></devices></domain>",
            target(17)
        ));
        let e = crate::domain::parse(&x).unwrap_err();
        assert_eq!(
            e.to_string(),
            "XML error: target 'vdr' duplicated for disk sources '/d17' and '/again'"
        );
    }

    /// libvirt's `virDomainControllerInsert`, one at a time (quadratic): the reference.
    fn insert_controller(list: &mut Vec<Controller>, c: Controller) {
        let mut insert_at: Option<usize> = None;
        for (i, cur) in list.iter().enumerate().rev() {
            if cur.kind == c.kind {
                if cur.index > c.index {
                    insert_at = Some(i);
                } else if insert_at.is_none() {
                    insert_at = Some(i + 1);
                }
            }
        }
        match insert_at {
            Some(i) => list.insert(i, c),
            None => list.push(c),
        }
    }

    #[test]
    fn controllers_in_the_order_of_inserting_one_by_one() {
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = |m: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % m
        };
        let kinds = ["usb", "pci", "scsi", "sata"];
        let template = crate::domain::parse(
            "<domain type='qemu'><name>d</name><memory>1024</memory><os><type>hvm</type></os>\
             <devices><controller type='usb' index='0'/></devices></domain>",
        )
        .unwrap()
        .devices
        .controllers
        .remove(0);
        for _ in 0..200 {
            let n = next(12) as usize;
            let list: Vec<Controller> = (0..n)
                .map(|_| Controller {
                    kind: kinds[next(4) as usize].into(),
                    index: next(6) as u32,
                    ..template.clone()
                })
                .collect();
            let mut want = Vec::new();
            for c in list.clone() {
                insert_controller(&mut want, c);
            }
            let got = order_controllers(list);
            let key = |v: &[Controller]| {
                v.iter()
                    .map(|c| (c.kind.clone(), c.index))
                    .collect::<Vec<_>>()
            };
            assert_eq!(key(&got), key(&want));
        }
    }
}
