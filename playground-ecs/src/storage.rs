//! Storage: what the world is made of, below it and without it: entity
//! ids and records, component types, archetype tables (and the world's
//! list of them, which counts its writes), borrow flags,
//! resource slots, model component registrations and encoded values.

pub(crate) mod archetype;
pub(crate) mod borrow;
pub(crate) mod component;
pub(crate) mod entity;
pub(crate) mod model;
pub(crate) mod resource;
pub(crate) mod tables;
pub(crate) mod value;
