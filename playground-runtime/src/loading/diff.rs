//! What changed between two manifests, item by item: the diff that a
//! refusal shows ([`compat`](super::compat) decides when to refuse).
//!
//! A refused view lists its methods added, removed, changed (old and new
//! signature) or moved; a refused model lists its fields likewise, and a
//! field whose type reads the same but has another structure is followed
//! into the model it holds, when both manifests list that model.

use crate::contract::record::CUT;
use std::fmt;

/// What a [`Change`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// A method of a view.
    Method,
    /// A field of a model.
    Field,
    /// A model named inside a field's type (`Vec<Record>`).
    Model,
}

impl fmt::Display for Part {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Part::Method => "method",
            Part::Field => "field",
            Part::Model => "model",
        })
    }
}

/// A method's signature or a field's type, as a manifest records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    /// The text, as written; it ends with [`CUT`] when it was cut to fit
    /// its record.
    pub text: String,
    /// The structural fingerprint behind it (a model's: its state version).
    pub fingerprint: u64,
}

impl Written {
    /// Whether the text was cut to fit the manifest: the two sides may
    /// differ after the cut.
    pub fn is_cut(&self) -> bool {
        self.text.ends_with(CUT)
    }
}

impl fmt::Display for Written {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}`", self.text)?;
        if self.is_cut() {
            f.write_str(" (cut to fit the manifest)")?;
        }
        Ok(())
    }
}

/// One difference between the program's view or model and the module's.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Change {
    /// In the module, not in the program.
    Added {
        /// Method or field.
        part: Part,
        /// Its name.
        name: String,
        /// Its signature or type in the module.
        new: Written,
    },
    /// In the program, not in the module.
    Removed {
        /// Method or field.
        part: Part,
        /// Its name.
        name: String,
        /// Its signature or type in the program.
        old: Written,
    },
    /// In both, different. The texts may read the same: then a type it
    /// names has another structure, which `inside` explains when the
    /// manifests list the models involved.
    Changed {
        /// Method, field, or a model inside a field's type.
        part: Part,
        /// Its name.
        name: String,
        /// In the program.
        old: Written,
        /// In the module.
        new: Written,
        /// What changed inside it (the fields of the model it holds).
        inside: Vec<Change>,
    },
    /// In both, the same, at another position relative to the others.
    Moved {
        /// Method or field.
        part: Part,
        /// Its name.
        name: String,
        /// Its position in the program.
        from: usize,
        /// Its position in the module.
        to: usize,
    },
    /// Nothing listed item by item differs: what does is named here.
    Elsewhere {
        /// What differs.
        what: &'static str,
    },
}

impl Change {
    /// On a line of its own, indented for `depth`.
    fn line(&self, f: &mut fmt::Formatter<'_>, depth: usize) -> fmt::Result {
        write!(f, "\n{:width$}- ", "", width = 2 * depth + 2)?;
        self.body(f, depth)
    }

    /// The change, then what changed inside it on lines below.
    fn body(&self, f: &mut fmt::Formatter<'_>, depth: usize) -> fmt::Result {
        match self {
            Change::Added { part, name, new } => write!(f, "added {part} `{name}`: {new}"),
            Change::Removed { part, name, old } => write!(f, "removed {part} `{name}`: {old}"),
            Change::Moved {
                part,
                name,
                from,
                to,
            } => write!(f, "moved {part} `{name}`: position {from}, now {to}"),
            Change::Elsewhere { what } => f.write_str(what),
            Change::Changed {
                part: Part::Model,
                name,
                old,
                new,
                inside,
            } => {
                write!(
                    f,
                    "model `{name}` inside it changed: state version {:016x}, now {:016x}",
                    old.fingerprint, new.fingerprint
                )?;
                write_inside(f, inside, depth)
            }
            Change::Changed {
                part,
                name,
                old,
                new,
                inside,
            } => {
                write!(f, "changed {part} `{name}`: ")?;
                if old.text != new.text {
                    write!(f, "was {old}, now {new}")?;
                } else if old.is_cut() {
                    write!(
                        f,
                        "{old} reads the same as far as the manifest recorded it; \
                         the rest or a type it names differs"
                    )?;
                } else {
                    write!(
                        f,
                        "{old} reads the same, but a type it names has another structure"
                    )?;
                }
                if old.text == new.text && inside.is_empty() {
                    write!(
                        f,
                        " (fingerprint {:016x}, now {:016x})",
                        old.fingerprint, new.fingerprint
                    )?;
                }
                write_inside(f, inside, depth)
            }
        }
    }
}

fn write_inside(f: &mut fmt::Formatter<'_>, inside: &[Change], depth: usize) -> fmt::Result {
    if !inside.is_empty() {
        f.write_str(":")?;
    }
    inside
        .iter()
        .try_for_each(|change| change.line(f, depth + 1))
}

impl fmt::Display for Change {
    /// The change, then what changed inside it, indented on lines below.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.body(f, 0)
    }
}

/// What changed, in order: the list a refusal carries. `Display` writes
/// `; what changed:` and one line per change (nothing when it is empty),
/// to follow a refusal's sentence.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Changes(
    #[expect(
        clippy::box_collection,
        reason = "one thin pointer keeps the errors that carry it small"
    )]
    Box<Vec<Change>>,
);

impl From<Vec<Change>> for Changes {
    fn from(changes: Vec<Change>) -> Self {
        Changes(Box::new(changes))
    }
}

impl std::ops::Deref for Changes {
    type Target = [Change];
    fn deref(&self) -> &[Change] {
        &self.0
    }
}

impl fmt::Display for Changes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return Ok(());
        }
        f.write_str("; what changed:")?;
        self.0.iter().try_for_each(|change| change.line(f, 0))
    }
}
