//! The fingerprint of a type as written: code that asks the compiler for
//! `<T as TypeFingerprint>::FINGERPRINT`, after rewriting what the trait
//! cannot be implemented for generically.
//!
//! Most types are kept as written (`Vec<Pose>`, `[f32; 3]`): the runtime's
//! impls and the user's derives fold them. Three kinds are rewritten:
//! lifetimes become `'static` (a const cannot name the method's lifetimes,
//! and lifetimes do not change a layout); `dyn A + Send` becomes
//! `Dyn<dyn A, SEND>` and fn pointers and `dyn Fn(..)` become `Callable`
//! (no impl can cover every higher-ranked `for<'a> fn(&'a T)`); and a type
//! inside itself, or one declared opaque, is replaced by its marker.

use crate::errors::Errors;
use crate::hash::Hasher;
use crate::site::quote;
use proc_macro2::TokenStream;
use quote::{ToTokens, quote_spanned};
use syn::spanned::Spanned;
use syn::visit_mut::{self, VisitMut};
use syn::{GenericArgument, Lifetime, PathArguments, ReturnType, Type, TypeParamBound};

/// What the rewriting needs to know about the item being expanded.
#[derive(Default)]
pub struct Context {
    /// Names that mean the item itself (its own name; `Self` always does).
    pub own_names: Vec<syn::Ident>,
    /// Paths declared `opaque(...)`: trusted by path, size and align.
    pub opaque: Vec<syn::Path>,
}

/// `<T as TypeFingerprint>::FINGERPRINT` for `ty`, spanned at `ty` so that
/// a type without a fingerprint is reported where the user wrote it.
pub fn of(ty: &Type, cx: &Context) -> syn::Result<TokenStream> {
    let mut rewritten = ty.clone();
    let mut rewriter = Rewriter {
        cx,
        errors: Errors::default(),
    };
    rewriter.visit_type_mut(&mut rewritten);
    rewriter.errors.finish()?;
    Ok(quote_spanned! {ty.span()=>
        <#rewritten as __playground::TypeFingerprint>::FINGERPRINT
    })
}

/// Whether `ty`'s fingerprint is that of the type as written: nothing in
/// it is rewritten (no reference, trait object, fn pointer, opaque type or
/// the item itself).
pub fn as_written(ty: &Type, cx: &Context) -> bool {
    let mut rewritten = ty.clone();
    let mut rewriter = Rewriter {
        cx,
        errors: Errors::default(),
    };
    rewriter.visit_type_mut(&mut rewritten);
    rewriter.errors.finish().is_ok()
        && rewritten.to_token_stream().to_string() == ty.to_token_stream().to_string()
}

/// Whether `ty` is made of std types only, each with a save format and a
/// fingerprint whatever its parameters are (numbers, `bool`, `char`,
/// `String`, and `Option`, `Box`, `Vec`, `VecDeque`, arrays and tuples of
/// such; maps and sets of such keyed by integers, `bool`, `char` or
/// `String`). Such a field cannot fail to be saveable, so `#[model]` does
/// not route it through `Field<T>` (serde's `with`, which writes a wrapper
/// type and its impls for each field: code the compiler checks again on
/// every rebuild of the module).
pub fn std_saveable(ty: &Type) -> bool {
    const KEYS: &[&str] = &[
        "bool", "char", "u8", "u16", "u32", "u64", "u128", "usize", "i8", "i16", "i32", "i64",
        "i128", "isize", "String",
    ];
    let plain = |ty: &Type| -> Option<(String, Vec<Type>)> {
        let Type::Path(path) = ty else { return None };
        if path.qself.is_some() || path.path.segments.len() != 1 {
            return None;
        }
        Some((
            path.path.segments[0].ident.to_string(),
            Rewriter::type_arguments(&path.path),
        ))
    };
    match ty {
        Type::Paren(inner) => std_saveable(&inner.elem),
        Type::Array(array) => std_saveable(&array.elem),
        Type::Tuple(tuple) => tuple.elems.iter().all(std_saveable),
        _ => match plain(ty) {
            Some((name, args)) => match (name.as_str(), args.as_slice()) {
                ("f32" | "f64", []) => true,
                (key, []) => KEYS.contains(&key),
                ("Option" | "Box" | "Vec" | "VecDeque", [inner]) => std_saveable(inner),
                ("BTreeSet" | "HashSet", [key]) => {
                    plain(key).is_some_and(|(k, a)| a.is_empty() && KEYS.contains(&k.as_str()))
                }
                ("BTreeMap" | "HashMap", [key, value]) => {
                    plain(key).is_some_and(|(k, a)| a.is_empty() && KEYS.contains(&k.as_str()))
                        && std_saveable(value)
                }
                _ => false,
            },
            None => false,
        },
    }
}

/// `ty` as rustfmt prints it, on one line: `Vec<Record>`, `[f32; 3]`.
pub fn readable(ty: &Type) -> String {
    let file: syn::File = crate::site::parse_quote!(type T = #ty;);
    let text = prettyplease::unparse(&file);
    let text = text
        .trim()
        .trim_start_matches("type T =")
        .trim_end_matches(';');
    // A long type is broken over lines with a trailing comma: join it.
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace("< ", "<")
        .replace(", >", ">")
        .replace(" >", ">")
        .replace("( ", "(")
        .replace(", )", ")")
        .replace(" )", ")")
}

struct Rewriter<'a> {
    cx: &'a Context,
    errors: Errors,
}

impl Rewriter<'_> {
    fn fail(&mut self, tokens: impl ToTokens, message: &str) {
        self.errors.spanned(tokens, message);
    }

    fn is_own(&self, path: &syn::Path) -> bool {
        path.segments.len() == 1
            && (path.segments[0].ident == "Self"
                || self.cx.own_names.contains(&path.segments[0].ident))
    }

    /// The type arguments of a path's last segment (`[u32]` for `Node<u32>`).
    fn type_arguments(path: &syn::Path) -> Vec<Type> {
        match &path
            .segments
            .last()
            .expect("a path has a segment")
            .arguments
        {
            PathArguments::AngleBracketed(args) => args
                .args
                .iter()
                .filter_map(|arg| match arg {
                    GenericArgument::Type(ty) => Some(ty.clone()),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        }
    }

    /// The declared opaque path that `path` names (written in full, or
    /// by a suffix of it, such as `Vec3` for `glam::Vec3`).
    fn opaque(&self, path: &syn::Path) -> Option<&syn::Path> {
        let written: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
        self.cx.opaque.iter().find(|declared| {
            let declared: Vec<String> = declared
                .segments
                .iter()
                .map(|s| s.ident.to_string())
                .collect();
            declared.ends_with(&written)
        })
    }

    /// `Callable<(A, B), R, KIND>` for the inputs and output of a fn.
    fn callable<'t>(
        &mut self,
        inputs: impl Iterator<Item = &'t Type>,
        output: &ReturnType,
        kind: TokenStream,
    ) -> Type {
        let mut inputs: Vec<Type> = inputs.cloned().collect();
        for input in &mut inputs {
            self.visit_type_mut(input);
        }
        let mut output = match output {
            ReturnType::Default => crate::site::parse_quote!(()),
            ReturnType::Type(_, ty) => (**ty).clone(),
        };
        self.visit_type_mut(&mut output);
        crate::site::parse_quote!(__playground::Callable<(#(#inputs,)*), #output, { #kind }>)
    }
}

impl VisitMut for Rewriter<'_> {
    fn visit_lifetime_mut(&mut self, lifetime: &mut Lifetime) {
        *lifetime = Lifetime::new("'static", lifetime.span());
    }

    fn visit_type_mut(&mut self, ty: &mut Type) {
        let private = quote!(__playground);
        match ty {
            Type::Reference(reference) => {
                reference.lifetime = Some(Lifetime::new("'static", reference.and_token.span));
                self.visit_type_mut(&mut reference.elem);
            }
            Type::Path(path) if path.qself.is_none() && self.is_own(&path.path) => {
                // Inside itself, the type is a marker (its fingerprint would
                // be a cycle), folded with its arguments: `Node<u32>` and
                // `Node<u64>` inside `Node<T>` differ.
                let mut arguments = Self::type_arguments(&path.path);
                for argument in &mut arguments {
                    self.visit_type_mut(argument);
                }
                *ty = if arguments.is_empty() {
                    crate::site::parse_quote!(#private::Recursive)
                } else {
                    crate::site::parse_quote!(#private::RecursiveWith<(#(#arguments,)*)>)
                };
            }
            Type::Path(path) if path.qself.is_none() && self.opaque(&path.path).is_some() => {
                let declared = self.opaque(&path.path).expect("checked above");
                let mut name = Hasher::new("playground opaque type");
                name.tokens(declared.to_token_stream());
                let name = crate::hash::hex(name.finish());
                let mut written = path.clone();
                visit_mut::visit_type_path_mut(self, &mut written);
                *ty = crate::site::parse_quote!(#private::Opaque<#written, #name>);
            }
            Type::TraitObject(object) => {
                let mut auto = Vec::new();
                let mut principal = None;
                for bound in &object.bounds {
                    let TypeParamBound::Trait(bound) = bound else {
                        continue; // lifetimes do not change a layout
                    };
                    let last = bound.path.segments.last().expect("a path has a segment");
                    match last.ident.to_string().as_str() {
                        "Send" => auto.push(quote!(#private::SEND)),
                        "Sync" => auto.push(quote!(#private::SYNC)),
                        "Unpin" => auto.push(quote!(#private::UNPIN)),
                        _ => principal = Some(bound.clone()),
                    }
                }
                let auto = if auto.is_empty() {
                    quote!(0)
                } else {
                    quote!(#(#auto)|*)
                };
                let principal: Type = match principal {
                    None => crate::site::parse_quote!(()),
                    Some(bound) if self.is_own(&bound.path) => {
                        crate::site::parse_quote!(#private::Recursive)
                    }
                    Some(bound) => {
                        let last = bound.path.segments.last().expect("a path has a segment");
                        match (&last.arguments, last.ident.to_string().as_str()) {
                            (PathArguments::Parenthesized(args), kind @ ("Fn" | "FnMut" | "FnOnce")) => {
                                let kind = match kind {
                                    "Fn" => quote!(#private::FN_TRAIT),
                                    "FnMut" => quote!(#private::FN_MUT_TRAIT),
                                    _ => quote!(#private::FN_ONCE_TRAIT),
                                };
                                self.callable(args.inputs.iter(), &args.output, kind)
                            }
                            _ => {
                                let mut path = bound.path.clone();
                                self.visit_path_mut(&mut path);
                                crate::site::parse_quote!(dyn #path)
                            }
                        }
                    }
                };
                *ty = crate::site::parse_quote!(#private::Dyn<#principal, { #auto }>);
            }
            Type::BareFn(function) => {
                if let Some(variadic) = &function.variadic {
                    self.fail(variadic, "a variadic function pointer has no fingerprint; take a slice instead");
                    return;
                }
                let mut kind = vec![quote!(#private::FN_POINTER)];
                if function.unsafety.is_some() {
                    kind.push(quote!(#private::UNSAFE));
                }
                if let Some(abi) = &function.abi {
                    match abi.name.as_ref().map(|n| n.value()) {
                        None => kind.push(quote!(#private::EXTERN_C)),
                        Some(name) if name == "C" => kind.push(quote!(#private::EXTERN_C)),
                        Some(name) if name == "Rust" => {}
                        Some(_) => kind.push(quote!(#private::EXTERN_OTHER)),
                    }
                }
                let inputs: Vec<Type> = function.inputs.iter().map(|a| a.ty.clone()).collect();
                let output = function.output.clone();
                *ty = self.callable(inputs.iter(), &output, quote!(#(#kind)|*));
            }
            Type::Never(_) => *ty = crate::site::parse_quote!(#private::Never),
            Type::ImplTrait(_) => self.fail(
                &*ty,
                "`impl Trait` has no fingerprint: its type is known only to the compiler; \
                 name a concrete type or use `Box<dyn Trait>`",
            ),
            Type::Infer(_) => self.fail(&*ty, "`_` has no fingerprint; write the type"),
            Type::Macro(_) => self.fail(
                &*ty,
                "a type written by a macro has no fingerprint the attribute can see; write the type",
            ),
            _ => visit_mut::visit_type_mut(self, ty),
        }
    }

    fn visit_generic_argument_mut(&mut self, arg: &mut GenericArgument) {
        // Const arguments are expressions: leave them as written.
        if !matches!(arg, GenericArgument::Const(_)) {
            visit_mut::visit_generic_argument_mut(self, arg);
        }
    }

    fn visit_expr_mut(&mut self, _: &mut syn::Expr) {
        // Array lengths and const arguments are kept as written.
    }
}

#[cfg(test)]
mod tests {
    use super::std_saveable;

    #[test]
    fn std_types_are_saveable_and_anything_else_is_checked() {
        let saveable: &[syn::Type] = &[
            syn::parse_quote!(u64),
            syn::parse_quote!(String),
            syn::parse_quote!(Option<Vec<f32>>),
            syn::parse_quote!([(u8, bool); 4]),
            syn::parse_quote!(HashMap<String, Vec<i64>>),
            syn::parse_quote!(BTreeSet<u32>),
            syn::parse_quote!(()),
        ];
        for ty in saveable {
            assert!(std_saveable(ty), "{}", quote::quote!(#ty));
        }
        let checked: &[syn::Type] = &[
            syn::parse_quote!(Visit),
            syn::parse_quote!(Vec<Visit>),
            syn::parse_quote!(HashMap<f32, u8>),
            syn::parse_quote!(HashSet<Visit>),
            syn::parse_quote!(std::string::String),
            syn::parse_quote!(&'static str),
            syn::parse_quote!(Rc<u8>),
            syn::parse_quote!(Option<u8, u8>),
        ];
        for ty in checked {
            assert!(!std_saveable(ty), "{}", quote::quote!(#ty));
        }
    }
}
