//! [`EventView`]: events, keyed by model id, and the handlers it takes.

use crate::storage::value::ModelValue;
use crate::world::event::{Delivery, HandlerFailure};
use playground_runtime::view;

/// A pre-phase event handler of the view: `false` cancels the event.
pub type PreHandler = Box<dyn Fn(&ModelValue) -> bool + Send + Sync>;
/// A post-phase event handler of the view.
pub type PostHandler = Box<dyn Fn(&ModelValue) + Send + Sync>;

/// Events, keyed by model id: 20 operations.
#[view(abi(crate::view::abi::ABI_VERSION))]
pub trait EventView: Send + Sync {
    /// Subscribes to the pre phase of a model's events; returns the subscription.
    fn subscribe_pre(
        &self,
        event_model: u64,
        handler: Box<dyn Fn(&ModelValue) -> bool + Send + Sync>,
    ) -> u64;
    /// Subscribes to the post phase of a model's events.
    fn subscribe_post(
        &self,
        event_model: u64,
        handler: Box<dyn Fn(&ModelValue) + Send + Sync>,
    ) -> u64;
    /// Ends a subscription; whether it existed.
    fn unsubscribe(&self, subscription: u64) -> bool;
    /// Ends every subscription to a model's events; returns how many.
    fn unsubscribe_all(&self, event_model: u64) -> u32;
    /// Delivers an event now (held if its model is paused).
    fn publish(&self, event: ModelValue) -> Delivery;
    /// Delivers several events now, in order.
    fn publish_many(&self, events: Vec<ModelValue>) -> Vec<Delivery>;
    /// Queues an event for the next dispatch.
    fn send(&self, event: ModelValue);
    /// Delivers the queued events in order; returns how many.
    fn dispatch(&self) -> u32;
    /// How many events are queued.
    fn pending(&self) -> u32;
    /// Drops the queued events; returns how many.
    fn clear_pending(&self) -> u32;
    /// How many handlers a model's events have, in the pre or post phase.
    fn subscriber_count(&self, event_model: u64, pre: bool) -> u32;
    /// The models whose events have subscribers.
    fn event_models(&self) -> Vec<u64>;
    /// Handlers that panicked.
    fn failures(&self) -> Vec<HandlerFailure>;
    /// Forgets the recorded failures; returns how many.
    fn clear_failures(&self) -> u32;
    /// Holds a model's events instead of delivering them.
    fn pause_events(&self, event_model: u64);
    /// Delivers the held events of a model and stops holding; returns how many.
    fn resume_events(&self, event_model: u64) -> u32;
    /// Whether a model's events are held.
    fn events_paused(&self, event_model: u64) -> bool;
    /// The most recently delivered events, oldest first, at most `limit`.
    fn history(&self, limit: u32) -> Vec<ModelValue>;
    /// How many delivered events the history keeps.
    fn set_history_limit(&self, limit: u32);
    /// Forgets the history.
    fn clear_history(&self);
}
