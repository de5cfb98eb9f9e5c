//! A plain `#[model]` struct gets `#[model]`'s own serde impls, not serde's
//! derives: they must write and read what the derives would, in a format
//! without field names (postcard, the saved state's) and in one with them
//! (JSON), errors included.

use playground_runtime::__private::serde::{Deserialize, Serialize};
use playground_runtime::{Model, model};
use std::collections::HashMap;

#[model]
#[derive(Debug, Clone, PartialEq, Default)]
struct Part {
    id: u32,
    tag: String,
}

/// Its own impls: named fields, no type parameter, no serde attribute.
#[model]
#[derive(Debug, Clone, PartialEq)]
struct Own {
    count: u64,
    name: String,
    ratio: Option<f32>,
    parts: Vec<Part>,
    index: HashMap<String, u8>,
    r#type: [i16; 2],
}

/// The same struct through serde's derives.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(crate = "playground_runtime::__private::serde")]
struct Derived {
    count: u64,
    name: String,
    ratio: Option<f32>,
    parts: Vec<DerivedPart>,
    index: HashMap<String, u8>,
    r#type: [i16; 2],
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(crate = "playground_runtime::__private::serde")]
struct DerivedPart {
    id: u32,
    tag: String,
}

fn own() -> Own {
    Own {
        count: 7,
        name: "seven".into(),
        ratio: Some(0.5),
        parts: vec![
            Part {
                id: 1,
                tag: "a".into(),
            },
            Part {
                id: 2,
                tag: "b".into(),
            },
        ],
        index: HashMap::from([("k".to_owned(), 3)]),
        r#type: [-1, 1],
    }
}

fn derived() -> Derived {
    let own = own();
    Derived {
        count: own.count,
        name: own.name,
        ratio: own.ratio,
        parts: own
            .parts
            .into_iter()
            .map(|p| DerivedPart {
                id: p.id,
                tag: p.tag,
            })
            .collect(),
        index: own.index,
        r#type: own.r#type,
    }
}

/// What each reads from `json`: the value, or serde_json's message.
fn both(json: &str) -> (Result<Own, String>, Result<Derived, String>) {
    (
        serde_json::from_str::<Own>(json).map_err(|e| e.to_string()),
        serde_json::from_str::<Derived>(json).map_err(|e| e.to_string()),
    )
}

fn same(json: &str) {
    let (own, derived) = both(json);
    match (own, derived) {
        (Ok(own), Ok(derived)) => assert_eq!(
            serde_json::to_value(own).unwrap(),
            serde_json::to_value(derived).unwrap(),
            "{json}"
        ),
        // The messages name the struct: the same but for its name.
        (Err(own), Err(derived)) => assert_eq!(own, derived.replace("Derived", "Own"), "{json}"),
        (own, derived) => panic!("{json}: own {own:?}, derived {derived:?}"),
    }
}

#[test]
fn a_plain_model_is_saved_byte_for_byte_as_serde_derives_save_it() {
    fn own_impls<T: playground_runtime::__private::NamedFields>() {}
    own_impls::<Own>();
    own_impls::<Part>();
    let bytes = postcard::to_allocvec(&own()).unwrap();
    assert_eq!(bytes, postcard::to_allocvec(&derived()).unwrap());
    assert_eq!(postcard::from_bytes::<Own>(&bytes).unwrap(), own());
    assert_eq!(Own::decode(&own().encode().unwrap()).unwrap(), own());
    // Too short: the same refusal.
    let short = &bytes[..bytes.len() - 2];
    assert_eq!(
        postcard::from_bytes::<Own>(short).unwrap_err(),
        postcard::from_bytes::<Derived>(short).unwrap_err()
    );
}

#[test]
fn a_plain_model_reads_and_writes_json_as_serde_derives_do() {
    let written = serde_json::to_string(&own()).unwrap();
    assert_eq!(written, serde_json::to_string(&derived()).unwrap());
    same(&written);
    // Fields in another order, an unknown field, a field by index or as
    // bytes are not JSON's, but order and unknown fields are.
    same(
        r#"{"type":[1,2],"index":{},"parts":[],"ratio":null,"name":"n","count":1,"extra":{"x":[1]}}"#,
    );
    // A missing `Option` reads as none; any other missing field is refused.
    same(r#"{"count":1,"name":"n","parts":[],"index":{},"type":[0,0]}"#);
    same(r#"{"count":1,"ratio":2.0,"parts":[],"index":{},"type":[0,0]}"#);
    // A field given twice is refused.
    same(r#"{"count":1,"count":2,"name":"n","parts":[],"index":{},"type":[0,0]}"#);
    // A sequence in field order, and one too short.
    same(r#"[1,"n",null,[{"id":4,"tag":"t"}],{},[3,4]]"#);
    same(r#"[1,"n"]"#);
    // Not a struct at all, and a field of the wrong type.
    same(r#""text""#);
    same(r#"{"count":"one"}"#);
}

#[test]
fn a_plain_model_without_fields_reads_and_writes_as_serde_derives_do() {
    #[model]
    #[derive(Debug, PartialEq)]
    struct Empty {}

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    #[serde(crate = "playground_runtime::__private::serde")]
    struct DerivedEmpty {}

    assert_eq!(
        postcard::to_allocvec(&Empty {}).unwrap(),
        postcard::to_allocvec(&DerivedEmpty {}).unwrap()
    );
    assert_eq!(serde_json::to_string(&Empty {}).unwrap(), "{}");
    assert_eq!(
        serde_json::from_str::<Empty>(r#"{"x":1}"#).unwrap(),
        Empty {}
    );
    assert_eq!(serde_json::from_str::<Empty>("[]").unwrap(), Empty {});
}

#[test]
fn a_model_with_more_fields_than_a_tuple_holds_keeps_serdes_derives_and_the_same_format() {
    #[model]
    #[derive(Debug, PartialEq, Default)]
    struct Wide {
        a: u8,
        b: u8,
        c: u8,
        d: u8,
        e: u8,
        f: u8,
        g: u8,
        h: u8,
        i: u8,
        j: u8,
        k: u8,
        l: u8,
        m: Option<u8>,
    }

    let wide = Wide {
        a: 1,
        m: Some(13),
        ..Wide::default()
    };
    assert_eq!(Wide::decode(&wide.encode().unwrap()).unwrap(), wide);
    assert_eq!(
        serde_json::from_str::<Wide>(
            r#"{"a":1,"b":0,"c":0,"d":0,"e":0,"f":0,"g":0,"h":0,"i":0,"j":0,"k":0,"l":0,"m":13}"#
        )
        .unwrap(),
        wide
    );
}
