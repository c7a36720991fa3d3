//! The order of a domain's disks, as libvirt keeps it.

use super::{disk_name_to_index, Disk};

/// The order `virDomainDiskInsert` gives disks inserted one by one in document order (each
/// after the last disk on the same bus, before the first disk on the same bus with a higher
/// index; at the end when no disk shares the bus): the disks of one bus stay together, the
/// buses in the order their first disk appears, and each bus's disks are stably sorted by
/// index. Computed at once, in O(n log n) (inserting one by one is quadratic).
pub(crate) fn order_disks(disks: Vec<Disk>) -> Vec<Disk> {
    // the disks of each bus with their indexes, the buses in order of appearance
    let mut buses: Vec<Vec<(Option<u32>, Disk)>> = Vec::new();
    let mut slot: std::collections::HashMap<Option<String>, usize> =
        std::collections::HashMap::new();
    for d in disks {
        let i = *slot.entry(d.target_bus.clone()).or_insert_with(|| {
            buses.push(Vec::new());
            buses.len() - 1
        });
        if let Some(group) = buses.get_mut(i) {
            group.push((disk_name_to_index(&d.target_dev), d));
        }
    }
    let mut out = Vec::new();
    for mut group in buses {
        group.sort_by_key(|(idx, _)| *idx);
        out.extend(group.into_iter().map(|(_, d)| d));
    }
    out
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
}
