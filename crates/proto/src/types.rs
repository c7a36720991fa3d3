//! Shared protocol types: object handles, typed parameters, the error struct.

use crate::message::STRING_MAX;
use oxvirt_xdr::{Decode, Encode};

pub type Uuid = [u8; 16];

/// `remote_nonnull_domain`: clients build their handle from these and send them back verbatim.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct NonnullDomain {
    #[xdr(max = STRING_MAX)]
    pub name: String,
    #[xdr(opaque)]
    pub uuid: Uuid,
    /// −1 when inactive.
    pub id: i32,
}

/// `remote_nonnull_network`.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct NonnullNetwork {
    #[xdr(max = STRING_MAX)]
    pub name: String,
    #[xdr(opaque)]
    pub uuid: Uuid,
}

/// `remote_nonnull_storage_pool`.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct NonnullStoragePool {
    #[xdr(max = STRING_MAX)]
    pub name: String,
    #[xdr(opaque)]
    pub uuid: Uuid,
}

/// `remote_nonnull_storage_vol`.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct NonnullStorageVol {
    #[xdr(max = STRING_MAX)]
    pub pool: String,
    #[xdr(max = STRING_MAX)]
    pub name: String,
    #[xdr(max = STRING_MAX)]
    pub key: String,
}

/// Largest typed-parameter list in one message (`REMOTE_*_PARAMETERS_MAX` are all ≤ this).
pub const TYPED_PARAMS_MAX: usize = 16384;

/// The value arm of `remote_typed_param`.
#[derive(Debug, Clone, PartialEq, Encode, Decode)]
#[xdr(union)]
pub enum TypedParamValue {
    #[xdr(case = 1)]
    Int(i32),
    #[xdr(case = 2)]
    UInt(u32),
    #[xdr(case = 3)]
    LLong(i64),
    #[xdr(case = 4)]
    ULLong(u64),
    #[xdr(case = 5)]
    Double(f64),
    #[xdr(case = 6)]
    Boolean(i32),
    #[xdr(case = 7)]
    String(#[xdr(max = STRING_MAX)] String),
}

/// `remote_typed_param`.
#[derive(Debug, Clone, PartialEq, Encode, Decode)]
pub struct TypedParam {
    #[xdr(max = STRING_MAX)]
    pub field: String,
    pub value: TypedParamValue,
}

/// The error struct (`virNetMessageError` / `remote_error`), in wire order.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct WireError {
    pub code: i32,
    pub domain: i32,
    #[xdr(max = STRING_MAX)]
    pub message: Option<String>,
    pub level: i32,
    pub dom: Option<NonnullDomain>,
    #[xdr(max = STRING_MAX)]
    pub str1: Option<String>,
    #[xdr(max = STRING_MAX)]
    pub str2: Option<String>,
    #[xdr(max = STRING_MAX)]
    pub str3: Option<String>,
    pub int1: i32,
    pub int2: i32,
    pub net: Option<NonnullNetwork>,
}

impl WireError {
    /// An error-level error with a message, as libvirtd fills it (str1 = format, str2 = detail).
    pub fn new(
        code: i32,
        domain: i32,
        message: String,
        str1: Option<String>,
        str2: Option<String>,
    ) -> Self {
        WireError {
            code,
            domain,
            message: Some(message),
            level: 2,
            dom: None,
            str1,
            str2,
            str3: None,
            int1: -1,
            int2: -1,
            net: None,
        }
    }
}
