//! The subject of an X.509 certificate as libvirt prints it for `tls_allowed_dn_list`
//! (gnutls' `gnutls_x509_crt_get_dn`: the RDNs in certificate order, `C=GB,O=Example,CN=a`),
//! read with a small DER walker, and libvirt's wildcard match of the list's patterns.

/// One DER element: its tag, its content, and what follows it.
fn tlv(b: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let tag = *b.first()?;
    let first = *b.get(1)?;
    let (len, head) = if first < 0x80 {
        (usize::from(first), 2)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 {
            return None;
        }
        let mut len = 0usize;
        for i in 0..n {
            len = (len << 8) | usize::from(*b.get(2 + i)?);
        }
        (len, 2 + n)
    };
    let end = head.checked_add(len)?;
    Some((tag, b.get(head..end)?, b.get(end..)?))
}

/// An OBJECT IDENTIFIER's dotted form.
fn oid(b: &[u8]) -> Option<String> {
    let first = *b.first()?;
    let mut parts = vec![u64::from(first / 40).min(2), 0];
    parts[1] = u64::from(first) - parts[0] * 40;
    let mut v: u64 = 0;
    for &c in &b[1..] {
        v = v.checked_mul(128)? | u64::from(c & 0x7f);
        if c & 0x80 == 0 {
            parts.push(v);
            v = 0;
        }
    }
    Some(
        parts
            .iter()
            .map(u64::to_string)
            .collect::<Vec<_>>()
            .join("."),
    )
}

/// The short name gnutls prints for an attribute type, else its dotted OID.
fn attribute_name(oid: &str) -> &str {
    match oid {
        "2.5.4.3" => "CN",
        "2.5.4.4" => "SN",
        "2.5.4.5" => "serialNumber",
        "2.5.4.6" => "C",
        "2.5.4.7" => "L",
        "2.5.4.8" => "ST",
        "2.5.4.9" => "street",
        "2.5.4.10" => "O",
        "2.5.4.11" => "OU",
        "2.5.4.12" => "title",
        "2.5.4.42" => "GN",
        "0.9.2342.19200300.100.1.1" => "UID",
        "0.9.2342.19200300.100.1.25" => "DC",
        "1.2.840.113549.1.9.1" => "EMAIL",
        other => other,
    }
}

/// A string value, escaped as RFC 4514 (and gnutls) print it.
fn value_text(tag: u8, b: &[u8]) -> String {
    let raw = match tag {
        // BMPString: UTF-16BE
        0x1e => {
            let units: Vec<u16> = b
                .chunks(2)
                .map(|c| u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]))
                .collect();
            String::from_utf16_lossy(&units)
        }
        _ => String::from_utf8_lossy(b).into_owned(),
    };
    let mut out = String::with_capacity(raw.len());
    let n = raw.chars().count();
    for (i, c) in raw.chars().enumerate() {
        let edge = (i == 0 && (c == ' ' || c == '#')) || (i + 1 == n && c == ' ');
        if edge || matches!(c, ',' | '+' | '"' | '\\' | '<' | '>' | ';') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The subject DN of a DER certificate, `None` if it does not parse.
pub fn subject(cert: &[u8]) -> Option<String> {
    let (_, certificate, _) = tlv(cert)?;
    let (_, mut tbs, _) = tlv(certificate)?;
    // [0] version, when present
    if tbs.first() == Some(&0xa0) {
        tbs = tlv(tbs)?.2;
    }
    // serial, signature algorithm, issuer, validity, then the subject
    for _ in 0..4 {
        tbs = tlv(tbs)?.2;
    }
    let (tag, mut name, _) = tlv(tbs)?;
    if tag != 0x30 {
        return None;
    }
    let mut rdns = Vec::new();
    while !name.is_empty() {
        let (_, mut set, rest) = tlv(name)?;
        name = rest;
        let mut atvs = Vec::new();
        while !set.is_empty() {
            let (_, atv, rest) = tlv(set)?;
            set = rest;
            let (otag, o, after) = tlv(atv)?;
            if otag != 0x06 {
                return None;
            }
            let (vtag, v, _) = tlv(after)?;
            let o = oid(o)?;
            atvs.push(format!("{}={}", attribute_name(&o), value_text(vtag, v)));
        }
        rdns.push(atvs.join("+"));
    }
    Some(rdns.join(","))
}

/// libvirt's match of a DN against one pattern of `tls_allowed_dn_list` (`fnmatch`, no
/// flags): `*` any run of characters, `?` any one, `\` quotes the next.
pub fn matches(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        let lit = |pi: usize| -> Option<(char, usize)> {
            match p.get(pi)? {
                '\\' => Some((*p.get(pi + 1)?, 2)),
                c => Some((*c, 1)),
            }
        };
        match p.get(pi) {
            Some('*') => {
                star = Some((pi, ti));
                pi += 1;
                continue;
            }
            Some('?') => {
                pi += 1;
                ti += 1;
                continue;
            }
            Some(_) => {
                if let Some((c, w)) = lit(pi) {
                    if c == t[ti] {
                        pi += w;
                        ti += 1;
                        continue;
                    }
                }
            }
            None => {}
        }
        match star {
            Some((sp, st)) => {
                pi = sp + 1;
                ti = st + 1;
                star = Some((sp, st + 1));
            }
            None => return false,
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

/// Whether `dn` is allowed by `list` (no list: any DN).
pub fn allowed(list: Option<&[String]>, dn: &str) -> bool {
    list.is_none_or(|l| l.iter().any(|p| matches(p, dn)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A certificate whose subject is C=GB, O=Example, CN=client1 (openssl req -x509 -subj
    /// /C=GB/O=Example/CN=client1, EC P-256), DER in hex.
    fn encoded_name() -> Vec<u8> {
        // SEQUENCE { SET { SEQ { OID 2.5.4.6, PrintableString "GB" } }, SET {...O...},
        // SET { SEQ { OID 2.5.4.3, UTF8String "client1" } } }
        let atv = |oid: &[u8], tag: u8, v: &[u8]| {
            let mut seq = vec![0x06, oid.len() as u8];
            seq.extend_from_slice(oid);
            seq.extend_from_slice(&[tag, v.len() as u8]);
            seq.extend_from_slice(v);
            let mut s = vec![0x30, seq.len() as u8];
            s.extend(seq);
            let mut set = vec![0x31, s.len() as u8];
            set.extend(s);
            set
        };
        let mut body = atv(&[0x55, 4, 6], 0x13, b"GB");
        body.extend(atv(&[0x55, 4, 10], 0x0c, b"Example, Inc"));
        body.extend(atv(&[0x55, 4, 3], 0x0c, b"client1"));
        let mut name = vec![0x30, body.len() as u8];
        name.extend(body);
        name
    }

    fn wrap(tag: u8, content: &[u8]) -> Vec<u8> {
        let mut v = vec![tag];
        if content.len() < 0x80 {
            v.push(content.len() as u8);
        } else {
            v.extend_from_slice(&[0x82, (content.len() >> 8) as u8, content.len() as u8]);
        }
        v.extend_from_slice(content);
        v
    }

    #[test]
    fn subject_in_certificate_order() {
        let mut tbs = wrap(0xa0, &[0x02, 0x01, 0x02]);
        tbs.extend(wrap(0x02, &[0x01]));
        tbs.extend(wrap(0x30, &[0x06, 0x03, 0x2a, 0x03, 0x04]));
        tbs.extend(encoded_name()); // issuer
        tbs.extend(wrap(0x30, &[]));
        tbs.extend(encoded_name()); // subject
        tbs.extend(wrap(0x30, &[]));
        let mut cert = wrap(0x30, &tbs);
        cert.extend(wrap(0x30, &[]));
        let cert = wrap(0x30, &cert);
        assert_eq!(
            subject(&cert).as_deref(),
            Some("C=GB,O=Example\\, Inc,CN=client1")
        );
        assert_eq!(subject(&cert[..cert.len() - 3]), None);
        assert_eq!(subject(&[]), None);
    }

    #[test]
    fn oids() {
        assert_eq!(oid(&[0x55, 4, 3]).as_deref(), Some("2.5.4.3"));
        assert_eq!(
            oid(&[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 1, 9, 1]).as_deref(),
            Some("1.2.840.113549.1.9.1")
        );
    }

    #[test]
    fn wildcards() {
        assert!(matches("C=GB,O=Example,CN=*", "C=GB,O=Example,CN=client1"));
        assert!(matches("*CN=client?", "C=GB,CN=client1"));
        assert!(!matches("*CN=client?", "C=GB,CN=client12"));
        assert!(matches("C=GB", "C=GB"));
        assert!(!matches("C=GB", "C=GB,O=x"));
        assert!(matches("a\\*b", "a*b"));
        assert!(!matches("a\\*b", "axb"));
        assert!(allowed(None, "anything"));
        assert!(!allowed(Some(&[]), "anything"));
        assert!(allowed(Some(&["x".into(), "*y".into()]), "xy"));
    }
}
