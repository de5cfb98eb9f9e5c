//! Events: order, phases, cancellation, unsubscribe, queued delivery, and
//! panicking handlers.

use playground_ecs::{Delivery, Events, Phase};
use std::sync::{Arc, Mutex};

#[derive(Debug, Clone, PartialEq)]
struct Hit(u32);
struct Other;

#[test]
fn handlers_run_in_order_pre_then_post_and_pre_can_cancel() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let mut events = Events::new();
    for name in ["post-1", "post-2"] {
        let log = Arc::clone(&log);
        events
            .subscribe_post(move |hit: &Hit| log.lock().unwrap().push(format!("{name} {}", hit.0)));
    }
    let pre_log = Arc::clone(&log);
    events.subscribe_pre(move |hit: &Hit| {
        pre_log.lock().unwrap().push(format!("pre {}", hit.0));
        hit.0 < 10
    });
    assert_eq!(
        events.publish(Hit(1)),
        Delivery {
            handled: 3,
            cancelled: false,
            failed: 0
        }
    );
    assert_eq!(
        events.publish(Hit(50)),
        Delivery {
            handled: 1,
            cancelled: true,
            failed: 0
        }
    );
    assert_eq!(
        *log.lock().unwrap(),
        ["pre 1", "post-1 1", "post-2 1", "pre 50"]
    );
    assert_eq!(events.subscribers::<Hit>(Phase::Pre), 1);
    assert_eq!(events.subscribers::<Hit>(Phase::Post), 2);
    assert_eq!(
        events.publish(Other),
        Delivery::default(),
        "no subscribers, nothing delivered"
    );
}

#[test]
fn unsubscribe_stops_delivery() {
    let count = Arc::new(Mutex::new(0));
    let mut events = Events::new();
    let counter = Arc::clone(&count);
    let id = events.subscribe_post(move |_: &Hit| *counter.lock().unwrap() += 1);
    events.publish(Hit(1));
    assert!(events.unsubscribe(id));
    assert!(!events.unsubscribe(id), "already gone");
    events.publish(Hit(2));
    assert_eq!(*count.lock().unwrap(), 1);
}

#[test]
fn queued_events_are_delivered_in_send_order() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let mut events = Events::new();
    let log = Arc::clone(&seen);
    events.subscribe_post(move |hit: &Hit| log.lock().unwrap().push(hit.0));
    for n in 0..5 {
        events.send(Hit(n));
    }
    assert!(seen.lock().unwrap().is_empty(), "nothing before dispatch");
    assert_eq!(events.pending(), 5);
    assert_eq!(events.dispatch(), 5);
    assert_eq!(*seen.lock().unwrap(), [0, 1, 2, 3, 4]);
    events.send(Hit(9));
    assert_eq!(events.clear_pending(), 1);
    assert_eq!(events.dispatch(), 0);
}

#[test]
fn a_panicking_handler_is_recorded_and_the_others_still_run() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let mut events = Events::new();
    let bad = events.subscribe_post(|hit: &Hit| {
        if hit.0 == 2 {
            panic!("handler bug on {}", hit.0);
        }
    });
    let log = Arc::clone(&seen);
    events.subscribe_post(move |hit: &Hit| log.lock().unwrap().push(hit.0));
    let delivery = events.publish(Hit(2));
    assert_eq!(
        delivery,
        Delivery {
            handled: 1,
            cancelled: false,
            failed: 1
        }
    );
    events.publish(Hit(3));
    assert_eq!(*seen.lock().unwrap(), [2, 3]);
    let failures = events.take_failures();
    assert_eq!(failures.len(), 1);
    assert_eq!(failures[0].subscription, bad);
    assert_eq!(failures[0].message, "handler bug on 2");
    assert!(failures[0].event.ends_with("Hit"));
}
