//! Prints the host facts in `virsh`'s formats, for comparing with a real libvirtd:
//! `cargo run -p oxvirt-host --example hostfacts`.

use oxvirt_host::{HostError, TypedStat};

fn show_err(what: &str, e: &HostError) {
    println!(
        "=== {what}\nerror: code={} domain={} message={:?}",
        e.code(),
        e.domain(),
        e.to_string()
    );
}

fn cpu_stats(title: &str, cpu: Option<u32>) {
    match oxvirt_host::cpu_stats(cpu) {
        Ok(s) => {
            println!("=== {title}");
            let get = |f: &str| s.iter().find(|x| x.field == f).map_or(0, |x| x.value);
            println!("{:<15} {:>20}", "user:", get("user"));
            println!("{:<15} {:>20}", "system:", get("kernel"));
            println!("{:<15} {:>20}", "idle:", get("idle"));
            println!("{:<15} {:>20}", "iowait:", get("iowait"));
            println!("raw: {s:?}");
        }
        Err(e) => show_err(title, &e),
    }
}

fn mem_stats(title: &str, cell: Option<u32>) {
    match oxvirt_host::memory_stats(cell) {
        Ok(s) => {
            println!("=== {title}");
            for TypedStat { field, value } in s {
                println!("{field:<7}: {value:>20} KiB");
            }
        }
        Err(e) => show_err(title, &e),
    }
}

fn main() {
    match oxvirt_host::node_info() {
        Ok(n) => {
            println!("=== nodeinfo");
            println!("{:<20} {}", "CPU model:", n.model);
            println!("{:<20} {}", "CPU(s):", n.cpus);
            println!("{:<20} {} MHz", "CPU frequency:", n.mhz);
            println!("{:<20} {}", "CPU socket(s):", n.sockets);
            println!("{:<20} {}", "Core(s) per socket:", n.cores);
            println!("{:<20} {}", "Thread(s) per core:", n.threads);
            println!("{:<20} {}", "NUMA cell(s):", n.nodes);
            println!("{:<20} {} KiB", "Memory size:", n.memory_kib);
        }
        Err(e) => show_err("nodeinfo", &e),
    }
    cpu_stats("nodecpustats", None);
    cpu_stats("nodecpustats --cpu 0", Some(0));
    cpu_stats("nodecpustats --cpu 99", Some(99));
    for (c, n, p) in [(-2, 0, 0), (-1, 3, 0), (-1, 4, 2), (5, 0, 0)] {
        match oxvirt_host::node_get_cpu_stats(c, n, p) {
            Ok(r) => println!("=== node_get_cpu_stats({c},{n},{p}) -> {r:?}"),
            Err(e) => show_err(&format!("node_get_cpu_stats({c},{n},{p})"), &e),
        }
    }
    mem_stats("nodememstats", None);
    mem_stats("nodememstats --cell 0", Some(0));
    mem_stats("nodememstats --cell 5", Some(5));
    for (c, n) in [(-2, 0), (-1, 2), (0, 4), (0, 0), (-1, 0)] {
        match oxvirt_host::node_get_memory_stats(c, n, 0) {
            Ok(r) => println!("=== node_get_memory_stats({c},{n}) -> {r:?}"),
            Err(e) => show_err(&format!("node_get_memory_stats({c},{n})"), &e),
        }
    }
    match oxvirt_host::free_memory_bytes() {
        Ok(f) => println!("=== freecell\nTotal: {} KiB\n(bytes {f})", f / 1024),
        Err(e) => show_err("freecell", &e),
    }
    for (s, m) in [(0, 1), (0, 5), (1, 1), (3, 1), (-1, 1), (0, 0), (0, -1)] {
        match oxvirt_host::cells_free_memory(s, m) {
            Ok(c) => println!("=== cells_free_memory({s},{m}) -> {c:?}"),
            Err(e) => show_err(&format!("cells_free_memory({s},{m})"), &e),
        }
    }
    match oxvirt_host::sysinfo_xml() {
        Ok(x) => print!("=== sysinfo\n{x}"),
        Err(e) => show_err("sysinfo", &e),
    }
    match oxvirt_host::hostname() {
        Ok(h) => println!("=== hostname\n{h}"),
        Err(e) => show_err("hostname", &e),
    }
    for t in [
        None,
        Some("kvm"),
        Some("KVM"),
        Some("qemu"),
        Some("QEMU"),
        Some("foo"),
        Some(""),
    ] {
        match oxvirt_host::max_vcpus(t) {
            Ok(n) => println!("=== max_vcpus({t:?}) -> {n}"),
            Err(e) => show_err(&format!("max_vcpus({t:?})"), &e),
        }
    }
    match oxvirt_host::online_cpu_map() {
        Ok(m) => println!("=== cpu map -> {m:?}"),
        Err(e) => show_err("cpu map", &e),
    }
}
