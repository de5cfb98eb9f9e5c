//! Item 5 of the design: versions are content hashes of normalised tokens.
//! Each module below declares the "same" items in a different way; the tests
//! compare the constants the macros computed.
//!
//! Views with the same name in one crate share an id, so this binary never
//! builds a `Registry` (that is what `registry.rs` tests).
// The traits are only declared, to be hashed; nothing implements them.
#![allow(dead_code)]

use playground_runtime::{Model, View};

mod original {
    use playground_runtime::{model, view};

    #[model]
    pub struct Body {
        pub pos: [f32; 3],
        pub vel: [f32; 3],
    }

    #[view(models(Body))]
    pub trait Physics: Send + Sync {
        fn step(&self, dt: f32);
        fn body(&self, index: usize) -> Option<Body>;
        async fn save(&self) -> Vec<u8>;
    }
}

/// Same items, other formatting, comments and doc comments, other parameter names.
mod reformatted {
    use playground_runtime::{model, view};

    /// A body, documented this time.
    #[model]
    pub struct Body {
        // position first
        pub pos: [f32; 3], /* then velocity */
        pub vel: [f32; 3],
    }

    /// The physics API.
    #[view(models(Body))]
    pub trait Physics: Send + Sync {
        /// Advances the simulation.
        fn step(&self, delta_time: f32);
        fn body(&self, i: usize) -> Option<Body>;
        /// Saves everything.
        async fn save(&self) -> Vec<u8>;
    }
}

mod changed_param {
    use playground_runtime::view;
    #[view]
    pub trait Physics: Send + Sync {
        fn step(&self, dt: f64);
    }
}

mod changed_return {
    use playground_runtime::view;
    #[view]
    pub trait Physics: Send + Sync {
        fn step(&self, dt: f32) -> bool;
    }
}

mod one_method {
    use playground_runtime::view;
    #[view]
    pub trait Physics: Send + Sync {
        fn step(&self, dt: f32);
    }
}

mod two_methods {
    use playground_runtime::view;
    #[view]
    pub trait Physics: Send + Sync {
        fn step(&self, dt: f32);
        fn reset(&self);
    }
}

mod two_methods_reordered {
    use playground_runtime::view;
    #[view]
    pub trait Physics: Send + Sync {
        fn reset(&self);
        fn step(&self, dt: f32);
    }
}

mod made_async {
    use playground_runtime::view;
    #[view]
    pub trait Physics: Send + Sync {
        async fn step(&self, dt: f32);
    }
}

mod renamed_trait {
    use playground_runtime::view;
    #[view]
    pub trait Simulation: Send + Sync {
        fn step(&self, dt: f32);
    }
}

/// `one_method::Physics`, folding in a model.
mod with_model {
    use playground_runtime::view;
    #[view(models(super::original::Body))]
    pub trait Physics: Send + Sync {
        fn step(&self, dt: f32);
    }
}

/// `with_model::Physics`, but the model's format changed.
mod with_changed_model {
    use playground_runtime::view;
    #[view(models(super::changed_field_type::Body))]
    pub trait Physics: Send + Sync {
        fn step(&self, dt: f32);
    }
}

mod renamed_field {
    use playground_runtime::model;
    #[model]
    pub struct Body {
        pub position: [f32; 3],
        pub vel: [f32; 3],
    }
}

mod changed_field_type {
    use playground_runtime::model;
    #[model]
    pub struct Body {
        pub pos: [f64; 3],
        pub vel: [f32; 3],
    }
}

mod reordered_fields {
    use playground_runtime::model;
    #[model]
    pub struct Body {
        pub vel: [f32; 3],
        pub pos: [f32; 3],
    }
}

mod private_fields {
    use playground_runtime::model;
    #[model]
    pub struct Body {
        pos: [f32; 3],
        vel: [f32; 3],
    }
}

fn api<T: ?Sized + View>() -> u64 {
    T::API_VERSION.get()
}

#[test]
fn formatting_comments_docs_and_parameter_names_do_not_change_versions() {
    assert_eq!(
        api::<dyn original::Physics>(),
        api::<dyn reformatted::Physics>()
    );
    assert_eq!(
        original::Body::STATE_VERSION,
        reformatted::Body::STATE_VERSION
    );
}

#[test]
fn the_module_a_trait_sits_in_changes_neither_id_nor_version() {
    assert_eq!(
        <dyn original::Physics>::VIEW_ID,
        <dyn reformatted::Physics>::VIEW_ID
    );
    assert_eq!(original::Body::MODEL_ID, reformatted::Body::MODEL_ID);
}

#[test]
fn a_changed_signature_changes_the_api_version() {
    let base = api::<dyn one_method::Physics>();
    for (what, changed) in [
        ("parameter type", api::<dyn changed_param::Physics>()),
        ("return type", api::<dyn changed_return::Physics>()),
        ("added method", api::<dyn two_methods::Physics>()),
        ("async", api::<dyn made_async::Physics>()),
        ("trait name", api::<dyn renamed_trait::Simulation>()),
        ("model folded in", api::<dyn with_model::Physics>()),
    ] {
        assert_ne!(base, changed, "{what} must change API_VERSION");
    }
    assert_ne!(
        api::<dyn two_methods::Physics>(),
        api::<dyn two_methods_reordered::Physics>(),
        "reordering methods changes the vtable, so API_VERSION"
    );
}

#[test]
fn a_models_state_version_is_part_of_the_api_version() {
    assert_ne!(
        api::<dyn with_model::Physics>(),
        api::<dyn with_changed_model::Physics>()
    );
}

#[test]
fn a_changed_field_changes_the_state_version() {
    let base = original::Body::STATE_VERSION;
    assert_ne!(base, renamed_field::Body::STATE_VERSION, "renamed field");
    assert_ne!(
        base,
        changed_field_type::Body::STATE_VERSION,
        "changed field type"
    );
    assert_ne!(
        base,
        reordered_fields::Body::STATE_VERSION,
        "reordered fields"
    );
    assert_eq!(
        base,
        private_fields::Body::STATE_VERSION,
        "visibility is not part of the format"
    );
}

#[test]
fn size_and_align_are_the_compilers() {
    assert_eq!(original::Body::SIZE, 24);
    assert_eq!(original::Body::ALIGN, 4);
}

#[test]
fn descriptors_list_methods_in_order_with_readable_signatures() {
    let descriptor = <dyn original::Physics as View>::DESCRIPTOR;
    let signatures: Vec<_> = descriptor.methods.iter().map(|m| m.signature).collect();
    assert_eq!(
        signatures,
        [
            "fn step(&self, dt: f32)",
            "fn body(&self, index: usize) -> Option<Body>",
            "async fn save(&self) -> Vec<u8>"
        ]
    );
    assert!(descriptor.methods[2].is_async);
    assert_eq!(descriptor.models, [original::Body::MODEL_ID]);
    assert_eq!(descriptor.module_path, "versions::original");
}

mod abi_one {
    use playground_runtime::view;
    pub const BUILD: u64 = 1;
    #[view(abi(BUILD))]
    pub trait Physics: Send + Sync {
        fn step(&self, dt: f32);
    }
}

mod abi_two {
    use playground_runtime::view;
    pub const BUILD: u64 = 2;
    #[view(abi(BUILD))]
    pub trait Physics: Send + Sync {
        fn step(&self, dt: f32);
    }
}

#[test]
fn abi_constants_are_part_of_the_api_version() {
    let plain = api::<dyn one_method::Physics>();
    assert_ne!(api::<dyn abi_one::Physics>(), plain);
    assert_ne!(api::<dyn abi_one::Physics>(), api::<dyn abi_two::Physics>());
}
