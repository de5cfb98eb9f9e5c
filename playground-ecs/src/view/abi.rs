//! [`ABI_VERSION`]: the hash of this crate's declarations, which every
//! view of the ECS folds into its API version (`build.rs` computes it).

/// A hash of what this crate declares: every type, field, signature, trait,
/// const and static, with function bodies left out (and doc comments). Fold
/// it into the API version of a view that takes a [`World`](crate::World)
/// (`#[view(abi(playground_ecs::ABI_VERSION))]`), so that a module built
/// against playground-ecs sources that declare anything differently is
/// refused.
///
/// Function bodies are left out on purpose: a new build of the ECS whose
/// code changed but whose types did not takes over the running world (see
/// [`EcsModule`](crate::EcsModule)). It finds the data the old code left
/// and must keep its invariants, as any new version of a crate with
/// `unsafe` code must keep those of the data it is handed.
pub const ABI_VERSION: u64 = match u64::from_str_radix(env!("PLAYGROUND_ECS_SOURCES"), 10) {
    Ok(hash) => hash,
    Err(_) => panic!("build.rs writes a decimal hash"),
};
