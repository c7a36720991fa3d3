//! Argument and return types of the secret procedures (libvirt 9.0's `remote_secret_*` and
//! `remote_connect_*secret*` structs), named after the procedure.

use crate::message::STRING_MAX;
use crate::types::Uuid;
use oxvirt_xdr::{Decode, Encode};

/// `REMOTE_SECRET_LIST_MAX`
pub const SECRET_LIST_MAX: usize = 16384;
/// `REMOTE_SECRET_VALUE_MAX`: the largest value a secret can hold.
pub const SECRET_VALUE_MAX: usize = 65536;

/// `remote_nonnull_secret`: a secret handle.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct NonnullSecret {
    /// The secret's UUID.
    #[xdr(opaque)]
    pub uuid: Uuid,
    /// `VIR_SECRET_USAGE_TYPE_*`.
    pub usage_type: i32,
    /// The volume path, name or target the secret is for.
    #[xdr(max = STRING_MAX)]
    pub usage_id: String,
}

/// `{int maxuuids}` (CONNECT_LIST_SECRETS).
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct ConnectListSecretsArgs {
    /// How many UUIDs the caller takes at most.
    pub maxuuids: i32,
}

/// `{remote_nonnull_string uuids<>}` (CONNECT_LIST_SECRETS).
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct ConnectListSecretsRet {
    /// The UUIDs as strings.
    #[xdr(max = SECRET_LIST_MAX)]
    pub uuids: Vec<String>,
}

/// `{int need_results, unsigned flags}` (CONNECT_LIST_ALL_SECRETS).
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct ConnectListAllSecretsArgs {
    /// Whether the caller wants the handles (otherwise only the count).
    pub need_results: i32,
    /// `VIR_CONNECT_LIST_SECRETS_*` filters.
    pub flags: u32,
}

/// `{remote_nonnull_secret secrets<>, unsigned ret}` (CONNECT_LIST_ALL_SECRETS).
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct ConnectListAllSecretsRet {
    /// The handles, when asked for.
    #[xdr(max = SECRET_LIST_MAX)]
    pub secrets: Vec<NonnullSecret>,
    /// How many secrets matched.
    pub ret: u32,
}

/// `{remote_uuid uuid}` (SECRET_LOOKUP_BY_UUID).
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct SecretLookupByUuidArgs {
    /// The UUID looked up.
    #[xdr(opaque)]
    pub uuid: Uuid,
}

/// `{int usageType, remote_nonnull_string usageID}` (SECRET_LOOKUP_BY_USAGE).
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct SecretLookupByUsageArgs {
    /// `VIR_SECRET_USAGE_TYPE_*`.
    pub usage_type: i32,
    /// The volume path, name or target.
    #[xdr(max = STRING_MAX)]
    pub usage_id: String,
}

/// `{remote_nonnull_secret secret}`: a handle as the reply (lookups, define).
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct SecretRet {
    /// The secret.
    pub secret: NonnullSecret,
}

/// `{remote_nonnull_string xml, unsigned flags}` (SECRET_DEFINE_XML).
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct SecretDefineXmlArgs {
    /// The definition.
    #[xdr(max = STRING_MAX)]
    pub xml: String,
    /// `VIR_SECRET_DEFINE_VALIDATE`.
    pub flags: u32,
}

/// `{remote_nonnull_secret secret, unsigned flags}` (SECRET_GET_XML_DESC, SECRET_GET_VALUE).
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct SecretFlagsArgs {
    /// The secret.
    pub secret: NonnullSecret,
    /// No flags are defined.
    pub flags: u32,
}

/// `{remote_nonnull_secret secret, opaque value<>, unsigned flags}` (SECRET_SET_VALUE).
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct SecretSetValueArgs {
    /// The secret.
    pub secret: NonnullSecret,
    /// The new value.
    #[xdr(max = SECRET_VALUE_MAX, opaque)]
    pub value: Vec<u8>,
    /// No flags are defined.
    pub flags: u32,
}

/// `{opaque value<>}` (SECRET_GET_VALUE).
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct SecretGetValueRet {
    /// The value.
    #[xdr(max = SECRET_VALUE_MAX, opaque)]
    pub value: Vec<u8>,
}

/// `{remote_nonnull_secret secret}` (SECRET_UNDEFINE).
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct SecretArgs {
    /// The secret.
    pub secret: NonnullSecret,
}

/// `{int eventID, remote_secret secret}` (CONNECT_SECRET_EVENT_REGISTER_ANY).
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct SecretEventRegisterAnyArgs {
    /// `VIR_SECRET_EVENT_ID_*`.
    pub event_id: i32,
    /// Only this secret's events, or every secret's.
    pub secret: Option<NonnullSecret>,
}

/// `{int callbackID, remote_nonnull_secret secret, int event, int detail}`
/// (SECRET_EVENT_LIFECYCLE).
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct SecretEventLifecycleMsg {
    /// The registration it is for.
    pub callback_id: i32,
    /// The secret.
    pub secret: NonnullSecret,
    /// `VIR_SECRET_EVENT_DEFINED` (0) or `_UNDEFINED` (1).
    pub event: i32,
    /// Always 0.
    pub detail: i32,
}

/// `{int callbackID, remote_nonnull_secret secret}` (SECRET_EVENT_VALUE_CHANGED).
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct SecretEventValueChangedMsg {
    /// The registration it is for.
    pub callback_id: i32,
    /// The secret.
    pub secret: NonnullSecret,
}
