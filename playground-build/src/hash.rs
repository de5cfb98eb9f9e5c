//! Hashes of a crate's sources (the `hash` feature).

use std::hash::Hasher;
use std::path::{Path, PathBuf};

/// FNV-1a over the paths and contents of every `.rs` file below `dir`, in
/// sorted order; prints `cargo:rerun-if-changed` for each (so call it from
/// a build script). FNV because this hash only has to tell two versions of
/// the sources apart.
pub fn source_hash(dir: impl AsRef<Path>) -> u64 {
    hash_files(dir.as_ref(), |_, bytes| bytes)
}

/// FNV-1a over the sorted `.rs` files below `dir`: each one's path
/// relative to `dir`, then what `content` makes of its bytes.
pub(crate) fn hash_files(dir: &Path, content: impl Fn(&Path, Vec<u8>) -> Vec<u8>) -> u64 {
    hash_files_where(dir, |_| true, content)
}

/// [`hash_files`] over the files `keep` keeps.
fn hash_files_where(
    dir: &Path,
    keep: impl Fn(&Path) -> bool,
    content: impl Fn(&Path, Vec<u8>) -> Vec<u8>,
) -> u64 {
    let mut files = Vec::new();
    collect(dir, &mut files);
    files.retain(|file| keep(file));
    files.sort();
    // FNV-1a from the `fnv` crate (servo's): fast on short inputs, and
    // only two versions of the sources have to be told apart.
    let mut hash = fnv::FnvHasher::default();
    for file in &files {
        let relative = file.strip_prefix(dir).unwrap_or(file);
        hash.write(relative.to_string_lossy().as_bytes());
        hash.write(&content(file, std::fs::read(file).unwrap_or_default()));
        println!("cargo:rerun-if-changed={}", file.display());
    }
    println!("cargo:rerun-if-changed={}", dir.display());
    hash.finish()
}

/// FNV-1a over the code of every `.rs` file below `dir`, in sorted order,
/// leaving out the files and folders in `skip` (paths relative to `dir`):
/// each file's tokens without its comments, doc comments and whitespace,
/// so that what does not change the compiled code does not change the
/// hash. A file that does not tokenise counts with its bytes. Prints
/// `cargo:rerun-if-changed` for each file hashed.
///
/// ```no_run
/// // build.rs: the tools in src/tools/ do not decide compatibility.
/// let hash = playground_build::code_hash("src", &["tools"]);
/// println!("cargo:rustc-env=MY_CODE={hash:016x}");
/// ```
pub fn code_hash(dir: impl AsRef<Path>, skip: &[&str]) -> u64 {
    let dir = dir.as_ref();
    let skipped: Vec<PathBuf> = skip.iter().map(|s| dir.join(s)).collect();
    hash_files_where(
        dir,
        |file| !skipped.iter().any(|s| file.starts_with(s)),
        |_, bytes| code_tokens(&bytes).unwrap_or(bytes),
    )
}

/// The tokens of a Rust source file, one per line, without doc comments
/// (`#[doc = ...]` and `#![doc = ...]` once tokenised); None if it does
/// not tokenise.
fn code_tokens(bytes: &[u8]) -> Option<Vec<u8>> {
    let text = std::str::from_utf8(bytes).ok()?;
    let tokens: proc_macro2::TokenStream = text.parse().ok()?;
    let mut out = String::new();
    write_tokens(tokens, &mut out);
    Some(out.into_bytes())
}

fn write_tokens(tokens: proc_macro2::TokenStream, out: &mut String) {
    walk_tokens(tokens, &mut |token| {
        match token {
            Token::Open(open) => {
                out.push_str(open);
                out.push('\n');
                return;
            }
            Token::Close(close) => out.push_str(close),
            Token::Punct(punct) => {
                out.push(punct.as_char());
                // `<<` and `< <` are different code.
                if punct.spacing() == proc_macro2::Spacing::Joint {
                    out.push('+');
                }
            }
            Token::Ident(ident) => out.push_str(&ident.to_string()),
            Token::Literal(literal) => out.push_str(&literal.to_string()),
        }
        out.push('\n');
    });
}

/// A token as [`walk_tokens`] meets it.
#[derive(Debug)]
pub enum Token<'a> {
    /// A group opens: `(`, `{`, `[`, or `""` for an invisible group (one
    /// that a `macro_rules!` substitution made, not in the source).
    Open(&'static str),
    /// The group closes: `)`, `}`, `]` or `""`.
    Close(&'static str),
    /// An identifier or keyword.
    Ident(&'a proc_macro2::Ident),
    /// A punctuation character (its spacing tells `<<` from `< <`).
    Punct(&'a proc_macro2::Punct),
    /// A literal.
    Literal(&'a proc_macro2::Literal),
}

/// Calls `visit` on every token of `tokens`, depth first and in order,
/// without doc comments (`#[doc = ...]` and `#![doc = ...]`, as doc
/// comments tokenise): the one walk behind the build fingerprints and the
/// macros' content hashes, so that a doc comment changes neither.
pub fn walk_tokens(tokens: proc_macro2::TokenStream, visit: &mut impl FnMut(Token<'_>)) {
    use proc_macro2::{Delimiter, TokenTree};
    let tokens: Vec<TokenTree> = tokens.into_iter().collect();
    let mut i = 0;
    while i < tokens.len() {
        // `#` (`!`) `[doc ...]`: a doc comment.
        if let TokenTree::Punct(hash) = &tokens[i]
            && hash.as_char() == '#'
        {
            let bang =
                matches!(&tokens.get(i + 1), Some(TokenTree::Punct(p)) if p.as_char() == '!');
            let at = if bang { i + 2 } else { i + 1 };
            if let Some(TokenTree::Group(group)) = tokens.get(at)
                && group.delimiter() == Delimiter::Bracket
                && matches!(group.stream().into_iter().next(), Some(TokenTree::Ident(ident)) if ident == "doc")
            {
                i = at + 1;
                continue;
            }
        }
        match &tokens[i] {
            TokenTree::Group(group) => {
                let (open, close) = match group.delimiter() {
                    Delimiter::Parenthesis => ("(", ")"),
                    Delimiter::Brace => ("{", "}"),
                    Delimiter::Bracket => ("[", "]"),
                    Delimiter::None => ("", ""),
                };
                visit(Token::Open(open));
                walk_tokens(group.stream(), visit);
                visit(Token::Close(close));
            }
            TokenTree::Punct(punct) => visit(Token::Punct(punct)),
            TokenTree::Ident(ident) => visit(Token::Ident(ident)),
            TokenTree::Literal(literal) => visit(Token::Literal(literal)),
        }
        i += 1;
    }
}

fn collect(dir: &Path, files: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, files);
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::code_tokens;

    fn tokens(text: &str) -> Vec<u8> {
        code_tokens(text.as_bytes()).expect("tokenises")
    }

    #[test]
    fn comments_doc_comments_and_whitespace_do_not_count() {
        let plain = tokens("pub struct A { x: u32, }\nfn f() -> u32 { 1 << 2 }\n");
        let dressed = tokens(
            "//! A crate.\n#![doc = \"more\"]\n/// A struct.\n/** Block doc. */\npub struct A {\n    /// A field.\n    x: u32, // why\n}\n\n/* a comment */ fn f() -> u32 {\n    1 << 2\n}\n",
        );
        assert_eq!(plain, dressed);
    }

    #[test]
    fn code_and_other_attributes_count() {
        let base = tokens("pub struct A { x: u32 }");
        for changed in [
            "pub struct A { x: u64 }",
            "pub struct A { y: u32 }",
            "#[repr(C)] pub struct A { x: u32 }",
            "#[derive(Clone)] pub struct A { x: u32 }",
            "struct A { x: u32 }",
        ] {
            assert_ne!(tokens(changed), base, "{changed}");
        }
        assert_ne!(tokens("fn f() { a << b; }"), tokens("fn f() { a < < b; }"));
        assert_ne!(
            tokens("const S: &str = \"a\";"),
            tokens("const S: &str = \"b\";")
        );
    }

    #[test]
    fn a_file_that_does_not_tokenise_is_not_taken_for_code() {
        assert!(code_tokens(b"fn f() { \"unclosed }").is_none());
        assert!(code_tokens(&[0xff, 0xfe]).is_none());
    }
}
