//! Events: typed, delivered to subscribers in order, in two phases. Pre
//! handlers see an event first and may cancel it; post handlers see the
//! events that went through. A handler that panics is recorded and skipped;
//! the others still run.

use crate::storage::component::TypeKey;
use crate::storage::value::ModelValue;
use playground_runtime::panic_message;
use std::any::Any;
use std::collections::{HashMap, VecDeque};
use std::panic::{AssertUnwindSafe, catch_unwind};

/// An event type: any `'static + Send + Sync` value.
pub trait Event: Send + Sync + 'static {}

impl<T: Send + Sync + 'static> Event for T {}

/// A subscription, to unsubscribe with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SubscriptionId(u64);

impl SubscriptionId {
    /// The id as a number (for the ECS view).
    pub fn to_bits(self) -> u64 {
        self.0
    }

    /// The inverse of [`SubscriptionId::to_bits`].
    pub fn from_bits(bits: u64) -> Self {
        SubscriptionId(bits)
    }
}

/// Which phase a handler runs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Phase {
    /// Before the event takes effect; a pre handler may cancel it.
    Pre,
    /// After: only for events no pre handler cancelled.
    Post,
}

/// What delivering one event did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Delivery {
    /// Handlers that ran to the end.
    pub handled: usize,
    /// Whether a pre handler cancelled the event (post handlers did not run).
    pub cancelled: bool,
    /// Handlers that panicked (see [`Events::failures`]).
    pub failed: usize,
}

/// A handler that panicked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandlerFailure {
    /// Its subscription.
    pub subscription: SubscriptionId,
    /// The event type's name.
    pub event: &'static str,
    /// The panic's message.
    pub message: String,
}

/// A pre handler, type-erased: `false` cancels.
type PreHandler = Box<dyn Fn(&dyn Any) -> bool + Send + Sync>;
/// A post handler, type-erased.
type PostHandler = Box<dyn Fn(&dyn Any) + Send + Sync>;
/// A pre handler of model events: `false` cancels.
type ModelPreHandler = Box<dyn Fn(&ModelValue) -> bool + Send + Sync>;
/// A post handler of model events.
type ModelPostHandler = Box<dyn Fn(&ModelValue) + Send + Sync>;

/// Which channel an event goes through: a Rust type (the typed API), or a
/// model id (events that cross modules as [`ModelValue`]s).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum EventKey {
    Type(TypeKey),
    Model(u64),
}

/// Model events are handed over as what they are, never through `Any`: a
/// `TypeId` is only trusted within one build, and the events of a world
/// that another build of the ECS took over were subscribed by the old one.
enum Call {
    Pre(PreHandler),
    Post(PostHandler),
    ModelPre(ModelPreHandler),
    ModelPost(ModelPostHandler),
}

/// An event being delivered.
#[derive(Clone, Copy)]
enum Payload<'a> {
    Typed(&'a dyn Any),
    Model(&'a ModelValue),
}

/// A queued event.
enum Queued {
    Typed(EventKey, Box<dyn Any + Send + Sync>),
    Model(ModelValue),
}

struct Handler {
    id: SubscriptionId,
    call: Call,
}

struct Channel {
    name: &'static str,
    handlers: Vec<Handler>,
}

/// Subscribers and queued events.
///
/// ```
/// use playground_ecs::{Events, Phase};
/// struct Damage(u32);
///
/// let mut events = Events::new();
/// events.subscribe_pre(|d: &Damage| d.0 < 100); // veto lethal damage
/// let seen = std::sync::Arc::new(std::sync::atomic::AtomicU32::new(0));
/// let counter = seen.clone();
/// events.subscribe_post(move |d: &Damage| { counter.fetch_add(d.0, std::sync::atomic::Ordering::SeqCst); });
/// events.publish(Damage(5));
/// assert!(events.publish(Damage(500)).cancelled);
/// assert_eq!(seen.load(std::sync::atomic::Ordering::SeqCst), 5);
/// ```
#[derive(Default)]
pub struct Events {
    channels: HashMap<EventKey, Channel>,
    queue: VecDeque<Queued>,
    failures: Vec<HandlerFailure>,
    next_id: u64,
}

impl Events {
    /// No subscribers, no events.
    pub fn new() -> Self {
        Events::default()
    }

    fn add<E: Event>(&mut self, call: Call) -> SubscriptionId {
        self.add_keyed(
            EventKey::Type(TypeKey::of::<E>()),
            std::any::type_name::<E>(),
            call,
        )
    }

    fn add_keyed(&mut self, key: EventKey, name: &'static str, call: Call) -> SubscriptionId {
        let id = SubscriptionId(self.next_id);
        self.next_id += 1;
        let channel = self.channels.entry(key).or_insert_with(|| Channel {
            name,
            handlers: Vec::new(),
        });
        channel.handlers.push(Handler { id, call });
        id
    }

    /// Subscribes `handler` to the pre phase of `E`; returning `false`
    /// cancels the event.
    pub fn subscribe_pre<E: Event>(
        &mut self,
        handler: impl Fn(&E) -> bool + Send + Sync + 'static,
    ) -> SubscriptionId {
        self.add::<E>(Call::Pre(Box::new(move |event| {
            event.downcast_ref::<E>().is_none_or(&handler)
        })))
    }

    /// Subscribes `handler` to the post phase of `E`.
    pub fn subscribe_post<E: Event>(
        &mut self,
        handler: impl Fn(&E) + Send + Sync + 'static,
    ) -> SubscriptionId {
        self.add::<E>(Call::Post(Box::new(move |event| {
            if let Some(event) = event.downcast_ref::<E>() {
                handler(event)
            }
        })))
    }

    /// Removes a subscription; whether it existed.
    pub fn unsubscribe(&mut self, id: SubscriptionId) -> bool {
        self.channels.values_mut().any(|channel| {
            let before = channel.handlers.len();
            channel.handlers.retain(|h| h.id != id);
            channel.handlers.len() != before
        })
    }

    /// How many handlers `E` has in `phase`.
    pub fn subscribers<E: Event>(&self, phase: Phase) -> usize {
        self.count(EventKey::Type(TypeKey::of::<E>()), phase)
    }

    fn count(&self, key: EventKey, phase: Phase) -> usize {
        self.channels.get(&key).map_or(0, |channel| {
            channel
                .handlers
                .iter()
                .filter(|h| {
                    matches!(
                        (&h.call, phase),
                        (Call::Pre(_) | Call::ModelPre(_), Phase::Pre)
                            | (Call::Post(_) | Call::ModelPost(_), Phase::Post)
                    )
                })
                .count()
        })
    }

    /// Delivers `event` now: pre handlers in subscription order, then, if
    /// none cancelled it, post handlers in subscription order.
    pub fn publish<E: Event>(&mut self, event: E) -> Delivery {
        self.deliver(EventKey::Type(TypeKey::of::<E>()), Payload::Typed(&event))
    }

    /// Queues `event` for [`Events::dispatch`].
    pub fn send<E: Event>(&mut self, event: E) {
        self.queue.push_back(Queued::Typed(
            EventKey::Type(TypeKey::of::<E>()),
            Box::new(event),
        ));
    }

    /// How many events are queued.
    pub fn pending(&self) -> usize {
        self.queue.len()
    }

    /// Delivers every queued event, in the order they were sent (events
    /// sent meanwhile wait for the next dispatch). Returns how many.
    pub fn dispatch(&mut self) -> usize {
        let batch: Vec<_> = self.queue.drain(..).collect();
        let count = batch.len();
        for event in batch {
            match event {
                Queued::Typed(key, event) => self.deliver(key, Payload::Typed(&*event)),
                Queued::Model(event) => {
                    self.deliver(EventKey::Model(event.model_id), Payload::Model(&event))
                }
            };
        }
        count
    }

    /// Drops every queued event undelivered; returns how many.
    pub fn clear_pending(&mut self) -> usize {
        let count = self.queue.len();
        self.queue.clear();
        count
    }

    /// Subscribes `handler` to the pre phase of events of model `model_id`
    /// (published as [`ModelValue`]s); returning `false` cancels.
    pub fn subscribe_model_pre(
        &mut self,
        model_id: u64,
        handler: impl Fn(&ModelValue) -> bool + Send + Sync + 'static,
    ) -> SubscriptionId {
        let call = Call::ModelPre(Box::new(handler));
        self.add_keyed(EventKey::Model(model_id), "model event", call)
    }

    /// Subscribes `handler` to the post phase of events of model `model_id`.
    pub fn subscribe_model_post(
        &mut self,
        model_id: u64,
        handler: impl Fn(&ModelValue) + Send + Sync + 'static,
    ) -> SubscriptionId {
        let call = Call::ModelPost(Box::new(handler));
        self.add_keyed(EventKey::Model(model_id), "model event", call)
    }

    /// Delivers a model event now (see [`Events::publish`]).
    pub fn publish_model(&mut self, event: &ModelValue) -> Delivery {
        self.deliver(EventKey::Model(event.model_id), Payload::Model(event))
    }

    /// Queues a model event for [`Events::dispatch`].
    pub fn send_model(&mut self, event: ModelValue) {
        self.queue.push_back(Queued::Model(event));
    }

    /// How many handlers model events of `model_id` have in `phase`.
    pub fn model_subscribers(&self, model_id: u64, phase: Phase) -> usize {
        self.count(EventKey::Model(model_id), phase)
    }

    /// Removes every subscription to model events of `model_id`.
    pub fn unsubscribe_model(&mut self, model_id: u64) -> usize {
        self.channels
            .remove(&EventKey::Model(model_id))
            .map_or(0, |c| c.handlers.len())
    }

    /// The model ids that have subscribers.
    pub fn model_channels(&self) -> Vec<u64> {
        let mut ids: Vec<u64> = self
            .channels
            .iter()
            .filter(|(_, c)| !c.handlers.is_empty())
            .filter_map(|(key, _)| match key {
                EventKey::Model(id) => Some(*id),
                EventKey::Type(_) => None,
            })
            .collect();
        ids.sort_unstable();
        ids
    }

    /// Handlers that panicked, oldest first.
    pub fn failures(&self) -> &[HandlerFailure] {
        &self.failures
    }

    /// Takes the recorded failures.
    pub fn take_failures(&mut self) -> Vec<HandlerFailure> {
        std::mem::take(&mut self.failures)
    }

    fn deliver(&mut self, key: EventKey, event: Payload<'_>) -> Delivery {
        let mut delivery = Delivery::default();
        let Some(channel) = self.channels.get(&key) else {
            return delivery;
        };
        let mut failures = Vec::new();
        let mut run = |handler: &Handler, post: bool| -> Option<bool> {
            let outcome = catch_unwind(AssertUnwindSafe(|| match (&handler.call, event) {
                (Call::Pre(call), Payload::Typed(event)) if !post => Some(call(event)),
                (Call::ModelPre(call), Payload::Model(event)) if !post => Some(call(event)),
                (Call::Post(call), Payload::Typed(event)) if post => {
                    call(event);
                    Some(true)
                }
                (Call::ModelPost(call), Payload::Model(event)) if post => {
                    call(event);
                    Some(true)
                }
                _ => None,
            }));
            match outcome {
                Ok(result) => {
                    delivery.handled += usize::from(result.is_some());
                    result
                }
                Err(payload) => {
                    delivery.failed += 1;
                    let message = panic_message(&*payload);
                    failures.push(HandlerFailure {
                        subscription: handler.id,
                        event: channel.name,
                        message,
                    });
                    None
                }
            }
        };
        for handler in &channel.handlers {
            if run(handler, false) == Some(false) {
                delivery.cancelled = true;
                break;
            }
        }
        if !delivery.cancelled {
            for handler in &channel.handlers {
                run(handler, true);
            }
        }
        self.failures.extend(failures);
        delivery
    }
}
