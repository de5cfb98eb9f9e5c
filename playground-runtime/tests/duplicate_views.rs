//! Two views with the same name in one crate share an id: the registry
//! reports the clash instead of binding either.

#![allow(missing_docs, reason = "a test crate: its items are fixtures, not API")]
#![allow(dead_code, reason = "the views are never bound, so never called")]

use playground_runtime::{Registry, RegistryError, View, view, viewmodel};

mod first {
    use super::*;

    #[view]
    pub trait Same: Send + Sync {
        fn one(&self) -> u32;
    }

    #[derive(Default)]
    pub struct One;

    #[viewmodel]
    impl Same for One {
        fn one(&self) -> u32 {
            1
        }
    }
}

mod second {
    use super::*;

    #[view]
    pub trait Same: Send + Sync {
        fn two(&self) -> u32;
    }

    #[derive(Default)]
    pub struct Two;

    #[viewmodel]
    impl Same for Two {
        fn two(&self) -> u32 {
            2
        }
    }
}

#[test]
fn two_views_of_one_name_are_reported_not_bound() {
    assert_eq!(
        <dyn first::Same as View>::VIEW_ID,
        <dyn second::Same as View>::VIEW_ID,
        "the premise: one crate, one name, one id"
    );
    let registry = Registry::linked();
    for error in [
        registry.get::<dyn first::Same>().map(|_| ()).unwrap_err(),
        registry.get::<dyn second::Same>().map(|_| ()).unwrap_err(),
    ] {
        let RegistryError::DuplicateViewId {
            first,
            second,
            view_id,
        } = *error
        else {
            panic!("expected DuplicateViewId, got {error}");
        };
        assert_eq!(view_id, <dyn first::Same as View>::VIEW_ID);
        let mut names = [first, second];
        names.sort();
        assert_eq!(
            names,
            [
                "duplicate_views::first::Same",
                "duplicate_views::second::Same"
            ]
        );
    }
}
