//! Views, models and viewmodels written by a `macro_rules!` expansion: the
//! code the attributes generate names the expansion's own `self`.

#![allow(missing_docs, reason = "a test crate: its items are fixtures, not API")]

use playground_runtime::{Registry, RegistryError, Shared, model, view, viewmodel};

// The methods are the caller's tokens, and `#[view]` the macro's: two
// hygiene contexts, as in a crate that declares its views with a macro.
macro_rules! declare_view {
    ($name:ident { $($methods:tt)* }) => {
        #[view]
        pub trait $name: Send + Sync {
            $($methods)*
        }
    };
}

declare_view!(Greeter {
    fn greet(&self, times: u32) -> u32;
    fn twice(&self, f: &dyn Fn(u32) -> u32) -> u32;
});

macro_rules! counting_viewmodel {
    ($ty:ident, $view:ident, $method:ident) => {
        #[model]
        #[derive(Clone, Default)]
        pub struct Greetings {
            count: u32,
        }

        #[derive(Default)]
        pub struct $ty {
            greetings: Shared<Greetings>,
        }

        #[viewmodel(state(greetings))]
        impl $view for $ty {
            fn $method(&self, times: u32) -> u32 {
                let mut greetings = self.greetings.write();
                greetings.count += times;
                greetings.count
            }
            fn twice(&self, f: &dyn Fn(u32) -> u32) -> u32 {
                f(f(self.greetings.read().count))
            }
        }
    };
}

counting_viewmodel!(Counting, Greeter, greet);

#[test]
fn a_view_written_by_a_macro_rules_expansion_forwards_its_calls() -> Result<(), RegistryError> {
    let registry = Registry::linked();
    let greeter = registry.get::<dyn Greeter>()?;
    assert_eq!(greeter.greet(2), 2);
    assert_eq!(greeter.greet(3), 5);
    assert_eq!(greeter.twice(&|n| n * 10), 500);
    Ok(())
}
