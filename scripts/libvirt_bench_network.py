"""The network workload of libvirt-bench (imported by it): net-start and a domain start with a NIC.

  network    (not in the default set: it makes bridges, firewall rules and dnsmasq, so the
             daemons must run in network namespaces of their own, as scripts/bench starts them)
             K times: a NAT network with DHCP defined, then net-start timed (the bridge,
             the firewall, dnsmasq: networkCreate returns once they are set up), destroyed
             and undefined (ms, median); then K times, on one started NAT network, the start
             of the test guest with one <interface type='network'> (virtio) timed until
             `create()` returns (the port, the TAP device, QEMU launched) and until the domain
             is running (ms, median), destroyed each time

Both daemons get the same calls through their URI; oxvirt's network calls go to
oxvirt-networkd through qemud, as virtqemud forwards them to virtnetworkd.
"""

import statistics
import time

import libvirt

NET_TEMPLATE = """<network>
  <name>{name}</name>
  <forward mode='nat'/>
  <bridge name='{bridge}' stp='on' delay='0'/>
  <ip address='10.250.{n}.1' netmask='255.255.255.0'>
    <dhcp>
      <range start='10.250.{n}.10' end='10.250.{n}.200'/>
    </dhcp>
  </ip>
</network>
"""

NIC = """<interface type='network'>
      <source network='{net}'/>
      <model type='virtio'/>
    </interface>
    <serial type='pty'>"""


def _ms(samples):
    return round(statistics.median(samples) * 1000, 1)


def _drop_net(conn, name):
    try:
        n = conn.networkLookupByName(name)
    except libvirt.libvirtError:
        return
    try:
        if n.isActive():
            n.destroy()
    except libvirt.libvirtError:
        pass
    try:
        n.undefine()
    except libvirt.libvirtError:
        pass


def wl_network(ctx, budget, k=5):
    a = ctx.args
    if not (a.kernel and a.initrd):
        raise RuntimeError("needs --kernel and --initrd (scripts/build-guest)")
    conn = ctx.t.open()
    # bridge names have at most 15 bytes: one per target and run
    tag = f"{ctx.t.label.lower()}{abs(hash(ctx.prefix)) % 10000}"
    nets = []
    try:
        starts = []
        for i in range(k):
            if budget.over():
                break
            name = f"{ctx.prefix}net{i}"
            nets.append(name)
            n = conn.networkDefineXML(NET_TEMPLATE.format(name=name, bridge=f"bb{tag}{i}", n=i))
            t0 = time.perf_counter()
            n.create()
            starts.append(time.perf_counter() - t0)
            n.destroy()
            n.undefine()
            nets.remove(name)
        ctx.out["net_start_ms"] = _ms(starts)
        ctx.out["net_starts"] = len(starts)

        net = f"{ctx.prefix}nicnet"
        nets.append(net)
        conn.networkDefineXML(NET_TEMPLATE.format(name=net, bridge=f"bb{tag}x", n=20)).create()
        calls, running = [], []
        name = f"{ctx.prefix}nic"
        xml = ctx.xml(name).replace("<serial type='pty'>", NIC.format(net=net), 1)
        ctx.created.append(name)
        d = conn.defineXML(xml)
        for _ in range(k):
            if budget.over():
                break
            t0 = time.perf_counter()
            d.create()
            calls.append(time.perf_counter() - t0)
            while d.state()[0] != libvirt.VIR_DOMAIN_RUNNING:
                if time.perf_counter() - t0 > a.guest_timeout:
                    raise RuntimeError(f"{name} not running after {a.guest_timeout}s")
                time.sleep(0.005)
            running.append(time.perf_counter() - t0)
            d.destroy()
        ctx.out["nic_start_call_ms"] = _ms(calls)
        ctx.out["nic_start_running_ms"] = _ms(running)
        return ctx.out
    finally:
        problems = ctx.cleanup(conn)
        for n in nets:
            _drop_net(conn, n)
        conn.close()
        if problems:
            raise RuntimeError("; ".join(problems))
