//! `Any`s nested to a depth the input picks (up to 2,000: anything past `json::MAX_ANY_DEPTH`
//! takes the same path, building the input is quadratic in the depth, and 12,000 levels are
//! measured by `examples/hostile_memory.rs`), around
//! payloads the rest of the input makes: the JSON rendering never overflows the stack, ends
//! opaque past `json::MAX_ANY_DEPTH`, and stays an object. Mirrors `tests/json.rs`'s nesting test.
#![no_main]

use ccai_lro::{json, proto::google::rpc::Status};
use libfuzzer_sys::fuzz_target;
use prost::Message;
use prost_types::Any;

fuzz_target!(|data: &[u8]| {
    let Some((&[hi, lo], rest)) = data.split_first_chunk::<2>() else {
        return;
    };
    let depth = usize::from(u16::from_be_bytes([hi, lo])) % 2_000;
    // The core: the rest of the input as a google.rpc.Status, so details add their own Anys.
    let core = Status::decode(rest).unwrap_or_default();
    let mut any = Any {
        type_url: "type.googleapis.com/google.rpc.Status".into(),
        value: core.encode_to_vec(),
    };
    for level in 0..depth {
        // Alternate Any-in-Any and Any-in-Status-details, the two ways to nest.
        any = if level % 2 == 0 {
            Any {
                type_url: "type.googleapis.com/google.protobuf.Any".into(),
                value: any.encode_to_vec(),
            }
        } else {
            let status = Status {
                code: 3,
                message: String::new(),
                details: vec![any],
            };
            Any {
                type_url: "type.googleapis.com/google.rpc.Status".into(),
                value: status.encode_to_vec(),
            }
        };
    }
    let rendered = json::any_to_json(&any);
    assert!(rendered.is_object());
    if depth > json::MAX_ANY_DEPTH {
        assert!(rendered.get("value").is_some_and(|v| v.is_string()) || rendered.get("details").is_some());
    }
    let _ = rendered.to_string();
});
