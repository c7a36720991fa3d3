//! Comparing the character devices and graphics of two live domain XMLs (oxvirt's and
//! libvirt's for the same input), without what differs between two hosts by nature.

/// Replace each `prefix` followed by digits in `s` by `prefix` + `with`.
fn replace_number_after(s: &str, prefix: &str, with: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find(prefix) {
        let after = &rest[i + prefix.len()..];
        let digits = after.bytes().take_while(u8::is_ascii_digit).count();
        out.push_str(&rest[..i + prefix.len()]);
        out.push_str(if digits > 0 { with } else { "" });
        rest = &after[digits..];
    }
    out.push_str(rest);
    out
}

/// The `<serial>`, `<console>`, `<channel>` and `<graphics>` elements of a live domain XML, one
/// per line group, with the pty numbers (`/dev/pts/N`), the display ports of `<graphics>`, the
/// domain id in generated socket paths (`domain-ID-NAME`) and the directories of generated
/// sockets (each of `socket_dirs`, e.g. libvirt's `/var/lib/libvirt/qemu/` and a daemon's
/// `ROOT/lib/qemu/`, becomes `LIBDIR/`) made the same.
pub fn chardev_elements(xml: &str, socket_dirs: &[&str]) -> String {
    let mut out = String::new();
    let mut open: Option<&str> = None;
    for line in xml.lines() {
        let t = line.trim();
        if open.is_none() {
            open = ["serial", "console", "channel", "graphics"]
                .into_iter()
                .find(|e| t.starts_with(&format!("<{e} ")) || t.starts_with(&format!("<{e}>")));
            if open.is_none() {
                continue;
            }
        }
        let mut l = t.to_owned();
        for d in socket_dirs {
            let d = format!("{}/", d.trim_end_matches('/'));
            l = l.replace(&d, "LIBDIR/");
        }
        l = replace_number_after(&l, "/dev/pts/", "N");
        l = replace_number_after(&l, "domain-", "ID");
        if l.starts_with("<graphics ") {
            l = replace_number_after(&l, " port='", "PORT");
        }
        out.push_str(&l);
        out.push('\n');
        let e = open.unwrap_or_default();
        if t.starts_with(&format!("</{e}>"))
            || (t.starts_with(&format!("<{e}")) && t.ends_with("/>"))
        {
            open = None;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalised_elements() {
        let xml = "<domain>\n  <devices>\n    <serial type='pty'>\n      <source path='/dev/pts/12'/>\n    </serial>\n    <channel type='unix'>\n      <source mode='bind' path='/r/lib/qemu/channel/target/domain-3-x/org.qemu.guest_agent.0'/>\n    </channel>\n    <graphics type='vnc' port='5901' autoport='yes'/>\n    <input type='mouse' bus='ps2'/>\n  </devices>\n</domain>\n";
        assert_eq!(
            chardev_elements(xml, &["/r/lib/qemu"]),
            "<serial type='pty'>\n<source path='/dev/pts/N'/>\n</serial>\n<channel type='unix'>\n\
<source mode='bind' path='LIBDIR/channel/target/domain-ID-x/org.qemu.guest_agent.0'/>\n</channel>\n\
<graphics type='vnc' port='PORT' autoport='yes'/>\n"
        );
    }
}
