//! Development helper (`cargo run -p oxvirt-conf --example define FILE`): define a domain XML file the way the QEMU driver does and print
//! `dumpxml --inactive` (parse → post_parse → format).
use oxvirt_conf::domain::{parse, post_parse, FormatFlags, QemuCaps};
fn main() {
    let p = std::env::args().nth(1).unwrap_or_default();
    let x = std::fs::read_to_string(&p).unwrap_or_default();
    let mut d = match parse(&x) {
        Ok(d) => d,
        Err(e) => return println!("error: {e}"),
    };
    if let Err(e) = post_parse(&mut d, &QemuCaps::debian_qemu_7_2_x86_64()) {
        return println!("error: {e}");
    }
    print!("{}", d.format(FormatFlags { inactive: true }));
}
