//! The hot_reload example's module. Run `cargo run -p hot_reload -- --watch`
//! and edit `greet` below: the running host picks the change up.

use hot_reload_api::{Greeter, Visit};
use playground_runtime::{Shared, model, viewmodel};

// This crate is the module: loading it binds only its own viewmodels.
playground_runtime::export_module!();

/// The module's state: carried into every rebuilt version.
#[model]
#[derive(Default)]
pub struct Guestbook {
    pub visits: Vec<Visit>,
}

#[derive(Default)]
pub struct Doorman {
    book: Shared<Guestbook>,
}

#[viewmodel(state(book))]
impl Greeter for Doorman {
    fn greet(&self, name: &str) -> String {
        let mut book = self.book.write();
        let number = book.visits.len() as u32 + 1;
        book.visits.push(Visit {
            name: name.to_owned(),
            number,
        });
        format!("Hello, {name}.")
    }

    fn visits(&self) -> Vec<Visit> {
        self.book.read().visits.clone()
    }
}
