//! The host side of NICs plugged into a TAP device that `oxvirt-networkd` made (`<interface
//! type='network'>` and `type='bridge'`): QEMU inherits the device's queues as fds.

use oxvirt_conf::domain::Interface;
use serde_json::json;

use crate::CommandError;

/// How many TAP fds an interface takes: one per queue (`<driver queues='N'>`) for the kinds
/// networkd plugs, none for the others. The driver receives that many from networkd and hands
/// them over in interface order ([`crate::Inputs::tap_fds`]).
pub fn tap_queues(n: &Interface) -> usize {
    if !matches!(n.kind.as_str(), "network" | "bridge") {
        return 0;
    }
    n.driver
        .iter()
        .find(|(k, _)| *k == "queues")
        .and_then(|(_, v)| v.parse::<usize>().ok())
        .unwrap_or(1)
        .max(1)
}

/// `-netdev` for a TAP interface, taking its fds from `fds` (the inherited descriptors not
/// yet used by an earlier interface).
pub(crate) fn tap_netdev(
    n: &Interface,
    id: &str,
    fds: &mut std::slice::Iter<'_, i32>,
) -> Result<String, CommandError> {
    let want = tap_queues(n);
    let mine: Vec<String> = fds.by_ref().take(want).map(|f| f.to_string()).collect();
    if mine.len() != want {
        return Err(CommandError::ConfigUnsupported(format!(
            "<interface type='{}'> has no TAP device (oxvirt-networkd gives it)",
            n.kind
        )));
    }
    Ok(if want == 1 {
        json!({"type": "tap", "fd": mine[0], "id": id}).to_string()
    } else {
        json!({"type": "tap", "fds": mine.join(":"), "id": id}).to_string()
    })
}
