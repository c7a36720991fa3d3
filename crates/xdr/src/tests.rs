use super::*;

fn roundtrip<T: Encode + Decode + PartialEq + std::fmt::Debug>(v: T, expect: &[u8]) {
    let b = to_bytes(&v).unwrap();
    assert_eq!(b, expect, "encoding of {v:?}");
    assert_eq!(from_bytes_exact::<T>(&b).unwrap(), v);
}

#[test]
fn scalars() {
    roundtrip(-2i32, &[0xff, 0xff, 0xff, 0xfe]);
    roundtrip(7u32, &[0, 0, 0, 7]);
    roundtrip(-1i64, &[0xff; 8]);
    roundtrip(1u64 << 40, &[0, 0, 1, 0, 0, 0, 0, 0]);
    roundtrip(1.5f64, &1.5f64.to_bits().to_be_bytes());
    roundtrip(true, &[0, 0, 0, 1]);
    // char/short take four bytes each, sign-extended
    roundtrip(-1i8, &[0xff; 4]);
    roundtrip(200u8, &[0, 0, 0, 200]);
    roundtrip(-3i16, &[0xff, 0xff, 0xff, 0xfd]);
    roundtrip(65535u16, &[0, 0, 0xff, 0xff]);
}

#[test]
fn bool_any_nonzero_is_true() {
    assert!(from_bytes::<bool>(&[1, 0, 0, 0]).unwrap());
    assert!(from_bytes::<bool>(&[0, 0, 0, 2]).unwrap());
    assert!(!from_bytes::<bool>(&[0, 0, 0, 0]).unwrap());
    // go-libvirt's "present" pointer word
    assert_eq!(
        from_bytes::<Option<u32>>(&[1, 0, 0, 0, 0, 0, 0, 9]).unwrap(),
        Some(9)
    );
}

#[test]
fn small_ints_out_of_range() {
    assert!(matches!(
        from_bytes::<u8>(&[0, 0, 1, 0]),
        Err(Error::OutOfRange { .. })
    ));
    assert!(matches!(
        from_bytes::<i16>(&[0, 1, 0, 0]),
        Err(Error::OutOfRange { .. })
    ));
}

#[test]
fn strings_pad_and_bound() {
    roundtrip("abcde".to_string(), b"\0\0\0\x05abcde\0\0\0");
    roundtrip(String::new(), &[0, 0, 0, 0]);
    assert_eq!(
        from_bytes::<String>(&[0, 0, 0, 2, 0xff, 0xfe, 0, 0]),
        Err(Error::InvalidUtf8)
    );
    // a length larger than the input fails before allocating
    assert!(matches!(
        from_bytes::<String>(&[0xff, 0xff, 0xff, 0xff]),
        Err(Error::Truncated { .. })
    ));
}

#[derive(Debug, PartialEq, Encode, Decode)]
struct Bounded {
    #[xdr(max = 4)]
    name: String,
    #[xdr(max = 2)]
    list: Vec<u32>,
    #[xdr(max = 3, opaque)]
    blob: Vec<u8>,
    #[xdr(opaque)]
    uuid: [u8; 16],
    #[xdr(max = 8)]
    opt: Option<String>,
    #[xdr(max = 2, item_max = 3)]
    names: Vec<String>,
    model: [i8; 3],
    chars: Vec<i8>,
}

fn bounded() -> Bounded {
    Bounded {
        name: "ab".into(),
        list: vec![1, 2],
        blob: vec![9, 8, 7],
        uuid: [0x11; 16],
        opt: Some("x".into()),
        names: vec!["abc".into()],
        model: [65, 66, 0],
        chars: vec![67, 0],
    }
}

#[test]
fn struct_roundtrip() {
    let v = bounded();
    let b = to_bytes(&v).unwrap();
    let expect_len = 4 + 4 + (4 + 8) + (4 + 4) + 16 + (4 + 4 + 4) + (4 + 4 + 4) + 12 + (4 + 8);
    assert_eq!(b.len(), expect_len);
    assert_eq!(from_bytes_exact::<Bounded>(&b).unwrap(), v);
}

#[test]
fn declared_maxima_enforced_both_ways() {
    let mut v = bounded();
    v.name = "abcde".into();
    assert_eq!(to_bytes(&v), Err(Error::TooLong { len: 5, max: 4 }));
    let mut v = bounded();
    v.list = vec![1, 2, 3];
    assert!(to_bytes(&v).is_err());
    let mut v = bounded();
    v.names = vec!["abcd".into()];
    assert!(to_bytes(&v).is_err());

    // decode side: patch the list count to 3 in a valid encoding
    let mut b = to_bytes(&bounded()).unwrap();
    b[11] = 3;
    assert_eq!(
        from_bytes::<Bounded>(&b),
        Err(Error::TooLong { len: 3, max: 2 })
    );
}

#[derive(Debug, PartialEq, Encode, Decode)]
#[xdr(union)]
enum Param {
    #[xdr(case = 1)]
    Int(i32),
    #[xdr(case = 3)]
    LLong(i64),
    #[xdr(case = 7)]
    Str(#[xdr(max = 10)] String),
    #[xdr(case = 100)]
    Void,
    #[xdr(default)]
    Other(i32),
}

#[derive(Debug, PartialEq, Encode, Decode)]
#[xdr(union)]
enum Strict {
    #[xdr(case = -1)]
    Neg,
    #[xdr(case = 5)]
    Five(u32),
}

#[test]
fn unions() {
    roundtrip(Param::Int(-1), &[0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff]);
    roundtrip(Param::LLong(2), &[0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 2]);
    roundtrip(Param::Str("hi".into()), b"\0\0\0\x07\0\0\0\x02hi\0\0");
    roundtrip(Param::Void, &[0, 0, 0, 100]);
    roundtrip(Param::Other(42), &[0, 0, 0, 42]);
    roundtrip(Strict::Neg, &[0xff; 4]);
    assert_eq!(
        from_bytes::<Strict>(&[0, 0, 0, 4]),
        Err(Error::BadDiscriminant {
            value: 4,
            type_name: "Strict"
        })
    );
    assert!(to_bytes(&Param::Str("01234567890".into())).is_err());
}

#[derive(Debug, PartialEq, Clone, Copy, Encode, Decode)]
enum Kind {
    Call = 0,
    Reply = 1,
    Stream = 3,
}

#[test]
fn enums() {
    roundtrip(Kind::Stream, &[0, 0, 0, 3]);
    roundtrip(Kind::Call, &[0, 0, 0, 0]);
    assert!(from_bytes::<Kind>(&[0, 0, 0, 2]).is_err());
}

#[derive(Debug, PartialEq, Encode, Decode)]
struct Tuple(u32, #[xdr(max = 1)] Vec<Kind>);

#[derive(Debug, PartialEq, Encode, Decode)]
struct Unit;

#[test]
fn tuple_and_unit_structs() {
    roundtrip(
        Tuple(1, vec![Kind::Reply]),
        &[0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1],
    );
    roundtrip(Unit, &[]);
}

#[test]
fn optional_and_nested() {
    roundtrip(None::<u64>, &[0, 0, 0, 0]);
    roundtrip(Some(Box::new(5u32)), &[0, 0, 0, 1, 0, 0, 0, 5]);
    roundtrip(
        vec![Some(1u32), None],
        &[0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0],
    );
}

#[test]
fn huge_counts_do_not_allocate() {
    // count 0x7fffffff of u64 with 4 bytes of input
    let b = [0x7f, 0xff, 0xff, 0xff, 0, 0, 0, 0];
    assert!(matches!(
        from_bytes::<Vec<u64>>(&b),
        Err(Error::Truncated { .. })
    ));
    // nested vectors
    let b = [0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff];
    assert!(from_bytes::<Vec<Vec<u32>>>(&b).is_err());
}

#[test]
fn trailing_bytes() {
    assert_eq!(from_bytes::<u32>(&[0, 0, 0, 1, 9]).unwrap(), 1);
    assert_eq!(
        from_bytes_exact::<u32>(&[0, 0, 0, 1, 9]),
        Err(Error::TrailingBytes(1))
    );
}

#[test]
fn every_prefix_of_valid_input_fails_cleanly() {
    let b = to_bytes(&bounded()).unwrap();
    for n in 0..b.len() {
        assert!(from_bytes::<Bounded>(&b[..n]).is_err(), "prefix {n}");
    }
}
