//! A disk's I/O throttling (`virsh blkdeviotune --live`): the `<iotune>` of the driver's new
//! live definition goes to QEMU (`block_set_io_throttle` on the device) and into the status.

use oxvirt_conf::domain::parse_live;
use serde_json::{json, Map, Value};

use crate::{Shim, ShimError};

/// QEMU's name of each `<iotune>` element.
const QEMU_NAMES: &[(&str, &str)] = &[
    ("total_bytes_sec", "bps"),
    ("read_bytes_sec", "bps_rd"),
    ("write_bytes_sec", "bps_wr"),
    ("total_iops_sec", "iops"),
    ("read_iops_sec", "iops_rd"),
    ("write_iops_sec", "iops_wr"),
    ("total_bytes_sec_max", "bps_max"),
    ("read_bytes_sec_max", "bps_rd_max"),
    ("write_bytes_sec_max", "bps_wr_max"),
    ("total_iops_sec_max", "iops_max"),
    ("read_iops_sec_max", "iops_rd_max"),
    ("write_iops_sec_max", "iops_wr_max"),
    ("size_iops_sec", "iops_size"),
    ("group_name", "group"),
    ("total_bytes_sec_max_length", "bps_max_length"),
    ("read_bytes_sec_max_length", "bps_rd_max_length"),
    ("write_bytes_sec_max_length", "bps_wr_max_length"),
    ("total_iops_sec_max_length", "iops_max_length"),
    ("read_iops_sec_max_length", "iops_rd_max_length"),
    ("write_iops_sec_max_length", "iops_wr_max_length"),
];

/// `block_set_io_throttle`'s arguments for device `id` (the six base limits always).
fn throttle_args(id: &str, iotune: &[(&'static str, String)]) -> Value {
    let mut m = Map::new();
    m.insert("id".into(), json!(id));
    for (i, (k, q)) in QEMU_NAMES.iter().enumerate() {
        let v = iotune.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        match (v, *k) {
            (Some(g), "group_name") => {
                m.insert((*q).into(), json!(g));
            }
            (Some(n), _) => {
                m.insert((*q).into(), json!(n.parse::<u64>().unwrap_or(0)));
            }
            (None, _) if i < 6 => {
                m.insert((*q).into(), json!(0));
            }
            _ => {}
        }
    }
    Value::Object(m)
}

impl Shim {
    /// Give QEMU the `<iotune>` of disk `alias` in `domain_xml` and keep it.
    pub async fn set_block_io_tune(
        &self,
        domain_xml: &str,
        alias: &str,
    ) -> Result<String, ShimError> {
        let _job = self.begin_job("block io tune").await?;
        self.require_active()?;
        let new = parse_live(domain_xml)?;
        let disk = new
            .devices
            .disks
            .iter()
            .find(|d| d.alias.as_deref() == Some(alias))
            .ok_or_else(|| ShimError::InvalidArg(format!("no disk with alias {alias}")))?;
        let qom = self.block_qom_path(alias).await?;
        self.qmp()?
            .execute(
                "block_set_io_throttle",
                Some(throttle_args(&qom, &disk.iotune)),
            )
            .await?;
        let target = disk.target_dev.clone();
        let iotune = disk.iotune.clone();
        Ok(self.change_disk(&target, |d| d.iotune = iotune))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_base_limits_are_always_given() {
        let a = throttle_args(
            "virtio-disk0",
            &[
                ("total_bytes_sec", "1000".into()),
                ("group_name", "g".into()),
            ],
        );
        assert_eq!(a["bps"], 1000);
        assert_eq!(a["iops_wr"], 0);
        assert_eq!(a["group"], "g");
        assert!(a.get("bps_max").is_none());
    }
}
