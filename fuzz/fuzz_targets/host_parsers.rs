//! The parsers of host files and tool output (/proc/cpuinfo, /proc/stat, /proc/meminfo, node
//! meminfo, dmidecode, CPU lists): the first byte picks the parser, the rest is its input.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&pick, input)) = data.split_first() else { return };
    match pick % 8 {
        0 => {
            let _ = oxvirt_host::parse_cpu_frequency(input, "x86_64");
        }
        1 => {
            let _ = oxvirt_host::parse_cpu_frequency(input, "aarch64");
        }
        2 => {
            let _ = oxvirt_host::parse_proc_stat(input, -1, 100);
            let _ = oxvirt_host::parse_proc_stat(input, 0, 100);
            let _ = oxvirt_host::parse_proc_stat(input, 3, 0);
        }
        3 => {
            let _ = oxvirt_host::parse_meminfo(input, 4);
            let _ = oxvirt_host::parse_meminfo(input, 2);
        }
        4 => {
            let _ = oxvirt_host::parse_node_size(input);
        }
        5 => {
            if let Ok(s) = oxvirt_host::parse_dmidecode(input, &mut |_| None) {
                let _ = s.to_xml();
            }
        }
        6 => {
            let _ = oxvirt_host::parse_cpuinfo_sysinfo(input, "ppc64le").to_xml();
            let _ = oxvirt_host::parse_cpuinfo_sysinfo(input, "aarch64").to_xml();
        }
        _ => {
            if let Ok(b) = oxvirt_host::Bitmap::parse(input) {
                let _ = b.to_data();
            }
        }
    }
});
