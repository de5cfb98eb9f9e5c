//! The greeter of the user's workspace written without playground, as the
//! peers the edit-to-swap benchmark measures take it: plain types, the
//! state passed to `greet`, whose answer `GREETING` is what the benchmark
//! edits.

/// The source: `Visit`, `Guestbook`, `record` and `pub fn greet(book,
/// name)`, with `GREETING` to replace by an expression.
pub const PLAIN_GREETER: &str = r#"/// One visit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Visit {
    pub name: String,
    pub number: u32,
}

/// Owned by the program, passed to every call.
#[derive(Default)]
pub struct Guestbook {
    pub visits: Vec<Visit>,
    pub rejected: u64,
}

fn record(book: &mut Guestbook, name: &str) -> u32 {
    if name.is_empty() {
        book.rejected += 1;
        return 0;
    }
    let number = book.visits.len() as u32 + 1;
    book.visits.push(Visit {
        name: name.to_owned(),
        number,
    });
    number
}

pub fn greet(book: &mut Guestbook, name: &str) -> String {
    let number = record(book, name);
    if number == 0 {
        return String::from("Who is there?");
    }
    GREETING
}
"#;
