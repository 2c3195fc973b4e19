//! Arbitrary text as an operation name and a location: never panics; whatever is accepted
//! splits back into the parts it was made of. Mirrors `names::*` in tests/proptests/.
#![no_main]

use ccai_lro::name::{check, OperationName, LOCATION_PATTERN, OPERATION_PATTERN};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data);
    if let Ok(n) = s.parse::<OperationName>() {
        assert_eq!(n.as_str(), s);
        let rebuilt = format!(
            "projects/{}/locations/{}/operations/{}",
            n.project(),
            n.location(),
            n.operation()
        );
        assert_eq!(rebuilt, s);
        assert_eq!(
            check(n.parent(), LOCATION_PATTERN).ok(),
            Some(vec![n.project(), n.location()])
        );
        assert!(![n.project(), n.location(), n.operation()]
            .iter()
            .any(|p| p.is_empty() || p.contains('/')));
    }
    let _ = check(&s, OPERATION_PATTERN);
    if let Ok(vars) = check(&s, LOCATION_PATTERN) {
        assert_eq!(format!("projects/{}/locations/{}", vars[0], vars[1]), s);
    }
});
