//! Argument types of the save, restore and managed-save procedures (`remote_domain_save*`,
//! `remote_domain_restore*`, `remote_domain_managed_save*` of libvirt's protocol, written from
//! its documented wire layout).

use crate::message::STRING_MAX;
use crate::types::{NonnullDomain, TypedParam};
use oxvirt_xdr::{Decode, Encode};

/// DOMAIN_SAVE: the domain and the file.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct DomainSaveArgs {
    pub dom: NonnullDomain,
    #[xdr(max = STRING_MAX)]
    pub to: String,
}

/// DOMAIN_SAVE_FLAGS.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct DomainSaveFlagsArgs {
    pub dom: NonnullDomain,
    #[xdr(max = STRING_MAX)]
    pub to: String,
    #[xdr(max = STRING_MAX)]
    pub dxml: Option<String>,
    pub flags: u32,
}

/// DOMAIN_RESTORE.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct DomainRestoreArgs {
    #[xdr(max = STRING_MAX)]
    pub from: String,
}

/// DOMAIN_RESTORE_FLAGS.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct DomainRestoreFlagsArgs {
    #[xdr(max = STRING_MAX)]
    pub from: String,
    #[xdr(max = STRING_MAX)]
    pub dxml: Option<String>,
    pub flags: u32,
}

/// DOMAIN_SAVE_IMAGE_GET_XML_DESC.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct DomainSaveImageGetXmlDescArgs {
    #[xdr(max = STRING_MAX)]
    pub file: String,
    pub flags: u32,
}

/// DOMAIN_SAVE_IMAGE_DEFINE_XML.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct DomainSaveImageDefineXmlArgs {
    #[xdr(max = STRING_MAX)]
    pub file: String,
    #[xdr(max = STRING_MAX)]
    pub dxml: String,
    pub flags: u32,
}

/// DOMAIN_MANAGED_SAVE_DEFINE_XML.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct DomainManagedSaveDefineXmlArgs {
    pub dom: NonnullDomain,
    #[xdr(max = STRING_MAX)]
    pub dxml: Option<String>,
    pub flags: u32,
}

/// `REMOTE_DOMAIN_SAVE_PARAMS_MAX`.
pub const SAVE_PARAMS_MAX: usize = 64;

/// DOMAIN_SAVE_PARAMS: `file` and `dxml` as typed parameters.
#[derive(Debug, Clone, PartialEq, Encode, Decode)]
pub struct DomainSaveParamsArgs {
    pub dom: NonnullDomain,
    #[xdr(max = SAVE_PARAMS_MAX)]
    pub params: Vec<TypedParam>,
    pub flags: u32,
}

/// DOMAIN_RESTORE_PARAMS.
#[derive(Debug, Clone, PartialEq, Encode, Decode)]
pub struct DomainRestoreParamsArgs {
    #[xdr(max = SAVE_PARAMS_MAX)]
    pub params: Vec<TypedParam>,
    pub flags: u32,
}
