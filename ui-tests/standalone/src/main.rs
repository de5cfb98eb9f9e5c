//! A user's crate: views, a model and a viewmodel, with only
//! `playground-runtime` in its Cargo.toml. Exits non-zero if a check fails.

use playground_runtime::{Model, Registry, Shared, View, model, viewmodel};

mod compact {
    use playground_runtime::view;

    #[view]
    pub trait Greeter: Send + Sync {
        fn greet(&self, name: &str) -> String;
        fn count(&self) -> u64;
    }
}

/// The same view, formatted another way, with comments and docs. It is
/// registered under another name so that both can live in one crate.
mod spread {
    use playground_runtime::view;

    /// Greets people.
    #[view(name = "SpreadGreeter")]
    pub trait Greeter
        : Send
        + Sync
    {
        // The one method that matters.
        fn greet(
            &self,
            who: &str, // renamed parameter
        ) -> String;

        /// How many greetings so far.
        fn count(&self)
            -> u64;
    }
}

mod changed {
    use playground_runtime::view;

    #[view(name = "ChangedGreeter")]
    pub trait Greeter: Send + Sync {
        fn greet(&self, name: &str) -> Option<String>;
        fn count(&self) -> u64;
    }
}

#[model]
#[derive(Debug, Clone, Default)]
pub struct Visits {
    pub names: Vec<String>,
}

#[derive(Default)]
pub struct Polite {
    visits: Shared<Visits>,
}

#[viewmodel(state(visits))]
impl compact::Greeter for Polite {
    fn greet(&self, name: &str) -> String {
        self.visits.write().names.push(name.to_owned());
        format!("Good day, {name}.")
    }
    fn count(&self) -> u64 {
        self.visits.read().names.len() as u64
    }
}

fn check(what: &str, ok: bool) {
    println!("{} {what}", if ok { "ok  " } else { "FAIL" });
    if !ok {
        std::process::exit(1);
    }
}

fn main() {
    let compact = <dyn compact::Greeter as View>::API_VERSION;
    let spread = <dyn spread::Greeter as View>::API_VERSION;
    let changed = <dyn changed::Greeter as View>::API_VERSION;
    check("formatting, comments and docs keep API_VERSION", compact == spread);
    check("a changed return type changes API_VERSION", compact != changed);
    check("a model has a state version", Visits::STATE_VERSION.get() != 0 && Visits::MODEL_ID.get() != 0);

    let registry = Registry::linked();
    let greeter = registry.get::<dyn compact::Greeter>().unwrap_or_else(|e| {
        println!("FAIL {e}");
        std::process::exit(1)
    });
    check("the viewmodel answers", greeter.greet("Ada") == "Good day, Ada.");
    check("and keeps state", greeter.count() == 1);
    check(
        "a view without viewmodel is an error",
        registry.get::<dyn spread::Greeter>().is_err(),
    );
    print!("{}", registry.catalog());
}
