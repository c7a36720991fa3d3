//! The driver's one routing table: every procedure `oxvirt-qemud` serves, with its typed
//! handler ([`oxvirt_remote::Router`]). Each `*_calls` module registers its own calls; a
//! procedure registered by none answers VIR_ERR_NO_SUPPORT.

use std::sync::LazyLock;

use oxvirt_remote::Router;

use crate::{
    agent_calls, block_calls, device_stats_calls, disk_bytes_calls, domain_calls, host_calls,
    hotplug_calls, input_calls, iotune_calls, job_calls, lifecycle_calls, metadata_calls,
    migration_calls, numa_calls, save_calls, screenshot_calls, setter_calls, snapshot_calls,
    stats_calls, tuning_calls, vcpu_calls, QemuDriver,
};

/// The routes, built once.
pub static ROUTES: LazyLock<Router<QemuDriver>> = LazyLock::new(|| {
    let mut r = Router::new();
    host_calls::register(&mut r);
    domain_calls::register(&mut r);
    lifecycle_calls::register(&mut r);
    stats_calls::register(&mut r);
    job_calls::register(&mut r);
    agent_calls::register(&mut r);
    device_stats_calls::register(&mut r);
    disk_bytes_calls::register(&mut r);
    migration_calls::register(&mut r);
    input_calls::register(&mut r);
    metadata_calls::register(&mut r);
    vcpu_calls::register(&mut r);
    hotplug_calls::register(&mut r);
    setter_calls::register(&mut r);
    tuning_calls::register(&mut r);
    numa_calls::register(&mut r);
    screenshot_calls::register(&mut r);
    save_calls::register(&mut r);
    snapshot_calls::register(&mut r);
    block_calls::register(&mut r);
    iotune_calls::register(&mut r);
    r
});

#[cfg(test)]
mod tests {
    use oxvirt_proto::procedures::{by_name, Program, ServedBy};
    use oxvirt_remote::Runs;

    use super::ROUTES;

    #[test]
    fn every_route_is_the_qemu_driver_s() {
        assert_eq!(ROUTES.routes().count(), 153);
        for r in ROUTES.routes() {
            assert_eq!(r.info.served_by(), ServedBy::Qemu, "{}", r.info.name);
        }
        // the calls that write files run off the async workers
        let blocking: Vec<_> = ROUTES
            .routes()
            .filter(|r| r.runs == Runs::Blocking)
            .map(|r| r.info.name)
            .collect();
        assert_eq!(blocking.len(), 11, "{blocking:?}");
        let suspend = by_name(Program::Remote, "DOMAIN_SUSPEND").expect("in the table");
        let route = ROUTES.route(suspend.program.number(), suspend.number);
        assert_eq!(route.map(|r| r.runs), Some(Runs::Async));
        let undefined =
            by_name(Program::Remote, "DOMAIN_CHECKPOINT_CREATE_XML").expect("in the table");
        assert!(ROUTES
            .route(undefined.program.number(), undefined.number)
            .is_none());
    }
}
