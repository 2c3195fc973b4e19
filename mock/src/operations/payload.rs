//! Payloads as scripts keep them: 10,000 scripted operations carry a handful of type URLs
//! between them, so each URL is held once (interned) and a payload is a pointer to it and its
//! bytes. An `Any` is made again for each answer, which is short-lived.

use std::collections::HashSet;
use std::sync::{Arc, LazyLock, Mutex};

use prost_types::Any;

use crate::lock::lock;

/// The most distinct type URLs held for sharing; past it, a new URL is held by its payloads
/// alone (still correct, just not shared), so a test that makes up URLs cannot grow the set.
const MAX_INTERNED: usize = 1024;

/// An `Any`, kept compactly: 32 bytes and a shared type URL instead of 48 bytes and a copy.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Payload {
    type_url: Arc<str>,
    value: Box<[u8]>,
}

impl Payload {
    pub(crate) fn new(any: Any) -> Self {
        Self {
            type_url: intern(any.type_url),
            value: any.value.into_boxed_slice(),
        }
    }

    pub(crate) fn to_any(&self) -> Any {
        Any {
            type_url: self.type_url.as_ref().to_owned(),
            value: self.value.to_vec(),
        }
    }
}

fn intern(url: String) -> Arc<str> {
    static URLS: LazyLock<Mutex<HashSet<Arc<str>>>> = LazyLock::new(Mutex::default);
    let mut urls = lock(&URLS);
    if let Some(known) = urls.get(url.as_str()) {
        return known.clone();
    }
    let url: Arc<str> = Arc::from(url);
    if urls.len() < MAX_INTERNED {
        urls.insert(url.clone());
    }
    url
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_urls_are_held_once_and_payloads_round_trip() {
        let any = |v: u8| Any {
            type_url: "type.googleapis.com/test.payload.Shared".into(),
            value: vec![v],
        };
        let (a, b) = (Payload::new(any(1)), Payload::new(any(2)));
        assert!(Arc::ptr_eq(&a.type_url, &b.type_url));
        assert_eq!((a.to_any(), b.to_any()), (any(1), any(2)));
    }
}
