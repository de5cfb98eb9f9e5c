//! [`EventView`] of [`EcsModule`]: events, keyed by model id, held while
//! their model is paused, and a history.

use crate::module::EcsModule;
use crate::storage::value::ModelValue;
use crate::view::event::{EventView, PostHandler, PreHandler};
use crate::world::event::{Delivery, HandlerFailure, Phase, SubscriptionId};

fn id_bits(id: SubscriptionId) -> u64 {
    id.to_bits()
}

impl EventView for EcsModule {
    fn subscribe_pre(&self, event_model: u64, handler: PreHandler) -> u64 {
        id_bits(
            self.state
                .events
                .write()
                .events
                .subscribe_model_pre(event_model, handler),
        )
    }
    fn subscribe_post(&self, event_model: u64, handler: PostHandler) -> u64 {
        id_bits(
            self.state
                .events
                .write()
                .events
                .subscribe_model_post(event_model, handler),
        )
    }
    fn unsubscribe(&self, subscription: u64) -> bool {
        self.state
            .events
            .write()
            .events
            .unsubscribe(SubscriptionId::from_bits(subscription))
    }
    fn unsubscribe_all(&self, event_model: u64) -> u32 {
        self.state
            .events
            .write()
            .events
            .unsubscribe_model(event_model) as u32
    }
    fn publish(&self, event: ModelValue) -> Delivery {
        self.state.events.write().deliver(event)
    }
    fn publish_many(&self, events: Vec<ModelValue>) -> Vec<Delivery> {
        let state = &mut self.state.events.write();
        events
            .into_iter()
            .map(|event| state.deliver(event))
            .collect()
    }
    fn send(&self, event: ModelValue) {
        self.state.events.write().events.send_model(event);
    }
    fn dispatch(&self) -> u32 {
        self.state.events.write().events.dispatch() as u32
    }
    fn pending(&self) -> u32 {
        self.state.events.read().events.pending() as u32
    }
    fn clear_pending(&self) -> u32 {
        self.state.events.write().events.clear_pending() as u32
    }
    fn subscriber_count(&self, event_model: u64, pre: bool) -> u32 {
        let phase = if pre { Phase::Pre } else { Phase::Post };
        self.state
            .events
            .read()
            .events
            .model_subscribers(event_model, phase) as u32
    }
    fn event_models(&self) -> Vec<u64> {
        self.state.events.read().events.model_channels()
    }
    fn failures(&self) -> Vec<HandlerFailure> {
        self.state.events.read().events.failures().to_vec()
    }
    fn clear_failures(&self) -> u32 {
        self.state.events.write().events.take_failures().len() as u32
    }
    fn pause_events(&self, event_model: u64) {
        self.state.events.write().paused.insert(event_model);
    }
    fn resume_events(&self, event_model: u64) -> u32 {
        let state = &mut self.state.events.write();
        state.paused.remove(&event_model);
        let (release, keep): (Vec<ModelValue>, Vec<ModelValue>) = std::mem::take(&mut state.held)
            .into_iter()
            .partition(|e| e.model_id == event_model);
        state.held = keep;
        let count = release.len() as u32;
        for event in release {
            state.deliver(event);
        }
        count
    }
    fn events_paused(&self, event_model: u64) -> bool {
        self.state.events.read().paused.contains(&event_model)
    }
    fn history(&self, limit: u32) -> Vec<ModelValue> {
        let state = self.state.events.read();
        let skip = state.history.len().saturating_sub(limit as usize);
        state.history.iter().skip(skip).cloned().collect()
    }
    fn set_history_limit(&self, limit: u32) {
        let state = &mut self.state.events.write();
        state.history_limit = limit as usize;
        while state.history.len() > state.history_limit {
            state.history.pop_front();
        }
    }
    fn clear_history(&self) {
        self.state.events.write().history.clear();
    }
}
