//! Command buffers: changes to the world's structure (spawn, despawn,
//! insert, remove, resources) recorded while the world is shared, and
//! applied later with `&mut World`. A [`Schedule`](crate::Schedule) applies
//! each system's commands at the end of its stage, so the next stage sees
//! them.

#![deny(unsafe_code)]

use crate::storage::component::Component;
use crate::storage::entity::Entity;
use crate::world::World;
use crate::world::bundle::Bundle;
use crate::world::error::EcsError;
use std::cell::RefCell;

type Command = Box<dyn FnOnce(&mut World) -> Result<(), EcsError> + Send + Sync>;

/// Changes to make to a world later, in order.
///
/// ```
/// use playground_ecs::{CommandBuffer, World};
/// struct Health(u32);
/// let mut world = World::new();
/// let e = world.spawn((Health(3),));
/// let mut commands = CommandBuffer::new();
/// commands.spawn((Health(10),));
/// commands.remove::<Health>(e);
/// commands.insert_resource(1.5f32);
/// assert_eq!(world.len(), 1, "nothing happens before apply");
/// commands.apply(&mut world).unwrap();
/// assert_eq!(world.len(), 2);
/// assert!(!world.has::<Health>(e).unwrap());
/// assert_eq!(*world.resource::<f32>().unwrap(), 1.5);
/// ```
#[derive(Default)]
pub struct CommandBuffer {
    commands: Vec<Command>,
}

impl CommandBuffer {
    /// An empty buffer.
    pub fn new() -> Self {
        Self::default()
    }

    fn push(
        &mut self,
        command: impl FnOnce(&mut World) -> Result<(), EcsError> + Send + Sync + 'static,
    ) {
        self.commands.push(Box::new(command));
    }

    /// Spawns an entity with `bundle`.
    pub fn spawn<B: Bundle>(&mut self, bundle: B) {
        self.push(move |world| {
            world.spawn(bundle);
            Ok(())
        });
    }

    /// Despawns `entity`.
    pub fn despawn(&mut self, entity: Entity) {
        self.push(move |world| world.despawn(entity));
    }

    /// Adds (or replaces) `entity`'s `T`.
    pub fn insert<T: Component>(&mut self, entity: Entity, value: T) {
        self.push(move |world| world.insert(entity, value));
    }

    /// Adds (or replaces) every component of `bundle` on `entity`.
    pub fn insert_bundle<B: Bundle>(&mut self, entity: Entity, bundle: B) {
        self.push(move |world| world.insert_bundle(entity, bundle));
    }

    /// Removes (and drops) `entity`'s `T`.
    pub fn remove<T: Component>(&mut self, entity: Entity) {
        self.push(move |world| world.remove::<T>(entity).map(drop));
    }

    /// Adds (or replaces) the resource of type `R`.
    pub fn insert_resource<R: Component>(&mut self, value: R) {
        self.push(move |world| {
            world.insert_resource(value);
            Ok(())
        });
    }

    /// Removes the resource of type `R`, if there is one.
    pub fn remove_resource<R: Component>(&mut self) {
        self.push(move |world| {
            world.remove_resource::<R>();
            Ok(())
        });
    }

    /// How many commands wait.
    pub fn len(&self) -> usize {
        self.commands.len()
    }

    /// Whether no command waits.
    pub fn is_empty(&self) -> bool {
        self.commands.is_empty()
    }

    /// Drops every waiting command.
    pub fn clear(&mut self) {
        self.commands.clear();
    }

    /// Applies every command, in order, and empties the buffer. A command
    /// that fails (despawning an entity that is gone) does not stop the
    /// others; the first failure is returned.
    pub fn apply(&mut self, world: &mut World) -> Result<(), EcsError> {
        world.flush();
        let mut first = Ok(());
        for command in self.commands.drain(..) {
            if let Err(error) = command(world)
                && first.is_ok()
            {
                first = Err(error);
            }
        }
        first
    }
}

/// A system's command buffer, from [`SystemWorld::commands`]: what it
/// records is applied at the end of the system's stage.
///
/// [`SystemWorld::commands`]: crate::SystemWorld::commands
pub struct Commands<'s> {
    world: &'s World,
    buffer: &'s RefCell<CommandBuffer>,
}

impl<'s> Commands<'s> {
    pub(crate) fn new(world: &'s World, buffer: &'s RefCell<CommandBuffer>) -> Self {
        Commands { world, buffer }
    }

    /// Spawns an entity with `bundle` at the end of the stage; its id is
    /// known now (reserved), to refer to it in later commands.
    pub fn spawn<B: Bundle>(&self, bundle: B) -> Entity {
        let entity = self.world.entities.reserve();
        self.buffer.borrow_mut().insert_bundle(entity, bundle);
        entity
    }

    /// Despawns `entity` at the end of the stage.
    pub fn despawn(&self, entity: Entity) {
        self.buffer.borrow_mut().despawn(entity);
    }

    /// Adds (or replaces) `entity`'s `T` at the end of the stage.
    pub fn insert<T: Component>(&self, entity: Entity, value: T) {
        self.buffer.borrow_mut().insert(entity, value);
    }

    /// Adds (or replaces) every component of `bundle` on `entity` at the end
    /// of the stage.
    pub fn insert_bundle<B: Bundle>(&self, entity: Entity, bundle: B) {
        self.buffer.borrow_mut().insert_bundle(entity, bundle);
    }

    /// Removes (and drops) `entity`'s `T` at the end of the stage.
    pub fn remove<T: Component>(&self, entity: Entity) {
        self.buffer.borrow_mut().remove::<T>(entity);
    }

    /// Adds (or replaces) the resource of type `R` at the end of the stage.
    pub fn insert_resource<R: Component>(&self, value: R) {
        self.buffer.borrow_mut().insert_resource(value);
    }

    /// Removes the resource of type `R` at the end of the stage.
    pub fn remove_resource<R: Component>(&self) {
        self.buffer.borrow_mut().remove_resource::<R>();
    }
}
