//! Each phase of a load and of a rollback is a `tracing` span with its
//! time. In a test binary of its own: a span's callsite first reached by
//! another test's thread, while this test's scoped subscriber was being set
//! up, could keep the interest it got then.

use counter_api::Counter;
use playground_runtime::Registry;
use reload_tests::{Fixture, library};
use std::sync::Mutex;

const LOAD_PHASES: [&str; 8] = [
    "read", "hash", "verify", "copy", "open", "save", "restore", "swap",
];
const ROLLBACK_PHASES: [&str; 3] = ["save", "restore", "swap"];

/// Collects the spans opened on this thread: name, parent's name, and the
/// `micros` recorded on it.
#[derive(Default)]
struct Spans {
    spans: Mutex<Vec<SpanSeen>>,
    entered: Mutex<Vec<u64>>,
}

#[derive(Debug, Clone)]
struct SpanSeen {
    name: &'static str,
    parent: Option<&'static str>,
    micros: Option<u64>,
}

struct Micros<'a>(&'a mut Option<u64>);

impl tracing::field::Visit for Micros<'_> {
    fn record_u64(&mut self, field: &tracing::field::Field, value: u64) {
        if field.name() == "micros" {
            *self.0 = Some(value);
        }
    }
    fn record_debug(&mut self, _: &tracing::field::Field, _: &dyn std::fmt::Debug) {}
}

impl tracing::Subscriber for Spans {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, attributes: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        let mut spans = self.spans.lock().unwrap();
        let parent = if let Some(parent) = attributes.parent() {
            Some(parent.into_u64())
        } else if attributes.is_contextual() {
            self.entered.lock().unwrap().last().copied()
        } else {
            None
        };
        let mut micros = None;
        attributes.record(&mut Micros(&mut micros));
        let parent = parent.map(|id| spans[id as usize - 1].name);
        spans.push(SpanSeen {
            name: attributes.metadata().name(),
            parent,
            micros,
        });
        tracing::span::Id::from_u64(spans.len() as u64)
    }
    fn record(&self, span: &tracing::span::Id, values: &tracing::span::Record<'_>) {
        let mut spans = self.spans.lock().unwrap();
        values.record(&mut Micros(&mut spans[span.into_u64() as usize - 1].micros));
    }
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, _: &tracing::Event<'_>) {}
    fn enter(&self, span: &tracing::span::Id) {
        self.entered.lock().unwrap().push(span.into_u64());
    }
    fn exit(&self, _: &tracing::span::Id) {
        self.entered.lock().unwrap().pop();
    }
}

#[test]
fn each_phase_is_a_tracing_span_with_its_time() {
    let (v1, v2) = (library(Fixture::V1), library(Fixture::V2));
    let spans = std::sync::Arc::new(Spans::default());
    let registry = Registry::linked();
    tracing::subscriber::with_default(std::sync::Arc::clone(&spans), || {
        registry.load(&v1).unwrap();
        registry.load(&v2).unwrap();
        registry.rollback::<dyn Counter>().unwrap();
    });
    let seen = spans.spans.lock().unwrap().clone();
    let under = |parent: &str| -> Vec<&str> {
        seen.iter()
            .filter(|s| s.parent == Some(parent))
            .map(|s| s.name)
            .collect()
    };
    let roots: Vec<&str> = seen
        .iter()
        .filter(|s| s.parent.is_none())
        .map(|s| s.name)
        .collect();
    assert_eq!(roots, ["load", "load", "rollback"], "{seen:#?}");
    let mut expected: Vec<&str> = LOAD_PHASES.repeat(2);
    expected.extend(ROLLBACK_PHASES);
    let mut phases = under("load");
    phases.extend(under("rollback"));
    assert_eq!(phases, expected, "{seen:#?}");
    for span in seen.iter().filter(|s| s.parent.is_some()) {
        assert!(span.micros.is_some(), "{span:?} has no time");
    }
}
