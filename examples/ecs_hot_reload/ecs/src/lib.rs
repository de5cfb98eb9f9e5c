//! The ECS itself as a module: playground-ecs's [`EcsModule`] alone in a
//! library. With `export_module!(all)`, loading it binds every viewmodel it
//! links, and so `dyn Ecs`: the new build adopts the running world (its
//! entities, components, resources, systems and event subscriptions) when
//! it declares the same types, and is refused, with the world untouched,
//! when it does not.
//!
//! The story (`cargo run -p ecs_hot_reload`) edits a scratch copy of
//! playground-ecs and builds this crate against it.

pub use playground_ecs::EcsModule;

playground_runtime::export_module!(all);
