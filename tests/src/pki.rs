//! Certificates for the TLS tests, made with openssl in libvirt's layouts.

use std::path::Path;

/// Makes `ca/` (trusted), `badca/` (not), the server's certificate for localhost/127.0.0.1,
/// and client directories in libvirt's `pkipath` layout: `pki-allowed`, `pki-stranger` (a DN
/// not on the list), `pki-netadmin`, `pki-wrong` (a certificate of the other CA).
pub const MAKE_CERTS: &str = r#"
set -e
ca() {
  mkdir -p $1
  openssl req -x509 -newkey rsa:2048 -nodes -keyout $1/cakey.pem -out $1/cacert.pem -days 2 \
    -subj "$2" -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
}
cert() {
  openssl req -newkey rsa:2048 -nodes -keyout $2.key -out $2.csr -subj "$3" 2>/dev/null
  printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n%s\n' "$4" > $2.ext
  openssl x509 -req -in $2.csr -CA $1/cacert.pem -CAkey $1/cakey.pem -CAcreateserial \
    -out $2.pem -days 2 -extfile $2.ext 2>/dev/null
}
client() {
  mkdir -p pki-$2
  cert $1 $2 "$3" "extendedKeyUsage=clientAuth"
  cp $2.pem pki-$2/clientcert.pem; cp $2.key pki-$2/clientkey.pem
  cat $4 > pki-$2/cacert.pem
}
ca ca "/C=GB/O=oxvirt test/CN=oxvirt test CA"
ca badca "/C=GB/O=oxvirt test/CN=another CA"
cert ca server "/C=GB/O=oxvirt test/CN=localhost" \
  "$(printf 'extendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1')"
client ca allowed "/C=GB/O=oxvirt test/CN=allowed" ca/cacert.pem
client ca stranger "/C=GB/O=oxvirt test/CN=stranger" ca/cacert.pem
client ca netadmin "/C=GB/O=oxvirt test/CN=netadmin" ca/cacert.pem
# the client trusts both CAs (so that its own certificate passes its checks); the server one
client badca wrong "/C=GB/O=oxvirt test/CN=allowed" "ca/cacert.pem badca/cacert.pem"
"#;

/// Run [`MAKE_CERTS`] in `dir`.
pub fn make_certs(dir: &Path) {
    std::fs::create_dir_all(dir).expect("pki directory");
    let made = crate::command("sh")
        .args(["-c", MAKE_CERTS])
        .current_dir(dir)
        .output()
        .expect("run sh");
    assert!(made.status.success(), "{made:?}");
}
