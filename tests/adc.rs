//! Application Default Credentials come from google-cloud-auth; a broken setup is an auth error
//! at build time that says what failed. (One test in its own binary: it sets an env var.)

use ccai_lro::{Client, Error};

#[tokio::test]
async fn a_missing_credentials_file_is_a_clear_auth_error() {
    let missing = std::env::temp_dir().join("ccai-lro-no-such-credentials.json");
    // SAFETY: this test binary has one test and no other threads reading the environment.
    unsafe { std::env::set_var("GOOGLE_APPLICATION_CREDENTIALS", &missing) };
    unsafe { std::env::remove_var("CONTACT_CENTER_INSIGHTS_EMULATOR_HOST") };
    let err = Client::builder().build().unwrap_err();
    let Error::Auth {
        message,
        status: None,
        ..
    } = &err
    else {
        panic!("expected Auth, got {err:?}")
    };
    assert!(
        message.contains("Application Default Credentials"),
        "{message}"
    );
    // With the same broken setup, a wrong endpoint is named as such: it is checked first.
    for endpoint in [
        "ftp://x",
        "example.test",
        "contactcenterinsights.googleapis.com",
    ] {
        let err = Client::builder().endpoint(endpoint).build().unwrap_err();
        assert!(
            matches!(&err, Error::InvalidArgument(m) if m.contains("https://HOST[:PORT]")),
            "{endpoint}: {err:?}"
        );
    }
}
