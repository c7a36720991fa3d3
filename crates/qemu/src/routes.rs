//! The driver's one routing table: every procedure `oxvirt-qemud` serves, with its typed
//! handler ([`oxvirt_remote::Router`]). Each `*_calls` module registers its own calls; a
//! procedure registered by none answers VIR_ERR_NO_SUPPORT.

use std::sync::LazyLock;

use oxvirt_remote::Router;

use crate::{domain_calls, host_calls, lifecycle_calls, stats_calls, QemuDriver};

/// The routes, built once.
pub static ROUTES: LazyLock<Router<QemuDriver>> = LazyLock::new(|| {
    let mut r = Router::new();
    host_calls::register(&mut r);
    domain_calls::register(&mut r);
    lifecycle_calls::register(&mut r);
    stats_calls::register(&mut r);
    r
});

#[cfg(test)]
mod tests {
    use oxvirt_proto::procedures::{ServedBy, REMOTE_PROCEDURES};
    use oxvirt_remote::Runs;

    use super::ROUTES;

    #[test]
    fn every_route_is_the_qemu_driver_s() {
        let n = ROUTES.routes().count();
        assert!(n >= 60, "{n} routes");
        for r in ROUTES.routes() {
            assert_eq!(r.info.served_by(), ServedBy::Qemu, "{}", r.info.name);
        }
        // the calls that write files run off the async workers
        let blocking: Vec<_> = ROUTES
            .routes()
            .filter(|r| r.runs == Runs::Blocking)
            .map(|r| r.info.name)
            .collect();
        assert_eq!(blocking.len(), 5, "{blocking:?}");
        assert!(REMOTE_PROCEDURES
            .iter()
            .filter(|p| p.name == "DOMAIN_SUSPEND")
            .all(|p| ROUTES.route(p.program.number(), p.number).is_some()));
    }
}
