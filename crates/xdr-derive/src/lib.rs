//! `#[derive(Encode, Decode)]` for `oxvirt-xdr`.
//!
//! * Structs: fields in declaration order. Field attributes:
//!   `#[xdr(max = N)]` (strings, `Option<String>`, arrays, opaque), `#[xdr(opaque)]` for
//!   `Vec<u8>` (`opaque<N>`) and `[u8; N]` (`opaque[N]`), `#[xdr(item_max = M)]` for the length
//!   of each string in a `Vec<String>`.
//! * Fieldless enums with explicit discriminants: an XDR `enum` (an `int`); unknown values are a
//!   decoding error.
//! * `#[xdr(union)]` enums: a discriminated union on an `int`. Each variant says
//!   `#[xdr(case = N)]` (any constant expression, so cases need not be contiguous) and is a unit
//!   variant (void arm) or has one field (the arm). One variant may be `#[xdr(default)]`: it is a
//!   tuple `(i32)` or `(i32, T)` keeping the discriminant it was decoded from.

use proc_macro::TokenStream;
use proc_macro2::TokenStream as TokenStream2;
use quote::{format_ident, quote};
use syn::{
    parse_macro_input, Attribute, Data, DeriveInput, Expr, Fields, GenericArgument, PathArguments,
    Type,
};

#[derive(Default)]
struct FieldAttrs {
    max: Option<Expr>,
    item_max: Option<Expr>,
    opaque: bool,
}

#[derive(Default)]
struct VariantAttrs {
    case: Option<Expr>,
    default: bool,
}

fn field_attrs(attrs: &[Attribute]) -> syn::Result<FieldAttrs> {
    let mut out = FieldAttrs::default();
    for a in attrs.iter().filter(|a| a.path().is_ident("xdr")) {
        a.parse_nested_meta(|m| {
            if m.path.is_ident("max") {
                out.max = Some(m.value()?.parse()?);
            } else if m.path.is_ident("item_max") {
                out.item_max = Some(m.value()?.parse()?);
            } else if m.path.is_ident("opaque") {
                out.opaque = true;
            } else {
                return Err(m.error("unknown xdr field attribute"));
            }
            Ok(())
        })?;
    }
    Ok(out)
}

fn variant_attrs(attrs: &[Attribute]) -> syn::Result<VariantAttrs> {
    let mut out = VariantAttrs::default();
    for a in attrs.iter().filter(|a| a.path().is_ident("xdr")) {
        a.parse_nested_meta(|m| {
            if m.path.is_ident("case") {
                out.case = Some(m.value()?.parse()?);
            } else if m.path.is_ident("default") {
                out.default = true;
            } else {
                return Err(m.error("unknown xdr variant attribute"));
            }
            Ok(())
        })?;
    }
    Ok(out)
}

fn is_union(attrs: &[Attribute]) -> syn::Result<bool> {
    let mut union = false;
    for a in attrs.iter().filter(|a| a.path().is_ident("xdr")) {
        a.parse_nested_meta(|m| {
            if m.path.is_ident("union") {
                union = true;
                Ok(())
            } else {
                Err(m.error("unknown xdr container attribute"))
            }
        })?;
    }
    Ok(union)
}

/// The type's last path segment name and its first generic argument, if any.
fn type_shape(ty: &Type) -> (String, Option<&Type>) {
    match ty {
        Type::Path(p) => match p.path.segments.last() {
            Some(seg) => {
                let inner = match &seg.arguments {
                    PathArguments::AngleBracketed(a) => a.args.iter().find_map(|g| match g {
                        GenericArgument::Type(t) => Some(t),
                        _ => None,
                    }),
                    _ => None,
                };
                (seg.ident.to_string(), inner)
            }
            None => (String::new(), None),
        },
        Type::Array(_) => ("[array]".into(), None),
        _ => (String::new(), None),
    }
}

fn is_string(ty: &Type) -> bool {
    type_shape(ty).0 == "String"
}

/// Code that encodes the value behind `access` (an expression of type &T) into `out`.
fn encode_field(access: TokenStream2, ty: &Type, a: &FieldAttrs) -> syn::Result<TokenStream2> {
    let (shape, inner) = type_shape(ty);
    let max = a
        .max
        .as_ref()
        .map(|m| quote!((#m) as usize))
        .unwrap_or(quote!(u32::MAX as usize));
    if a.opaque {
        return Ok(match shape.as_str() {
            "Vec" => quote!(::oxvirt_xdr::opaque::encode(#access, #max, out)?;),
            // `[u8; N]` or an alias of it
            _ => quote!(::oxvirt_xdr::opaque::encode_fixed(#access, out)?;),
        });
    }
    if a.max.is_none() && a.item_max.is_none() {
        return Ok(quote!(::oxvirt_xdr::Encode::encode(#access, out)?;));
    }
    Ok(match (shape.as_str(), inner) {
        ("String", _) => quote!(::oxvirt_xdr::string::encode(#access, #max, out)?;),
        ("Option", Some(t)) if is_string(t) => {
            quote!(::oxvirt_xdr::string::encode_opt(#access, #max, out)?;)
        }
        ("Vec", Some(t)) if is_string(t) => {
            let item = a
                .item_max
                .as_ref()
                .map(|m| quote!((#m) as usize))
                .unwrap_or(quote!(u32::MAX as usize));
            quote!(::oxvirt_xdr::string::encode_vec(#access, #max, #item, out)?;)
        }
        ("Vec", Some(_)) => quote!(::oxvirt_xdr::array::encode(#access, #max, out)?;),
        _ => {
            return Err(syn::Error::new_spanned(
                ty,
                "#[xdr(max)] needs String, Option<String>, Vec<T> or Vec<u8> with opaque",
            ))
        }
    })
}

/// An expression that decodes a value of type `ty` from `r`.
fn decode_field(ty: &Type, a: &FieldAttrs) -> syn::Result<TokenStream2> {
    let (shape, inner) = type_shape(ty);
    let max = a
        .max
        .as_ref()
        .map(|m| quote!((#m) as usize))
        .unwrap_or(quote!(u32::MAX as usize));
    if a.opaque {
        return Ok(match shape.as_str() {
            "Vec" => quote!(::oxvirt_xdr::opaque::decode(r, #max)?),
            _ => quote!(::oxvirt_xdr::opaque::decode_fixed(r)?),
        });
    }
    if a.max.is_none() && a.item_max.is_none() {
        return Ok(quote!(<#ty as ::oxvirt_xdr::Decode>::decode(r)?));
    }
    Ok(match (shape.as_str(), inner) {
        ("String", _) => quote!(::oxvirt_xdr::string::decode(r, #max)?),
        ("Option", Some(t)) if is_string(t) => quote!(::oxvirt_xdr::string::decode_opt(r, #max)?),
        ("Vec", Some(t)) if is_string(t) => {
            let item = a
                .item_max
                .as_ref()
                .map(|m| quote!((#m) as usize))
                .unwrap_or(quote!(u32::MAX as usize));
            quote!(::oxvirt_xdr::string::decode_vec(r, #max, #item)?)
        }
        ("Vec", Some(_)) => quote!(::oxvirt_xdr::array::decode(r, #max)?),
        _ => {
            return Err(syn::Error::new_spanned(
                ty,
                "#[xdr(max)] needs String, Option<String>, Vec<T> or Vec<u8> with opaque",
            ))
        }
    })
}

#[proc_macro_derive(Encode, attributes(xdr))]
pub fn derive_encode(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    expand_encode(&input)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

#[proc_macro_derive(Decode, attributes(xdr))]
pub fn derive_decode(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    expand_decode(&input)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

fn expand_encode(input: &DeriveInput) -> syn::Result<TokenStream2> {
    let name = &input.ident;
    let (ig, tg, wc) = input.generics.split_for_impl();
    let body = match &input.data {
        Data::Struct(s) => {
            let mut stmts = Vec::new();
            for (i, f) in s.fields.iter().enumerate() {
                let a = field_attrs(&f.attrs)?;
                let access = match &f.ident {
                    Some(id) => quote!(&self.#id),
                    None => {
                        let idx = syn::Index::from(i);
                        quote!(&self.#idx)
                    }
                };
                stmts.push(encode_field(access, &f.ty, &a)?);
            }
            quote!(#(#stmts)* Ok(()))
        }
        Data::Enum(e) if is_union(&input.attrs)? => {
            let mut arms = Vec::new();
            for v in &e.variants {
                let va = variant_attrs(&v.attrs)?;
                let vn = &v.ident;
                if va.default {
                    let fs: Vec<_> = v.fields.iter().collect();
                    match fs.as_slice() {
                        [_] => arms.push(
                            quote!(Self::#vn(d) => { ::oxvirt_xdr::Encode::encode(d, out)?; }),
                        ),
                        [_, f] => {
                            let a = field_attrs(&f.attrs)?;
                            let enc = encode_field(quote!(v), &f.ty, &a)?;
                            arms.push(quote!(Self::#vn(d, v) => { ::oxvirt_xdr::Encode::encode(d, out)?; #enc }))
                        }
                        _ => {
                            return Err(syn::Error::new_spanned(
                                v,
                                "a default arm is (i32) or (i32, T)",
                            ))
                        }
                    }
                    continue;
                }
                let case = va.case.ok_or_else(|| {
                    syn::Error::new_spanned(v, "union variants need #[xdr(case = N)]")
                })?;
                match &v.fields {
                    Fields::Unit => arms.push(quote!(Self::#vn => { ::oxvirt_xdr::Encode::encode(&((#case) as i32), out)?; })),
                    Fields::Unnamed(u) if u.unnamed.len() == 1 => {
                        let f = &u.unnamed[0];
                        let a = field_attrs(&f.attrs)?;
                        let enc = encode_field(quote!(v), &f.ty, &a)?;
                        arms.push(quote!(Self::#vn(v) => { ::oxvirt_xdr::Encode::encode(&((#case) as i32), out)?; #enc }))
                    }
                    _ => {
                        return Err(syn::Error::new_spanned(
                            v,
                            "union variants are unit or have one unnamed field",
                        ))
                    }
                }
            }
            quote!(match self { #(#arms)* } Ok(()))
        }
        Data::Enum(e) => {
            let mut arms = Vec::new();
            for v in &e.variants {
                let vn = &v.ident;
                if !matches!(v.fields, Fields::Unit) {
                    return Err(syn::Error::new_spanned(
                        v,
                        "data-carrying enums need #[xdr(union)]",
                    ));
                }
                let (_, d) = v.discriminant.as_ref().ok_or_else(|| {
                    syn::Error::new_spanned(v, "XDR enums need explicit discriminants")
                })?;
                arms.push(quote!(Self::#vn => (#d) as i32,));
            }
            quote!(let v: i32 = match self { #(#arms)* }; ::oxvirt_xdr::Encode::encode(&v, out))
        }
        Data::Union(_) => {
            return Err(syn::Error::new_spanned(
                input,
                "Rust unions are not supported",
            ))
        }
    };
    Ok(quote! {
        impl #ig ::oxvirt_xdr::Encode for #name #tg #wc {
            fn encode(&self, out: &mut ::std::vec::Vec<u8>) -> ::oxvirt_xdr::Result<()> {
                #body
            }
        }
    })
}

fn expand_decode(input: &DeriveInput) -> syn::Result<TokenStream2> {
    let name = &input.ident;
    let name_str = name.to_string();
    let (ig, tg, wc) = input.generics.split_for_impl();
    let mut min_size = quote!(4);
    let body = match &input.data {
        Data::Struct(s) => {
            let mut lets = Vec::new();
            let mut names = Vec::new();
            let mut sizes = Vec::new();
            for (i, f) in s.fields.iter().enumerate() {
                let a = field_attrs(&f.attrs)?;
                let var = format_ident!("f{}", i);
                let dec = decode_field(&f.ty, &a)?;
                lets.push(quote!(let #var = #dec;));
                names.push(var);
                let ty = &f.ty;
                if a.max.is_none() && a.item_max.is_none() && !a.opaque {
                    sizes.push(quote!(<#ty as ::oxvirt_xdr::Decode>::MIN_SIZE));
                } else if a.opaque && type_shape(&f.ty).0 != "Vec" {
                    sizes.push(quote!(::std::mem::size_of::<#ty>()));
                } else {
                    sizes.push(quote!(4));
                }
            }
            min_size = quote!(0 #(+ #sizes)*);
            let ctor = match &s.fields {
                Fields::Named(n) => {
                    let ids = n.named.iter().filter_map(|f| f.ident.as_ref());
                    quote!(Self { #(#ids: #names),* })
                }
                Fields::Unnamed(_) => quote!(Self( #(#names),* )),
                Fields::Unit => quote!(Self),
            };
            quote!(#(#lets)* Ok(#ctor))
        }
        Data::Enum(e) if is_union(&input.attrs)? => {
            let mut arms = Vec::new();
            let mut default_arm = None;
            for v in &e.variants {
                let va = variant_attrs(&v.attrs)?;
                let vn = &v.ident;
                if va.default {
                    let fs: Vec<_> = v.fields.iter().collect();
                    default_arm = Some(match fs.as_slice() {
                        [_] => quote!(d => Ok(Self::#vn(d)),),
                        [_, f] => {
                            let a = field_attrs(&f.attrs)?;
                            let dec = decode_field(&f.ty, &a)?;
                            quote!(d => Ok(Self::#vn(d, #dec)),)
                        }
                        _ => {
                            return Err(syn::Error::new_spanned(
                                v,
                                "a default arm is (i32) or (i32, T)",
                            ))
                        }
                    });
                    continue;
                }
                let case = va.case.ok_or_else(|| {
                    syn::Error::new_spanned(v, "union variants need #[xdr(case = N)]")
                })?;
                match &v.fields {
                    Fields::Unit => arms.push(quote!(d if d == (#case) as i32 => Ok(Self::#vn),)),
                    Fields::Unnamed(u) if u.unnamed.len() == 1 => {
                        let f = &u.unnamed[0];
                        let a = field_attrs(&f.attrs)?;
                        let dec = decode_field(&f.ty, &a)?;
                        arms.push(quote!(d if d == (#case) as i32 => Ok(Self::#vn(#dec)),))
                    }
                    _ => {
                        return Err(syn::Error::new_spanned(
                            v,
                            "union variants are unit or have one unnamed field",
                        ))
                    }
                }
            }
            let fallback = default_arm.unwrap_or(quote!(
                d => Err(::oxvirt_xdr::Error::BadDiscriminant { value: d, type_name: #name_str }),
            ));
            quote!(let d = <i32 as ::oxvirt_xdr::Decode>::decode(r)?; match d { #(#arms)* #fallback })
        }
        Data::Enum(e) => {
            let mut arms = Vec::new();
            for v in &e.variants {
                let vn = &v.ident;
                let (_, d) = v.discriminant.as_ref().ok_or_else(|| {
                    syn::Error::new_spanned(v, "XDR enums need explicit discriminants")
                })?;
                arms.push(quote!(d if d == (#d) as i32 => Ok(Self::#vn),));
            }
            quote!(let d = <i32 as ::oxvirt_xdr::Decode>::decode(r)?; match d { #(#arms)* d => Err(::oxvirt_xdr::Error::BadDiscriminant { value: d, type_name: #name_str }), })
        }
        Data::Union(_) => {
            return Err(syn::Error::new_spanned(
                input,
                "Rust unions are not supported",
            ))
        }
    };
    Ok(quote! {
        impl #ig ::oxvirt_xdr::Decode for #name #tg #wc {
            const MIN_SIZE: usize = #min_size;
            fn decode(r: &mut ::oxvirt_xdr::Reader<'_>) -> ::oxvirt_xdr::Result<Self> {
                #body
            }
        }
    })
}
