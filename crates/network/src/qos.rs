//! Quality of service (`<bandwidth>`) with `tc`, as libvirt 9.0 sets it up
//! (`virNetDevBandwidthSet`): the rate towards the guests as an HTB class on the device's
//! egress (root qdisc `1:`, class `1:1`, an SFQ under it), the rate from the guests as a
//! policing filter on its ingress qdisc. Rates are kilobytes per second (`tc`'s `kbps`), bursts
//! kilobytes (`kb`).
//!
//! A network's `<bandwidth>` goes on its bridge with the hierarchical classes libvirt makes there
//! (`1:1` the network's limit, `1:2` the default class of the guests' traffic); a port's (its
//! interface's or its portgroup's) on its TAP device. On both the directions are swapped: what
//! leaves the host's side of the device enters the guests. The bridge and the TAP take their
//! qdiscs with them when they go; a network's are also cleared before its bridge is removed.
//!
//! A kernel without some of the modules libvirt's commands use (this project's test machines
//! have neither `sch_sfq`, `cls_fw` nor `act_police`) gets what it can enforce: `pfifo` in the
//! place of SFQ (the class's rates are the same, only the fairness between flows goes), no `fw`
//! filter (it only steers marked packets to the class the others go to by default), and an
//! outbound limit it cannot police is refused with a clear error rather than ignored.

use std::process::Command;

use oxvirt_conf::network::{Bandwidth, Rate};

use crate::NetworkError;

/// The `tc` commands that set `bw` on device `dev` (libvirt's, in its order, after clearing
/// what was there). `hierarchical`: a network's bridge.
pub fn commands(dev: &str, bw: &Bandwidth, hierarchical: bool) -> Vec<Vec<String>> {
    // swapped: the guests' inbound is the device's transmit side, their outbound its receive
    let (tx, rx) = (bw.inbound.as_ref(), bw.outbound.as_ref());
    let mut out: Vec<Vec<String>> = Vec::new();
    let mut cmd = |args: &[&str]| out.push(args.iter().map(|s| (*s).to_owned()).collect());
    if let Some(tx) = tx.filter(|r| r.average != 0) {
        let average = format!("{}kbps", tx.average);
        let peak = (tx.peak != 0).then(|| format!("{}kbps", tx.peak));
        let burst = (tx.burst != 0).then(|| format!("{}kb", tx.burst));
        let quantum = quantum(tx);
        let default = if hierarchical { "2" } else { "1" };
        cmd(&[
            "qdisc", "add", "dev", dev, "root", "handle", "1:", "htb", "default", default,
        ]);
        if hierarchical {
            let ceil = peak.as_deref().unwrap_or(&average);
            cmd(&[
                "class", "add", "dev", dev, "parent", "1:", "classid", "1:1", "htb", "rate",
                &average, "ceil", ceil, "quantum", &quantum,
            ]);
        }
        let (parent, class) = if hierarchical {
            ("1:1", "1:2")
        } else {
            ("1:", "1:1")
        };
        let mut class_cmd = vec![
            "class", "add", "dev", dev, "parent", parent, "classid", class, "htb", "rate", &average,
        ];
        if let Some(p) = &peak {
            class_cmd.extend(["ceil", p.as_str()]);
        }
        if let Some(b) = &burst {
            class_cmd.extend(["burst", b.as_str()]);
        }
        class_cmd.extend(["quantum", quantum.as_str()]);
        cmd(&class_cmd);
        cmd(&[
            "qdisc", "add", "dev", dev, "parent", class, "handle", "2:", "sfq", "perturb", "10",
        ]);
        cmd(&[
            "filter", "add", "dev", dev, "parent", "1:0", "protocol", "all", "prio", "1", "handle",
            "1", "fw", "flowid", "1",
        ]);
    }
    if let Some(rx) = rx.filter(|r| r.average != 0) {
        let average = format!("{}kbps", rx.average);
        // tc keeps a burst in bytes in 32 bits
        let burst = if rx.burst != 0 {
            format!("{}kb", rx.burst)
        } else {
            format!("{}kb", rx.average.min(u64::from(u32::MAX) / 1024))
        };
        cmd(&["qdisc", "add", "dev", dev, "ingress"]);
        cmd(&[
            "filter", "add", "dev", dev, "parent", "ffff:", "protocol", "all", "u32", "match",
            "u32", "0", "0", "police", "rate", &average, "burst", &burst, "mtu", "64kb", "drop",
            "flowid", ":1",
        ]);
    }
    out
}

/// HTB's quantum for a class of rate `r`: bytes per second over an MTU of 1500 (at least 1),
/// as libvirt computes it so that slow classes do not get the kernel's warning.
fn quantum(r: &Rate) -> String {
    (r.average * 1024 / 8 / 1500).max(1).to_string()
}

/// Why a `tc` command failed: its error, and whether the kernel lacks what it needs.
struct TcFailure {
    error: NetworkError,
    missing_module: bool,
}

fn tc(args: &[String]) -> Result<(), TcFailure> {
    let out = Command::new("tc")
        .args(args)
        .output()
        .map_err(|e| TcFailure {
            error: NetworkError::Internal(format!("cannot run tc: {e}")),
            missing_module: false,
        })?;
    if out.status.success() {
        return Ok(());
    }
    let err = String::from_utf8_lossy(&out.stderr);
    let missing_module = [
        "qdisc kind is unknown",
        "classifier not found",
        "Failed to load TC action module",
    ]
    .iter()
    .any(|m| err.contains(m));
    Err(TcFailure {
        error: NetworkError::Internal(format!(
            "tc {} failed: {}",
            args.join(" "),
            err.lines().next().unwrap_or("").trim()
        )),
        missing_module,
    })
}

/// Run one of [`commands`]' commands, with what a kernel lacking its module gets instead.
fn run(dev: &str, c: &[String]) -> Result<(), NetworkError> {
    let Err(f) = tc(c) else {
        return Ok(());
    };
    if !f.missing_module {
        return Err(f.error);
    }
    let has = |w: &str| c.iter().any(|a| a == w);
    if has("sfq") {
        tracing::warn!(dev, "no SFQ in this kernel: pfifo under the class instead");
        let mut alt: Vec<String> = c.iter().take_while(|a| *a != "sfq").cloned().collect();
        alt.push("pfifo".into());
        return tc(&alt).map_err(|f| f.error);
    }
    if has("fw") {
        tracing::warn!(
            dev,
            "no fw classifier in this kernel: the default class takes all"
        );
        return Ok(());
    }
    if has("police") {
        return Err(NetworkError::OperationUnsupported(format!(
            "Cannot set the outbound bandwidth on '{dev}': this kernel cannot police ingress traffic (act_police)"
        )));
    }
    Err(f.error)
}

/// Remove every QoS setting of `dev` (`virNetDevBandwidthClear`): its root and ingress qdiscs.
pub fn clear(dev: &str) {
    for which in ["root", "ingress"] {
        // a device with none answers an error: nothing to remove
        let _ = Command::new("tc")
            .args(["qdisc", "del", "dev", dev, which])
            .output();
    }
}

/// Set `bw` on `dev` (what was there first cleared); nothing to do without a bandwidth. On a
/// failure what was set is cleared again.
pub fn set(dev: &str, bw: Option<&Bandwidth>, hierarchical: bool) -> Result<(), NetworkError> {
    let Some(bw) = bw else {
        return Ok(());
    };
    clear(dev);
    for c in commands(dev, bw, hierarchical) {
        if let Err(e) = run(dev, &c) {
            clear(dev);
            return Err(e);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rate(average: u64, peak: u64, burst: u64) -> Option<Rate> {
        Some(Rate {
            average,
            peak,
            floor: 0,
            burst,
        })
    }

    fn lines(dev: &str, bw: &Bandwidth, h: bool) -> Vec<String> {
        commands(dev, bw, h).iter().map(|c| c.join(" ")).collect()
    }

    #[test]
    fn a_tap_device() {
        let bw = Bandwidth {
            inbound: rate(1000, 2000, 256),
            outbound: rate(500, 0, 0),
        };
        assert_eq!(
            lines("vnet0", &bw, false),
            [
                "qdisc add dev vnet0 root handle 1: htb default 1",
                "class add dev vnet0 parent 1: classid 1:1 htb rate 1000kbps ceil 2000kbps burst 256kb quantum 85",
                "qdisc add dev vnet0 parent 1:1 handle 2: sfq perturb 10",
                "filter add dev vnet0 parent 1:0 protocol all prio 1 handle 1 fw flowid 1",
                "qdisc add dev vnet0 ingress",
                "filter add dev vnet0 parent ffff: protocol all u32 match u32 0 0 police rate 500kbps burst 500kb mtu 64kb drop flowid :1",
            ]
        );
    }

    #[test]
    fn a_bridge() {
        let bw = Bandwidth {
            inbound: rate(8, 0, 0),
            outbound: None,
        };
        assert_eq!(
            lines("virbr1", &bw, true),
            [
                "qdisc add dev virbr1 root handle 1: htb default 2",
                "class add dev virbr1 parent 1: classid 1:1 htb rate 8kbps ceil 8kbps quantum 1",
                "class add dev virbr1 parent 1:1 classid 1:2 htb rate 8kbps quantum 1",
                "qdisc add dev virbr1 parent 1:2 handle 2: sfq perturb 10",
                "filter add dev virbr1 parent 1:0 protocol all prio 1 handle 1 fw flowid 1",
            ]
        );
        // only a floor inbound, nothing outbound: nothing to set
        let bw = Bandwidth {
            inbound: Some(Rate {
                floor: 10,
                ..Rate::default()
            }),
            outbound: None,
        };
        assert!(commands("virbr1", &bw, true).is_empty());
    }
}
